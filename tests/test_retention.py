"""Personal data retention: participants' names go PLANNER_RETENTION_DAYS after closing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from planner.extensions import db
from planner.models import Event, Participant, Workshop
from planner.retention import anonymise_due
from tests.conftest import Room
from tests.support import ROOT

NAMES = ("Zofia Tajemnicza", "Bartłomiej Sekretny")
FORMATS = ("docx", "xlsx", "csv", "json", "html")


def _closed_room(room: Room) -> Room:
    """Two participants who created, commented and voted; then the facilitator closed it."""
    zofia = room.participant(NAMES[0], group=0)
    bartek = room.participant(NAMES[1], group=1)
    piece = room.create(zofia, "Bilet metropolitalny")
    assert "error" not in room.op(bartek, "comment.add", piece_id=piece["id"], text="Dobre")
    assert "error" not in room.op(room.staff, "voting.open", votes=3)
    assert "error" not in room.op(room.staff, "phase.set", phase="voting")
    assert "error" not in room.op(zofia, "vote.add", piece_id=piece["id"])
    assert "error" not in room.op(room.staff, "phase.set", phase="closed")
    return room


def _closed_at(room: Room):
    db.session.expire_all()
    return db.session.get(Workshop, room.id).closed_at


def _stored_text(room: Room) -> str:
    """Everything the database holds about the workshop's people and history, as text."""
    db.session.expire_all()
    people = db.session.scalars(sa.select(Participant).where(Participant.workshop_id == room.id))
    events = db.session.scalars(sa.select(Event).where(Event.workshop_id == room.id))
    return json.dumps(
        [[p.name for p in people], [[e.actor, e.data] for e in events]], ensure_ascii=False
    )


def _served_text(room: Room) -> str:
    """What staff can read over REST: the board, the history, the report, every export."""
    http = room.app.test_client()
    headers = {"Authorization": f"Bearer {room.staff_token}"}
    parts = []
    for path in ("board", "history?limit=500", "report", *(f"export/{f}" for f in FORMATS)):
        answer = http.get(f"/api/workshops/{room.id}/{path}", headers=headers)
        assert answer.status_code == 200, (path, answer.status_code)
        if path.startswith("export/") and path.split("/")[1] in ("docx", "xlsx"):
            parts.append(_office_text(answer.data))
        else:
            parts.append(answer.get_data(as_text=True))
    return "\n".join(parts)


def _office_text(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def test_closing_records_when_and_reopening_clears_it(room: Room):
    assert _closed_at(room) is None
    room.op(room.staff, "phase.set", phase="closed")
    first = _closed_at(room)
    assert first is not None
    room.op(room.staff, "phase.set", phase="closed")  # closing again keeps the first moment
    assert _closed_at(room) == first
    room.op(room.staff, "phase.set", phase="review")
    assert _closed_at(room) is None
    # a workshop's own list: its last phase closes it
    phases = [{"key": "praca", "rights": ["create"]}, {"key": "koniec", "rights": []}]
    room.op(room.staff, "phase.set", phase="placing")
    room.op(room.staff, "phase.list", phases=[{"key": "placing", "rights": []}, *phases])
    room.op(room.staff, "phase.set", phase="koniec")
    assert _closed_at(room) is not None


def test_names_stay_before_the_period(room: Room):
    _closed_room(room)
    closed = _closed_at(room)
    assert anonymise_due(30, now=closed + timedelta(days=29, hours=23)) == 0
    for name in NAMES:
        assert name in _stored_text(room)
    http = room.app.test_client()
    token = next(iter(room.tokens.values()))
    answer = http.get(
        f"/api/workshops/{room.id}/board", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200


def test_an_open_workshop_is_never_anonymised(room: Room):
    room.participant(NAMES[0])
    room.op(room.staff, "phase.set", phase="closed")
    room.op(room.staff, "phase.set", phase="review")  # reopened
    assert anonymise_due(0) == 0
    assert NAMES[0] in _stored_text(room)


def test_names_are_gone_everywhere_after_the_period(room: Room):
    _closed_room(room)
    closed = _closed_at(room)
    assert any(name in _served_text(room) for name in NAMES)  # staff see names before
    assert anonymise_due(30, now=closed + timedelta(days=30, seconds=1)) == 2
    stored, served = _stored_text(room), _served_text(room)
    for name in NAMES:
        for word in name.split():
            assert word not in stored and word not in served
    people = db.session.scalars(
        sa.select(Participant).where(Participant.workshop_id == room.id).order_by(Participant.id)
    ).all()
    assert [p.name for p in people] == ["Uczestnik 1", "Uczestnik 2"]
    actors = {
        e.actor["id"]: e.actor["name"]
        for e in db.session.scalars(sa.select(Event).where(Event.workshop_id == room.id))
        if e.actor["role"] == "participant"
    }
    assert actors == {people[0].id: "Uczestnik 1", people[1].id: "Uczestnik 2"}
    # the tokens are revoked: REST and sockets refuse them
    http = room.app.test_client()
    for token in room.tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        answer = http.get(f"/api/workshops/{room.id}/board", headers=headers)
        assert answer.status_code == 401
        assert not room.socket(token).is_connected()
    # the board itself is kept: the piece, its comment and vote are there
    board = room.snapshot()
    assert [p["title"] for p in board["pieces"]] == ["Bilet metropolitalny"]
    assert board["pieces"][0]["comment_count"] == 1 and board["pieces"][0]["votes"] == 1
    assert anonymise_due(0) == 0  # done once


def test_other_workshops_keep_their_names(room: Room):
    _closed_room(room)
    other = Room.__new__(Room)
    other.app, other.staff, other.tokens = room.app, room.staff, {}
    other.staff_user, other.staff_token = room.staff_user, room.staff_token
    from planner.board import create_workshop

    other.workshop = create_workshop("Inne", 2027, "blank", room.staff_user.id)
    other.id = other.workshop.id
    other.groups = [other.group("Stół A")]
    other.participant("Inna Osoba")
    closed = _closed_at(room)
    assert anonymise_due(30, now=closed + timedelta(days=31)) == 2
    assert "Inna Osoba" in _stored_text(other)


def test_run_py_anonymise_command(room: Room, tmp_path):
    _closed_room(room)
    env = {
        **os.environ,
        "PLANNER_INSTANCE_PATH": str(room.app.config["INSTANCE_PATH"]),
        "PLANNER_RETENTION_DAYS": "0",
    }
    env.pop("PLANNER_DATABASE_URL", None)
    db.session.remove()
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "anonymise"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Participants anonymised: 2" in done.stdout
    for name in NAMES:
        assert name not in _stored_text(room)


@pytest.mark.slow
def test_the_server_anonymises_at_start_up(make_live_server):
    server = make_live_server(PLANNER_RETENTION_DAYS="0")
    workshop = server.create_workshop()
    server.join(workshop["code"], NAMES[0])
    from tests.mirror import BoardClient

    staff = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    assert staff.op("phase.set", phase="closed")["ok"]
    staff.close()
    names = [p["name"] for p in server.snapshot(workshop["id"])["participants"]]
    assert names == [NAMES[0]]  # closed just now: the start-up check already ran
    server.stop()
    server.restart()
    names = [p["name"] for p in server.snapshot(workshop["id"])["participants"]]
    assert names == ["Uczestnik 1"]
