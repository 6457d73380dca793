"""Comments on pieces: threads, shown by the author's group (participants' names stay out)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board import lookup
from planner.board.errors import BoardError
from planner.board.registry import Context, op
from planner.models import Comment, Group, Piece
from planner.schemas import CommentAddOp, CommentDeleteOp, comment_schema


def dump(comment: Comment, group_names: dict[int, str]) -> dict[str, Any]:
    entry = comment_schema.dump(comment)
    entry["group_name"] = group_names.get(comment.group_id) if comment.group_id else None
    return entry


def group_names(session, workshop_id: int) -> dict[int, str]:
    rows = session.execute(sa.select(Group.id, Group.name).where(Group.workshop_id == workshop_id))
    return dict(rows.all())


def count(session, piece_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(Comment).where(Comment.piece_id == piece_id)
    )


def add_comment(ctx: Context, piece: Piece, text: str, parent_id: int | None) -> Comment:
    if parent_id is not None:
        parent = ctx.session.get(Comment, parent_id)
        if parent is None or parent.piece_id != piece.id:
            msg = _("No such comment.")
            raise BoardError("not_found", msg, {"parent_id": [msg]})
    actor = ctx.actor
    comment = Comment(
        workshop_id=ctx.workshop_id,
        piece_id=piece.id,
        parent_id=parent_id,
        participant_id=None if actor.is_staff else actor.id,
        group_id=None if actor.is_staff else actor.group_id,
        role=actor.role,
        text=text.strip(),
    )
    ctx.session.add(comment)
    ctx.session.flush()
    return comment


@op("comment.add", CommentAddOp(), "comment")
def comment_add(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = lookup.piece(ctx, args["piece_id"])
    if piece.inbox_state is not None and not ctx.actor.is_staff:
        raise BoardError("not_found", _("No such piece."))
    comment = add_comment(ctx, piece, args["text"], args.get("parent_id"))
    names = group_names(ctx.session, ctx.workshop_id)
    return {
        "comment": dump(comment, names),
        "piece_id": piece.id,
        "comment_count": count(ctx.session, piece.id),
    }


def delete_comment(ctx: Context, comment: Comment) -> dict[str, Any]:
    ctx.session.delete(comment)
    ctx.session.flush()
    return {
        "comment_id": comment.id,
        "piece_id": comment.piece_id,
        "comment_count": count(ctx.session, comment.piece_id),
    }


@op("comment.delete", CommentDeleteOp(), "comment")
def comment_delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    comment = ctx.session.get(Comment, args["comment_id"])
    if comment is None or comment.workshop_id != ctx.workshop_id:
        msg = _("No such comment.")
        raise BoardError("not_found", msg, {"comment_id": [msg]})
    actor = ctx.actor
    if not actor.is_staff and (actor.group_id is None or comment.group_id != actor.group_id):
        raise BoardError("forbidden", _("You may delete only your own group's comments."))
    return delete_comment(ctx, comment)
