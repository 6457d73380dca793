"""Moves of several senders applied in one transaction (board.apply_each, realtime.submit): each
is applied or refused exactly as it would be alone, in order, and a refusal changes nothing."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from planner import auth
from planner.board import (
    Actor,
    Applied,
    BoardError,
    apply_each,
    apply_op,
    create_workshop,
    snapshot,
)
from planner.extensions import db
from planner.models import Piece, Workshop
from planner.realtime import submit
from tests.conftest import Room
from tests.support import op_id

PIECES = 9


class Twin:
    """One of two identical workshops: nine pieces on three domains, the third domain locked,
    three participants (the third removed by the facilitator), one move applied before."""

    def __init__(self, room: Room, title: str) -> None:
        self.staff = room.staff
        workshop = create_workshop(title, 2027, "smk2030", room.staff_user.id)
        self.id = workshop.id
        self.domains = [d["id"] for d in snapshot(workshop, set())["domains"]][:3]
        self.pieces = [
            self.staff_op(
                "piece.create", piece={"title": f"Akcja {n}"}, domain_id=self.domains[n % 3]
            )["data"]["piece"]["id"]
            for n in range(PIECES)
        ]
        self.people = {}
        for name in ("Anna", "Bartek", "Ewa"):
            _token, person, _ = auth.join(workshop.code, name, None)
            self.people[name] = Actor("participant", person.id, name, None, self.id)
        self.staff_op("participant.remove", participant_id=self.people["Ewa"].id)
        self.staff_op("board.lock", locked=True, domain_id=self.domains[2])
        payload = self.move("before", 0, 1, 0)
        assert apply_op(self.id, self.people["Anna"], payload).new

    def staff_op(self, type_: str, **fields: Any) -> dict[str, Any]:
        return apply_op(self.id, self.staff, {"op_id": op_id(), "type": type_, **fields}).event

    def actor(self, name: str) -> Actor:
        return self.staff if name == "staff" else self.people[name]

    def move(self, key: str, piece: int, zone: int | None, position: Any, **extra: Any) -> dict:
        """A move by indexes (piece -1: one that does not exist); `key` makes the op_id."""
        return {
            "op_id": key,
            "type": "piece.move",
            "piece_id": 10**9 if piece < 0 else self.pieces[piece],
            "domain_id": None if zone is None else self.domains[zone],
            "position": position,
            **extra,
        }

    def board(self) -> list[tuple[Any, int, int]]:
        """Each piece (by index): its zone's index (None: tray), position and version."""
        db.session.rollback()
        by_id = {
            p.id: p for p in db.session.scalars(sa.select(Piece).where(Piece.id.in_(self.pieces)))
        }
        zone = {d: n for n, d in enumerate(self.domains)}
        return [
            (zone.get(by_id[p].domain_id, by_id[p].domain_id), by_id[p].position, by_id[p].version)
            for p in self.pieces
        ]

    def seq(self) -> int:
        db.session.rollback()
        return db.session.get(Workshop, self.id).seq


def script(rng: random.Random) -> list[tuple[str, tuple]]:
    """Who sends which move: refusals of every kind among ordinary moves."""
    ops: list[tuple[str, tuple]] = [
        ("Anna", ("a", 3, 1, 0)),
        ("Bartek", ("b", 1, None, 5)),
        ("Anna", ("c", 4, 2, 0)),  # into the locked domain
        ("Bartek", ("d", -1, 0, 0)),  # no such piece
        ("staff", ("e", 5, 0, 0, {"version": 99})),  # stale version
        ("Ewa", ("f", 6, 0, 0)),  # removed by the facilitator
        ("Anna", ("g", 7, 0, "1")),  # "1" is not a position
        ("Bartek", ("a", 8, 0, 0)),  # the op_id of this batch's first: its answer again
        ("Bartek", ("before", 8, 0, 0)),  # applied before the batch: its answer again
        ("staff", ("h", 3, 2, 0)),  # staff may move into a locked domain
    ]
    for n in range(20):
        who = rng.choice(["Anna", "Bartek", "staff"])
        zone = rng.choice([None, 0, 1])
        ops.append((who, (f"r{n}", rng.randrange(PIECES), zone, rng.randrange(5))))
    return ops


def outcome(result: Applied | BoardError, start: int) -> tuple:
    if isinstance(result, BoardError):
        return ("refused", result.code)
    event = result.event
    return ("applied" if result.new else "repeat", event["seq"] - start, event["actor"]["name"])


