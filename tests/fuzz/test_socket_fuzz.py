"""Hostile socket payloads for every op type: every answer is a valid ack (ok, or an error with
a documented code), never an exception or a missing ack, and a refused op changes nothing."""

from __future__ import annotations

import json
from typing import Any

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from planner.board.errors import HTTP_STATUS
from planner.board.registry import OPS
from planner.extensions import db
from planner.models import Event
from planner.ratelimit import SlidingWindow
from tests.conftest import Room
from tests.support import op_id

# A plausible payload per type: the fuzzer breaks one thing in it, or replaces it whole.
TEMPLATES: dict[str, dict[str, Any]] = {
    "piece.create": {"piece": {"title": "A"}, "domain_id": None, "position": 0},
    "piece.update": {"piece_id": 1, "changes": {"title": "B"}, "version": 1},
    "piece.move": {"piece_id": 1, "domain_id": None, "position": 0},
    "piece.delete": {"piece_id": 1},
    "group.create": {"group": {"name": "G", "color": "#112233"}},
    "group.update": {"group_id": 1, "changes": {"name": "H"}},
    "group.delete": {"group_id": 1},
    "domain.create": {"domain": {"name": "D"}, "position": 0},
    "domain.update": {"domain_id": 1, "changes": {"name": "E"}},
    "domain.move": {"domain_id": 1, "position": 0},
    "domain.delete": {"domain_id": 1},
    "partners.set": {"partners": ["Kraków"]},
    "workshop.update": {"changes": {"title": "T", "year": 2030}},
    "workshop.new_code": {},
    "participant.remove": {"participant_id": 1},
    "phase.set": {"phase": "voting"},
    "phase.list": {"phases": [{"key": "placing", "name": "P", "rights": ["move"]}]},
    "timer.start": {"minutes": 5, "auto_lock": False},
    "timer.pause": {},
    "timer.resume": {},
    "timer.stop": {},
    "timer.extend": {"minutes": 1},
    "board.lock": {"locked": True, "piece_id": 1},
    "spotlight.set": {"piece_id": 1, "domain_id": None},
    "moderation.set": {"moderation": True},
    "inbox.accept": {"piece_id": 1, "domain_id": None, "position": 0},
    "inbox.reject": {"piece_id": 1, "reason": "nie"},
    "voting.open": {"votes": 3, "per": "group", "per_piece": 1, "domain_id": None},
    "voting.close": {},
    "voting.reveal": {},
    "vote.add": {"piece_id": 1},
    "vote.remove": {"piece_id": 1},
    "comment.add": {"piece_id": 1, "text": "C", "parent_id": None},
    "comment.delete": {"comment_id": 1},
    "undo": {},
    "revert": {"seq": 1},
}


def test_every_op_type_has_a_template():
    assert set(TEMPLATES) == set(OPS)


def test_numbers_beyond_what_browsers_hold_are_refused(room: Room):
    """Found by fuzzing: a per_piece of 2**70 was stored (and sent to every client)."""
    client = room.socket()
    payload = {"op_id": op_id(), "type": "voting.open", "votes": 2, "per_piece": 2**70}
    ack = client.emit("op", payload, callback=True)
    assert ack["error"]["code"] == "validation_error" and "per_piece" in ack["error"]["fields"]


def _deep(levels: int) -> Any:
    value: Any = "x"
    for n in range(levels):
        value = [value] if n % 2 else {"a": value}
    return value


leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "\x00", "ą" * 3000, "x" * 70_000, "#zzzzzz", "placing"])
    | st.sampled_from([0, -1, 2**31, 2**53, 2**53 + 1, 2**63, 10**400 // 10**390])
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
) | st.sampled_from([_deep(60), _deep(300)])


@st.composite
def payloads(draw, ids: dict[str, int]) -> Any:
    kind = draw(st.sampled_from(sorted(OPS)))
    payload: dict[str, Any] = {
        "op_id": op_id(),
        "type": kind,
        **json.loads(json.dumps(TEMPLATES[kind])),
    }
    for key in ("piece_id", "domain_id", "group_id", "comment_id", "participant_id"):
        if key in payload:  # ids of another workshop (they exist) or of this one
            payload[key] = draw(st.sampled_from([ids[key], ids[f"own_{key}"], payload[key]]))
    how = draw(st.sampled_from(["field", "field", "field", "drop", "unknown", "whole", "nested"]))
    if how == "whole":
        return draw(json_values | st.just([payload]) | st.just(None))
    if how == "drop":
        payload.pop(draw(st.sampled_from(sorted(payload))))
    elif how == "unknown":
        payload[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    elif how == "nested":
        nested = [k for k, v in payload.items() if isinstance(v, dict)]
        if nested:
            inner = payload[draw(st.sampled_from(nested))]
            inner[draw(st.sampled_from([*inner, "zzz"]))] = draw(json_values)
        else:
            payload["zzz"] = draw(json_values)
    else:
        payload[draw(st.sampled_from(sorted(payload)))] = draw(json_values)
    return payload


def _event_count(room: Room) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.workshop_id == room.id))


