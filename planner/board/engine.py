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


def _prepare(workshop: Workshop, actor: Actor, payload: Any) -> Applied | tuple[OpSpec, dict]:
    """Read-only checks: a repeat is answered as before; else rights, then fields."""
    if not isinstance(payload, dict):
        raise BoardError("validation_error", _("An op must be a JSON object."))
    try:
        envelope = _envelope.load(payload)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("The op is not valid.")) from exc
    if (done := _stored(workshop.id, envelope["op_id"])) is not None:
        return Applied(event_schema.dump(done), new=False)
    spec = OPS.get(envelope["type"])
    if spec is None:
        raise BoardError(
            "validation_error", _("Unknown op type."), {"type": [_("Unknown op type.")]}
        )
    _check_rights(spec, workshop, actor)
    try:
        return spec, spec.schema.load(payload)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("The op is not valid.")) from exc


def apply_op(workshop_id: int, actor: Actor, payload: Any) -> Applied:
    """Apply one op for an actor who may see the workshop; raise BoardError if refused."""
    return apply_batch(workshop_id, actor, [payload])[0]


def apply_batch(workshop_id: int, actor: Actor, payloads: list[Any]) -> list[Applied]:
    """Apply ops in one transaction, all or nothing (an import); each gets its own event."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise BoardError("not_found", _("No such workshop."))
    prepared = [_prepare(workshop, actor, payload) for payload in payloads]
    db.session.rollback()  # end the read transaction before waiting for the write lock
    if all(isinstance(item, Applied) for item in prepared):
        return prepared  # type: ignore[return-value]
    with write_lock(workshop_id, db.engine.dialect.name):
        try:
            return _apply_locked(workshop_id, actor, prepared)
        except BaseException:
            db.session.rollback()
            raise


def _apply_locked(
    workshop_id: int, actor: Actor, prepared: list[Applied | tuple[OpSpec, dict]]
) -> list[Applied]:
    session = db.session
    workshop = session.scalar(
        sa.select(Workshop).where(Workshop.id == workshop_id).with_for_update()
    )
    assert workshop is not None
    results: list[Applied | Event] = []  # new events are dumped once committed
    for item in prepared:
        if isinstance(item, Applied):
            results.append(item)
            continue
        spec, args = item
        if (done := _stored(workshop_id, args["op_id"])) is not None:
            results.append(Applied(event_schema.dump(done), new=False))
            continue
        _check_rights(spec, workshop, actor)  # the phase or lock may have changed meanwhile
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
        session.flush()
        results.append(event)
    session.commit()
    return [
        item if isinstance(item, Applied) else Applied(event_schema.dump(item), new=True)
        for item in results
    ]
