"""Permissions per role, strict validation, and refused ops that change nothing."""

from __future__ import annotations

import pytest

from planner.board import apply_op
from planner.board.errors import BoardError
from planner.extensions import db
from planner.models import Event
from tests.conftest import Room
from tests.support import op_id


def event_count(room: Room) -> int:
    return db.session.query(Event).filter_by(workshop_id=room.id).count()


def refused(room: Room, actor, code: str, type_: str, **fields):
    before = (room.snapshot(), event_count(room))
    answer = room.op(actor, type_, **fields)
    assert answer.get("error", {}).get("code") == code, answer
    assert (room.snapshot(), event_count(room)) == before
    return answer["error"]


def test_participant_edits_and_deletes_only_own_groups_pieces(room: Room):
    anna = room.participant("Anna", group=0)
    jan = room.participant("Jan", group=1)
    piece = room.create(anna, title="Rowery")
    assert piece["group_id"] == room.groups[0]["id"]
    refused(room, jan, "forbidden", "piece.update", piece_id=piece["id"], changes={"title": "X"})
    refused(room, jan, "forbidden", "piece.delete", piece_id=piece["id"])
    ok = room.op(anna, "piece.update", piece_id=piece["id"], changes={"title": "Rowery+"})
    assert ok["data"]["changed"] == ["title"]
    # anyone may move (placing phase), staff may edit everything
    assert "error" not in room.op(
        jan, "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )
    assert "error" not in room.op(room.staff, "piece.delete", piece_id=piece["id"])


def test_participant_cannot_do_staff_things(room: Room):
    anna = room.participant("Anna")
    refused(room, anna, "forbidden", "group.create", group={"name": "Moja"})
    # role is checked before the fields: garbage fields still get forbidden
    refused(room, anna, "forbidden", "group.create", group=12, extra=True)
    piece = room.create(anna)
    refused(
        room,
        anna,
        "forbidden",
        "piece.update",
        piece_id=piece["id"],
        changes={"status": "accepted"},
    )


def test_locked_board_refuses_participants_moves_but_not_staff(room: Room):
    anna = room.participant("Anna")
    piece = room.create()
    room.workshop.locked = True
    db.session.commit()
    error = refused(
        room, anna, "locked", "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )
    assert "lock" in error["message"].lower() or "zablok" in error["message"].lower()
    assert "error" not in room.op(
        room.staff, "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )


def test_phase_names_itself_when_it_forbids(room: Room):
    anna = room.participant("Anna")
    room.workshop.phase = "voting"
    db.session.commit()
    error = refused(room, anna, "forbidden", "piece.create", piece={"title": "x"})
    assert "głosowanie" in error["message"] or "voting" in error["message"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"piece": {"title": ""}}, "piece"),
        ({"piece": {"title": "x" * 201}}, "piece"),
        ({"piece": {"title": "   "}}, "piece"),
        ({"piece": {"title": "ok", "quarters": [1, 1]}}, "piece"),
        ({"piece": {"title": "ok", "quarters": [5]}}, "piece"),
        ({"piece": {"title": "ok", "cost_pln": "100"}}, "piece"),
        ({"piece": {"title": "ok", "cost_pln": -1}}, "piece"),
        ({"piece": {"title": "ok", "unknown": 1}}, "piece"),
        ({"piece": {"title": "ok"}, "domain_id": "12"}, "domain_id"),
        ({"piece": {"title": "ok"}, "position": 1.5}, "position"),
        ({"piece": {"title": "ok"}, "extra": 1}, "extra"),
        ({}, "piece"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(room: Room, fields, field):
    error = refused(room, room.staff, "validation_error", "piece.create", **fields)
    assert field in error["fields"]


def test_bad_envelopes(room: Room):
    for payload in (None, [], "op", {"type": "piece.create"}, {"op_id": "", "type": "x"}):
        with pytest.raises(BoardError) as info:
            apply_op(room.id, room.staff, payload)
        assert info.value.code == "validation_error"
    with pytest.raises(BoardError) as info:
        apply_op(room.id, room.staff, {"op_id": op_id(), "type": "piece.teleport"})
    assert info.value.fields == {"type": ["Unknown op type."]} or "type" in info.value.fields


def test_other_workshops_ids_are_not_found(room: Room):
    from planner.board import create_workshop

    other = create_workshop("Inny", 2027, "smk2030", None)
    foreign = apply_op(
        other.id, room.staff, {"op_id": op_id(), "type": "piece.create", "piece": {"title": "x"}}
    )
    piece_id = foreign.event["data"]["piece"]["id"]
    refused(
        room, room.staff, "not_found", "piece.move", piece_id=piece_id, domain_id=None, position=0
    )
    refused(room, room.staff, "not_found", "piece.delete", piece_id=piece_id)
    from planner.board.workshops import snapshot

    other_domain = snapshot(other, set())["domains"][0]["id"]
    refused(
        room, room.staff, "not_found", "piece.create", piece={"title": "x"}, domain_id=other_domain
    )


def test_repeated_op_id_is_applied_once_and_answered_the_same(room: Room):
    payload = {"op_id": op_id(), "type": "piece.create", "piece": {"title": "Raz"}}
    first = apply_op(room.id, room.staff, payload)
    again = apply_op(room.id, room.staff, {**payload, "piece": {"title": "Dwa"}, "junk": 1})
    assert first.new and not again.new
    assert again.event == first.event
    assert [p["title"] for p in room.snapshot()["pieces"]] == ["Raz"]


def test_stale_version_is_a_conflict(room: Room):
    piece = room.create()
    room.op(room.staff, "piece.update", piece_id=piece["id"], changes={"title": "v2"}, version=1)
    refused(
        room,
        room.staff,
        "conflict",
        "piece.update",
        piece_id=piece["id"],
        changes={"title": "v3"},
        version=1,
    )


def test_duplicate_code_is_a_conflict(room: Room):
    room.create(code="MOB-07")
    refused(room, room.staff, "conflict", "piece.create", piece={"title": "x", "code": "MOB-07"})


def test_seq_is_gapless(room: Room):
    for n in range(5):
        room.create(title=f"p{n}")
    seqs = [
        e.seq for e in db.session.query(Event).filter_by(workshop_id=room.id).order_by(Event.seq)
    ]
    assert seqs == list(range(1, len(seqs) + 1))
