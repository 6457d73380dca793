"""Every export format against the board: structure, order, totals, safety, privacy."""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from tests.exports.conftest import SECRET_NAME, Board

FORMATS = ("docx", "xlsx", "csv", "json", "html")


def paragraphs(document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs]


def open_docx(board: Board, lang: str = "pl"):
    return docx.Document(io.BytesIO(board.export("docx", lang).data))


def test_docx_chapters_hold_every_placed_piece_in_board_order(board: Board):
    document = open_docx(board)
    items = paragraphs(document)
    chapters = [text for style, text in items if style == "Heading 1"]
    placed = board.placed()
    assert chapters == [
        *(f"{n}. {name}" for n, (name, _codes) in enumerate(placed, start=1)),
        "Zestawienia",
        "Załącznik: elementy poza programem",
    ]
    # Under each chapter, the Heading 2 of its actions: code — title, in position order.
    found: dict[str, list[str]] = {}
    current = None
    for style, text in items:
        if style == "Heading 1":
            current = text
        elif style == "Heading 2" and current and current[0].isdigit():
            found.setdefault(current, []).append(text.split(" — ")[0])
    for n, (name, codes) in enumerate(placed, start=1):
        assert found.get(f"{n}. {name}", []) == codes
    assert found["1. Inteligentne zarządzanie"] == ["ZAR-02", "ZAR-01"]
    text = "\n".join(t for _s, t in items)
    assert "Lider (podmiot odpowiedzialny): Kraków" in text
    assert "Partnerzy: Wieliczka; Skawina; Biuro SMK" in text
    assert "Termin realizacji (kwartały): II, III" in text
    assert "Szacunkowy koszt (zł): 1\u00a0234\u00a0567,50\u00a0zł" in text
    assert "Głosy: 0" in text
    assert "Źródło (grupa): Stół 1" in text  # the group, never the participant


def test_docx_is_accessible_and_titled(board: Board):
    document = open_docx(board)
    props = document.core_properties
    assert props.title == "Roczny Program Prac na rok 2027 — projekt"
    assert props.language == "pl-PL"
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "pl-PL"
    items = paragraphs(document)
    assert ("Title", "Roczny Program Prac na rok 2027 — projekt") in items
    assert ("Subtitle", "Stowarzyszenie Metropolia Krakowska") in items
    assert ("TOC Heading", "Spis treści") in items
    body = document.element.body
    instructions = [i.text for i in body.iter(qn("w:instrText"))]
    assert any(i.strip().startswith("TOC") for i in instructions)
    assert document.tables, "no tables"
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        for row in table.rows[1:]:
            props = row._tr.find(qn("w:trPr"))
            assert props is None or props.find(qn("w:tblHeader")) is None


def test_docx_summary_tables_add_up(board: Board):
    document = open_docx(board)
    per_domain = next(
        t for t in document.tables if t.rows[0].cells[0].text == "Dziedzina współpracy"
    )
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in per_domain.rows[1:]}
    assert rows["Mobilność"] == ("2", "1\u00a0234\u00a0567,50\u00a0zł")
    assert rows["Inteligentne zarządzanie"] == ("2", "20\u00a0500,25\u00a0zł")
    assert rows["Edukacja"] == ("0", "0,00\u00a0zł")
    assert rows["Razem"] == ("4", "1\u00a0255\u00a0067,75\u00a0zł")
    matrix = next(t for t in document.tables if t.rows[0].cells[0].text == "Gmina / podmiot")
    header = [c.text for c in matrix.rows[0].cells]
    involvement = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in matrix.rows[1:]}
    mobility = header.index("Mobilność") - 1
    governance = header.index("Inteligentne zarządzanie") - 1
    assert involvement["Kraków"][mobility] == "1" and involvement["Kraków"][governance] == "1"
    assert involvement["Kraków"][-1] == "2"
    assert involvement["Biuro SMK"][-1] == "2"  # an outside body, listed after the gminas
    assert involvement["Zielonki"][-1] == "0"  # tray pieces are not in the programme
    timeline = next(
        t
        for t in document.tables
        if [c.text for c in t.rows[0].cells][1:5] == ["I", "II", "III", "IV"]
        and t.rows[0].cells[0].text == "Dziedzina współpracy"
    )
    quarters = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in timeline.rows[1:]}
    assert quarters["Inteligentne zarządzanie"] == ["2", "1", "1", "1", "0"]
    assert quarters["Mobilność"] == ["0", "1", "1", "0", "1"]


def test_docx_appendix_lists_the_tray(board: Board):
    document = open_docx(board)
    appendix = document.tables[-1]
    assert [c.text for c in appendix.rows[0].cells] == [
        "Kod",
        "Nazwa działania",
        "Opis, zakres rzeczowy",
        "Źródło (grupa)",
    ]
    assert [r.cells[0].text for r in appendix.rows[1:]] == board.tray() == ["NEW-01", "NEW-02"]
    # DOCX is not a spreadsheet: texts stay exact.
    assert appendix.rows[1].cells[1].text == '=HYPERLINK("http://evil")'


def test_docx_in_english(board: Board):
    document = open_docx(board, "en")
    assert document.core_properties.title == "Annual Programme of Work for 2027 — draft"
    chapters = [t for s, t in paragraphs(document) if s == "Heading 1"]
    assert chapters[-2:] == ["Summary tables", "Appendix: pieces not included"]
    assert "Estimated cost (PLN): 1,234,567.50\u00a0PLN" in "\n".join(
        t for _s, t in paragraphs(document)
    )


