"""Socket adapters with several Flask-SocketIO test clients in one workshop."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from planner import realtime
from planner.extensions import socketio
from planner.presence import PRESENCE_SECONDS
from tests.conftest import Room
from tests.support import op_id


def received(client, name: str) -> list:
    return [m["args"][0] for m in client.get_received() if m["name"] == name]


def wait_received(client, name: str, until: Callable[[dict], bool], timeout: float = 5) -> list:
    """The `name` messages that came until one satisfies `until` (a background task sends it)."""
    seen: list = []
    deadline = time.monotonic() + timeout
    while not (seen and until(seen[-1])):
        assert time.monotonic() < deadline, f"no {name} as expected; last: {seen[-1:]}"
        time.sleep(0.01)
        seen += received(client, name)
    return seen


def _not_presence(client) -> list:
    """What came but presence lists: a paced list of an earlier test's app can still arrive up
    to PRESENCE_SECONDS later, from its background task, in the room of the same workshop id."""
    return [m for m in client.get_received() if m["name"] != "presence"]


def _online(message: dict) -> set[str]:
    return {p["name"] for p in message["participants"] if p["online"]}


def test_presence_of_a_reconnect_storm_comes_at_most_once_per_interval(room: Room):
    staff = room.socket()
    tokens = [room.tokens[room.participant(f"Tablet {n}").id] for n in range(12)]
    staff.get_received()
    started = time.monotonic()
    tablets = [room.socket(token) for token in tokens]  # within one interval here
    assert time.monotonic() - started < PRESENCE_SECONDS
    everyone = {f"Tablet {n}" for n in range(12)}
    messages = wait_received(staff, "presence", lambda m: _online(m) == everyone)
    # the first connect at once, the eleven after it together at the end of the interval
    assert [len(_online(m)) for m in messages] == [1, 12]
    for tablet in tablets:
        tablet.disconnect()
    messages = wait_received(staff, "presence", lambda m: _online(m) == set())
    assert len(messages) <= 2 and staff.get_received() == []


def test_connect_sends_snapshot_and_presence(room: Room):
    anna = room.participant("Anna")
    staff = room.socket()
    snap = received(staff, "snapshot")[0]
    assert snap["seq"] == 2  # the two group.create events
    assert [d["key"] for d in snap["domains"]][:2] == ["zarzadzanie", "mobilnosc"]
    assert len(snap["partners"]) == 15
    tablet = room.socket(room.tokens[anna.id])
    assert received(tablet, "snapshot")[0]["workshop"]["id"] == room.id
    presence = received(staff, "presence")[-1]["participants"]
    assert [(p["name"], p["online"]) for p in presence] == [("Anna", True)]


def test_each_event_reaches_every_client_with_the_same_seq(room: Room):
    clients = [room.socket(), *(room.socket(room.tokens[room.participant(n).id]) for n in "ABC")]
    for client in clients:
        client.get_received()
    ack = clients[1].emit(
        "op", {"op_id": op_id(), "type": "piece.create", "piece": {"title": "Bilet"}}, callback=True
    )
    assert ack["ok"] is True
    for client in clients:
        events = received(client, "event")
        assert [e["seq"] for e in events] == [ack["seq"]]
        assert events[0]["data"]["piece"]["title"] == "Bilet"
        assert events[0]["actor"]["name"] == "A"


def test_compact_sockets_get_moves_without_the_unchanged_fields(room: Room):
    anna = room.participant("Anna")
    piece = room.create(title="Bilet", description="Jeden bilet na wszystkie linie")
    whole_socket = room.socket()
    compact_socket = room.socket(room.tokens[anna.id], compact=True)
    for client in (whole_socket, compact_socket):
        client.get_received()
    domain = room.domains[1]["id"]
    move = {"op_id": op_id(), "type": "piece.move", "piece_id": piece["id"]}
    ack = compact_socket.emit("op", {**move, "domain_id": domain, "position": 0}, callback=True)
    assert ack["ok"] is True
    [whole] = received(whole_socket, "event")
    [short] = received(compact_socket, "event")
    assert ack["event"] == whole  # the ack, catch-ups and sync stay whole
    assert whole["data"]["piece"]["description"] == "Jeden bilet na wszystkie linie"
    moved = {"id", "domain_id", "position", "version", "updated_at"}
    assert short == {
        **whole,
        "data": {**whole["data"], "piece": {k: whole["data"]["piece"][k] for k in moved}},
    }
    assert short["data"]["piece"]["domain_id"] == domain
    assert short["data"]["piece"]["version"] == piece["version"] + 1
    room.create(title="Rower")  # other events are the same for both
    assert received(compact_socket, "event") == received(whole_socket, "event")
    back = room.socket(room.tokens[anna.id], compact=True, since=whole["seq"] - 1)
    assert back.get_received()[0]["args"][0]["events"][0] == whole


def test_moves_stored_together_reach_compact_sockets_in_one_message(room: Room):
    """The moves of one gathering go to a compact socket as one `events` message, in seq order
    and exactly as each alone would be; whole sockets get one `event` each; an event of another
    type between moves keeps its place."""
    anna = room.participant("Anna")
    pieces = [room.create(title=f"Akcja {n}") for n in range(3)]
    whole_socket = room.socket()
    compact_socket = room.socket(room.tokens[anna.id], compact=True)
    for client in (whole_socket, compact_socket):
        client.get_received()
    domain = room.domains[2]["id"]

    def move(piece: dict) -> dict:
        return {"op_id": op_id(), "type": "piece.move", "piece_id": piece["id"],
                "domain_id": domain, "position": 0}  # fmt: skip

    answers = realtime.submit_each(room.id, [(anna, move(p)) for p in pieces[:2]])
    assert all(a.new for a in answers)
    whole = received(whole_socket, "event")
    assert [e["seq"] for e in whole] == [a.event["seq"] for a in answers]
    [message] = _not_presence(compact_socket)
    assert message["name"] == "events"
    assert message["args"][0] == {"events": [realtime.compact(e) for e in whole]}

    create = {"op_id": op_id(), "type": "piece.create", "piece": {"title": "Rower"}}
    realtime.submit_batch(room.id, room.staff, [move(pieces[2]), create, move(pieces[0])])
    got = [(m["name"], m["args"][0]) for m in _not_presence(compact_socket)]
    whole = received(whole_socket, "event")
    assert [name for name, _ in got] == ["event"] * 3  # a run of one move stays an `event`
    assert [body["seq"] for _, body in got] == [e["seq"] for e in whole]
    assert got[1][1] == whole[1] and got[2][1] == realtime.compact(whole[2])


@pytest.mark.parametrize("upgrade", [{}, {"Upgrade": "websocket", "Connection": "Upgrade"}])
def test_socket_events_leave_no_exception_for_the_garbage_collector(room: Room, upgrade):
    """Flask-SocketIO handles each event in a request context made from the handshake request
    (polling, or a websocket upgrade); a NotFound kept there is a reference cycle (its
    traceback's frames), and collecting those stopped the server's loop for 50–100 ms."""
    auth = {"token": room.tokens[room.participant("Anna").id]}
    tablet = socketio.test_client(room.app, auth=auth, headers=upgrade)
    op = {"type": "piece.create", "piece": {"title": "Bilet"}}
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection frees stays in gc.garbage to look at
    try:
        for _ in range(3):
            assert tablet.emit("op", {**op, "op_id": op_id()}, callback=True)["ok"] is True
        tablet.emit("op", "not an op", callback=True)  # a refusal too
        gc.collect()
        kept = [repr(thing) for thing in gc.garbage if isinstance(thing, BaseException)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert kept == []


def test_refused_op_changes_nothing_and_reaches_no_one(room: Room):
    anna = room.participant("Anna")
    tablet = room.socket(room.tokens[anna.id])
    watcher = room.socket()
    before = room.snapshot()
    watcher.get_received()
    ack = tablet.emit(
        "op", {"op_id": op_id(), "type": "group.create", "group": {"name": "x"}}, callback=True
    )
    assert ack == {"ok": False, "error": {"code": "forbidden", "message": ack["error"]["message"]}}
    ack = tablet.emit(
        "op", {"op_id": op_id(), "type": "piece.create", "piece": {"title": 5}}, callback=True
    )
    assert ack["error"]["code"] == "validation_error" and "piece" in ack["error"]["fields"]
    assert received(watcher, "event") == []
    assert room.snapshot() == before


def test_repeated_op_id_is_applied_once(room: Room):
    client, watcher = room.socket(), room.socket()
    watcher.get_received()
    payload = {"op_id": op_id(), "type": "piece.create", "piece": {"title": "Raz"}}
    first = client.emit("op", payload, callback=True)
    second = client.emit("op", payload, callback=True)
    assert first == second and first["ok"]
    assert len(received(watcher, "event")) == 1
    assert len(room.snapshot()["pieces"]) == 1


def test_too_large_op_is_refused_and_connection_stays(room: Room):
    client = room.socket()
    big = {
        "op_id": op_id(),
        "type": "piece.create",
        "piece": {"title": "x", "description": "ą" * 40_000},
    }
    ack = client.emit("op", big, callback=True)
    assert ack["error"]["code"] == "too_large"
    assert client.is_connected()
    assert client.emit(
        "op", {"op_id": op_id(), "type": "piece.create", "piece": {"title": "ok"}}, callback=True
    )["ok"]


def test_an_op_is_answered_in_the_language_of_the_sockets_handshake(room: Room):
    """`op` runs without a request context (planner.realtime.on_op): the language is the one
    chosen when the socket connected."""
    bad = {"op_id": op_id(), "type": "piece.teleport"}
    polish = room.socket()
    english = socketio.test_client(
        room.app,
        auth={"token": room.staff_token, "workshop_id": room.id},
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    assert polish.emit("op", bad, callback=True)["error"]["message"] == "Nieznany typ operacji."
    assert english.emit("op", bad, callback=True)["error"]["message"] == "Unknown op type."
    assert polish.emit("op", bad, callback=True)["error"]["message"] == "Nieznany typ operacji."


def test_reconnect_with_since_gets_exactly_the_missed_events(room: Room):
    first = room.socket()
    seq = received(first, "snapshot")[0]["seq"]
    first.disconnect()
    other = room.socket()
    for title in ("a", "b", "c"):
        other.emit(
            "op",
            {"op_id": op_id(), "type": "piece.create", "piece": {"title": title}},
            callback=True,
        )
    back = room.socket(since=seq)
    messages = back.get_received()
    assert [m["name"] for m in messages] == ["events"]
    events = messages[0]["args"][0]["events"]
    assert [e["seq"] for e in events] == [seq + 1, seq + 2, seq + 3]
    assert [e["data"]["piece"]["title"] for e in events] == ["a", "b", "c"]


def test_since_from_the_future_gets_a_snapshot(room: Room):
    client = room.socket(since=10_000)
    assert [m["name"] for m in client.get_received()] == ["snapshot"]


def test_sync(room: Room):
    client = room.socket()
    room.create(title="x")
    answer = client.emit("sync", {"since": 2}, callback=True)
    assert [e["seq"] for e in answer["events"]] == [3]
    assert "snapshot" in client.emit("sync", {"since": 99}, callback=True)
    for bad in ({"since": "2"}, {"since": -1}, {}, "x", {"since": 1, "x": 1}):
        assert client.emit("sync", bad, callback=True)["error"]["code"] == "validation_error"


def test_refused_connections(room: Room):
    anna = room.participant("Anna")
    for auth in ({}, {"token": "nope"}, {"token": 5}, None):
        client = socketio.test_client(room.app, auth=auth)
        assert not client.is_connected()
    for compact in ("true", 1, None, [True]):  # a JSON boolean or nothing
        client = room.socket(room.tokens[anna.id], compact=compact)
        assert not client.is_connected()
    from planner.board import create_workshop

    other = create_workshop("Inny", 2027, "blank", None)
    client = socketio.test_client(
        room.app, auth={"token": room.tokens[anna.id], "workshop_id": other.id}
    )
    assert not client.is_connected()
    staff_without_workshop = socketio.test_client(room.app, auth={"token": room.staff_token})
    assert not staff_without_workshop.is_connected()


def test_drag_reaches_the_others_and_ends_on_disconnect(room: Room):
    anna = room.participant("Anna")
    piece = room.create()
    tablet, other = room.socket(room.tokens[anna.id]), room.socket()
    tablet.get_received()
    other.get_received()
    assert tablet.emit("drag", {"piece_id": piece["id"], "state": "start"}, callback=True) == {
        "ok": True
    }
    assert received(tablet, "dragging") == []
    seen = received(other, "dragging")
    assert seen == [
        {
            "piece_id": piece["id"],
            "participant": {"id": anna.id, "name": "Anna", "group_id": anna.group_id},
            "state": "start",
        }
    ]
    tablet.disconnect()
    assert received(other, "dragging")[0]["state"] == "end"


def test_bad_drag_payloads(room: Room):
    client = room.socket()
    for bad in (
        {"piece_id": "1", "state": "start"},
        {"piece_id": 1, "state": "hold"},
        {"piece_id": 99999, "state": "start"},
        None,
    ):
        answer = client.emit("drag", bad, callback=True)
        assert answer["error"]["code"] in ("validation_error", "not_found")


def test_an_op_type_of_any_json_shape_is_refused_as_invalid(room: Room):
    """Found by the fuzzer: a list as the type once broke the gathering of moves."""
    tablet = room.socket(room.tokens[room.participant("Anna").id])
    before = room.snapshot()
    for kind in ([], {}, ["piece.move"], 5, None):
        ack = tablet.emit("op", {"op_id": op_id(), "type": kind}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", ack
    assert room.snapshot() == before
