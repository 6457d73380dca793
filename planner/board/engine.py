"""The one path for every change: check, apply, append the event, commit — or change nothing."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from marshmallow import ValidationError

from planner import durability
from planner.board import phases
from planner.board.actor import Actor
from planner.board.errors import BoardError
from planner.board.facilitation import board_locked
from planner.board.locks import write_lock
from planner.board.registry import OPS, Context, OpSpec
from planner.extensions import db
from planner.models import Event, Participant, Workshop, utcnow
from planner.schemas import OpEnvelopeSchema, dump_event

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


def _op_id(payload: Any) -> str | None:
    op_id = payload.get("op_id") if isinstance(payload, dict) else None
    return op_id if isinstance(op_id, str) else None


def _check_rights(spec: OpSpec, workshop: sa.Row, actor: Actor) -> None:
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
    workshop: sa.Row, actor: Actor, payload: Any, stored: dict[str, Event]
) -> Applied | tuple[OpSpec, dict]:
    """A repeat is answered as before, whatever it holds; else rights, then fields."""
    if (op_id := _op_id(payload)) is not None and (done := stored.get(op_id)) is not None:
        return Applied(dump_event(done), new=False)
    if not isinstance(payload, dict):
        raise BoardError("validation_error", _("An op must be a JSON object."))
    try:
        envelope = _envelope.load(payload)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("The op is not valid.")) from exc
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


def apply_batch(
    workshop_id: int,
    actor: Actor,
    payloads: list[Any],
    publish: Callable[[list[Applied]], None] | None = None,
) -> list[Applied]:
    """Apply ops in one transaction, all or nothing (an import); each gets its own event.
    `publish` runs once the commit is durable, after the publishing of every earlier commit, so
    events leave this process in seq order; this returns after it (the ack follows)."""
    db.session.rollback()  # no read transaction of this session waits for the write lock
    with write_lock(workshop_id, db.engine.dialect.name):
        try:
            results = _apply_locked(workshop_id, actor, payloads)
        except BaseException:
            db.session.rollback()
            raise
        # in commit order, but waited for outside the lock: the next op need not wait for
        # this one's fsync (planner/durability.py)
        ticket = durability.when_durable(None if publish is None else lambda: publish(results))
    ticket.wait()
    return results


@functools.cache
def _opening(single: bool, participant: bool) -> sa.Select:
    """Built once per shape (building a statement costs more than SQLite takes to run it)."""
    table = Workshop.__table__
    query = sa.select(table).where(table.c.id == sa.bindparam("workshop")).with_for_update(of=table)
    if single:  # the one op of the live path: is its op_id stored?
        stored = sa.select(Event.id).where(
            Event.workshop_id == sa.bindparam("workshop"), Event.op_id == sa.bindparam("op_id")
        )
        query = query.add_columns(stored.scalar_subquery().label("op_stored"))
    if participant:  # removed by the facilitator?
        removed = sa.select(Participant.removed_at).where(Participant.id == sa.bindparam("actor"))
        query = query.add_columns(removed.scalar_subquery().label("actor_removed"))
    return query


def _open(workshop_id: int, actor: Actor, payloads: list[Any]) -> tuple[sa.Row, dict[str, Event]]:
    """Lock the workshop's row and find what was applied before; for a live op in one
    statement: the workshop's row (a row, not an object: rules that change the workshop load
    it), whether its op_id is stored, whether the participant was removed."""
    op_ids = [op_id for payload in payloads if (op_id := _op_id(payload)) is not None]
    single = len(op_ids) == 1
    params = {"workshop": workshop_id, "op_id": op_ids[0] if single else None, "actor": actor.id}
    query = _opening(single, not actor.is_staff)
    row = db.session.connection().execute(query, params).one_or_none()
    if row is None:
        raise BoardError("not_found", _("No such workshop."))
    found = row._mapping
    stored = {}
    if not single or found["op_stored"] is not None:
        stored = _stored(workshop_id, op_ids)
    if found.get("actor_removed") is not None and len(stored) < len(payloads):
        # a removed participant cannot act, even on a socket still open; a repeat is answered
        raise BoardError("unauthorized", _("You were removed from this workshop."))
    return row, stored


# Rules that read neither the event log nor the workshop's seq. In a batch (an import of 2 000
# rows) their events are inserted together at the end, in one statement, instead of each being
# flushed by the next op's first query; such a rule may also return its data as a function,
# called once the session is flushed (the rows it added get their ids in one flush, not one
# each): together about two thirds of the time of a large import.
_DEFERRED = frozenset({"piece.create"})


def _apply_locked(workshop_id: int, actor: Actor, payloads: list[Any]) -> list[Applied]:
    session = db.session
    workshop, stored = _open(workshop_id, actor, payloads)
    prepared = [_prepare(workshop, actor, payload, stored) for payload in payloads]
    results: list[Applied | dict[str, Any]] = []  # new events are dumped once committed
    cache: dict[Any, Any] = {}
    run: dict[str, Any] = {}
    seq = written = workshop.seq
    deferred: list[dict[str, Any]] = []  # events of piece.create ops (see _DEFERRED)
    for item in prepared:
        if isinstance(item, Applied):
            results.append(item)
            continue
        spec, args = item
        if spec.type not in _DEFERRED:
            written = _set_seq(workshop_id, written, seq)  # the rule sees the log so far
            _insert_events(deferred)
            run.clear()
        data = spec.rule(Context(session, workshop_id, actor, cache, run), args)
        seq += 1
        event = {
            "workshop_id": workshop_id,
            "seq": seq,
            "op_id": args["op_id"],
            "type": spec.type,
            "actor": actor.to_dict(),
            "data": data,
            "at": utcnow(),
        }
        deferred.append(event)
        if spec.type not in _DEFERRED:
            written = _set_seq(workshop_id, written, seq)
            _insert_events(deferred)
        results.append(event)
    _set_seq(workshop_id, written, seq)
    _insert_events(deferred)
    session.info[durability.DEFERRED] = True  # apply_batch waits for the disk, not the commit
    try:
        session.commit()
    finally:
        session.info.pop(durability.DEFERRED, None)
    for item in results:
        if isinstance(item, dict):
            log.info(
                "op applied",
                extra={
                    "fields": {
                        "workshop": workshop_id,
                        "seq": item["seq"],
                        "type": item["type"],
                        "role": actor.role,
                    }
                },
            )
    return [
        item if isinstance(item, Applied) else Applied(dump_event.mapping(item), new=True)
        for item in results
    ]


# Core statements for what every op writes: the ORM's unit of work costs more than SQLite does.
_INSERT_EVENT = sa.insert(Event.__table__)
_SET_SEQ = sa.update(Workshop.__table__).where(Workshop.__table__.c.id == sa.bindparam("ws"))


def _set_seq(workshop_id: int, written: int, seq: int) -> int:
    """Store the workshop's seq if it moved (`written` is the stored one); a workshop object
    a rule loaded is kept in step. The seq now stored."""
    if written != seq:
        db.session.connection().execute(_SET_SEQ, {"ws": workshop_id, "seq": seq})
        loaded = db.session.identity_map.get(so.util.identity_key(Workshop, workshop_id))
        if loaded is not None:
            so.attributes.set_committed_value(loaded, "seq", seq)
    return seq


def _insert_events(events: list[dict[str, Any]]) -> None:
    """Store these events in one statement and empty the list; data a deferred rule returned
    as a function is made now, after one flush of what those rules added."""
    if not events:
        return
    if any(callable(event["data"]) for event in events):
        db.session.flush()
        for event in events:
            if callable(event["data"]):
                event["data"] = event["data"]()
    db.session.connection().execute(_INSERT_EVENT, events)
    events.clear()
