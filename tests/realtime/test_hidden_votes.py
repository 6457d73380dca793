"""What the server sends each socket while a voting round is open: counts only to staff."""

from __future__ import annotations

import json

from tests.conftest import Room
from tests.realtime.test_socket import received
from tests.support import op_id


def _vote(client, piece_id):
    ack = client.emit(
        "op", {"op_id": op_id(), "type": "vote.add", "piece_id": piece_id}, callback=True
    )
    assert ack["ok"], ack
    return ack


def test_participants_never_receive_counts_before_reveal(room: Room):
    anna = room.participant("Anna")
    jan = room.participant("Jan", group=1)
    a, b = (room.create(title=t)["id"] for t in ("Alfa", "Beta"))
    room.op(room.staff, "phase.set", phase="voting")
    room.op(room.staff, "voting.open", votes=5)
    staff = room.socket()
    tab_anna = room.socket(room.tokens[anna.id])
    tab_jan = room.socket(room.tokens[jan.id])
    for client in (staff, tab_anna, tab_jan):
        client.get_received()

    ack = _vote(tab_anna, a)
    _vote(tab_anna, a)
    _vote(tab_jan, b)
    # the voter's own ack carries no total either
    assert "votes" not in ack["event"]["data"] and ack["event"]["data"]["mine"] == 1

    staff_events = received(staff, "event")
    anna_events = received(tab_anna, "event")
    jan_events = received(tab_jan, "event")
    # every socket gets every seq (gapless), in order
    seqs = [e["seq"] for e in staff_events]
    assert [e["seq"] for e in anna_events] == seqs == [e["seq"] for e in jan_events]
    assert [e["data"]["votes"] for e in staff_events] == [1, 2, 1]
    assert staff_events[0]["data"]["voter"]["participant_id"] == anna.id
    # Anna learns her own votes, and nothing about Jan's
    assert [e["data"] for e in anna_events] == [
        {"piece_id": a, "round": 1, "per": "participant", "mine": 1, "used": 1},
        {"piece_id": a, "round": 1, "per": "participant", "mine": 2, "used": 2},
        {"redacted": True},
    ]
    assert [e["data"] for e in jan_events][:2] == [{"redacted": True}] * 2
    for event in anna_events + jan_events:
        assert "votes" not in event["data"] and "voter" not in event["data"]

    # catch-up (events and snapshot) is shaped the same way
    later = room.socket(room.tokens[jan.id], since=0)
    caught = received(later, "events")[0]["events"]
    assert all("votes" not in e["data"] for e in caught if e["type"] == "vote.add")
    snap = received(room.socket(room.tokens[jan.id]), "snapshot")[0]
    assert {p["id"]: p["votes"] for p in snap["pieces"]} == {a: None, b: None}
    assert '"votes": 2' not in json.dumps(snap) and snap["results"] is None
    sync = tab_anna.emit("sync", {"since": 0}, callback=True)
    assert [e["data"] for e in sync["events"] if e["type"] == "vote.add"][-1] == {"redacted": True}
    staff_snap = received(room.socket(), "snapshot")[0]
    assert {p["id"]: p["votes"] for p in staff_snap["pieces"]} == {a: 2, b: 1}

    # the reveal reaches everyone with the results
    for client in (staff, tab_anna, tab_jan):
        client.get_received()
    room_event = staff.emit("op", {"op_id": op_id(), "type": "voting.reveal"}, callback=True)
    assert room_event["ok"]
    for client in (tab_anna, tab_jan):
        reveal = received(client, "event")[0]
        ranking = [{"piece_id": a, "votes": 2}, {"piece_id": b, "votes": 1}]
        assert reveal["data"]["results"] == ranking
    snap = received(room.socket(room.tokens[jan.id]), "snapshot")[0]
    assert {p["id"]: p["votes"] for p in snap["pieces"]} == {a: 2, b: 1}


def test_rest_board_and_history_are_shaped_for_the_participant(room: Room, app):
    anna = room.participant("Anna")
    jan = room.participant("Jan", group=1)
    a = room.create(title="Alfa")["id"]
    room.op(room.staff, "phase.set", phase="voting")
    room.op(room.staff, "voting.open", votes=5)
    room.op(anna, "vote.add", piece_id=a)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {room.tokens[jan.id]}"}
    board = client.get(f"/api/workshops/{room.id}/board", headers=headers).get_json()
    assert board["pieces"][0]["votes"] is None
    feed = client.get(f"/api/workshops/{room.id}/history", headers=headers).get_json()
    assert feed["events"][0]["type"] == "vote.add"
    assert feed["events"][0]["data"] == {"redacted": True}
    assert "name" not in feed["events"][0]["actor"]  # participants appear by their group
    assert feed["events"][0]["actor"]["group_name"] == room.groups[0]["name"]
    staff = {"Authorization": f"Bearer {room.staff_token}"}
    feed = client.get(f"/api/workshops/{room.id}/history", headers=staff).get_json()
    assert feed["events"][0]["data"]["votes"] == 1
