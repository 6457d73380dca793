"""Undo your own last change, staff revert any change; both refuse when it is not safe."""

from __future__ import annotations

from tests.board.test_rules import refused
from tests.conftest import Room


def test_undo_move_update_create_delete_in_turn(room: Room):
    anna = room.participant("Anna")
    mob = room.domains[1]["id"]
    other = room.create(room.staff, title="Inna", domain_id=mob)
    piece = room.create(anna, title="Rowery")
    room.op(anna, "piece.move", piece_id=piece["id"], domain_id=mob, position=0)
    room.op(anna, "piece.update", piece_id=piece["id"], changes={"title": "Rowery+"})
    assert room.zones()[mob] == [piece["id"], other["id"]]

    undone = room.op(anna, "undo")
    assert undone["data"]["apply"]["type"] == "piece.update"
    assert undone["data"]["apply"]["data"]["piece"]["title"] == "Rowery"
    moved_back = room.op(anna, "undo")["data"]
    assert moved_back["apply"]["type"] == "piece.move"
    assert room.zones()[mob] == [other["id"]] and room.zones()[None] == [piece["id"]]
    room.op(anna, "undo")  # the create: the piece is gone
    assert [p["id"] for p in room.snapshot()["pieces"]] == [other["id"]]
    refused(room, anna, "conflict", "undo")  # nothing of hers left

    deleted = room.op(room.staff, "piece.delete", piece_id=other["id"])
    restored = room.op(room.staff, "undo")["data"]
    assert restored["undoes"] == deleted["seq"] and restored["apply"]["type"] == "piece.create"
    back = room.snapshot()["pieces"][0]
    assert (back["id"], back["title"], back["domain_id"]) == (other["id"], "Inna", mob)


def test_undo_refuses_when_someone_changed_the_piece_later(room: Room):
    anna = room.participant("Anna")
    jan = room.participant("Jan", group=1)
    piece = room.create(anna)
    room.op(anna, "piece.move", piece_id=piece["id"], domain_id=room.domains[0]["id"], position=0)
    room.op(jan, "piece.move", piece_id=piece["id"], domain_id=room.domains[2]["id"], position=0)
    error = refused(room, anna, "conflict", "undo")
    assert error["message"]
    # Jan may undo his own; then Anna's undo is safe again
    assert "error" not in room.op(jan, "undo")
    assert room.op(anna, "undo")["data"]["apply"]["data"]["to"]["domain_id"] is None


def test_undo_follows_the_phase_and_staff_revert_anything(room: Room):
    anna = room.participant("Anna")
    piece = room.create(anna)
    moved = room.op(anna, "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    room.op(room.staff, "phase.set", phase="review")
    refused(room, anna, "forbidden", "undo")
    refused(room, anna, "forbidden", "revert", seq=moved["seq"])
    reverted = room.op(room.staff, "revert", seq=moved["seq"])
    assert reverted["type"] == "revert" and reverted["data"]["undoes"] == moved["seq"]
    refused(room, room.staff, "conflict", "revert", seq=moved["seq"])  # undone already
    refused(room, room.staff, "conflict", "revert", seq=1)  # group.create: not undoable
    refused(room, room.staff, "not_found", "revert", seq=999)


def test_piece_history(room: Room, app):
    anna = room.participant("Anna")
    piece = room.create(anna)
    room.create(room.staff, title="Inna")
    room.op(anna, "piece.update", piece_id=piece["id"], changes={"title": "Nowa"})
    room.op(anna, "comment.add", piece_id=piece["id"], text="Uwaga")
    headers = {"Authorization": f"Bearer {room.staff_token}"}
    url = f"/api/workshops/{room.id}/history?piece_id={piece['id']}"
    feed = app.test_client().get(url, headers=headers).get_json()
    assert [e["type"] for e in feed["events"]] == ["comment.add", "piece.update", "piece.create"]
    older = (
        app.test_client()
        .get(f"{url}&before_seq={feed['events'][0]['seq']}&limit=1", headers=headers)
        .get_json()
    )
    assert [e["type"] for e in older["events"]] == ["piece.update"] and older["more"] is True
    bad = app.test_client().get(f"{url}&limit=abc", headers=headers)
    assert bad.status_code == 400


def test_workshop_report(room: Room, app):
    anna = room.participant("Anna")
    piece = room.create(anna)
    room.op(anna, "piece.move", piece_id=piece["id"], domain_id=room.domains[0]["id"], position=0)
    room.op(room.staff, "phase.set", phase="voting")
    room.op(room.staff, "voting.open", votes=2)
    room.op(anna, "vote.add", piece_id=piece["id"])
    room.op(room.staff, "voting.reveal")
    client = app.test_client()
    url = f"/api/workshops/{room.id}/report"
    denied = client.get(url, headers={"Authorization": f"Bearer {room.tokens[anna.id]}"})
    assert denied.status_code == 403
    report = client.get(url, headers={"Authorization": f"Bearer {room.staff_token}"}).get_json()
    assert report["per_phase"]["placing"] == {"created": 1, "moved": 1, "voted": 0}
    assert report["per_phase"]["voting"] == {"created": 0, "moved": 0, "voted": 1}
    assert report["results"] == [
        {"piece_id": piece["id"], "code": piece["code"], "title": piece["title"], "votes": 1}
    ]
    assert report["groups"][0]["participants"] == 1 and "Anna" not in str(report)
    assert [e["type"] for e in report["timeline"]] == ["phase.set", "voting.open", "voting.reveal"]