def as_payload(twin: Twin, spec: tuple) -> dict:
    key, piece, zone, position, *extra = spec
    return twin.move(key, piece, zone, position, **(extra[0] if extra else {}))


@pytest.mark.parametrize(
    ("database", "seed"), [("sqlite", 1), ("sqlite", 2), ("sqlite", 3), ("postgres", 4)]
)
def test_moves_applied_together_end_as_if_applied_one_by_one(request, database: str, seed: int):
    room = Room(request.getfixturevalue("app" if database == "sqlite" else "pg_app"))
    together, alone = Twin(room, "Razem"), Twin(room, "Osobno")
    ops = script(random.Random(seed))
    start = together.seq()
    published: list[list[dict]] = []
    results = apply_each(
        together.id,
        [(together.actor(who), as_payload(together, spec)) for who, spec in ops],
        lambda applied: published.append([a.event for a in applied if a.new]),
    )
    expected = []
    for who, spec in ops:
        try:
            expected.append(apply_op(alone.id, alone.actor(who), as_payload(alone, spec)))
        except BoardError as err:
            expected.append(err)
    assert [outcome(r, start) for r in results] == [outcome(r, start) for r in expected]
    assert [outcome(r, start)[0] for r in results[:10]] == [
        "applied",
        "applied",
        "refused",
        "refused",
        "refused",
        "refused",
        "refused",
        "repeat",
        "repeat",
        "applied",
    ]
    assert [r.code for r in results[2:7]] == [
        "locked",
        "not_found",
        "conflict",
        "unauthorized",
        "validation_error",
    ]
    assert results[7].event == results[0].event  # the same op_id twice: applied once
    assert together.board() == alone.board()
    assert together.seq() == alone.seq()
    new = [r.event for r in results if isinstance(r, Applied) and r.new]
    assert published == [new]  # once, after the commit, in seq order
    assert [e["seq"] for e in new] == list(range(start + 1, start + 1 + len(new)))


def test_a_gathering_of_refusals_changes_nothing(room: Room):
    twin = Twin(room, "Odmowy")
    before, seq = twin.board(), twin.seq()
    results = apply_each(
        twin.id,
        [
            (twin.actor("Ewa"), twin.move("x", 0, 1, 0)),
            (twin.actor("Anna"), twin.move("y", 0, 2, 0)),
            (twin.actor("Anna"), {"op_id": "z", "type": "piece.move", "piece_id": "1"}),
            (twin.actor("Anna"), "not an op"),
        ],
    )
    assert [r.code for r in results] == [
        "unauthorized",
        "locked",
        "validation_error",
        "validation_error",
    ]
    assert twin.board() == before
    assert twin.seq() == seq


def test_only_rules_that_refuse_before_writing_are_gathered(room: Room):
    twin = Twin(room, "Tylko ruchy")
    before = twin.board()
    create = {"op_id": "c", "type": "piece.create", "piece": {"title": "Nowa"}}
    with pytest.raises(ValueError, match="COMBINABLE"):
        apply_each(twin.id, [(twin.staff, twin.move("m", 0, 1, 0)), (twin.staff, create)])
    assert twin.board() == before  # the move before it was rolled back too


def test_moves_submitted_at_once_from_many_threads_are_each_applied_once(room: Room, app):
    """Handlers of the socket run concurrently; whichever gathers, every move gets its answer."""
    twin = Twin(room, "Wątki")
    start = twin.seq()
    movable = [n for n in range(PIECES) if n % 3 != 2]  # the third domain is locked
    answers: dict[str, Any] = {}
    barrier = threading.Barrier(len(movable))

    def send(n: int) -> None:
        with app.app_context():
            barrier.wait()
            payload = twin.move(f"t{n}", n, n % 2, 0)
            try:
                answers[payload["op_id"]] = submit(twin.id, twin.actor("Anna"), payload)
            except BoardError as err:
                answers[payload["op_id"]] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(n,)) for n in movable]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == sorted(f"t{n}" for n in movable)
    assert not [a.to_dict() for a in answers.values() if isinstance(a, BoardError)]
    seqs = sorted(a.event["seq"] for a in answers.values())
    assert seqs == list(range(start + 1, start + 1 + len(movable)))
    assert twin.seq() == start + len(movable)
    zones = twin.board()
    assert [zones[n][0] for n in movable] == [n % 2 for n in movable]
