"""Group commit (planner/durability.py): nothing is published or answered before its fsync, in
commit order, and one fsync serves every commit made while the previous one ran. The server
runs it under eventlet (tests/integration kill it mid-stream); here its OS thread is a real
thread whose fsync the test holds back."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from planner import durability
from planner.extensions import db
from planner.models import Workshop
from planner.realtime import announce_heads, submit
from tests.conftest import Room
from tests.support import op_id

WAIT = 10  # seconds; only reached when the behaviour under test is broken


class Disk:
    """The OS thread's work, run for real, but held at the gate until the test opens it."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)
        self.calls = 0
        self.group: durability.GroupCommit  # the fixture's, serving through this disk

    def offload(self, call: Callable[[], Any]) -> Any:
        self.calls += 1
        self.entered.release()
        assert self.gate.wait(WAIT)
        return call()


@pytest.fixture
def disk(app, monkeypatch) -> Iterator[Disk]:
    disk = Disk()
    disk.group = durability.GroupCommit(app, db.engine.url.database, disk.offload)
    monkeypatch.setattr(durability, "_active", disk.group)
    threading.Thread(target=disk.group.sync_forever, daemon=True).start()
    yield disk
    disk.gate.set()


def _until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a condition other threads make true
    return condition()


def _in_thread(app, call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        with app.app_context():
            try:
                out["value"] = call()
            except BaseException as exc:  # handed to the test
                out["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _events(client) -> list[dict[str, Any]]:
    return [m["args"][0] for m in client.get_received() if m["name"] == "event"]


def _stored_seq(room: Room) -> int:
    """The workshop's seq as committed, read on a connection of its own."""
    with db.engine.connect() as connection:
        query = sa.select(Workshop.seq).where(Workshop.id == room.id)
        return connection.execute(query).scalar_one()


def _move(room: Room, piece: dict[str, Any], position: int) -> dict[str, Any]:
    domain = room.domains[0]["id"]
    payload = {"type": "piece.move", "piece_id": piece["id"], "domain_id": domain}
    return {"op_id": op_id(), **payload, "position": position}


def _pieces(room: Room, disk: Disk, count: int) -> tuple[list[dict[str, Any]], Any]:
    """Pieces on the first domain and a watching socket, made with the disk open."""
    disk.gate.set()
    pieces = [room.create(domain_id=room.domains[0]["id"], title=f"P{n}") for n in range(count)]
    watcher = room.socket()
    watcher.get_received()
    disk.entered = threading.Semaphore(0)  # count only the syncs the test itself causes
    disk.gate.clear()
    return pieces, watcher


def test_an_op_is_published_and_answered_only_after_its_fsync(room: Room, disk: Disk):
    (piece,), watcher = _pieces(room, disk, 1)
    move = _move(room, piece, 0)
    thread, out = _in_thread(room.app, lambda: submit(room.id, room.staff, move))
    assert disk.entered.acquire(timeout=WAIT)  # committed, its fsync is running
    thread.join(0.3)  # a bound on how far it could wrongly run ahead, not a synchronisation
    assert thread.is_alive() and out == {}
    assert _events(watcher) == []
    disk.gate.set()
    thread.join(WAIT)
    assert out["value"].event["data"]["piece"]["id"] == piece["id"]
    assert [e["seq"] for e in _events(watcher)] == [out["value"].event["seq"]]


def test_commits_during_an_fsync_share_the_next_one_in_commit_order(room: Room, disk: Disk):
    pieces, watcher = _pieces(room, disk, 4)
    first, seq = disk.calls, _stored_seq(room)
    moves = [_move(room, piece, 3 - n) for n, piece in enumerate(pieces)]
    runs = [_in_thread(room.app, lambda: submit(room.id, room.staff, moves[0]))]
    assert disk.entered.acquire(timeout=WAIT)  # the first op's fsync is held
    for move in moves[1:]:
        runs.append(_in_thread(room.app, lambda m=move: submit(room.id, room.staff, m)))
    # committed (gathered into one transaction or not), waiting for the disk
    assert _until(lambda: _stored_seq(room) == seq + 4)
    assert 1 <= len(disk.group.pending) <= 3
    assert _events(watcher) == [] and all(out == {} for _thread, out in runs)
    disk.gate.set()
    for thread, out in runs:
        thread.join(WAIT)
        assert "value" in out, out
    seqs = [e["seq"] for e in _events(watcher)]
    assert seqs == sorted(out["value"].event["seq"] for _thread, out in runs)
    assert disk.calls - first == 2  # the held fsync, and one for the three behind it


def test_a_rest_commit_is_answered_only_after_its_fsync(room: Room, disk: Disk):
    http = room.app.test_client()
    headers = {"Authorization": f"Bearer {room.staff_token}"}
    body = {"title": "RPP 2028", "year": 2028}
    thread, out = _in_thread(
        room.app, lambda: http.post("/api/workshops", json=body, headers=headers)
    )
    assert disk.entered.acquire(timeout=WAIT)
    thread.join(0.3)
    assert thread.is_alive() and out == {}
    disk.gate.set()
    thread.join(WAIT)
    assert out["value"].status_code == 201


def test_a_failed_fsync_fails_the_op_publishes_nothing_and_a_retry_is_answered(
    room: Room, disk: Disk, monkeypatch
):
    (piece,), watcher = _pieces(room, disk, 1)
    disk.gate.set()
    move = _move(room, piece, 0)

    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", failing)
        with pytest.raises(OSError):
            submit(room.id, room.staff, move)
    assert _events(watcher) == []
    # the op was committed: the client's retry (same op_id) gets its answer, applied once
    again = submit(room.id, room.staff, move)
    assert not again.new and again.event["data"]["piece"]["id"] == piece["id"]


def test_a_head_is_announced_only_once_the_events_it_counts_were_sent(room: Room, disk: Disk):
    """Otherwise, while an fsync runs, every client would see a head ahead of its events and
    ask for them with `sync`."""
    (piece,), watcher = _pieces(room, disk, 1)
    move = _move(room, piece, 0)
    op, _out = _in_thread(room.app, lambda: submit(room.id, room.staff, move))
    assert disk.entered.acquire(timeout=WAIT)  # committed; its event waits for the disk
    heads, _ = _in_thread(room.app, announce_heads)
    heads.join(0.3)
    assert heads.is_alive() and watcher.get_received() == []
    disk.gate.set()
    op.join(WAIT)
    heads.join(WAIT)
    names = [m["name"] for m in watcher.get_received()]
    assert names.count("event") == 1 and names.index("event") < names.index("head")


def test_fsyncs_are_counted_for_healthz_and_a_slow_one_logged_once_per_interval(
    room: Room, disk: Disk, caplog
):
    """A disk whose fsync now and then takes tens of ms lags every tablet at once: the operator
    sees it in /healthz and the log (without a slow disk here: the threshold is moved)."""
    (piece,), _watcher = _pieces(room, disk, 1)
    http = room.app.test_client()
    disk.gate.set()
    disk.group.slow_seconds, disk.group.slow_logged_at = 3600.0, -math.inf  # none slow
    before = http.get("/healthz").get_json()["disk"]
    with caplog.at_level(logging.WARNING, logger="planner.durability"):
        submit(room.id, room.staff, _move(room, piece, 0))
        fast = http.get("/healthz").get_json()["disk"]
        disk.group.slow_seconds = 0.0  # every one is slow
        submit(room.id, room.staff, _move(room, piece, 1))
        submit(room.id, room.staff, _move(room, piece, 2))
        slow = http.get("/healthz").get_json()["disk"]
    assert fast["fsyncs"] > before["fsyncs"] and fast["slow_fsyncs"] == before["slow_fsyncs"]
    assert slow["fsyncs"] - fast["fsyncs"] >= 2  # each op waited for its own
    assert slow["slow_fsyncs"] - fast["slow_fsyncs"] == slow["fsyncs"] - fast["fsyncs"]
    warnings = [r for r in caplog.records if r.name == "planner.durability"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING  # then only counted
    assert warnings[0].fields["slow_fsyncs"] == fast["slow_fsyncs"] + 1
