"""Comments on pieces: threads, by group, counted on the piece."""

from __future__ import annotations

from tests.board.test_rules import refused
from tests.conftest import Room


def test_comments_threads_counts_and_deletion(room: Room):
    anna = room.participant("Anna")
    jan = room.participant("Jan", group=1)
    piece = room.create()
    first = room.op(anna, "comment.add", piece_id=piece["id"], text="  Dobry pomysł ")["data"]
    assert first["comment"]["text"] == "Dobry pomysł"
    assert first["comment"]["group_name"] == room.groups[0]["name"]
    assert "name" not in first["comment"] and first["comment_count"] == 1
    reply = room.op(
        jan, "comment.add", piece_id=piece["id"], text="Zgoda", parent_id=first["comment"]["id"]
    )["data"]
    assert reply["comment"]["parent_id"] == first["comment"]["id"]
    board = room.snapshot()["pieces"][0]
    assert board["comment_count"] == 2 and [c["text"] for c in board["comments"]] == [
        "Dobry pomysł",
        "Zgoda",
    ]
    refused(room, jan, "forbidden", "comment.delete", comment_id=first["comment"]["id"])
    refused(room, anna, "validation_error", "comment.add", piece_id=piece["id"], text="   ")
    room.op(room.staff, "phase.set", phase="closed")
    refused(room, anna, "forbidden", "comment.add", piece_id=piece["id"], text="Późno")
    room.op(room.staff, "phase.set", phase="review")
    gone = room.op(anna, "comment.delete", comment_id=first["comment"]["id"])["data"]
    assert gone["comment_count"] == 0  # the reply went with its thread
