"""Dot voting: rounds opened by the facilitator, a vote budget per participant or per group.

Ops are applied one at a time per workshop (the engine's write lock and the workshop row lock),
so counting the budget and adding the vote happen in one serialised transaction: two tablets
voting at once cannot exceed it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board.errors import BoardError
from planner.board.registry import Context, op
from planner.models import Domain, Piece, Vote, Workshop
from planner.schemas import BareOp, VoteOp, VotingOpenOp


def round_settings(workshop: Workshop) -> dict[str, Any] | None:
    """The last round's settings (what everyone may know), with `revealed`."""
    if workshop.voting is None:
        return None
    return {**workshop.voting, "revealed": workshop.votes_revealed}


def totals(session, workshop: Workshop) -> dict[int, int]:
    """Votes per piece in the last round."""
    if workshop.voting is None:
        return {}
    rows = session.execute(
        sa.select(Vote.piece_id, sa.func.count())
        .where(Vote.workshop_id == workshop.id, Vote.round == workshop.voting["round"])
        .group_by(Vote.piece_id)
    )
    return {piece_id: count for piece_id, count in rows}


def results(session, workshop: Workshop) -> list[dict[str, int]]:
    """The ranking: pieces with votes, most first (ties by piece id)."""
    counts = totals(session, workshop)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"piece_id": piece_id, "votes": count} for piece_id, count in ranked]


def _unit(workshop: Workshop, participant_id: int, group_id: int | None) -> sa.ColumnElement:
    """Whose budget a vote counts against: the participant's, or the group's."""
    if workshop.voting and workshop.voting["per"] == "group" and group_id is not None:
        return Vote.group_id == group_id
    return Vote.participant_id == participant_id


def used(session, workshop: Workshop, participant_id: int, group_id: int | None, piece_id=None):
    where = [
        Vote.workshop_id == workshop.id,
        Vote.round == workshop.voting["round"],
        _unit(workshop, participant_id, group_id),
    ]
    if piece_id is not None:
        where.append(Vote.piece_id == piece_id)
    return session.scalar(sa.select(sa.func.count()).select_from(Vote).where(*where))


def mine(session, workshop: Workshop, participant_id: int) -> dict[int, int]:
    """A participant's own votes per piece in the last round."""
    if workshop.voting is None:
        return {}
    rows = session.execute(
        sa.select(Vote.piece_id, sa.func.count())
        .where(
            Vote.workshop_id == workshop.id,
            Vote.round == workshop.voting["round"],
            Vote.participant_id == participant_id,
        )
        .group_by(Vote.piece_id)
    )
    return {piece_id: count for piece_id, count in rows}


@op("voting.open", VotingOpenOp(), None, blocked_by_lock=False)
def voting_open(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    w = ctx.workshop
    if w.voting and w.voting.get("open"):
        raise BoardError("conflict", _("A voting round is already open."))
    domain_id = args.get("domain_id")
    if domain_id is not None:
        domain = ctx.session.get(Domain, domain_id)
        if domain is None or domain.workshop_id != w.id:
            msg = _("No such domain.")
            raise BoardError("not_found", msg, {"domain_id": [msg]})
    w.voting = {
        "round": (w.voting or {}).get("round", 0) + 1,
        "open": True,
        "votes": args["votes"],
        "per": args["per"],
        "per_piece": args.get("per_piece"),
        "domain_id": domain_id,
    }
    w.votes_revealed = False
    return {"voting": round_settings(w)}


def _no_round(ctx: Context) -> None:
    if ctx.workshop.voting is None:
        raise BoardError("conflict", _("No voting round has been opened."))


@op("voting.close", BareOp(), None, blocked_by_lock=False)
def voting_close(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    _no_round(ctx)
    ctx.workshop.voting = {**ctx.workshop.voting, "open": False}
    return {"voting": round_settings(ctx.workshop)}


@op("voting.reveal", BareOp(), None, blocked_by_lock=False)
def voting_reveal(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Closes the round and shows everyone the counts."""
    _no_round(ctx)
    ctx.workshop.voting = {**ctx.workshop.voting, "open": False}
    ctx.workshop.votes_revealed = True
    return {"voting": round_settings(ctx.workshop), "results": results(ctx.session, ctx.workshop)}


def _ballot(ctx: Context, piece_id: int) -> Piece:
    """Checks shared by adding and removing a vote; returns the piece."""
    w = ctx.workshop
    if ctx.actor.is_staff:
        raise BoardError("forbidden", _("Only participants vote."))
    if not (w.voting and w.voting.get("open")):
        raise BoardError("forbidden", _("No voting round is open."))
    piece = ctx.session.get(Piece, piece_id)
    if piece is None or piece.workshop_id != w.id or piece.inbox_state is not None:
        msg = _("No such piece.")
        raise BoardError("not_found", msg, {"piece_id": [msg]})
    scope = w.voting.get("domain_id")
    if scope is not None and piece.domain_id != scope:
        raise BoardError("forbidden", _("This piece is not part of the voting round."))
    return piece


def _vote_data(ctx: Context, piece: Piece) -> dict[str, Any]:
    w, actor = ctx.workshop, ctx.actor
    return {
        "piece_id": piece.id,
        "round": w.voting["round"],
        "per": w.voting["per"],
        "voter": {"participant_id": actor.id, "group_id": actor.group_id},
        "mine": used(ctx.session, w, actor.id, actor.group_id, piece.id),
        "used": used(ctx.session, w, actor.id, actor.group_id),
        "votes": totals(ctx.session, w).get(piece.id, 0),
    }


@op("vote.add", VoteOp(), "vote")
def vote_add(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = _ballot(ctx, args["piece_id"])
    w, actor = ctx.workshop, ctx.actor
    if used(ctx.session, w, actor.id, actor.group_id) >= w.voting["votes"]:
        raise BoardError("conflict", _("All votes are used."))
    limit = w.voting.get("per_piece")
    if limit is not None and used(ctx.session, w, actor.id, actor.group_id, piece.id) >= limit:
        raise BoardError("conflict", _("No more votes may go to this piece."))
    ctx.session.add(
        Vote(
            workshop_id=w.id,
            round=w.voting["round"],
            piece_id=piece.id,
            participant_id=actor.id,
            group_id=actor.group_id,
        )
    )
    ctx.session.flush()
    return _vote_data(ctx, piece)


@op("vote.remove", VoteOp(), "vote")
def vote_remove(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = _ballot(ctx, args["piece_id"])
    vote = ctx.session.scalar(
        sa.select(Vote)
        .where(
            Vote.workshop_id == ctx.workshop_id,
            Vote.round == ctx.workshop.voting["round"],
            Vote.piece_id == piece.id,
            Vote.participant_id == ctx.actor.id,
        )
        .order_by(Vote.id.desc())
        .limit(1)
    )
    if vote is None:
        raise BoardError("conflict", _("You have no vote on this piece."))
    ctx.session.delete(vote)
    ctx.session.flush()
    return _vote_data(ctx, piece)
