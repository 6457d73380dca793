"""Issue 7: the fan-out load on one process against the same load spread over two processes
behind Redis, both on PostgreSQL, side by side in one run.

    .venv/bin/python bench/bench_scale_out.py --clients 200 --rate 50 --seconds 30

Each scenario uses a fresh PostgreSQL database; with two processes the clients are split evenly
(half connect to each) and every event crosses Redis to reach the other half. Server CPU and RSS
are summed over the processes. Writes bench/results/scale-out-<clients>x<rate>.json.
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

from bench_fanout import Fleet
from common import OurServer, machine, write_result

from tests.support import REDIS_URL, drop_pg_database, fresh_pg_database


class Probes:
    """CPU and RSS summed over several server processes."""

    def __init__(self, pids: list[int]) -> None:
        from common import Probe

        self.probes = [Probe(pid) for pid in pids]

    def cpu(self) -> float:
        return sum(p.cpu() for p in self.probes)

    def rss(self) -> int:
        return sum(p.rss() for p in self.probes)


def scenario(processes: int, clients: int, movers: int, rate: float, seconds: float) -> dict:
    database = fresh_pg_database("planner_bench")
    env: dict[str, str] = {"PLANNER_DATABASE_URL": database}
    if processes > 1:
        env |= {
            "PLANNER_MESSAGE_QUEUE": REDIS_URL,
            "PLANNER_REDIS_PREFIX": f"planner-bench-{uuid.uuid4().hex[:8]}",
        }
    servers = [OurServer(**env).start() for _ in range(processes)]
    try:
        first = servers[0]
        workshop_id, piece_ids, zones = first.board(100)
        auths = [{"token": token} for token in first.participants(workshop_id, clients)]
        probes = Probes([s.process.pid for s in servers if s.process])
        # two generator processes either way, so the generator side is the same
        fleet = Fleet([s.url for s in servers], auths, movers, piece_ids, zones, 2)
        try:
            time.sleep(3)
            result: dict[str, Any] = {"processes": processes, "connect_s": fleet.connect_s}
            result["load"] = fleet.phase(probes, rate, seconds)
            return result
        finally:
            fleet.close()
    finally:
        for server in servers:
            server.stop()
        drop_pg_database(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--movers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine(), **vars(args)}
    for processes in (1, 2):
        print(f"  {processes} process(es): {args.clients} clients, {args.rate:g} moves/s")
        run = scenario(processes, args.clients, args.movers, args.rate, args.seconds)
        load = run["load"]
        print(
            f"    p50 {load['p50_ms']:.1f} p99 {load['p99_ms']:.1f} ms, lost {load['lost']}, "
            f"acked {load['acked_per_s']:.1f}/s, server CPU {load['server_cpu_cores']:.2f}"
        )
        out[f"p{processes}"] = run
    write_result(f"scale-out-{args.clients}x{args.rate:g}", out)


if __name__ == "__main__":
    main()
