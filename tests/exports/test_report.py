"""The workshop report as a document (DOCX, HTML print view) and JSON: groups only, no names."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from tests.exports.conftest import SECRET_NAME, Board


@pytest.fixture
def session(board: Board) -> Board:
    """The board after a session: phases, a revealed vote, a spotlight, a lock and a comment."""
    room = board.room
    zofia = next(p for p in room.snapshot()["participants"] if p["name"] == SECRET_NAME)
    from planner.board import Actor

    actor = Actor("participant", zofia["id"], SECRET_NAME, zofia["group_id"], room.id)
    pieces = {p["code"]: p for p in room.snapshot()["pieces"]}
    mob = board.domains["mobilnosc"]
    assert "error" not in room.op(room.staff, "timer.start", minutes=10)
    assert "error" not in room.op(room.staff, "board.lock", locked=True, domain_id=mob)
    assert "error" not in room.op(room.staff, "spotlight.set", piece_id=pieces["MOB-02"]["id"])
    assert "error" not in room.op(actor, "comment.add", piece_id=pieces["MOB-02"]["id"], text="Tak")
    assert "error" not in room.op(room.staff, "phase.set", phase="voting")
    assert "error" not in room.op(room.staff, "voting.open", votes=3)
    for code in ("ZAR-01", "ZAR-01", "MOB-02"):
        assert "error" not in room.op(actor, "vote.add", piece_id=pieces[code]["id"])
    assert "error" not in room.op(room.staff, "voting.reveal")
    return board


def report(board: Board, fmt: str, lang: str = "pl"):
    answer = board.get(f"/api/workshops/{board.room.id}/report?format={fmt}&lang={lang}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer


def test_report_docx_is_an_accessible_document(session: Board):
    answer = report(session, "docx")
    assert answer.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in answer.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(answer.data))
    assert document.core_properties.language == "pl-PL"
    assert document.core_properties.title.startswith("Raport z warsztatu")
    items = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "Raport z warsztatu") in items
    assert [t for s, t in items if s == "Heading 1"] == [
        "1. Uczestnicy",
        "2. Przebieg według faz",
        "3. Wyniki głosowania",
        "4. Przebieg sesji",
    ]
    assert "Grupy (stoły)" in [t for s, t in items if s == "Heading 2"]
    for table in document.tables:
        assert table.rows[0]._tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    tables = {t.rows[0].cells[0].text: t for t in document.tables}
    groups = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in tables["Grupa"].rows[1:]}
    assert groups["Stół 1"] == ["1", "1"] and groups["Razem"] == ["1", "1"]
    phases = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in tables["Faza"].rows[1:]}
    assert phases["układanie"] == ["6", "0", "0"]
    assert phases["głosowanie"] == ["0", "0", "3"]
    ranking = [[c.text for c in r.cells] for r in tables["Miejsce"].rows[1:]]
    assert [row[1] for row in ranking] == ["ZAR-01", "MOB-02"]
    assert ranking[0][3] == "2" and ranking[1][3] == "1"
    timeline = [r.cells[1].text for r in tables["Czas"].rows[1:]]
    assert timeline == [
        "Minutnik uruchomiony na 10 min",
        "Zablokowano dziedzinę „Mobilność”",
        "Wyróżniono element MOB-02 „Rowerowa pętla metropolitalna”",
        "Faza: głosowanie",
        "Głosowanie otwarte (runda 1, 3 głosów)",
        "Wyniki głosowania pokazane",
    ]
    involved = {r.cells[0].text: r.cells[1].text for r in tables["Gmina / podmiot"].rows[1:]}
    assert involved["Kraków"] == "1" and involved["Biuro SMK"] == "1"


def test_report_in_english_and_as_a_print_view(session: Board):
    document = docx.Document(io.BytesIO(report(session, "docx", "en").data))
    assert document.core_properties.language == "en-GB"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Participants" and headings[-1] == "4. Timeline of the session"
    page = report(session, "html").get_data(as_text=True)
    assert '<html lang="pl">' in page and "<h1>Raport z warsztatu</h1>" in page
    assert '<th scope="col">Miejsce</th>' in page and "ZAR-01" in page
    assert "<script" not in page  # the strict CSP: no scripts, no inline styles
    assert "style=" not in page
    english = report(session, "html", "en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Voting results shown" in english


def test_report_never_names_a_participant(session: Board):
    docx_bytes = report(session, "docx").data
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        for name in archive.namelist():
            assert SECRET_NAME not in archive.read(name).decode("utf-8", "replace"), name
    for fmt in ("html", "json"):
        for lang in ("pl", "en"):
            assert SECRET_NAME not in report(session, fmt, lang).get_data(as_text=True)
    assert "Zofia" not in report(session, "json").get_data(as_text=True)


def test_report_keeps_json_and_checks_its_arguments(session: Board):
    plain = session.get(f"/api/workshops/{session.room.id}/report").get_json()
    assert plain["results"][0]["code"] == "ZAR-01" and plain["groups"][0]["created"] == 1
    for query in ("format=pdf", "format=docx&lang=de"):
        answer = session.get(f"/api/workshops/{session.room.id}/report?{query}")
        assert answer.status_code == 400
        assert answer.get_json()["error"]["code"] == "validation_error"


def test_report_of_a_quiet_workshop(board: Board):
    document = docx.Document(io.BytesIO(report(board, "docx").data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Nie przeprowadzono głosowania." in text
    assert "Prowadzący nie zmieniał faz ani ustawień sesji." in text
