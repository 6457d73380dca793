"""Dot voting: budgets per participant or group, limits per piece, scope, reveal."""

from __future__ import annotations

from tests.board.test_rules import refused
from tests.conftest import Room


def _setup(room: Room, **settings):
    anna = room.participant("Anna")
    ewa = room.participant("Ewa")  # same group as Anna
    jan = room.participant("Jan", group=1)
    pieces = [room.create(title=f"P{n}", domain_id=room.domains[n]["id"]) for n in range(3)]
    room.op(room.staff, "phase.set", phase="voting")
    opened = room.op(room.staff, "voting.open", **settings)
    assert "error" not in opened, opened
    return anna, ewa, jan, [p["id"] for p in pieces]


def test_budget_per_participant_and_limit_per_piece(room: Room):
    anna, _, jan, (a, b, c) = _setup(room, votes=3, per_piece=2)
    assert room.op(anna, "vote.add", piece_id=a)["data"]["mine"] == 1
    room.op(anna, "vote.add", piece_id=a)
    refused(room, anna, "conflict", "vote.add", piece_id=a)  # the limit per piece
    last = room.op(anna, "vote.add", piece_id=b)["data"]
    assert last["used"] == 3
    refused(room, anna, "conflict", "vote.add", piece_id=c)  # the budget
    assert room.op(jan, "vote.add", piece_id=c)["data"]["used"] == 1  # a budget of his own
    removed = room.op(anna, "vote.remove", piece_id=a)["data"]
    assert removed["used"] == 2 and removed["mine"] == 1
    refused(room, jan, "conflict", "vote.remove", piece_id=a)  # Jan has no vote there
    assert room.op(anna, "vote.add", piece_id=c)["data"]["used"] == 3


def test_budget_per_group(room: Room):
    anna, ewa, jan, (a, b, _) = _setup(room, votes=2, per="group")
    room.op(anna, "vote.add", piece_id=a)
    assert room.op(ewa, "vote.add", piece_id=b)["data"]["used"] == 2
    refused(room, anna, "conflict", "vote.add", piece_id=b)
    assert "error" not in room.op(jan, "vote.add", piece_id=a)


def test_voting_in_one_domain_only(room: Room):
    anna, _, _, (a, b, _) = _setup(room, votes=3, domain_id=room.domains[0]["id"])
    assert "error" not in room.op(anna, "vote.add", piece_id=a)
    refused(room, anna, "forbidden", "vote.add", piece_id=b)


def test_no_votes_outside_an_open_round_or_the_phase(room: Room):
    anna, _, _, (a, _, _) = _setup(room, votes=3)
    refused(room, room.staff, "forbidden", "vote.add", piece_id=a)  # staff do not vote
    room.op(room.staff, "voting.close")
    refused(room, anna, "forbidden", "vote.add", piece_id=a)
    room.op(room.staff, "voting.open", votes=3)
    room.op(room.staff, "phase.set", phase="placing")
    error = refused(room, anna, "forbidden", "vote.add", piece_id=a)
    assert "placing" in error["message"] or "układanie" in error["message"]
    refused(room, room.staff, "conflict", "voting.open", votes=2)  # one round at a time


def test_counts_hidden_from_participants_until_reveal(room: Room):
    from planner.board import snapshot
    from planner.realtime import presence

    anna, _, jan, (a, b, _) = _setup(room, votes=3)
    room.op(anna, "vote.add", piece_id=a)
    room.op(anna, "vote.add", piece_id=a)
    room.op(jan, "vote.add", piece_id=b)

    def view(actor):
        board = snapshot(room.workshop, presence.online(room.id), actor)
        return {p["id"]: (p["votes"], p["my_votes"]) for p in board["pieces"]}, board

    staff_view, _ = view(room.staff)
    assert staff_view[a] == (2, 0) and staff_view[b] == (1, 0)
    anna_view, anna_board = view(anna)
    assert anna_view[a] == (None, 2) and anna_view[b] == (None, 0)
    assert anna_board["results"] is None and anna_board["voting"]["used"] == 2
    revealed = room.op(room.staff, "voting.reveal")
    assert revealed["data"]["results"] == [{"piece_id": a, "votes": 2}, {"piece_id": b, "votes": 1}]
    jan_view, jan_board = view(jan)
    assert jan_view[a] == (2, 0) and jan_view[b] == (1, 1)
    assert jan_board["voting"]["revealed"] is True and jan_board["results"][0]["piece_id"] == a
    refused(room, anna, "forbidden", "vote.add", piece_id=a)  # revealing closes the round
    # a new round starts from zero
    room.op(room.staff, "voting.open", votes=1)
    assert view(room.staff)[0][a] == (0, 0)
