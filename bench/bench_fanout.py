"""Fan-out under load: N websocket clients on one workshop, K of them move pieces at R moves/s.

    .venv/bin/python bench/bench_fanout.py --clients 200 --rate 50 --seconds 60 [--capacity]

Runs the same load against our server (run.py, SQLite) and the bare re-broadcast server
(bench/bare_server.py) on the same async mode, one after the other (in alternating rounds with
--rounds), and reports every figure of ours as a ratio to the bare one. Writes
bench/results/fanout-<clients>x<rate>.json.
"""

from __future__ import annotations

import argparse
import array
import multiprocessing
import statistics
import time
from typing import Any

import requests
from common import BareServer, OurServer, Probe, machine, percentile, write_result
from loadgen import Spec, worker_main

from planner.durability import SLOW_FSYNC_SECONDS

P99_LIMIT_MS = 250.0


def _ms(raw: list[bytes]) -> list[float]:
    values = array.array("d")
    for chunk in raw:
        values.frombytes(chunk)
    return list(values)


class Fleet:
    """The load-generator processes of one scenario and the server they talk to."""

    def __init__(
        self,
        url: str | list[str],
        auths: list[dict],
        movers: int,
        piece_ids: list[int],
        zones: list,
        procs: int,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers = []
        self.movers = []
        for w in range(procs):
            mine = auths[w::procs]
            movers_here = len(range(w, movers, procs))
            # several servers (bench_scale_out.py): each generator process talks to one of them
            target = url[w % len(url)] if isinstance(url, list) else url
            spec = Spec(target, mine, movers_here, piece_ids, zones, worker=w, seed=w + 1)
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(spec, child), daemon=True)
            process.start()
            self.workers.append((process, parent))
            self.movers.append(movers_here)
        self.clients = len(auths)
        answers = [self._recv(pipe, 600) for _, pipe in self.workers]
        self.connect_s = max(a["connect_s"] for a in answers)

    @staticmethod
    def _recv(pipe: Any, timeout: float) -> dict[str, Any]:
        if not pipe.poll(timeout):
            raise RuntimeError("a load-generator worker did not answer")
        answer = pipe.recv()
        if "error" in answer:
            raise RuntimeError(f"load-generator worker: {answer['error']}")
        return answer

    def phase(self, probe: Probe, rate: float, seconds: float) -> dict[str, Any]:
        total_movers = sum(self.movers)
        cpu_before, rss_before, started = probe.cpu(), probe.rss(), time.monotonic()
        for (_, pipe), movers in zip(self.workers, self.movers, strict=True):
            pipe.send(("run", rate * movers / total_movers, seconds) if movers else ("run", 0, 0))
        runs = [self._recv(pipe, seconds + 120) for _, pipe in self.workers]
        wall = time.monotonic() - started
        server_cpu = probe.cpu() - cpu_before
        rss_after = probe.rss()
        acked = sum(r["acked_ok"] for r in runs)
        for _, pipe in self.workers:
            pipe.send(("drain", acked))
        drains = [self._recv(pipe, 120) for _, pipe in self.workers]
        latencies = _ms([d["latencies"] for d in drains])
        acks = _ms([r["ack_latencies"] for r in runs])
        sending = max(r["sending_s"] for r in runs) or seconds
        generator_cpu = sum(r["cpu_s"] for r in runs)
        refusals: dict[str, int] = {}
        for r in runs:
            for code, count in r["refusals"].items():
                refusals[code] = refusals.get(code, 0) + count
        return {
            "rate": rate,
            "seconds": seconds,
            "clients": self.clients,
            "movers": total_movers,
            "sent": sum(r["sent"] for r in runs),
            "acked_ok": acked,
            "refused": sum(r["acked_refused"] for r in runs),
            "refusals": refusals,
            "acked_per_s": acked / sending,
            "expected": sum(d["expected"] for d in drains),
            "received": sum(d["received"] for d in drains),
            "seq_gaps": sum(d["gaps"] for d in drains),
            "lost": sum(d["expected"] for d in drains) - sum(d["received"] for d in drains),
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies, default=float("nan")),
            "ack_p50_ms": percentile(acks, 50),
            "ack_p99_ms": percentile(acks, 99),
            "server_cpu_cores": server_cpu / wall,
            "server_rss_mib": rss_after / 2**20,
            "server_rss_growth_mib": (rss_after - rss_before) / 2**20,
            "generator_cpu_cores": generator_cpu / wall,
            "generator_procs": len(self.workers),
            "generator_loop_lag_max_ms": max(r["loop_lag_max_ms"] for r in runs),
            "generator_send_late_max_ms": max(r["send_late_max_ms"] for r in runs),
        }

    def close(self) -> None:
        for _process, pipe in self.workers:
            pipe.send(("stop",))
        for process, _ in self.workers:
            process.join(20)
            if process.is_alive():
                process.terminate()


