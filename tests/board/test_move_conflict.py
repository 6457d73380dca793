"""`piece.move` with `version`: the later of two drops made from the same view loses."""

from __future__ import annotations

from tests.conftest import Room


def test_a_stale_version_is_refused_and_changes_nothing(room: Room):
    first, second = room.participant("Anna", 0), room.participant("Jan", 1)
    piece = room.create()
    domains = [d["id"] for d in room.domains]
    won = room.op(
        first,
        "piece.move",
        piece_id=piece["id"],
        domain_id=domains[0],
        position=0,
        version=piece["version"],
    )
    assert won["data"]["piece"]["version"] == piece["version"] + 1
    seq = room.snapshot()["seq"]

    lost = room.op(
        second,
        "piece.move",
        piece_id=piece["id"],
        domain_id=domains[1],
        position=0,
        version=piece["version"],
    )

    assert lost["error"]["code"] == "conflict"
    assert lost["error"]["message"]  # human, in the request's language
    assert lost["error"]["fields"] == {"version": [str(piece["version"] + 1)]}
    assert room.zones() == {domains[0]: [piece["id"]]}
    assert room.snapshot()["seq"] == seq


def test_the_current_version_or_none_is_accepted(room: Room):
    piece = room.create()
    domain = room.domains[2]["id"]
    moved = room.op(
        room.staff,
        "piece.move",
        piece_id=piece["id"],
        domain_id=domain,
        position=0,
        version=piece["version"],
    )
    assert "error" not in moved
    again = room.op(room.staff, "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    assert again["data"]["to"] == {"domain_id": None, "position": 0}


def test_the_version_must_be_an_integer(room: Room):
    piece = room.create()
    refused = room.op(
        room.staff, "piece.move", piece_id=piece["id"], domain_id=None, position=0, version="1"
    )
    assert refused["error"]["code"] == "validation_error"
    assert "version" in refused["error"]["fields"]
