"""Imports of candidate actions: headers, encodings, delimiters, errors, size, live events."""

from __future__ import annotations

import io
import json
import time

import openpyxl
import pytest

from tests.conftest import Room

POLISH = (
    "Kod;Nazwa działania;Dziedzina współpracy;Lider;Partnerzy;Termin realizacji;"
    "Szacunkowy koszt (zł)\n"
)


class Importer:
    def __init__(self, room: Room) -> None:
        self.room = room
        self.http = room.app.test_client()
        self.headers = {"Authorization": f"Bearer {room.staff_token}", "Accept-Language": "en"}

    def post(self, data: bytes, name: str = "akcje.csv", dry_run: bool = False, token=None):
        headers = {**self.headers, "Authorization": f"Bearer {token}"} if token else self.headers
        url = f"/api/workshops/{self.room.id}/import" + ("?dry_run=1" if dry_run else "")
        return self.http.post(
            url,
            data={"file": (io.BytesIO(data), name)},
            headers=headers,
            content_type="multipart/form-data",
        )

    def ok(self, data: bytes, name: str = "akcje.csv") -> dict:
        answer = self.post(data, name)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()

    def pieces(self) -> dict[str, dict]:
        return {p["code"]: p for p in self.room.snapshot()["pieces"]}


@pytest.fixture
def importer(room: Room) -> Importer:
    return Importer(room)


def test_polish_headers_semicolons_utf8_bom(importer: Importer, room: Room):
    text = POLISH + (
        "MOB-10;Bilet metropolitalny;Mobilność;Kraków;Wieliczka, Skawina;I–III;1 234 567,50 zł\n"
        "ZAR-10;Otwarte dane;inteligentne ZARZADZANIE;Biuro SMK;;II kw.;20000\n"
        ";Pomysł do zasobnika;;;;;\n"
    )
    answer = importer.ok(text.encode("utf-8-sig"))
    assert (answer["created"], answer["updated"], answer["errors"]) == (3, 0, [])
    pieces = importer.pieces()
    mob = pieces["MOB-10"]
    domains = {d["id"]: d["key"] for d in room.domains}
    assert domains[mob["domain_id"]] == "mobilnosc"
    assert mob["partners"] == ["Wieliczka", "Skawina"] and mob["quarters"] == [1, 2, 3]
    assert mob["cost_pln"] == 1234567.5 and mob["lead"] == "Kraków"
    assert domains[pieces["ZAR-10"]["domain_id"]] == "zarzadzanie"
    assert pieces["ZAR-10"]["quarters"] == [2] and pieces["ZAR-10"]["partners"] == []
    tray = [p for p in pieces.values() if p["title"] == "Pomysł do zasobnika"]
    assert len(tray) == 1 and tray[0]["domain_id"] is None and tray[0]["code"] == "NEW-01"


def test_english_headers_any_order_commas(importer: Importer, room: Room):
    text = (
        "Funding,Cost,Title,Domain,Code,Timing,Description\n"
        'EU funds,"1,234.50",Park and ride,Mobility and transport,MOB-11,"Q1, Q4",'
        '"Two lines\nhere"\n'
    )
    answer = importer.post(text.encode())
    error = answer.get_json()["error"]
    assert answer.status_code == 400 and error["fields"]["rows"] == [
        {
            "row": 2,
            "column": "Domain",
            "message": "No domain is called “Mobility and transport” on this board.",
        }
    ]
    answer = importer.ok(text.replace("Mobility and transport", "mobilnosc").encode())
    assert answer["created"] == 1
    piece = importer.pieces()["MOB-11"]
    assert piece["title"] == "Park and ride" and piece["funding"] == "EU funds"
    assert piece["cost_pln"] == 1234.5 and piece["quarters"] == [1, 4]
    assert piece["description"] == "Two lines\nhere"


def test_windows_1250_is_read(importer: Importer):
    text = (
        POLISH + "GOS-10;Strefa aktywności gospodarczej;Gospodarka;Zabierzów;Świątniki Górne;IV;\n"
    )
    importer.ok(text.encode("cp1250"))
    piece = importer.pieces()["GOS-10"]
    assert piece["title"] == "Strefa aktywności gospodarczej"
    assert piece["partners"] == ["Świątniki Górne"] and piece["lead"] == "Zabierzów"


