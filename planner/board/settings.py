"""Rules for the workshop's settings: title and year, join code, partner list, participants."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board.errors import BoardError
from planner.board.registry import Context, op
from planner.board.workshops import new_code, workshop_schema
from planner.models import Participant, Partner, utcnow
from planner.schemas import (
    ParticipantRemoveOp,
    PartnerSchema,
    PartnersSetOp,
    WorkshopNewCodeOp,
    WorkshopUpdateOp,
)

_partners = PartnerSchema(many=True)


@op("workshop.update", WorkshopUpdateOp(), None, blocked_by_lock=False)
def update_workshop(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    changes = dict(args["changes"])
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    changed = [name for name, value in changes.items() if getattr(ctx.workshop, name) != value]
    for name in changed:
        setattr(ctx.workshop, name, changes[name])
    return {"workshop": workshop_schema.dump(ctx.workshop), "changed": changed}


@op("workshop.new_code", WorkshopNewCodeOp(), None, blocked_by_lock=False)
def new_join_code(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """A fresh join code; the old one stops working for new joins (joined tablets stay)."""
    ctx.workshop.code = new_code()
    return {"workshop": workshop_schema.dump(ctx.workshop)}


@op("partners.set", PartnersSetOp(), None, blocked_by_lock=False)
def set_partners(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Replace the partner list (pieces keep the names they already name)."""
    ctx.session.execute(sa.delete(Partner).where(Partner.workshop_id == ctx.workshop_id))
    rows = [
        Partner(workshop_id=ctx.workshop_id, name=name.strip(), position=position)
        for position, name in enumerate(args["partners"])
    ]
    ctx.session.add_all(rows)
    ctx.session.flush()
    return {"partners": _partners.dump(rows)}


@op("participant.remove", ParticipantRemoveOp(), None, blocked_by_lock=False)
def remove_participant(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """The participant's token stops working at once; their pieces stay with their group."""
    person = ctx.session.get(Participant, args["participant_id"])
    if person is None or person.workshop_id != ctx.workshop_id or person.removed_at is not None:
        msg = _("No such participant.")
        raise BoardError("not_found", msg, {"participant_id": [msg]})
    person.removed_at = utcnow()
    return {"participant_id": person.id}
