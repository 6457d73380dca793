"""Moderation: with it on, participants' new pieces wait in the facilitator's inbox.

A proposal is a piece row with `inbox_state = "pending"`; it holds no position on the board until
a facilitator accepts it (into the zone it was proposed for, or another), or returns it with a
reason (the proposal is then deleted and its group's tablets are told why).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from planner.board import lookup, pieces
from planner.board.errors import BoardError
from planner.board.registry import Context, op
from planner.models import Piece, utcnow
from planner.schemas import InboxAcceptOp, InboxRejectOp, dump_piece

PENDING = "pending"


def propose(ctx: Context, piece: Piece, position: int) -> dict[str, Any]:
    """Store a participant's new piece as a proposal (the piece.create event's data)."""
    piece.inbox_state = PENDING
    piece.position = position  # where it was meant to go; it takes its place only when accepted
    ctx.session.add(piece)
    ctx.session.flush()
    return {"inbox": {**dump_piece(piece), "inbox_state": PENDING}}


def _proposal(ctx: Context, piece_id: int) -> Piece:
    piece = ctx.session.get(Piece, piece_id)
    if piece is None or piece.workshop_id != ctx.workshop_id or piece.inbox_state is None:
        msg = _("No such proposal in the inbox.")
        raise BoardError("not_found", msg, {"piece_id": [msg]})
    return piece


@op("inbox.accept", InboxAcceptOp(), None, blocked_by_lock=False)
def accept(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = _proposal(ctx, args["piece_id"])
    zone = lookup.zone(ctx, args.get("domain_id", piece.domain_id))
    size = pieces.zone_size(ctx, zone)
    position = pieces._clamp(args.get("position", size), size)
    pieces._shift(ctx, (zone, position, None, +1))
    piece.inbox_state = None
    piece.domain_id = zone
    piece.position = position
    piece.updated_at = utcnow()
    ctx.session.flush()
    return {"piece": dump_piece(piece)}


@op("inbox.reject", InboxRejectOp(), None, blocked_by_lock=False)
def reject(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = _proposal(ctx, args["piece_id"])
    gone = dump_piece(piece)
    ctx.session.delete(piece)
    ctx.session.flush()
    return {"piece_id": piece.id, "piece": gone, "reason": args.get("reason")}
