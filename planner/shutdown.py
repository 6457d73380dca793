"""Graceful shutdown: on SIGTERM finish the ops in flight, tell clients to reconnect, exit."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator

from planner.extensions import socketio

log = logging.getLogger(__name__)
GRACE_SECONDS = 10


class Drain:
    """Counts ops being applied, so shutdown waits for them (each ends with commit + ack)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.draining = False

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        with self._lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def wait_idle(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)  # yields to the green threads finishing their ops
        return self.in_flight == 0


drain = Drain()


def _shut_down() -> None:
    idle = drain.wait_idle(GRACE_SECONDS)
    log.info("shutting down", extra={"fields": {"ops_finished": idle}})
    socketio.emit("restarting", {"reconnect": True})
    time.sleep(0.2)  # let the broadcast leave the socket buffers before the process ends
    logging.shutdown()
    os._exit(0)


def _watch() -> None:
    """Signal handlers only set a flag: the green hub may sleep in epoll until its next timer,
    so a green thread looks at the flag twice a second and does the work."""
    while not drain.draining:
        socketio.sleep(0.5)
    _shut_down()


def install() -> None:
    """SIGTERM/SIGINT start the drain; the server keeps serving meanwhile."""

    def handler(signum: int, frame: object) -> None:
        drain.draining = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    socketio.start_background_task(_watch)
