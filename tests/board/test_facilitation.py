"""Phases, timer, locks, spotlight, moderation: staff steer, participants cannot get round it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from planner.extensions import db
from planner.models import Workshop
from tests.board.test_rules import event_count, refused
from tests.conftest import Room

STAFF_ONLY = [
    ("phase.set", {"phase": "voting"}),
    ("phase.list", {"phases": [{"key": "placing", "rights": ["move"]}]}),
    ("timer.start", {"minutes": 5}),
    ("timer.pause", {}),
    ("timer.resume", {}),
    ("timer.extend", {"minutes": 1}),
    ("timer.stop", {}),
    ("board.lock", {"locked": True}),
    ("spotlight.set", {"piece_id": None}),
    ("moderation.set", {"moderation": True}),
    ("inbox.accept", {"piece_id": 1}),
    ("inbox.reject", {"piece_id": 1}),
    ("voting.open", {"votes": 3}),
    ("voting.close", {}),
    ("voting.reveal", {}),
    ("revert", {"seq": 1}),
]


@pytest.mark.parametrize(("type_", "fields"), STAFF_ONLY)
def test_participants_may_not_steer(room: Room, type_, fields):
    anna = room.participant("Anna")
    error = refused(room, anna, "forbidden", type_, **fields)
    assert error["message"]
    # role before fields: garbage gets forbidden too
    refused(room, anna, "forbidden", type_, garbage=[1, 2])


def test_phase_set_changes_participants_rights_and_the_refusal_names_the_phase(room: Room):
    anna = room.participant("Anna")
    piece = room.create(anna)
    event = room.op(room.staff, "phase.set", phase="voting")
    assert event["data"]["phase"] == "voting" and event["data"]["workshop"]["phase"] == "voting"
    error = refused(
        room, anna, "forbidden", "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )
    assert "głosowanie" in error["message"] or "voting" in error["message"]
    refused(room, anna, "forbidden", "piece.update", piece_id=piece["id"], changes={"title": "X"})
    # staff may always act
    assert "error" not in room.op(
        room.staff, "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )
    refused(room, room.staff, "not_found", "phase.set", phase="nonsense")


def test_workshop_phase_list_decides_rights(room: Room):
    anna = room.participant("Anna")
    phases = [
        {"key": "placing", "rights": ["create"]},
        {"key": "warmup", "name": "Rozgrzewka", "rights": []},
    ]
    event = room.op(room.staff, "phase.list", phases=phases)
    assert [p["key"] for p in event["data"]["phases"]] == ["placing", "warmup"]
    assert room.snapshot()["phases"][1]["name"] == "Rozgrzewka"
    piece = room.create(anna)
    refused(room, anna, "forbidden", "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    room.op(room.staff, "phase.set", phase="warmup")
    error = refused(room, anna, "forbidden", "piece.create", piece={"title": "x"})
    assert "Rozgrzewka" in error["message"]
    # the current phase must stay in the list
    refused(room, room.staff, "conflict", "phase.list", phases=[{"key": "x", "rights": []}])


def test_timer_start_pause_resume_extend_stop(room: Room):
    started = room.op(room.staff, "timer.start", minutes=5)["data"]
    timer = started["timer"]
    assert timer["state"] == "running" and timer["duration"] == 300
    ends = datetime.fromisoformat(timer["ends_at"])
    now = datetime.fromisoformat(started["server_now"])
    assert timedelta(seconds=299) < ends - now <= timedelta(seconds=300)
    paused = room.op(room.staff, "timer.pause")["data"]["timer"]
    assert paused["state"] == "paused" and 299 < paused["remaining"] <= 300
    assert paused["ends_at"] is None
    refused(room, room.staff, "conflict", "timer.pause")
    extended = room.op(room.staff, "timer.extend")["data"]["timer"]
    assert 359 < extended["remaining"] <= 360 and extended["duration"] == 360
    resumed = room.op(room.staff, "timer.resume")["data"]["timer"]
    assert resumed["state"] == "running"
    assert room.snapshot()["timer"] == resumed
    stopped = room.op(room.staff, "timer.stop")["data"]["timer"]
    assert stopped["state"] == "stopped" and stopped["ends_at"] is None


def test_timer_at_zero_locks_the_board_when_asked(room: Room):
    anna = room.participant("Anna")
    piece = room.create(anna)
    room.op(room.staff, "timer.start", minutes=1, auto_lock=True)
    assert "error" not in room.op(
        anna, "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )
    workshop = db.session.get(Workshop, room.id)
    workshop.timer_ends_at = workshop.timer_ends_at - timedelta(minutes=2)  # time is up
    db.session.commit()
    refused(room, anna, "locked", "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    room.op(room.staff, "board.lock", locked=False)  # staff unlock after the bell
    assert "error" not in room.op(
        anna, "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )


def test_whole_board_lock(room: Room):
    anna = room.participant("Anna")
    piece = room.create(anna)
    event = room.op(room.staff, "board.lock", locked=True)
    assert event["data"]["workshop"]["locked"] is True
    refused(room, anna, "locked", "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    refused(room, anna, "locked", "piece.create", piece={"title": "x"})
    room.op(room.staff, "board.lock", locked=False)
    assert room.snapshot()["workshop"]["locked"] is False


def test_domain_lock_covers_source_and_target(room: Room):
    anna = room.participant("Anna")
    mob, env = room.domains[1]["id"], room.domains[2]["id"]
    inside = room.create(anna, domain_id=mob)
    outside = room.create(anna, domain_id=env)
    event = room.op(room.staff, "board.lock", locked=True, domain_id=mob)
    assert event["data"] == {"locked": True, "domain_id": mob}
    assert [d["locked"] for d in room.domains if d["id"] == mob] == [True]
    refused(room, anna, "locked", "piece.move", piece_id=inside["id"], domain_id=env, position=0)
    refused(room, anna, "locked", "piece.move", piece_id=outside["id"], domain_id=mob, position=0)
    refused(room, anna, "locked", "piece.create", piece={"title": "x"}, domain_id=mob)
    refused(room, anna, "locked", "piece.update", piece_id=inside["id"], changes={"title": "y"})
    refused(room, anna, "locked", "piece.delete", piece_id=inside["id"])
    # elsewhere participants go on; staff go anywhere
    assert "error" not in room.op(
        anna, "piece.move", piece_id=outside["id"], domain_id=None, position=0
    )
    assert "error" not in room.op(
        room.staff, "piece.move", piece_id=inside["id"], domain_id=env, position=0
    )


def test_piece_lock(room: Room):
    anna = room.participant("Anna")
    piece = room.create(anna)
    event = room.op(room.staff, "board.lock", locked=True, piece_id=piece["id"])
    assert event["data"]["piece"]["locked"] is True
    refused(room, anna, "locked", "piece.move", piece_id=piece["id"], domain_id=None, position=0)
    room.op(room.staff, "board.lock", locked=False, piece_id=piece["id"])
    assert "error" not in room.op(
        anna, "piece.move", piece_id=piece["id"], domain_id=None, position=0
    )


def test_spotlight(room: Room):
    piece = room.create()
    domain = room.domains[0]["id"]
    assert room.op(room.staff, "spotlight.set", piece_id=piece["id"])["data"] == {
        "spotlight": {"piece_id": piece["id"]}
    }
    room.op(room.staff, "spotlight.set", domain_id=domain)
    assert room.snapshot()["spotlight"] == {"domain_id": domain}
    room.op(room.staff, "spotlight.set")
    assert room.snapshot()["spotlight"] is None
    refused(room, room.staff, "validation_error", "spotlight.set", piece_id=1, domain_id=1)
    refused(room, room.staff, "not_found", "spotlight.set", piece_id=999)


def test_moderation_inbox_accept_and_reject(room: Room):
    anna = room.participant("Anna")
    jan = room.participant("Jan", group=1)
    mob = room.domains[1]["id"]
    room.create(room.staff, title="On board", domain_id=mob)
    room.op(room.staff, "moderation.set", moderation=True)
    proposed = room.op(anna, "piece.create", piece={"title": "Proposal"}, domain_id=mob)
    assert proposed["data"]["inbox"]["inbox_state"] == "pending"
    pid = proposed["data"]["inbox"]["id"]
    snap = room.snapshot()
    assert pid not in [p["id"] for p in snap["pieces"]]
    assert [p["id"] for p in snap["inbox"]] == [pid]
    assert room.zones()[mob] == [snap["pieces"][0]["id"]]  # no hole, no position taken
    refused(room, jan, "forbidden", "inbox.accept", piece_id=pid)
    refused(room, anna, "conflict", "piece.move", piece_id=pid, domain_id=None, position=0)
    accepted = room.op(room.staff, "inbox.accept", piece_id=pid, position=0)
    assert accepted["data"]["piece"]["domain_id"] == mob
    assert room.zones()[mob][0] == pid and room.snapshot()["inbox"] == []
    second = room.op(anna, "piece.create", piece={"title": "Bad"})["data"]["inbox"]["id"]
    rejected = room.op(room.staff, "inbox.reject", piece_id=second, reason="Duplikat")
    assert rejected["data"]["reason"] == "Duplikat"
    assert room.snapshot()["inbox"] == []
    before = event_count(room)
    refused(room, room.staff, "not_found", "inbox.accept", piece_id=second)
    assert event_count(room) == before