def test_existing_codes_update_and_move(importer: Importer, room: Room):
    domains = {d["key"]: d["id"] for d in room.domains}
    old = room.create(title="Stary tytuł", code="KUL-01", domain_id=domains["kultura"], cost_pln=10)
    same = room.create(title="Bez zmian", code="KUL-02", domain_id=domains["kultura"])
    text = (
        "kod,tytuł,dziedzina,koszt\n"
        "KUL-01,Nowy tytuł,Edukacja,10\n"
        "KUL-02,Bez zmian,Kultura czasu wolnego,\n"
    )
    answer = importer.ok(text.encode())
    assert (answer["created"], answer["updated"], answer["unchanged"]) == (0, 1, 1)
    pieces = importer.pieces()
    assert pieces["KUL-01"]["id"] == old["id"] and pieces["KUL-01"]["title"] == "Nowy tytuł"
    assert pieces["KUL-01"]["domain_id"] == domains["edukacja"]
    assert pieces["KUL-02"]["version"] == same["version"]


def test_a_file_with_errors_changes_nothing_and_names_every_error(importer: Importer, room: Room):
    room.create(title="Istniejąca", code="USL-01")
    before = room.snapshot()
    text = POLISH + (
        "USL-02;Dobre;Usługi społeczne;;;;100\n"
        f"USL-03;{'x' * 201};Usługi społeczne;;;;100\n"
        "USL-04;Zła dziedzina;Kosmos;;;;100\n"
        "USL-05;Zły koszt;Edukacja;;;;sto złotych\n"
        "USL-06;Ujemny koszt;Edukacja;;;;-5\n"
        "USL-07;Zły termin;Edukacja;;;V;\n"
        "USL-02;Powtórzony kod;Edukacja;;;;\n"
        "ZŁY KOD!;Zły kod;Edukacja;;;;\n"
        "USL-01;;Edukacja;;;;\n"
    )
    answer = importer.post(text.encode())
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and "nothing was imported" in error["message"]
    found = {(e["row"], e["column"]) for e in error["fields"]["rows"]}
    assert found == {
        (3, "Nazwa działania"),
        (4, "Dziedzina współpracy"),
        (5, "Szacunkowy koszt (zł)"),
        (6, "Szacunkowy koszt (zł)"),
        (7, "Termin realizacji"),
        (8, "Kod"),
        (9, "Kod"),
        (10, "Nazwa działania"),
    }
    assert all(e["message"] for e in error["fields"]["rows"])
    after = room.snapshot()
    assert after["seq"] == before["seq"] and after["pieces"] == before["pieces"]


def test_formula_looking_cells_are_kept_as_text_and_neutralised_on_export(
    importer: Importer, room: Room
):
    text = (
        "Code;Title;Description;Lead\n"
        'ZAR-20;=1+2;"=HYPERLINK(""http://x"")";@lead\n'
        "ZAR-21;'=SUM(A1);'+48;zwykły\n"
    )
    importer.ok(text.encode())
    pieces = importer.pieces()
    assert pieces["ZAR-20"]["title"] == "=1+2"
    assert pieces["ZAR-20"]["description"] == '=HYPERLINK("http://x")'
    assert pieces["ZAR-20"]["lead"] == "@lead"
    # The apostrophe our exports add is taken off again.
    assert pieces["ZAR-21"]["title"] == "=SUM(A1)" and pieces["ZAR-21"]["description"] == "+48"


def test_xlsx_with_numbers_and_a_formula_cell(importer: Importer, room: Room):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nazwa działania", "Kod", "Szacunkowy koszt (zł)", "Kwartały", "Dziedzina"])
    sheet.append(["Akcja z arkusza", "EDU-10", 1500.5, 2, "Edukacja"])
    sheet.append(['=CONCAT("a","b")', "EDU-11", 7, "I-IV", "edukacja"])
    out = io.BytesIO()
    book.save(out)
    answer = importer.ok(out.getvalue(), "akcje.xlsx")
    assert answer["created"] == 2
    pieces = importer.pieces()
    assert pieces["EDU-10"]["cost_pln"] == 1500.5 and pieces["EDU-10"]["quarters"] == [2]
    assert pieces["EDU-11"]["title"] == '=CONCAT("a","b")'  # never evaluated, kept as text
    assert pieces["EDU-11"]["quarters"] == [1, 2, 3, 4]


