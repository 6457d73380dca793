"""Rules for groups (workshop tables)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from planner.board.presets import GROUP_COLORS
from planner.board.registry import Context, op
from planner.models import Group
from planner.schemas import GroupCreateOp, GroupSchema

_group_schema = GroupSchema()


@op("group.create", GroupCreateOp(), None, blocked_by_lock=False)
def create(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    fields = args["group"]
    count = ctx.session.scalar(
        sa.select(sa.func.count()).select_from(Group).where(Group.workshop_id == ctx.workshop.id)
    )
    group = Group(
        workshop_id=ctx.workshop.id,
        name=fields["name"].strip(),
        color=fields.get("color") or GROUP_COLORS[count % len(GROUP_COLORS)],
    )
    ctx.session.add(group)
    ctx.session.flush()
    return {"group": _group_schema.dump(group)}