def passes(phase: dict[str, Any]) -> bool:
    return phase["lost"] == 0 and phase["p99_ms"] < P99_LIMIT_MS


def capacity(
    fleet: Fleet, probe: Probe, rates: list[float], seconds: float, refine: int = 2
) -> tuple[float, list[dict]]:
    """The highest rate of the ladder that keeps p99 under 250 ms with nothing lost (past its top
    in steps of ×1.5 while it passes), refined by `refine` halvings of the gap between the last
    pass and the first failure."""
    steps, best, failed_at = [], 0.0, None

    def step(rate: float) -> bool:
        result = fleet.phase(probe, rate, seconds)
        steps.append(result)
        p99, lost = result["p99_ms"], result["lost"]
        print(f"    capacity step {rate:>5.0f}/s: p99 {p99:.0f} ms, lost {lost}")
        return passes(result)

    for rate in rates:
        if not step(rate):
            failed_at = rate
            break
        best = rate
    while failed_at is None and best < 4 * rates[-1]:  # passed the whole ladder: go on up
        if not step(best * 1.5):
            failed_at = best * 1.5
        else:
            best *= 1.5
    for _ in range(refine if failed_at is not None and best else 0):
        middle = (best + failed_at) / 2
        if step(middle):
            best = middle
        else:
            failed_at = middle
    return best, steps


def scenario(
    kind: str,
    clients: int,
    movers: int,
    rate: float,
    seconds: float,
    *,
    pieces: int = 100,
    procs: int = 1,
    mode: str = "eventlet",
    capacity_rates: list[float] | None = None,
    capacity_seconds: float = 15,
    compact: bool = True,
) -> dict[str, Any]:
    server = OurServer(mode) if kind == "ours" else BareServer(mode)
    server.start()
    try:
        if isinstance(server, OurServer):
            workshop_id, piece_ids, zones = server.board(pieces)
            # as the tablet and projector pages connect: compact move events (docs/protocol.md)
            tokens = server.participants(workshop_id, clients)
            auths = [{"token": token, "compact": compact} for token in tokens]
        else:
            piece_ids, zones = list(range(1, pieces + 1)), [None, *range(1, 8)]
            auths = [{} for _ in range(clients)]
        assert server.process is not None
        probe = Probe(server.process.pid)
        time.sleep(1)
        rss_idle = probe.rss()
        fleet = Fleet(server.url, auths, movers, piece_ids, zones, procs)
        try:
            time.sleep(3)  # let the connection storm settle
            rss_connected = probe.rss()
            result: dict[str, Any] = {
                "server": kind,
                "mode": mode,
                "pieces": pieces,
                "compact": compact if kind == "ours" else None,
                "connect_s": fleet.connect_s,
                "rss_0_clients_mib": rss_idle / 2**20,
                "rss_connected_mib": rss_connected / 2**20,
                "rss_per_client_kib": (rss_connected - rss_idle) / 1024 / clients,
            }
            if seconds:
                disk = _disk(server)
                result["load"] = fleet.phase(probe, rate, seconds)
                if disk is not None:  # ours on SQLite: the fsyncs every event waited for
                    result["load"]["disk"] = _disk_delta(disk, _disk(server))
            if capacity_rates:
                best, steps = capacity(fleet, probe, capacity_rates, capacity_seconds)
                result["capacity_moves_per_s"] = best
                result["capacity_steps"] = steps
            return result
        finally:
            fleet.close()
    finally:
        server.stop()


def _disk(server: OurServer | BareServer) -> dict[str, Any] | None:
    if not isinstance(server, OurServer):
        return None
    return requests.get(f"{server.url}/healthz", timeout=10).json().get("disk")


def _disk_delta(before: dict[str, Any], after: dict[str, Any] | None) -> dict[str, Any]:
    """The phase's fsyncs and those over planner.durability.SLOW_FSYNC_SECONDS; the slowest is
    since the server started (its setup's few included)."""
    assert after is not None
    return {
        "fsyncs": after["fsyncs"] - before["fsyncs"],
        "slow_fsyncs": after["slow_fsyncs"] - before["slow_fsyncs"],
        "slowest_fsync_ms": after["slowest_fsync_ms"],
    }


# Counts add up over rounds ("nothing lost" must hold in each); every other figure is the
# median of the rounds.
_SUMMED = ("seconds", "sent", "acked_ok", "refused", "expected", "received", "seq_gaps", "lost")


