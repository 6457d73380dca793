"""One programme from several workshops, the programme model itself, and the export page."""

from __future__ import annotations

import csv
import io
import json
import re

import docx

from planner.board import create_workshop
from planner.exports import build, neutralise
from planner.exports.json_export import document
from tests.conftest import Room
from tests.exports.conftest import Board


def _second_workshop(board: Board, year: int = 2027) -> Room:
    """Another workshop of the same association; it also has an action coded MOB-02."""
    room = board.room
    other = create_workshop("Spotkanie tematyczne: mobilność", year, "smk2030", room.staff_user.id)
    domains = {d["key"]: d["id"] for d in _domains(room, other.id)}
    _create(room, other.id, "Parkingi P+R", "MOB-02", domains["mobilnosc"])
    _create(room, other.id, "Szkoła w chmurze", "EDU-01", domains["edukacja"])
    return other


def _domains(room: Room, workshop_id: int) -> list[dict]:
    from planner.board import snapshot
    from planner.extensions import db
    from planner.models import Workshop

    return snapshot(db.session.get(Workshop, workshop_id), set())["domains"]


def _create(room: Room, workshop_id: int, title: str, code: str, domain_id: int) -> None:
    from planner.board import apply_op
    from tests.support import op_id

    piece = {"title": title, "code": code}
    payload = {"op_id": op_id(), "type": "piece.create", "piece": piece, "domain_id": domain_id}
    apply_op(workshop_id, room.staff, payload)


def test_combined_programme_merges_domains_and_flags_repeated_codes(board: Board):
    other = _second_workshop(board)
    url = f"/api/exports/programme/docx?workshops={board.room.id},{other.id}"
    response = board.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    document = docx.Document(io.BytesIO(response.data))
    items = [(p.style.name, p.text) for p in document.paragraphs]
    chapters = [t for s, t in items if s == "Heading 1"]
    assert chapters[0] == "Kody występujące w kilku warsztatach"
    assert chapters.count("2. Mobilność") == 1  # one chapter per domain, not per workshop
    start = items.index(("Heading 1", "2. Mobilność"))
    end = items.index(("Heading 1", "3. Środowisko i przestrzeń"))
    codes = [t.split(" — ")[0] for s, t in items[start:end] if s == "Heading 2"]
    assert codes == ["MOB-01", "MOB-02", "MOB-02"]  # first workshop's actions, then the other's
    notes = [t for _s, t in items[start:end] if t.startswith("Uwaga: ten kod")]
    assert len(notes) == 2
    assert ("Normal", "MOB-02") in items
    assert any(t.startswith("Warsztat: Spotkanie tematyczne") for _s, t in items)

    repeated = f"/api/exports/programme/csv?workshops={board.room.id}&workshops={other.id}"
    rows = list(csv.DictReader(io.StringIO(board.get(repeated).data.decode("utf-8-sig"))))
    flagged = {(r["Kod"], r["Warsztat"]) for r in rows if r["Powtórzony kod"] == "tak"}
    assert flagged == {("MOB-02", "Warsztaty RPP"), ("MOB-02", "Spotkanie tematyczne: mobilność")}
    assert next(r for r in rows if r["Kod"] == "EDU-01")["Powtórzony kod"] == ""

    combined = json.loads(board.get(repeated.replace("/csv", "/json")).data)
    assert combined["format"] == "ukladanka.programme" and combined["duplicates"] == ["MOB-02"]
    assert [w["workshop"]["id"] for w in combined["workshops"]] == [board.room.id, other.id]


def test_combined_programme_refuses_mixed_years_and_bad_lists(board: Board):
    other = _second_workshop(board, year=2028)
    mixed = board.get(f"/api/exports/programme/csv?workshops={board.room.id},{other.id}")
    assert mixed.status_code == 400 and mixed.get_json()["error"]["code"] == "validation_error"
    assert board.get("/api/exports/programme/csv?workshops=1,x").status_code == 400
    assert board.get("/api/exports/programme/csv").status_code == 400
    assert board.get("/api/exports/programme/csv?workshops=999").status_code == 404
    assert (
        board.http.get(f"/api/exports/programme/csv?workshops={board.room.id}").status_code == 401
    )


def test_votes_and_comments_flow_through_once_the_snapshot_has_them(board: Board):
    """Issue 5 adds votes and comments to the snapshot; exports must carry them, minus names."""
    snapshot = board.room.snapshot()
    snapshot.pop("participants")
    piece = next(p for p in snapshot["pieces"] if p["code"] == "MOB-02")
    piece["votes"] = 7
    piece["comments"] = [
        {"id": 1, "text": "Dobry pomysł", "group_id": 1, "author": {"id": 3, "name": "Zofia"}},
    ]
    programme = build([snapshot], "pl")
    assert next(a for a in programme.actions if a.code == "MOB-02").votes == 7
    doc = document(snapshot)
    exported = next(p for p in doc["pieces"] if p["code"] == "MOB-02")
    assert exported["votes"] == 7
    assert exported["comments"] == [{"id": 1, "text": "Dobry pomysł", "group_id": 1}]


def test_neutralise_is_reversible_by_one_apostrophe():
    assert neutralise("=1+2") == "'=1+2"
    assert neutralise("'=1+2") == "''=1+2"  # so an import strips exactly one and gets "'=1+2"
    assert neutralise("zwykły tekst") == "zwykły tekst" and neutralise("") == ""
    for risky in ("+48", "-5", "@x", "\tx"):
        assert neutralise(risky) == "'" + risky


def test_export_page_for_staff_only(board: Board):
    http = board.room.app.test_client()
    http.post("/api/login", json={"username": "facilitator", "password": "a-long-password"})
    page = http.get(f"/export/{board.room.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"/api/workshops/{board.room.id}/export/docx" in text
    assert f"/api/workshops/{board.room.id}/export/html" in text
    assert 'name="workshops"' in text and 'type="file"' in text and "aria-live" in text
    assert "style=" not in text
    scripts = re.findall(r"<script([^>]*)>", text)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    page_data = json.loads(re.search(r'id="page-data">(.*?)</script>', text, re.S).group(1))
    assert page_data["import_url"] == f"/api/workshops/{board.room.id}/import"
    for label in re.findall(r'<input id="([^"]+)"', text):
        assert f'for="{label}"' in text, label

    assert board.room.app.test_client().get(f"/export/{board.room.id}").status_code == 302
    tablet = board.room.app.test_client()
    tablet.post("/api/join", json={"code": board.room.workshop.code, "name": "Jan"})
    assert tablet.get(f"/export/{board.room.id}").status_code == 403
