"""The one path for every change: check, apply, append the event, commit — or change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError

from planner.board import phases
from planner.board.actor import Actor
from planner.board.errors import BoardError
from planner.board.locks import write_lock
from planner.board.registry import OPS, Context, OpSpec
from planner.extensions import db
from planner.models import Event, Workshop, utcnow
from planner.schemas import OpEnvelopeSchema, event_schema

_envelope = OpEnvelopeSchema()


@dataclass(frozen=True)
class Applied:
    event: dict[str, Any]
    new: bool  # False when the op_id had been applied before: nothing changed, do not broadcast

    def ack(self) -> dict[str, Any]:
        return {"ok": True, "seq": self.event["seq"], "event": self.event}


def _stored(workshop_id: int, op_id: str) -> Event | None:
    return db.session.scalar(
        sa.select(Event).where(Event.workshop_id == workshop_id, Event.op_id == op_id)
    )


def _check_rights(spec: OpSpec, workshop: Workshop, actor: Actor) -> None:
    """Role, phase and lock come before the fields: a forbidden op is refused whatever it holds."""
    if actor.is_staff:
        return
    if spec.right is None:
        raise BoardError("forbidden", _("Only facilitators may do this."))
    if not phases.allows(workshop.phase, spec.right):
        raise BoardError(
            "forbidden",
            _("Not allowed in the phase “%(phase)s”.", phase=phases.phase_name(workshop.phase)),
        )
    if spec.blocked_by_lock and workshop.locked:
        raise BoardError("locked", _("The board is locked by the facilitator."))


def apply_op(workshop_id: int, actor: Actor, payload: Any) -> Applied:
    """Apply one op for an actor who may see the workshop; raise BoardError if refused."""
    if not isinstance(payload, dict):
        raise BoardError("validation_error", _("An op must be a JSON object."))
    try:
        envelope = _envelope.load(payload)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("The op is not valid.")) from exc
    if (done := _stored(workshop_id, envelope["op_id"])) is not None:
        return Applied(event_schema.dump(done), new=False)
    spec = OPS.get(envelope["type"])
    if spec is None:
        raise BoardError(
            "validation_error", _("Unknown op type."), {"type": [_("Unknown op type.")]}
        )
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise BoardError("not_found", _("No such workshop."))
    _check_rights(spec, workshop, actor)
    try:
        args = spec.schema.load(payload)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("The op is not valid.")) from exc
    db.session.rollback()  # end the read transaction before waiting for the write lock

    with write_lock(workshop_id, db.engine.dialect.name):
        try:
            return _apply_locked(workshop_id, actor, spec, args)
        except BaseException:
            db.session.rollback()
            raise


def _apply_locked(workshop_id: int, actor: Actor, spec: OpSpec, args: dict) -> Applied:
    session = db.session
    workshop = session.scalar(
        sa.select(Workshop).where(Workshop.id == workshop_id).with_for_update()
    )
    assert workshop is not None
    if (done := _stored(workshop_id, args["op_id"])) is not None:
        session.rollback()
        return Applied(event_schema.dump(done), new=False)
    _check_rights(spec, workshop, actor)  # the phase or lock may have changed while waiting
    data = spec.rule(Context(session, workshop, actor), args)
    workshop.seq += 1
    event = Event(
        workshop_id=workshop_id,
        seq=workshop.seq,
        op_id=args["op_id"],
        type=spec.type,
        actor=actor.to_dict(),
        data=data,
        at=utcnow(),
    )
    session.add(event)
    session.commit()
    return Applied(event_schema.dump(event), new=True)