def test_xlsx_has_typed_filtered_rows_in_board_order(board: Board):
    book = openpyxl.load_workbook(io.BytesIO(board.export("xlsx").data))
    assert book.sheetnames == ["Działania", "Zestawienia", "Poza programem"]
    sheet = book["Działania"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Kod", "Nazwa działania", "Opis, zakres rzeczowy", "Dziedzina współpracy"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}5"
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["B"].width >= 30
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert [r["Kod"] for r in rows] == [code for _name, codes in board.placed() for code in codes]
    bike = next(r for r in rows if r["Kod"] == "MOB-02")
    assert bike["Szacunkowy koszt (zł)"] == 1234567.5
    assert isinstance(bike["Głosy"], int) and bike["Głosy"] == 0
    assert bike["Termin realizacji (kwartały)"] == "II, III"
    assert bike["Dziedzina współpracy"] == "Mobilność"
    assert bike["Status"] == "zgłoszone"
    portal = next(r for r in rows if r["Kod"] == "ZAR-02")
    assert portal["Nazwa działania"] == "Portal partycypacji <script>alert(1)</script>"
    tray = book["Poza programem"]
    values = [c.value for row in tray.iter_rows(min_row=2) for c in row if c.value is not None]
    assert '\'=HYPERLINK("http://evil")' in values
    assert "'@SUM(A1)" in values and "'+48 Zielonki" in values
    assert not any(isinstance(v, str) and v[0] in "=+-@" for v in values)
    summary = book["Zestawienia"]
    cells: dict = {}
    for row in summary.iter_rows():  # the first table is actions and cost per domain
        cells.setdefault(row[0].value, [c.value for c in row[1:]])
    assert cells["Razem"][:2] == [4, 1255067.75]
    assert cells["Mobilność"][:2] == [2, 1234567.5]


def test_csv_lines_match_the_board(board: Board):
    data = board.export("csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["Kod"] for r in rows] == [code for _name, codes in board.placed() for code in codes]
    bike = next(r for r in rows if r["Kod"] == "MOB-02")
    assert bike["Opis, zakres rzeczowy"] == "Trasa łącząca gminy.\nDruga linia opisu."
    assert bike["Szacunkowy koszt (zł)"] == "1234567.50"
    assert bike["Partnerzy"] == "Wieliczka; Skawina; Biuro SMK"
    assert bike["Status"] == "proposed"
    english = list(csv.DictReader(io.StringIO(board.export("csv", "en").data.decode("utf-8-sig"))))
    assert english[0]["Code"] == rows[0]["Kod"] and "Estimated cost (PLN)" in english[0]


def test_csv_neutralises_formulas(board: Board):
    room = board.room
    room.create(title="-1+1", code="ZAR-09", domain_id=board.domains["zarzadzanie"], lead="@x")
    rows = list(csv.reader(io.StringIO(board.export("csv").data.decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == "ZAR-09")
    assert row[1] == "'-1+1" and "'@x" in row


def test_json_is_a_complete_backup_with_exact_text(board: Board):
    doc = json.loads(board.export("json").data)
    assert doc["format"] == "ukladanka.workshop" and doc["format_version"] == 1
    assert "code" not in doc["workshop"]  # the join code would let a reader join
    assert [d["key"] for d in doc["domains"]][:2] == ["zarzadzanie", "mobilnosc"]
    assert [g["name"] for g in doc["groups"]] == ["Stół 1", "Stół 2"]
    assert len(doc["partners"]) == 15
    codes = [p["code"] for p in doc["pieces"]]
    placed = [code for _name, cs in board.placed() for code in cs]
    assert codes == placed + board.tray()
    snapshot = {p["id"]: p for p in board.room.snapshot()["pieces"]}
    for piece in doc["pieces"]:
        original = snapshot[piece["id"]]
        original.pop("my_votes", None)  # the viewer's own votes: not part of the piece
        assert {k: piece[k] for k in original} == original
        assert piece["votes"] == 0 and piece["comments"] == []
    tray = next(p for p in doc["pieces"] if p["code"] == "NEW-01")
    assert tray["title"] == '=HYPERLINK("http://evil")' and tray["domain_key"] is None
    group_made = next(p for p in doc["pieces"] if p["id"] == board.group_piece["id"])
    assert group_made["origin"] == "Stół 1"


def test_html_print_view_escapes_and_orders(board: Board):
    response = board.export("html")
    assert response.headers["Content-Disposition"].startswith("inline")
    page = response.get_data(as_text=True)
    assert '<html lang="pl">' in page
    assert "<script>alert(1)</script>" not in page
    assert "Portal partycypacji &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "export_print.css" in page and "style=" not in page
    positions = [page.index(f">{code}<") for _n, codes in board.placed() for code in codes]
    assert positions == sorted(positions)
    assert page.index("Załącznik: elementy poza programem") < page.rindex("NEW-02")


def _all_text(fmt: str, data: bytes) -> str:
    if fmt in ("docx", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # XML parts may write letters as character references (&#243;).
            parts = (archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
            return html.unescape("".join(parts))
    return data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_no_participant_name_in_any_export(board: Board, fmt: str, lang: str):
    assert SECRET_NAME in json.dumps(board.room.snapshot(), ensure_ascii=False)
    text = _all_text(fmt, board.export(fmt, lang).data)
    assert "Wspólny bilet aglomeracyjny" in text  # the participant's piece is there…
    assert SECRET_NAME not in text and "Tajemnicza" not in text  # …its author's name is not


def test_exports_are_staff_only(board: Board):
    url = f"/api/workshops/{board.room.id}/export/docx"
    assert board.http.get(url).status_code == 401
    token = board.room.tokens[next(iter(board.room.tokens))]
    answer = board.http.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    assert board.get(f"/api/workshops/{board.room.id}/export/pdf").status_code == 404
    assert board.get(f"/api/workshops/{board.room.id}/export/csv?lang=de").status_code == 400
    assert board.get("/api/workshops/9999/export/csv").status_code == 404
