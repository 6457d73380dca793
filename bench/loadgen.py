"""An asyncio Socket.IO load generator: many websocket clients, a few of them move pieces.

Speaks Engine.IO 4 / Socket.IO 5 text frames directly over aiohttp websockets (`40{auth}` to
connect, `42<id>["op",{...}]` for an op with an ack, `43<id>[...]` back, `42["event",{...}]` and
`42["events",{"events":[...]}]` for broadcasts, `2`/`3` ping/pong), so the per-message cost on
the generator side stays small.

A worker process owns a share of the clients and of the move rate. Every move's `op_id` carries the
`time.monotonic_ns()` of its sending (CLOCK_MONOTONIC is one clock for every process of the
machine), so any client in any worker turns each `event` it receives into a latency without a
shared table. The parent (bench/bench_fanout.py) drives the workers through a pipe:

    ("run", rate, seconds)   send moves at `rate` per second for `seconds`; answer the acks
    ("drain", expected)      wait until every client received `expected` events of that phase;
                             answer the delivery counts and latencies
    ("stop",)                close everything
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import random
import resource
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

PING, PONG = "2", "3"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Spec:
    """What one worker does."""

    url: str  # http://127.0.0.1:port
    auths: list[dict[str, Any]]  # one per client; the first `movers` of them move pieces
    movers: int
    piece_ids: list[int]
    zones: list[int | None]
    worker: int = 0
    seed: int = 0


@dataclass
class Client:
    index: int
    ws: aiohttp.ClientWebSocketResponse | None = None
    next_ack: int = 0
    acks: dict[int, int] = field(default_factory=dict)  # ack id -> send time (ns)
    received: int = 0  # events of the current phase
    last_seq: int | None = None
    gaps: int = 0  # a seq that is not the previous + 1
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


class Worker:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.clients = [Client(i) for i in range(len(spec.auths))]
        self.tag = f"w{spec.worker}"
        self.phase = 0
        self.latencies = array.array("d")  # ms, event deliveries of this phase
        self.ack_latencies = array.array("d")  # ms, acks of this phase
        self.acked_ok = 0
        self.acked_refused = 0
        self.refusals: dict[str, int] = {}
        self.sent = 0
        self.rng = random.Random(spec.seed)
        self.session: aiohttp.ClientSession | None = None
        self.readers: list[asyncio.Task] = []
        self.lag_max_ms = 0.0  # how late this process's loop wakes up (is the generator busy?)

    # --- connections -------------------------------------------------------------------------

    async def connect_all(self, concurrency: int = 20) -> None:
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self.session = aiohttp.ClientSession(connector=connector)
        gate = asyncio.Semaphore(concurrency)

        async def one(client: Client) -> None:
            async with gate:
                await self._connect(client)

        await asyncio.gather(*(one(c) for c in self.clients))
        failed = [c.error for c in self.clients if c.error]
        if failed:
            raise RuntimeError(f"{len(failed)} clients failed to connect: {failed[:3]}")

    async def _connect(self, client: Client) -> None:
        assert self.session is not None
        ws_url = self.spec.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        ws = await self.session.ws_connect(
            ws_url, autoping=False, max_msg_size=16 * 1024 * 1024, compress=0
        )
        client.ws = ws
        opening = await ws.receive_str()
        assert opening.startswith("0"), opening
        await ws.send_str("40" + json.dumps(self.spec.auths[client.index]))
        self.readers.append(asyncio.create_task(self._read(client)))
        await asyncio.wait_for(client.connected.wait(), 60)

    async def _read(self, client: Client) -> None:
        ws = client.ws
        assert ws is not None
        tag = self.tag
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data: str = message.data
            if data.startswith('42["event",'):
                self._take(client, json.loads(data[2:])[1], time.monotonic_ns())
            elif data.startswith('42["events",'):  # moves stored together (compact sockets)
                now = time.monotonic_ns()
                for event in json.loads(data[2:])[1]["events"]:
                    self._take(client, event, now)
            elif data.startswith("43"):
                now = time.monotonic_ns()
                bracket = data.index("[")
                sent_ns = client.acks.pop(int(data[2:bracket]), None)
                answer = json.loads(data[bracket:])[0]
                if sent_ns is not None:
                    self.ack_latencies.append((now - sent_ns) / 1e6)
                if answer.get("ok"):
                    self.acked_ok += 1
                else:
                    self.acked_refused += 1
                    code = (answer.get("error") or {}).get("code", "?")
                    self.refusals[code] = self.refusals.get(code, 0) + 1
            elif data == PING:
                await ws.send_str(PONG)
            elif data.startswith("40"):
                client.connected.set()
            elif data.startswith("44"):
                client.error = data
                client.connected.set()
            elif data.startswith('42["snapshot"'):
                with contextlib.suppress(ValueError, KeyError, IndexError):
                    client.last_seq = json.loads(data[2:])[1].get("seq", client.last_seq)
        del tag

    def _take(self, client: Client, event: dict[str, Any], now: int) -> None:
        """A live event: its seq must follow the last one; a move of this phase is a delivery."""
        seq = event["seq"]
        if client.last_seq is not None and seq != client.last_seq + 1:
            client.gaps += 1
        client.last_seq = seq
        op_id: str = event.get("op_id") or ""
        if op_id.startswith("m") and op_id.split(".", 3)[2] == str(self.phase):
            client.received += 1
            sent_ns = int(op_id.split(".", 2)[1])
            self.latencies.append((now - sent_ns) / 1e6)

    # --- load --------------------------------------------------------------------------------

    async def _watch_lag(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.lag_max_ms = max(self.lag_max_ms, (time.monotonic() - before - 0.01) * 1000)

    async def run(self, rate: float, seconds: float) -> dict[str, Any]:
        """Send `rate` moves per second (this worker's share) for `seconds`, then wait for acks."""
        self.phase += 1
        self.latencies = array.array("d")
        self.ack_latencies = array.array("d")
        self.acked_ok = self.acked_refused = self.sent = 0
        self.refusals = {}
        self.lag_max_ms = 0.0
        for client in self.clients:
            client.received = 0
        stop = asyncio.Event()
        watcher = asyncio.create_task(self._watch_lag(stop))
        cpu_before = _cpu_seconds()
        total = int(rate * seconds)
        movers = self.clients[: self.spec.movers]
        started = time.monotonic()
        late_max = 0.0
        for n in range(total):
            due = started + n / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late_max = max(late_max, -delay)
            await self._send_move(movers[n % len(movers)], n)
        sending = time.monotonic() - started
        deadline = time.monotonic() + 15
        while self.acked_ok + self.acked_refused < self.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        stop.set()
        await watcher
        return {
            "sent": self.sent,
            "acked_ok": self.acked_ok,
            "acked_refused": self.acked_refused,
            "refusals": self.refusals,
            "sending_s": sending,
            "send_late_max_ms": late_max * 1000,
            "cpu_s": _cpu_seconds() - cpu_before,
            "loop_lag_max_ms": self.lag_max_ms,
            "ack_latencies": self.ack_latencies.tobytes(),
        }

    async def _send_move(self, client: Client, n: int) -> None:
        assert client.ws is not None
        spec = self.spec
        client.next_ack += 1
        now = time.monotonic_ns()
        client.acks[client.next_ack] = now
        zones = spec.zones
        op = {
            "op_id": f"m.{now}.{self.phase}.{spec.worker}.{n}",
            "type": "piece.move",
            "piece_id": self.rng.choice(spec.piece_ids),
            "domain_id": self.rng.choice(zones),
            "position": self.rng.randrange(0, 40),
        }
        self.sent += 1
        await client.ws.send_str(f"42{client.next_ack}" + json.dumps(["op", op]))

    async def drain(self, expected: int, timeout: float = 20) -> dict[str, Any]:
        """Wait until every client got `expected` events of this phase (or the time is up)."""
        cpu_before = _cpu_seconds()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(c.received >= expected for c in self.clients):
                break
            await asyncio.sleep(0.05)
        return {
            "received": sum(c.received for c in self.clients),
            "expected": expected * len(self.clients),
            "gaps": sum(c.gaps for c in self.clients),
            "latencies": self.latencies.tobytes(),
            "cpu_s": _cpu_seconds() - cpu_before,
        }

    async def close(self) -> None:
        for client in self.clients:
            if client.ws is not None:
                with contextlib.suppress(Exception):
                    await client.ws.close()
        for task in self.readers:
            task.cancel()
        if self.session is not None:
            await self.session.close()


def worker_main(spec: Spec, pipe: Any) -> None:
    """The body of one worker process (multiprocessing target)."""

    async def main() -> None:
        worker = Worker(spec)
        loop = asyncio.get_running_loop()
        try:
            started = time.monotonic()
            cpu = _cpu_seconds()
            await worker.connect_all()
            pipe.send(
                {
                    "connected": len(worker.clients),
                    "connect_s": time.monotonic() - started,
                    "cpu_s": _cpu_seconds() - cpu,
                }
            )
            while True:
                command = await loop.run_in_executor(None, pipe.recv)
                if command[0] == "run":
                    pipe.send(await worker.run(command[1], command[2]))
                elif command[0] == "drain":
                    pipe.send(await worker.drain(command[1]))
                else:
                    break
        except Exception as exc:  # the parent reports it
            pipe.send({"error": repr(exc)})
        finally:
            await worker.close()

    asyncio.run(main())
