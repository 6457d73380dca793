"""What the benchmarks share: the machine, the servers under test, percentiles, results."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from tests.support import LiveServer, free_port  # noqa: E402

PACKAGES = (
    "flask",
    "flask-socketio",
    "python-socketio",
    "python-engineio",
    "eventlet",
    "gevent",
    "sqlalchemy",
    "marshmallow",
    "aiohttp",
    "playwright",
)


# PLANNER_BENCH_DB_DIR=/dev/shm puts our server's database on tmpfs: the code without the disk
DB_DIR = os.environ.get("PLANNER_BENCH_DB_DIR") or None


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "load_average": os.getloadavg(),
    }


def disk_commit_ms(directory: str | None = None, count: int = 500) -> dict[str, float]:
    """How long this disk takes to make a SQLite commit durable (WAL, synchronous=FULL: a few
    page writes and an fdatasync), in ms, at a workshop's pace (50 commits/s): the floor under
    every acknowledged op on SQLite, whatever the code does."""
    times = []
    with tempfile.TemporaryDirectory(dir=directory) as where:
        db = sqlite3.connect(Path(where) / "probe.db", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "wal_autocheckpoint=0"):
            db.execute(f"PRAGMA {pragma}")
        db.execute("CREATE TABLE piece (id INTEGER PRIMARY KEY, body TEXT)")
        db.executemany("INSERT INTO piece (body) VALUES (?)", [("x" * 700,)] * 2000)
        rng = random.Random(8)
        for _ in range(count):
            started = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            for _ in range(3):
                db.execute(
                    "UPDATE piece SET body = ? WHERE id = ?", ("y" * 700, rng.randrange(2000))
                )
            db.execute("INSERT INTO piece (body) VALUES (?)", ("e" * 1500,))
            db.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
        db.close()
    return {q: percentile(times, n) for q, n in (("p50", 50), ("p99", 99), ("max", 100))}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


class Probe:
    """CPU seconds and RSS of a server process, read from /proc through psutil."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)

    def cpu(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def rss(self) -> int:
        return self.process.memory_info().rss


class BareServer:
    """bench/bare_server.py as a subprocess."""

    def __init__(self, mode: str = "eventlet") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = mode
        self.process: subprocess.Popen | None = None

    def start(self) -> BareServer:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_server.py"), str(self.port), self.mode],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the bare server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.log.close()


class OurServer(LiveServer):
    """run.py as a subprocess with a fresh SQLite database in a temporary directory."""

    def __init__(self, mode: str = "eventlet", root: Path | None = None, **env: str) -> None:
        self.tmpdir = tempfile.TemporaryDirectory(prefix="planner-bench-", dir=DB_DIR)
        super().__init__(
            Path(self.tmpdir.name),
            PLANNER_ASYNC_MODE=mode,
            PLANNER_SECRET_KEY="bench-secret-key",
            # The per-socket op limit (40 per 2 s) stays on, set above what one socket of the
            # bench sends: the setup socket pipelines 2 000 creates, the capacity ladder's movers
            # send up to 30 moves/s each.
            PLANNER_SOCKET_OPS_BURST="1000000",
            **env,
        )
        # another copy of the tree (a "before" for a before/after), run with this .venv
        self.root = Path(root or os.environ.get("PLANNER_BENCH_ROOT") or ROOT)

    def stop(self) -> None:
        super().stop()
        self.tmpdir.cleanup()

    def board(self, pieces: int, template: str = "smk2030") -> tuple[int, list[int], list]:
        """A workshop with `pieces` pieces spread over its domains (5 % in the tray)."""
        workshop = self.create_workshop("Benchmark", 2027, template)
        domains = [d["id"] for d in self.snapshot(workshop["id"])["domains"]]
        zones: list[int | None] = [None, *domains]
        asyncio.run(create_pieces(self.url, self.staff_token, workshop["id"], domains, pieces))
        snap = self.snapshot(workshop["id"])
        assert len(snap["pieces"]) == pieces, len(snap["pieces"])
        return workshop["id"], [p["id"] for p in snap["pieces"]], zones

    def participants(self, workshop_id: int, count: int) -> list[str]:
        code = self.snapshot(workshop_id)["workshop"]["code"]
        http = requests.Session()
        tokens = []
        for n in range(count):
            answer = http.post(
                f"{self.url}/api/join", json={"code": code, "name": f"Tablet {n}"}, timeout=30
            )
            answer.raise_for_status()
            tokens.append(answer.json()["token"])
        return tokens


def piece_fields(n: int) -> dict[str, Any]:
    """A realistic piece: the fields a bureau fills in (about 600 bytes of JSON)."""
    gminas = ("Kraków", "Wieliczka", "Skawina", "Niepołomice", "Zabierzów", "Liszki")
    return {
        "code": f"B-{n:04d}",
        "title": f"Działanie metropolitalne nr {n}: wspólna usługa gmin",
        "description": "Zakres: analiza potrzeb, projekt, wdrożenie i ocena. " * 3,
        "lead": gminas[n % len(gminas)],
        "partners": [gminas[(n + k) % len(gminas)] for k in (1, 2)],
        "quarters": [1 + n % 4],
        "cost_pln": 1000 + (n * 37) % 90000,
    }


async def create_pieces(
    url: str, token: str, workshop_id: int, domains: list[int], count: int, window: int = 32
) -> None:
    """Create pieces through the real protocol (staff socket, ops pipelined `window` deep)."""
    ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        await ws.receive_str()
        await ws.send_str("40" + json.dumps({"token": token, "workshop_id": workshop_id}))
        while not (answer := await ws.receive_str()).startswith(("40", "44")):
            pass  # the catch-up (snapshot) comes before the connect acknowledgement
        if not answer.startswith("40"):
            raise RuntimeError(f"the staff socket was refused: {answer}")
        pending: set[int] = set()
        done = asyncio.Event()
        failures: list[str] = []

        async def read() -> None:
            async for message in ws:
                data = message.data
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("43"):
                    ack = int(data[2 : data.index("[")])
                    if '"ok": true' not in data and '"ok":true' not in data:
                        failures.append(data[:300])
                    pending.discard(ack)
                    done.set()

        reader = asyncio.create_task(read())
        for n in range(count):
            while len(pending) >= window:
                done.clear()
                await done.wait()
            zone = None if n % 20 == 0 else domains[n % len(domains)]
            op = {
                "op_id": f"setup-{n}-{time.monotonic_ns()}",
                "type": "piece.create",
                "piece": piece_fields(n),
                "domain_id": zone,
            }
            pending.add(n + 1)
            await ws.send_str(f"42{n + 1}" + json.dumps(["op", op]))
        while pending:
            done.clear()
            await done.wait()
        reader.cancel()
        if failures:
            raise RuntimeError(f"{len(failures)} creates refused: {failures[:2]}")
