"""Rules for groups (workshop tables)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board import lookup
from planner.board.errors import BoardError
from planner.board.presets import GROUP_COLORS
from planner.board.registry import Context, op
from planner.models import Group, Participant, Piece
from planner.schemas import GroupCreateOp, GroupDeleteOp, GroupSchema, GroupUpdateOp

_group_schema = GroupSchema()


@op("group.create", GroupCreateOp(), None, blocked_by_lock=False)
def create(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    fields = args["group"]
    count = ctx.session.scalar(
        sa.select(sa.func.count()).select_from(Group).where(Group.workshop_id == ctx.workshop_id)
    )
    group = Group(
        workshop_id=ctx.workshop_id,
        name=fields["name"].strip(),
        color=fields.get("color") or GROUP_COLORS[count % len(GROUP_COLORS)],
    )
    ctx.session.add(group)
    ctx.session.flush()
    return {"group": _group_schema.dump(group)}


@op("group.update", GroupUpdateOp(), None, blocked_by_lock=False)
def update(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    group = lookup.group(ctx, args["group_id"])
    changed = lookup.apply_changes(group, args["changes"])
    return {"group": _group_schema.dump(group), "changed": changed}


@op("group.delete", GroupDeleteOp(), None, blocked_by_lock=False)
def delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Only an empty table can go; its pieces stay, attributed to no group."""
    group = lookup.group(ctx, args["group_id"])
    seated = ctx.session.scalar(
        sa.select(sa.func.count())
        .select_from(Participant)
        .where(Participant.group_id == group.id, Participant.removed_at.is_(None))
    )
    if seated:
        raise BoardError("conflict", _("Participants still sit at this table; remove them first."))
    pieces = list(
        ctx.session.scalars(
            sa.select(Piece.id).where(Piece.group_id == group.id).order_by(Piece.id)
        )
    )
    ctx.session.execute(sa.update(Piece).where(Piece.group_id == group.id).values(group_id=None))
    ctx.session.execute(
        sa.update(Participant).where(Participant.group_id == group.id).values(group_id=None)
    )
    ctx.session.delete(group)
    ctx.session.flush()
    return {"group_id": group.id, "pieces": pieces}