def check_ack(ack: Any) -> bool:
    """True for an ok ack; asserts an error ack has the documented shape."""
    assert isinstance(ack, dict), ack
    if ack.get("ok") is True:
        assert isinstance(ack["seq"], int) and isinstance(ack["event"], dict)
        return True
    assert ack.get("ok") is False and set(ack) == {"ok", "error"}, ack
    error = ack["error"]
    assert set(error) <= {"code", "message", "fields"}, error
    assert error["code"] in HTTP_STATUS and isinstance(error["message"], str) and error["message"]
    return False


@pytest.fixture
def fuzz_room(room: Room, monkeypatch) -> tuple[Room, dict[str, int]]:
    """A board with one of everything, ids of another workshop, and no op rate limit."""
    monkeypatch.setitem(room.app.extensions, "planner.socket_ops", SlidingWindow(10**9, 1))
    anna = room.participant("Anna")
    piece = room.create(anna, "Akcja", domain_id=room.domains[0]["id"])
    comment = room.op(anna, "comment.add", piece_id=piece["id"], text="Tak")
    own = {
        "own_piece_id": piece["id"],
        "own_domain_id": room.domains[1]["id"],
        "own_group_id": room.groups[1]["id"],
        "own_comment_id": comment["data"]["comment"]["id"],
        "own_participant_id": anna.id,
    }
    other = Room.__new__(Room)
    other.app, other.staff, other.staff_user, other.staff_token = (
        room.app,
        room.staff,
        room.staff_user,
        room.staff_token,
    )
    from planner.board import create_workshop

    other.workshop = create_workshop("Inny", 2027, "smk2030", room.staff_user.id)
    other.id, other.tokens = other.workshop.id, {}
    other.groups = [other.group("Obcy")]
    stranger = other.participant("Obcy")
    foreign_piece = other.create(stranger, "Cudza")
    foreign_comment = other.op(stranger, "comment.add", piece_id=foreign_piece["id"], text="x")
    ids = {
        "piece_id": foreign_piece["id"],
        "domain_id": other.domains[0]["id"],
        "group_id": other.groups[0]["id"],
        "comment_id": foreign_comment["data"]["comment"]["id"],
        "participant_id": stranger.id,
        **own,
    }
    room.anna_token = room.tokens[anna.id]
    return room, ids


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("role", ["staff", "participant"])
def test_hostile_ops_get_an_ack_and_change_nothing_when_refused(fuzz_room, role):
    room, ids = fuzz_room
    client = room.socket() if role == "staff" else room.socket(room.anna_token)

    @FUZZ
    @given(payload=payloads(ids))
    def run(payload):
        before, events = room.snapshot(), _event_count(room)
        ack = client.emit("op", payload, callback=True)
        assert client.is_connected()
        if not check_ack(ack):
            assert _event_count(room) == events and room.snapshot() == before, payload

    run()


@given(payload=json_values)
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_hostile_sync_and_drag_are_answered(fuzz_room, payload):
    room, _ids = fuzz_room
    client = room.socket(room.anna_token)
    answer = client.emit("sync", payload, callback=True)
    assert isinstance(answer, dict) and (
        "error" in answer or "events" in answer or "snapshot" in answer
    )
    if "error" in answer:
        assert answer["error"]["code"] == "validation_error"
    answer = client.emit("drag", payload, callback=True)
    assert isinstance(answer, dict) and (
        answer == {"ok": True} or answer["error"]["code"] in HTTP_STATUS
    )
    assert client.is_connected()
    client.disconnect()