def _median_load(loads: list[dict[str, Any]]) -> dict[str, Any]:
    merged = dict(loads[0])
    for key, value in loads[0].items():
        if key in _SUMMED:
            merged[key] = sum(load[key] for load in loads)
        elif isinstance(value, int | float) and key not in ("rate", "clients", "movers"):
            merged[key] = statistics.median(load[key] for load in loads)
    if "disk" in merged:
        disks = [load["disk"] for load in loads]
        merged["disk"] = {
            "fsyncs": sum(d["fsyncs"] for d in disks),
            "slow_fsyncs": sum(d["slow_fsyncs"] for d in disks),
            "slowest_fsync_ms": max(d["slowest_fsync_ms"] for d in disks),
        }
    return merged


_RATIO_KEYS = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "server_cpu_cores", "acked_per_s")


def _ratios(ours: dict[str, Any], bare: dict[str, Any]) -> dict[str, float]:
    return {k: ours[k] / bare[k] if bare[k] else float("nan") for k in _RATIO_KEYS}


def compare(
    clients: int, movers: int, rate: float, seconds: float, rounds: int = 1, **kwargs: Any
) -> dict[str, Any]:
    """The same load on the bare server and ours, in alternating rounds (bare, ours, ours,
    bare, …): single runs of one server differ by up to ±20 % in CPU on these machines, and the
    machine's speed drifts; alternating puts the drift on both. A load's figures are the median
    of its rounds (counts: the sum), the ratios ours / bare are of those medians, and each
    round's own ratios are kept. The capacity ladder runs in the first round only."""
    out: dict[str, Any] = {
        "clients": clients,
        "movers": movers,
        "rate": rate,
        "seconds": seconds,
        "rounds": rounds,
    }
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "ours": []}
    for n in range(rounds):
        once = kwargs if n == 0 else {**kwargs, "capacity_rates": None}
        for kind in ("bare", "ours") if n % 2 == 0 else ("ours", "bare"):
            print(
                f"  {kind}: {clients} clients, {movers} movers, {rate:g} moves/s, {seconds:g} s"
                f" (round {n + 1} of {rounds})"
            )
            runs[kind].append(result := scenario(kind, clients, movers, rate, seconds, **once))
            if "load" in result:
                load = result["load"]
                disk = ""
                if "disk" in load:
                    disk = (
                        f", fsyncs ≥ {SLOW_FSYNC_SECONDS * 1000:.0f} ms "
                        f"{load['disk']['slow_fsyncs']} of {load['disk']['fsyncs']}"
                    )
                print(
                    f"    p50 {load['p50_ms']:.1f} p99 {load['p99_ms']:.1f} "
                    f"max {load['max_ms']:.0f} ms, lost {load['lost']}, "
                    f"server CPU {load['server_cpu_cores']:.2f}, "
                    f"generator CPU {load['generator_cpu_cores']:.2f}{disk}"
                )
    for kind in ("bare", "ours"):
        out[kind] = dict(runs[kind][0])  # connections, RSS per client, capacity: the first round
        if seconds:
            out[kind]["load_rounds"] = [run["load"] for run in runs[kind]]
            out[kind]["load"] = _median_load(out[kind]["load_rounds"])
    ratios: dict[str, float] = {}
    if seconds:
        ratios = _ratios(out["ours"]["load"], out["bare"]["load"])
        pairs = zip(out["ours"]["load_rounds"], out["bare"]["load_rounds"], strict=True)
        out["round_ratios"] = [_ratios(ours, bare) for ours, bare in pairs]
    for key in ("rss_per_client_kib", "rss_connected_mib", "capacity_moves_per_s"):
        if key in out["bare"] and out["bare"][key]:
            ratios[key] = out["ours"][key] / out["bare"][key]
    out["ratios"] = ratios
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--movers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--mode", default="eventlet")
    parser.add_argument("--capacity", action="store_true")
    parser.add_argument("--capacity-seconds", type=float, default=15)
    parser.add_argument("--only", choices=("ours", "bare"))
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds of the load")
    parser.add_argument(
        "--full-events", action="store_true", help="ours: move events with the whole piece"
    )
    args = parser.parse_args()
    kwargs: dict[str, Any] = {
        "pieces": args.pieces,
        "procs": args.procs,
        "mode": args.mode,
        "capacity_rates": [50, 100, 150, 200, 300, 400, 600, 800] if args.capacity else None,
        "capacity_seconds": args.capacity_seconds,
        "compact": not args.full_events,
    }
    if args.only:
        result = scenario(args.only, args.clients, args.movers, args.rate, args.seconds, **kwargs)
        print({k: v for k, v in result.items() if k != "capacity_steps"})
        return
    result = compare(args.clients, args.movers, args.rate, args.seconds, args.rounds, **kwargs)
    result["machine"] = machine()
    path = write_result(f"fanout-{args.clients}x{args.rate:g}", result)
    print(f"written {path}")


if __name__ == "__main__":
    main()
