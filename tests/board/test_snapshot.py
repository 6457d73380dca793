"""The snapshot: pieces dumped without marshmallow, remembered per seq, never torn."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from planner.board import events_since, snapshot, workshops
from planner.extensions import db
from planner.models import Event, Piece, Workshop
from planner.schemas import EventSchema, PieceSchema, dump_event, dump_piece
from tests.conftest import Room

FULL = {
    "code": "MOB-07",
    "title": "Bilet metropolitalny",
    "description": "Wspólny bilet <b>dla 15 gmin</b>",
    "objective": "Cel 2.1",
    "lead": "Kraków",
    "partners": ["Wieliczka", "Skawina"],
    "quarters": [3, 1],
    "cost_pln": 125000.5,
    "funding": "FEM 2021–2027",
    "result": "Umowa",
    "indicator": "Liczba gmin",
    "status": "accepted",
}


def _without_decorations(piece: dict) -> dict:
    return {k: v for k, v in piece.items() if k in PieceSchema._declared_fields}


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_plain_dump_equals_the_schema(request, database):
    """Also the first snapshot's, which types the driver's raw values itself (each database's
    driver gives other raw values: SQLite strings for dates and JSON, psycopg2 objects)."""
    room = Room(request.getfixturevalue("app" if database == "sqlite" else "pg_app"))
    made = room.create(domain_id=room.domains[1]["id"], **FULL)
    empty = room.create(title="Pusta")
    for piece_id in (made["id"], empty["id"]):
        piece = db.session.get(Piece, piece_id)
        assert dump_piece(piece) == PieceSchema().dump(piece)
        workshops._pieces_cache.clear()  # nothing kept: the rows typed from the raw read
        shown = next(p for p in room.snapshot()["pieces"] if p["id"] == piece_id)
        assert _without_decorations(shown) == PieceSchema().dump(piece)
        kept = next(p for p in room.snapshot()["pieces"] if p["id"] == piece_id)
        assert kept == shown
    assert made["quarters"] == [1, 3] and made["cost_pln"] == 125000.5


def test_a_snapshot_at_the_same_seq_is_the_same_and_a_change_shows(room: Room):
    mob = room.domains[1]["id"]
    piece = room.create(domain_id=mob)
    first = room.snapshot()
    first["pieces"][0]["title"] = "changed by one reader"  # readers get their own copies
    first["pieces"][0]["comments"].append({"id": 0})
    again = room.snapshot()
    assert again["pieces"][0]["title"] == piece["title"]
    assert again["pieces"][0]["comments"] == []
    room.op(room.staff, "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    moved = room.snapshot()
    assert moved["seq"] == again["seq"] + 1
    assert (moved["pieces"][0]["domain_id"], moved["pieces"][0]["version"]) == (None, 2)


def test_a_commit_between_the_reads_is_not_torn_into_the_board(pg_app):
    """PostgreSQL reads committed data per statement: another process committing an op while
    a snapshot reads must not give that op's change under the older seq."""
    room = Room(pg_app)
    piece = room.create(domain_id=room.domains[1]["id"])
    db.session.commit()
    workshop = db.session.get(Workshop, room.id)
    seq = workshop.seq
    other = db.engine.connect()  # another process's connection
    committed = []

    def commit_once(conn, cursor, statement, *args):
        if committed or "FROM piece" not in statement or conn is other:
            return
        committed.append(True)
        with other.begin():
            other.execute(
                sa.update(Piece).where(Piece.id == piece["id"]).values(title="Nowy tytuł")
            )
            other.execute(
                sa.update(Workshop).where(Workshop.id == room.id).values(seq=Workshop.seq + 1)
            )

    sa.event.listen(db.engine, "before_cursor_execute", commit_once)
    try:
        board = snapshot(workshop, set())
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", commit_once)
        other.close()
    assert committed
    assert board["seq"] == seq + 1
    assert board["pieces"][0]["title"] == "Nowy tytuł"


def test_events_dump_as_the_schema_and_the_ack_equals_the_log(room: Room):
    piece = room.create(**FULL)
    ack = room.op(room.staff, "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    row = db.session.scalars(sa.select(Event).where(Event.seq == ack["seq"])).one()
    assert dump_event(row) == EventSchema().dump(row)
    workshop = db.session.get(Workshop, room.id)
    assert events_since(workshop, ack["seq"] - 1) == [ack]


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_snapshot_after_each_kind_of_change_equals_one_read_whole(request, database):
    """After a change only the rows that differ are dumped again: whatever changed them (a
    neighbour's shift, a lock, a deleted group, a domain's deletion), the board must equal the
    one read without what was kept."""
    room = Room(request.getfixturevalue("app" if database == "sqlite" else "pg_app"))
    mob, env = room.domains[1]["id"], room.domains[2]["id"]
    anna = room.participant("Anna", group=1)
    made = [room.create(anna, domain_id=mob, title=f"P{n}") for n in range(5)]
    tray = room.create(title="W zasobniku")
    staff = room.staff
    steps = [
        lambda: room.op(staff, "piece.move", piece_id=made[0]["id"], domain_id=env, position=0),
        lambda: room.op(staff, "piece.move", piece_id=made[4]["id"], domain_id=mob, position=0),
        lambda: room.op(staff, "piece.update", piece_id=made[2]["id"], changes=FULL),
        lambda: room.op(staff, "board.lock", piece_id=made[3]["id"], locked=True),
        lambda: room.op(staff, "participant.remove", participant_id=anna.id),
        lambda: room.op(staff, "group.delete", group_id=room.groups[1]["id"]),
        lambda: room.op(staff, "piece.delete", piece_id=made[1]["id"]),
        lambda: room.op(staff, "domain.delete", domain_id=mob),
        lambda: room.op(staff, "piece.move", piece_id=tray["id"], domain_id=env, position=1),
        lambda: {"data": room.create(domain_id=env, position=0)},
    ]
    room.snapshot()  # kept: every later snapshot starts from the one before
    for step in steps:
        assert "error" not in step()
        after = room.snapshot()
        workshops._pieces_cache.clear()
        assert after == room.snapshot()


def test_after_a_move_only_the_shifted_pieces_are_dumped_again(room: Room):
    mob = room.domains[1]["id"]
    made = [room.create(domain_id=mob, title=f"P{n}") for n in range(12)]
    room.create(domain_id=room.domains[2]["id"])
    room.snapshot()
    before = dict(workshops._pieces_cache[room.id].dumped)
    room.op(room.staff, "piece.move", piece_id=made[9]["id"], domain_id=mob, position=7)
    board = room.snapshot()
    after = workshops._pieces_cache[room.id].dumped
    dumped_again = [piece_id for piece_id in after if after[piece_id] is not before[piece_id]]
    assert sorted(dumped_again) == sorted(p["id"] for p in made[7:10])  # 9 → 7, 7 and 8 shift
    assert [p["title"] for p in board["pieces"] if p["domain_id"] == mob][7:10] == [
        "P9",
        "P7",
        "P8",
    ]
