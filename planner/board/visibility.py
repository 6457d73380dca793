"""What each viewer may see: vote counts stay with the staff until the facilitator reveals them.

Every client gets every event (seq stays gapless for all), but a participant receives the
`vote.add`/`vote.remove` events of others without their data, and their own without the piece's
total. Snapshots carry a piece's `votes` only for staff, or once the round is revealed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from planner.board import comments, phases, voting
from planner.board.actor import Actor
from planner.board.facilitation import timer_state
from planner.extensions import db
from planner.models import Comment, Piece, Workshop
from planner.schemas import dump_piece

VOTE_EVENTS = frozenset({"vote.add", "vote.remove"})
_OWN_FIELDS = ("piece_id", "round", "per", "mine", "used")


def sees_all(viewer: Actor | None) -> bool:
    """None is the full, staff-like view (exports and other server-side readers)."""
    return viewer is None or viewer.is_staff


def shares_budget(data: dict[str, Any], viewer: Actor) -> bool:
    voter = data.get("voter") or {}
    if voter.get("participant_id") == viewer.id:
        return True
    return (
        data.get("per") == "group"
        and viewer.group_id is not None
        and (voter.get("group_id") == viewer.group_id)
    )


def redact(event: dict[str, Any], viewer: Actor | None) -> dict[str, Any]:
    """The event as this viewer may receive it."""
    if event.get("type") not in VOTE_EVENTS or sees_all(viewer):
        return event
    data = event.get("data") or {}
    if shares_budget(data, viewer):
        shown = {key: data[key] for key in _OWN_FIELDS if key in data}
    else:
        shown = {"redacted": True}
    return {**event, "data": shown}


def redact_all(events: list[dict[str, Any]], viewer: Actor | None) -> list[dict[str, Any]]:
    return [redact(event, viewer) for event in events]


def _inbox(workshop: Workshop, viewer: Actor | None) -> list[dict[str, Any]]:
    where = [Piece.workshop_id == workshop.id, Piece.inbox_state.is_not(None)]
    if not sees_all(viewer):
        if viewer.group_id is None:
            return []
        where.append(Piece.group_id == viewer.group_id)
    rows = db.session.scalars(sa.select(Piece).where(*where).order_by(Piece.id))
    return [{**dump_piece(p), "inbox_state": p.inbox_state} for p in rows]


def decorate(board: dict[str, Any], workshop: Workshop, viewer: Actor | None) -> None:
    """Add the facilitation parts to a snapshot, shaped for the viewer (in place)."""
    session = db.session
    inbox = _inbox(workshop, viewer)
    pending = {p["id"] for p in inbox} | set(
        session.scalars(
            sa.select(Piece.id).where(
                Piece.workshop_id == workshop.id, Piece.inbox_state.is_not(None)
            )
        )
    )
    show_counts = sees_all(viewer) or workshop.votes_revealed
    counts = voting.totals(session, workshop)
    own = {} if sees_all(viewer) else voting.mine(session, workshop, viewer.id)
    names = comments.group_names(session, workshop.id)
    threads: dict[int, list[dict[str, Any]]] = {}
    for comment in session.scalars(
        sa.select(Comment).where(Comment.workshop_id == workshop.id).order_by(Comment.id)
    ):
        threads.setdefault(comment.piece_id, []).append(comments.dump(comment, names))
    pieces = []
    for piece in board["pieces"]:
        if piece["id"] in pending:
            continue
        piece["votes"] = counts.get(piece["id"], 0) if show_counts else None
        piece["my_votes"] = own.get(piece["id"], 0)
        piece["comments"] = threads.get(piece["id"], [])
        piece["comment_count"] = len(piece["comments"])
        pieces.append(piece)
    board["pieces"] = pieces
    settings = voting.round_settings(workshop)
    if settings is not None and not sees_all(viewer) and workshop.voting:
        settings["used"] = voting.used(session, workshop, viewer.id, viewer.group_id)
    board["voting"] = settings
    board["results"] = voting.results(session, workshop) if show_counts else None
    board["timer"] = timer_state(workshop)
    board["spotlight"] = workshop.spotlight
    board["phases"] = phases.described(workshop)
    board["inbox"] = inbox
