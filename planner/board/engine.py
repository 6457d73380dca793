"""The one path for every change: check, apply, append the event, commit — or change nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError

from planner.board import phases
from planner.board.actor import Actor
from planner.board.errors import BoardError
from planner.board.facilitation import board_locked
from planner.board.locks import write_lock
from planner.board.registry import OPS, Context, OpSpec
from planner.extensions import db
from planner.models import Event, Participant, Workshop, utcnow
from planner.schemas import OpEnvelopeSchema, event_schema

_envelope = OpEnvelopeSchema()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    event: dict[str, Any]
    new: bool  # False when the op_id had been applied before: nothing changed, do not broadcast

    def ack(self) -> dict[str, Any]:
        return {"ok": True, "seq": self.event["seq"], "event": self.event}


def _stored(workshop_id: int, op_ids: list[str]) -> dict[str, Event]:
    """The events already stored for these op_ids (one query per 500, for large imports)."""
    found: dict[str, Event] = {}
    for start in range(0, len(op_ids), 500):
        chunk = op_ids[start : start + 500]
        rows = db.session.scalars(
            sa.select(Event).where(Event.workshop_id == workshop_id, Event.op_id.in_(chunk))
        )
        found.update({event.op_id: event for event in rows})
    return found


def _op_ids(payloads: list[Any]) -> list[str]:
    return [p["op_id"] for p in payloads if isinstance(p, dict) and isinstance(p.get("op_id"), str)]


def _check_member(actor: Actor) -> None:
    """A participant removed by the facilitator cannot act, even on a socket still open."""
    if actor.is_staff:
        return
    removed = db.session.scalar(sa.select(Participant.removed_at).where(Participant.id == actor.id))
    if removed is not None:
        raise BoardError("unauthorized", _("You were removed from this workshop."))


def _check_rights(spec: OpSpec, workshop: Workshop, actor: Actor) -> None:
    """Role, phase and lock come before the fields: a forbidden op is refused whatever it holds."""
    if actor.is_staff:
        return
    if spec.right is None:
        raise BoardError("forbidden", _("Only facilitators may do this."))
    if not phases.workshop_allows(workshop, spec.right):
        name = phases.workshop_phase_name(workshop, workshop.phase)
        raise BoardError("forbidden", _("Not allowed in the phase “%(phase)s”.", phase=name))
    if spec.blocked_by_lock and board_locked(workshop):
        raise BoardError("locked", _("The board is locked by the facilitator."))


def _prepare(
    workshop: Workshop, actor: Actor, payload: Any, stored: dict[str, Event]
) -> Applied | tuple[OpSpec, dict]:
    """Read-only checks: a repeat is answered as before; else rights, then fields."""
    if not isinstance(payload, dict):
        raise BoardError("validation_error", _("An op must be a JSON object."))
    try:
        envelope = _envelope.load(payload)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("The op is not valid.")) from exc
    if (done := stored.get(envelope["op_id"])) is not None:
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


def _prepare_or_repeat(
    workshop: Workshop, actor: Actor, payload: Any, stored: dict[str, Event]
) -> Applied | tuple[OpSpec, dict]:
    try:
        return _prepare(workshop, actor, payload, stored)
    except BoardError:
        op_id = payload.get("op_id") if isinstance(payload, dict) else None
        if stored or not isinstance(op_id, str):
            raise
        if (done := _stored(workshop.id, [op_id]).get(op_id)) is None:
            raise
        return Applied(event_schema.dump(done), new=False)


def apply_op(workshop_id: int, actor: Actor, payload: Any) -> Applied:
    """Apply one op for an actor who may see the workshop; raise BoardError if refused."""
    return apply_batch(workshop_id, actor, [payload])[0]


def apply_batch(
    workshop_id: int,
    actor: Actor,
    payloads: list[Any],
    publish: Callable[[list[Applied]], None] | None = None,
) -> list[Applied]:
    """Apply ops in one transaction, all or nothing (an import); each gets its own event.
    `publish` runs after the commit while the workshop's lock is still held, so events leave
    this process in seq order."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise BoardError("not_found", _("No such workshop."))
    # One op (the live path) is looked up among the stored ones only under the lock, or when it
    # is refused here (a repeat is answered as before whatever it holds): one query less per op.
    stored = _stored(workshop_id, _op_ids(payloads)) if len(payloads) > 1 else {}
    prepared = [_prepare_or_repeat(workshop, actor, payload, stored) for payload in payloads]
    db.session.rollback()  # end the read transaction before waiting for the write lock
    if all(isinstance(item, Applied) for item in prepared):
        return prepared  # type: ignore[return-value]
    with write_lock(workshop_id, db.engine.dialect.name):
        try:
            results = _apply_locked(workshop_id, actor, prepared)
        except BaseException:
            db.session.rollback()
            raise
        if publish is not None:
            publish(results)
        return results


# Rules that read neither the event log nor the workshop's seq. In a batch (an import of 2 000
# rows) their events are inserted together at the end, in one statement, instead of each being
# flushed by the next op's first query: about a third of the time of a large import.
_DEFERRED = frozenset({"piece.create"})


def _apply_locked(
    workshop_id: int, actor: Actor, prepared: list[Applied | tuple[OpSpec, dict]]
) -> list[Applied]:
    session = db.session
    workshop = session.scalar(
        sa.select(Workshop).where(Workshop.id == workshop_id).with_for_update()
    )
    assert workshop is not None
    # applied before, or by a concurrent request while this one waited for the lock
    stored = _stored(
        workshop_id, [item[1]["op_id"] for item in prepared if isinstance(item, tuple)]
    )
    if any(isinstance(item, tuple) and item[1]["op_id"] not in stored for item in prepared):
        _check_member(actor)  # a repeat is answered as before, even to a removed participant
    results: list[Applied | Event] = []  # new events are dumped once committed
    cache: dict[Any, Any] = {}
    seq = workshop.seq
    deferred: list[Event] = []  # events of piece.create ops, added together (see _DEFERRED)
    for item in prepared:
        if isinstance(item, Applied):
            results.append(item)
            continue
        spec, args = item
        if (done := stored.get(args["op_id"])) is not None:
            results.append(Applied(event_schema.dump(done), new=False))
            continue
        _check_rights(spec, workshop, actor)  # the phase or lock may have changed meanwhile
        if spec.type not in _DEFERRED:
            workshop.seq = seq  # this rule sees the log and the seq as they are so far
            session.add_all(deferred)
            deferred.clear()
        data = spec.rule(Context(session, workshop, actor, cache), args)
        seq += 1
        event = Event(
            workshop_id=workshop_id,
            seq=seq,
            op_id=args["op_id"],
            type=spec.type,
            actor=actor.to_dict(),
            data=data,
            at=utcnow(),
        )
        if spec.type in _DEFERRED:
            deferred.append(event)
        else:
            workshop.seq = seq
            session.add(event)
        results.append(event)
    workshop.seq = seq
    session.add_all(deferred)
    session.commit()
    for item in results:
        if isinstance(item, Event):
            log.info(
                "op applied",
                extra={
                    "fields": {
                        "workshop": workshop_id,
                        "seq": item.seq,
                        "type": item.type,
                        "role": actor.role,
                    }
                },
            )
    return [
        item if isinstance(item, Applied) else Applied(event_schema.dump(item), new=True)
        for item in results
    ]
