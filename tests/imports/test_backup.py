"""JSON backup → a new, identical workshop; "start next year"; and spreadsheet round trips."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from tests.conftest import Room
from tests.exports.conftest import Board


@pytest.fixture
def board(room: Room) -> Board:
    return Board(room)


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    """The backup with ids swapped for what they point at (a new workshop has new ids)."""
    doc = json.loads(json.dumps(doc))
    domains = {d["id"]: d["key"] for d in doc["domains"]}
    groups = {g["id"]: g["name"] for g in doc["groups"]}
    del doc["workshop"]["id"]
    for item in doc["domains"] + doc["groups"] + doc["partners"]:
        del item["id"]
    for piece in doc["pieces"]:
        del piece["id"]
        piece["domain_id"] = domains.get(piece["domain_id"])
        piece["group_id"] = groups.get(piece["group_id"])
        texts = {c["id"]: c["text"] for c in piece.get("comments", [])}
        for comment in piece.get("comments", []):
            comment["parent_id"] = texts.get(comment["parent_id"])
            comment["group_id"] = groups.get(comment["group_id"])
            del comment["id"], comment["piece_id"]
    return doc


def restore(board: Board, data: bytes, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else board.headers
    return board.http.post(
        "/api/workshops/restore",
        data={"file": (io.BytesIO(data), "kopia.json")},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_round_trip_export_restore_export_is_identical(board: Board):
    room = board.room
    anna = room.participant("Anna", group=1)
    piece_id = room.snapshot()["pieces"][0]["id"]
    thread = room.op(anna, "comment.add", piece_id=piece_id, text="Dobry pomysł")
    room.op(
        room.staff,
        "comment.add",
        piece_id=piece_id,
        text="Zgoda",
        parent_id=thread["data"]["comment"]["id"],
    )
    first = board.export("json").data
    assert [c["text"] for c in json.loads(first)["pieces"][0]["comments"]] == [
        "Dobry pomysł",
        "Zgoda",
    ]
    answer = restore(board, first)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    copy = answer.get_json()["workshop"]
    assert copy["id"] != board.room.id and copy["code"] != board.room.workshop.code
    again = board.get(f"/api/workshops/{copy['id']}/export/json").data
    original, restored = json.loads(first), json.loads(again)
    assert restored["workshop"]["id"] == copy["id"]
    assert normalised(restored) == normalised(original)
    assert len(restored["pieces"]) == 6
    # The restored board is live: its log starts at seq 0 and the next op is seq 1.
    snapshot = board.get(f"/api/workshops/{copy['id']}/board").get_json()
    assert snapshot["seq"] == 0 and snapshot["participants"] == []
    # The other documents agree too (HTML anchors hold ids; DOCX/XLSX zips hold timestamps).
    url = f"/api/workshops/{copy['id']}/export/"
    assert board.get(url + "csv").data == board.export("csv").data

    def page(data: bytes) -> str:
        return re.sub(r"action-\d+-\d+", "action", data.decode())

    assert page(board.get(url + "html").data) == page(board.export("html").data)


def test_a_bad_backup_makes_no_workshop(board: Board):
    doc = json.loads(board.export("json").data)
    doc["pieces"][0]["title"] = ""
    doc["pieces"][1]["domain_id"] = 987654
    answer = restore(board, json.dumps(doc).encode())
    assert answer.status_code == 400
    fields = answer.get_json()["error"]["fields"]
    assert "title" in fields["pieces"]["0"]
    listed = board.get("/api/workshops").get_json()["workshops"]
    assert len(listed) == 1
    assert restore(board, b"{not json").status_code == 400
    assert restore(board, b'{"format": "something else"}').status_code == 400
    anna = board.room.participant("Anna")
    refused = restore(board, json.dumps(doc).encode(), token=board.room.tokens[anna.id])
    assert refused.status_code == 403


def test_next_year_starts_from_the_placed_actions(board: Board):
    placed = [code for _name, codes in board.placed() for code in codes]
    answer = board.http.post(
        f"/api/workshops/{board.room.id}/next-year", json={"year": 2028}, headers=board.headers
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    workshop = answer.get_json()["workshop"]
    assert workshop["year"] == 2028 and workshop["title"] == "Warsztaty RPP 2028"
    snapshot = board.get(f"/api/workshops/{workshop['id']}/board").get_json()
    assert [d["name"] for d in snapshot["domains"]] == [name for name, _codes in board.placed()]
    tray = sorted(snapshot["pieces"], key=lambda p: p["position"])
    assert [p["code"] for p in tray] == placed
    assert all(p["domain_id"] is None and p["status"] == "proposed" for p in tray)
    bike = next(p for p in tray if p["code"] == "MOB-02")
    assert bike["cost_pln"] == 1234567.5 and bike["partners"] == [
        "Wieliczka",
        "Skawina",
        "Biuro SMK",
    ]
    assert snapshot["groups"] == [] and snapshot["seq"] == 0
    named = board.http.post(
        f"/api/workshops/{board.room.id}/next-year",
        json={"title": "RPP na 2029"},
        headers=board.headers,
    )
    assert named.get_json()["workshop"]["title"] == "RPP na 2029"
    assert named.get_json()["workshop"]["year"] == 2028
    bad = board.http.post(
        f"/api/workshops/{board.room.id}/next-year", json={"year": "2028"}, headers=board.headers
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_sheet_imports_into_a_fresh_board(board: Board, fmt: str):
    """The headings we write are headings we read: export, import elsewhere, same programme."""
    data = board.export(fmt).data
    fresh = board.http.post(
        "/api/workshops", json={"title": "Kopia", "year": 2027}, headers=board.headers
    ).get_json()["workshop"]
    answer = board.http.post(
        f"/api/workshops/{fresh['id']}/import",
        data={"file": (io.BytesIO(data), f"program.{fmt}")},
        headers=board.headers,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["created"] == 4
    fields = ("code", "title", "description", "lead", "partners", "quarters", "cost_pln", "status")

    def programme(workshop_id: int) -> list[tuple]:
        snap = board.get(f"/api/workshops/{workshop_id}/board").get_json()
        keys = {d["id"]: d["key"] for d in snap["domains"]}
        placed = [p for p in snap["pieces"] if p["domain_id"]]
        return sorted(
            (keys[p["domain_id"]], p["position"], *(str(p[f]) for f in fields)) for p in placed
        )

    assert programme(fresh["id"]) == programme(board.room.id)
