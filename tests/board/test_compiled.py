"""The live path's statements on the DBAPI cursor read and write exactly what SQLAlchemy would."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from planner.board import compiled
from planner.extensions import db
from planner.models import Event, Piece, Workshop, utcnow
from tests.conftest import Room
from tests.support import op_id

DATABASES = ["app", "pg_app"]
_PIECE = Piece.__table__
_BY_ID = sa.select(_PIECE, sa.literal(7).label("seven")).where(_PIECE.c.id == sa.bindparam("piece"))
_RENAME = sa.update(_PIECE).where(_PIECE.c.id == sa.bindparam("piece"))
_EVENTS = sa.insert(Event.__table__)
_COUNT = sa.select(sa.func.count()).where(_PIECE.c.workshop_id == sa.bindparam("workshop"))


@pytest.fixture(params=DATABASES)
def room(request) -> Room:
    return Room(request.getfixturevalue(request.param))


def _piece(room: Room) -> dict:
    domain = room.domains[0]["id"]
    return room.create(title="Rowery", domain_id=domain, partners=["Kraków"], quarters=[2, 3])


def test_a_row_is_typed_as_sqlalchemy_types_it(room: Room):
    piece = _piece(room)
    connection = db.session.connection()
    expected = connection.execute(_BY_ID, {"piece": piece["id"]}).one()
    row = compiled.execute(connection, _BY_ID, {"piece": piece["id"]}).one_or_none()
    assert isinstance(row, compiled.Row) and tuple(row) == tuple(expected)
    assert dict(row._mapping) == dict(expected._mapping)
    assert row.updated_at.tzinfo is not None and row.partners == ["Kraków"]
    assert row.seven == 7 and row.locked is False
    assert compiled.execute(connection, _BY_ID, {"piece": -1}).one_or_none() is None
    assert compiled.execute(connection, _COUNT, {"workshop": room.id}).scalar_one() == 1


def test_a_write_belongs_to_the_session_s_transaction(room: Room):
    piece = _piece(room)
    compiled.execute(db.session.connection(), _RENAME, {"piece": piece["id"], "title": "Tramwaje"})
    db.session.rollback()
    assert db.session.get(Piece, piece["id"]).title == "Rowery"
    compiled.execute(db.session.connection(), _RENAME, {"piece": piece["id"], "title": "Tramwaje"})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Piece, piece["id"]).title == "Tramwaje"


def test_events_inserted_together_read_back_as_written(room: Room):
    seq = db.session.get(Workshop, room.id).seq
    at = utcnow()
    events = [
        {
            "workshop_id": room.id,
            "seq": seq + n,
            "op_id": op_id(),
            "type": "piece.move",
            "actor": {"role": "staff", "id": 1},
            "data": {"n": n, "none": None},
            "at": at,
        }
        for n in (1, 2, 3)
    ]
    compiled.execute_many(db.session.connection(), _EVENTS, [dict(e) for e in events])
    db.session.commit()
    stored = db.session.scalars(
        sa.select(Event).where(Event.workshop_id == room.id, Event.seq > seq).order_by(Event.seq)
    ).all()
    assert [(e.seq, e.op_id, e.actor, e.data, e.at) for e in stored] == [
        (e["seq"], e["op_id"], e["actor"], e["data"], e["at"]) for e in events
    ]


def test_a_missing_parameter_is_refused_before_anything_runs(room: Room):
    piece = _piece(room)
    with pytest.raises(sa.exc.InvalidRequestError, match="'piece'"):
        compiled.execute(db.session.connection(), _RENAME, {"title": "Tramwaje"})
    db.session.commit()
    assert db.session.get(Piece, piece["id"]).title == "Rowery"


def test_a_default_computed_in_python_is_refused(room: Room):
    """SQLAlchemy would fill `at` (utcnow) in; the cursor cannot, so the statement is refused."""
    event = {"workshop_id": room.id, "seq": 10**6, "op_id": op_id(), "type": "x"}
    with pytest.raises(ValueError, match="give every value"):
        compiled.execute_many(db.session.connection(), _EVENTS, [event | {"actor": {}, "data": {}}])