def test_dry_run_previews_without_changing_anything(importer: Importer, room: Room):
    room.create(title="Jest", code="SRO-01")
    before = room.snapshot()
    text = (
        "Kod,Nazwa,Dziedzina,Kolor\nSRO-01,Jest inaczej,,\nSRO-02,Nowa,Środowisko i przestrzeń,\n"
    )
    answer = importer.post(text.encode(), dry_run=True)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["dry_run"] is True and body["errors"] == []
    assert (body["created"], body["updated"]) == (1, 1)
    assert body["ignored_columns"] == ["Kolor"]
    assert [(p["row"], p["code"], p["action"]) for p in body["preview"]] == [
        (2, "SRO-01", "update"),
        (3, "SRO-02", "create"),
    ]
    after = room.snapshot()
    assert (after["seq"], after["pieces"]) == (before["seq"], before["pieces"])
    bad = importer.post(b"Kod,Nazwa,Dziedzina\nX-1,,Nigdzie\n", dry_run=True).get_json()
    assert {(e["row"], e["column"]) for e in bad["errors"]} == {(2, "Nazwa"), (2, "Dziedzina")}


def test_two_thousand_rows(importer: Importer, room: Room):
    lines = [POLISH]
    names = [d["name"] for d in room.domains]
    for n in range(2000):
        lines.append(f"A-{n:04d};Działanie {n};{names[n % 7]};Kraków;Wieliczka;I, II;{n}.50\n")
    started = time.perf_counter()
    answer = importer.ok("".join(lines).encode("utf-8"))
    elapsed = time.perf_counter() - started
    assert answer["created"] == 2000 and answer["errors"] == []
    pieces = importer.pieces()
    assert len(pieces) == 2000 and pieces["A-1999"]["cost_pln"] == 1999.5
    zones = room.zones()
    assert sum(len(ids) for ids in zones.values()) == 2000 and None not in zones
    assert elapsed < 30  # the benchmark (bench/bench_documents.py) measures it properly


def test_too_many_rows_or_bytes_are_too_large(importer: Importer):
    rows = POLISH + "".join(f";Akcja {n};;;;;\n" for n in range(5001))
    answer = importer.post(rows.encode())
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "too_large"
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        + b"x" * (8 * 1024 * 1024)
        + b"\r\n--b--\r\n"
    )
    huge = importer.http.post(
        f"/api/workshops/{importer.room.id}/import",
        data=body,
        headers=importer.headers,
        content_type="multipart/form-data; boundary=b",
    )
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"


def test_imports_are_staff_only(importer: Importer, room: Room):
    anna = room.participant("Anna")
    answer = importer.post(b"Kod,Nazwa\nA-1,x\n", token=room.tokens[anna.id])
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    anonymous = room.app.test_client().post(
        f"/api/workshops/{room.id}/import", data={"file": (io.BytesIO(b"x"), "a.csv")}
    )
    assert anonymous.status_code == 401
    missing = importer.http.post(f"/api/workshops/{room.id}/import", headers=importer.headers)
    assert missing.status_code == 400
    assert importer.post(b"Kod,Nazwa\n", name="akcje.pdf").status_code == 400


def test_a_connected_screen_sees_imported_pieces_appear(importer: Importer, room: Room):
    screen = room.socket()
    screen.get_received()
    domain = room.domains[1]
    importer.ok(
        f"Kod,Nazwa,Dziedzina\nMOB-30,Z importu,{domain['name']}\n,Do zasobnika,\n".encode()
    )
    events = [m["args"][0] for m in screen.get_received() if m["name"] == "event"]
    assert [(e["type"], e["data"]["piece"]["title"]) for e in events] == [
        ("piece.create", "Z importu"),
        ("piece.create", "Do zasobnika"),
    ]
    assert events[0]["data"]["piece"]["domain_id"] == domain["id"]
    assert events[1]["seq"] == events[0]["seq"] + 1


def test_json_file_imports_its_pieces_by_code(importer: Importer, room: Room):
    domains = {d["key"]: d["id"] for d in room.domains}
    backup = {
        "format": "ukladanka.workshop",
        "domains": [{"id": 77, "key": "uslugi", "name": "Usługi społeczne"}],
        "pieces": [
            {
                "code": "USL-40",
                "title": "Teleopieka",
                "domain_id": 77,
                "partners": ["Kraków"],
                "quarters": [3],
                "cost_pln": 99.99,
                "status": "accepted",
            },
            {"code": "USL-41", "title": "W zasobniku", "domain_id": None},
        ],
    }
    answer = importer.ok(json.dumps(backup).encode(), "kopia.json")
    assert answer["created"] == 2
    pieces = importer.pieces()
    assert (
        pieces["USL-40"]["domain_id"] == domains["uslugi"]
        and pieces["USL-40"]["status"] == "accepted"
    )
    assert pieces["USL-41"]["domain_id"] is None
