"""Limits: ops per socket, sockets per participant, joins per address (docs/protocol.md, Limits)."""

from __future__ import annotations

import pytest
import socketio as sio_client
import sqlalchemy as sa

from planner import ratelimit
from planner.extensions import db
from planner.models import Event, Participant
from tests.conftest import Room
from tests.support import op_id


class FakeClock:
    """time.monotonic for the sliding windows: the test says when time passes, nothing sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def _events(room: Room) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.workshop_id == room.id))


def _move(piece_id: int, domain_id: int | None, position: int) -> dict:
    return {
        "op_id": op_id(),
        "type": "piece.move",
        "piece_id": piece_id,
        "domain_id": domain_id,
        "position": position,
    }


def test_a_fast_drag_of_ten_ops_a_second_for_ten_seconds_passes(room: Room, clock: FakeClock):
    anna = room.participant("Anna")
    pieces = [room.create(anna, f"Akcja {n}")["id"] for n in range(3)]
    tablet = room.socket(room.tokens[anna.id])
    domains = [d["id"] for d in room.domains]
    for n in range(100):  # 10 ops a second, for 10 seconds
        ack = tablet.emit("op", _move(pieces[n % 3], domains[n % 7], 0), callback=True)
        assert ack["ok"] is True, (n, ack)
        clock.now += 0.1


def test_a_burst_over_the_limit_is_refused_and_the_socket_stays(room: Room, clock: FakeClock):
    limit = room.app.config["SOCKET_OPS_BURST"]
    assert limit == 40 and room.app.config["SOCKET_OPS_SECONDS"] == 2
    anna, jan = room.participant("Anna"), room.participant("Jan")
    tablet, other = room.socket(room.tokens[anna.id]), room.socket(room.tokens[jan.id])
    staff = room.socket()
    piece = room.create(title="Akcja")["id"]
    for n in range(limit):
        assert tablet.emit("op", _move(piece, None, n % 2), callback=True)["ok"] is True
    before, board = _events(room), room.snapshot()
    ack = tablet.emit("op", _move(piece, None, 1), callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited", ack
    assert ack["error"]["message"]
    assert tablet.is_connected()
    assert _events(room) == before and room.snapshot() == board  # refused: nothing changed
    # another socket has its own budget
    assert other.emit("op", _move(piece, None, 0), callback=True)["ok"] is True
    # the facilitator's console is not limited
    assert all(staff.emit("op", _move(piece, None, n % 2), callback=True)["ok"] for n in range(60))
    clock.now += 2.01  # the window has passed
    assert tablet.emit("op", _move(piece, None, 0), callback=True)["ok"] is True


def test_at_most_five_sockets_per_participant(room: Room):
    anna = room.participant("Anna")
    token = room.tokens[anna.id]
    limit = room.app.config["SOCKETS_PER_PARTICIPANT"]
    assert limit == 5
    tabs = [room.socket(token) for _ in range(limit)]
    assert all(tab.is_connected() for tab in tabs)
    sixth = room.socket(token)
    assert not sixth.is_connected()
    assert room.socket(room.tokens[room.participant("Bartek").id]).is_connected()  # others may
    assert all(room.socket().is_connected() for _ in range(limit + 1))  # staff are not counted
    tabs[0].disconnect()
    assert room.socket(token).is_connected()  # one closed: one may open


@pytest.mark.slow
def test_the_sixth_socket_is_refused_with_rate_limited(live_server):
    workshop = live_server.create_workshop()
    token = live_server.join(workshop["code"], "Anna")["token"]
    clients = []
    try:
        for _ in range(5):
            client = sio_client.Client(reconnection=False)
            client.connect(live_server.url, auth={"token": token}, transports=["websocket"])
            clients.append(client)
        sixth = sio_client.Client(reconnection=False)
        errors: list = []
        sixth.on("connect_error", errors.append)
        with pytest.raises(sio_client.exceptions.ConnectionError):
            sixth.connect(live_server.url, auth={"token": token}, transports=["websocket"])
        assert errors == [{"message": "rate_limited"}]
    finally:
        for client in clients:
            client.disconnect()


def test_a_room_of_500_tablets_joins_from_one_address(room: Room):
    http = room.app.test_client()
    code = room.workshop.code
    group = room.groups[0]["id"]
    for n in range(500):
        answer = http.post(
            "/api/join",
            json={"code": code, "name": f"Tablet {n}", "group_id": group},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        assert answer.status_code == 201, (n, answer.get_json())
    count = db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(Participant.workshop_id == room.id)
    )
    assert count == 500
    # a few typos among them do not lock the room out either
    for _ in range(3):
        wrong = {"code": "ZZZZ-ZZZZ", "name": "x"}
        post = http.post("/api/join", json=wrong, environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert post.status_code == 404
    ok = {"code": code, "name": "Spóźniony"}
    post = http.post("/api/join", json=ok, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert post.status_code == 201


def test_a_brute_force_of_codes_is_stopped(room: Room):
    http = room.app.test_client()
    attacker = {"REMOTE_ADDR": "198.51.100.9"}
    limit = room.app.config["JOIN_FAILURES_PER_MINUTE"]
    answers = []
    for n in range(200):
        guess = {"code": f"AAAA{n:04d}", "name": "x"}
        answers.append(http.post("/api/join", json=guess, environ_base=attacker).status_code)
    assert answers.count(404) == limit and answers.count(429) == 200 - limit
    # even the right code is refused to that address now: the guessing gains nothing
    right = {"code": room.workshop.code, "name": "x"}
    answer = http.post("/api/join", json=right, environ_base=attacker)
    assert answer.status_code == 429 and answer.get_json()["error"]["code"] == "rate_limited"
    # another address is not held
    answer = http.post("/api/join", json=right, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert answer.status_code == 201
