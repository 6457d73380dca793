"""Durable before the answer, without stalling the event loop: group commit for SQLite.

SQLite's COMMIT with synchronous=FULL waits for an fsync of the WAL in C code that cannot yield,
so every client of the process froze meanwhile — ~0.5 ms on a good disk, 100–700 ms at the tail
of a busy virtual one (docs/performance.md). Served on a SQLite file, connections commit with
synchronous=NORMAL instead (the WAL is written to the OS, not synced: a killed process loses
nothing, a power cut could) and an OS thread fsyncs the WAL once for every commit made since
the last fsync. Nothing is answered before its fsync: the op engine publishes an op's events
and acknowledges it only then, in commit order (so in seq order), and every other commit (a REST
request) waits for it too. Ops commit one after another without waiting for the disk, and one
fsync covers all the commits of a burst.

The same OS thread runs SQLite's WAL checkpoints, which a commit would otherwise run itself every
~1 000 pages (more fsyncs, on the loop).

Since every event waits for its fsync, a disk whose fsync now and then takes tens of milliseconds
lags every tablet at once (docs/performance.md). The fsyncs are counted, the slow ones logged
and both reported by /healthz, so that an operator can tell the disk from the server.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask

from planner.extensions import db, socketio

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 1.0
SLOW_FSYNC_SECONDS = 0.05  # about three frames: every event behind it shows late
SLOW_LOG_SECONDS = 10.0  # at most one warning per this; the count says how many
DEFERRED = "planner.durability.deferred"  # session.info key: the op engine waits by itself


@dataclass
class Ticket:
    """One commit waiting for its fsync; `callback` runs once it is durable."""

    callback: Callable[[], Any] | None
    done: Any = None  # the async mode's event, set once durable and the callback ran
    error: BaseException | None = field(default=None, repr=False)

    def wait(self) -> None:
        if self.done is not None:
            self.done.wait()
        if self.error is not None:
            raise self.error


class GroupCommit:
    """The WAL's fsyncs, one at a time in an OS thread, each covering every ticket taken
    before it started; tickets are served in the order they were taken."""

    def __init__(self, app: Flask, path: str, offload: Callable[[Callable[[], Any]], Any]):
        self.app, self.database, self.offload = app, path, offload
        self.wal = f"{path}-wal"
        self.pending: list[Ticket] = []
        self.wake = socketio.server.eio.create_event()
        self.serving: int | None = None  # the syncer's thread while it runs callbacks
        self.slow_seconds = SLOW_FSYNC_SECONDS
        self.fsyncs = self.slow_fsyncs = 0
        self.slowest = 0.0  # seconds, since start
        self.slow_logged_at = -math.inf  # monotonic time of the last warning

    def ticket(self, callback: Callable[[], Any] | None) -> Ticket:
        ticket = Ticket(callback, socketio.server.eio.create_event())
        self.pending.append(ticket)
        self.wake.set()
        return ticket

    def fsync(self) -> float:
        """In the OS thread; the seconds it took (the disk's own time, not the event loop's
        hand-off). fsync on any descriptor of the file syncs what every connection wrote to
        it; no WAL means the last connection closed and checkpointed it (synced)."""
        started = time.monotonic()
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:
            return 0.0
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return time.monotonic() - started

    def checkpoint(self) -> None:  # in the OS thread: its own connection, never the pool's
        connection = sqlite3.connect(self.database, timeout=10)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def sync_forever(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            while self.pending:
                batch, self.pending = self.pending, []
                error = None
                try:
                    seconds = self.offload(self.fsync)
                except Exception as exc:  # the disk failed: say so to everyone waiting
                    log.critical("fsync of the SQLite WAL failed", exc_info=True)
                    error = exc
                else:
                    self._count(seconds, len(batch))
                self._serve(batch, error)

    def _count(self, seconds: float, commits: int) -> None:
        """Counted for /healthz; a slow one is logged, at most once per SLOW_LOG_SECONDS."""
        self.fsyncs += 1
        self.slowest = max(self.slowest, seconds)
        if seconds < self.slow_seconds:
            return
        self.slow_fsyncs += 1
        now = time.monotonic()
        if now - self.slow_logged_at >= SLOW_LOG_SECONDS:
            self.slow_logged_at = now
            ms, slow = round(seconds * 1000, 1), self.slow_fsyncs
            log.warning(
                "slow disk: the events of %d commits waited for one fsync",
                commits,
                extra={"fields": {"fsync_ms": ms, "commits": commits, "slow_fsyncs": slow}},
            )

    def report(self) -> dict[str, Any]:
        return {
            "fsyncs": self.fsyncs,
            "slow_fsyncs": self.slow_fsyncs,
            "slowest_fsync_ms": round(self.slowest * 1000, 1),
        }

    def _serve(self, batch: list[Ticket], error: BaseException | None) -> None:
        """The callbacks in order, then every waiter is released, whatever failed."""
        self.serving = threading.get_ident()  # green under the server's monkey patching
        try:
            with self.app.app_context():
                try:
                    for ticket in batch:
                        ticket.error = error
                        if error is None and ticket.callback is not None:
                            try:
                                ticket.callback()
                            except Exception as exc:
                                log.exception("publishing after the commit failed")
                                ticket.error = exc
                finally:
                    db.session.remove()
        finally:
            self.serving = None
            for ticket in batch:
                ticket.done.set()

    def checkpoint_forever(self) -> None:
        while True:
            socketio.sleep(CHECKPOINT_SECONDS)
            try:
                self.offload(self.checkpoint)
            except Exception:
                log.warning("WAL checkpoint failed", exc_info=True)


_active: GroupCommit | None = None


def when_durable(callback: Callable[[], Any] | None = None) -> Ticket:
    """Run `callback` once what was just committed is on disk, after the callbacks of earlier
    commits; `wait()` on the ticket. Take it in commit order (under the workshop's lock) and
    wait outside the lock. Without group commit the commit already was durable: it runs now."""
    if _active is None:
        if callback is not None:
            callback()
        return Ticket(None)
    return _active.ticket(callback)


def disk_report() -> dict[str, Any] | None:
    """The fsyncs of group commit since start (None without it), for /healthz."""
    return None if _active is None else _active.report()


@sa.event.listens_for(so.Session, "after_commit")
def _wait_durable(session: so.Session) -> None:
    """Every commit but the op engine's (which waits outside its lock) is answered durable; one
    made by a callback is covered by the next fsync (waiting would wait for itself)."""
    deferred = session.info.pop(DEFERRED, False)
    if _active is not None and not deferred and _active.serving != threading.get_ident():
        when_durable().wait()


def _offload(mode: str) -> Callable[[Callable[[], Any]], Any] | None:
    """A call in a real OS thread, from a green thread (the GIL is released while it waits)."""
    if mode == "eventlet":
        from eventlet import tpool

        return tpool.execute
    if mode == "gevent":
        import gevent

        return lambda call: gevent.get_hub().threadpool.apply(call)
    return None


def install(app: Flask, mode: str) -> GroupCommit | None:
    """At server start: group commit for a SQLite file under a green-thread async mode."""
    global _active
    with app.app_context():
        engine = db.engine
    offload = _offload(mode)
    if engine.dialect.name != "sqlite" or not engine.url.database or offload is None:
        return None

    def pragmas(dbapi_connection: Any, _record: Any) -> None:  # after the app's (FULL)
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    sa.event.listen(engine, "connect", pragmas)
    engine.dispose()  # reconnect with them
    _active = GroupCommit(app, engine.url.database, offload)
    socketio.start_background_task(_active.sync_forever)
    socketio.start_background_task(_active.checkpoint_forever)
    return _active
