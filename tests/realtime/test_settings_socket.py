"""Settings ops over sockets: a removed participant is cut off at once."""

from __future__ import annotations

from tests.conftest import Room
from tests.realtime.test_socket import received, wait_received
from tests.support import op_id


def test_removing_a_participant_disconnects_their_sockets_and_refuses_them(room: Room):
    anna = room.participant("Anna")
    token = room.tokens[anna.id]
    tablets = [room.socket(token), room.socket(token)]
    staff = room.socket()
    assert all(t.is_connected() for t in tablets)
    staff.get_received()
    ack = staff.emit(
        "op",
        {"op_id": op_id(), "type": "participant.remove", "participant_id": anna.id},
        callback=True,
    )
    assert ack["ok"] is True
    assert not any(t.is_connected() for t in tablets)
    assert wait_received(staff, "presence", lambda m: m["participants"] == [])
    again = room.socket(token)
    assert not again.is_connected()


def test_domain_events_reach_every_client(room: Room):
    anna = room.participant("Anna")
    tablet = room.socket(room.tokens[anna.id])
    staff = room.socket()
    tablet.get_received()
    ack = staff.emit(
        "op",
        {"op_id": op_id(), "type": "domain.create", "domain": {"name": "Sport"}},
        callback=True,
    )
    assert ack["ok"] is True
    assert received(tablet, "event")[-1]["data"]["domain"]["name"] == "Sport"
