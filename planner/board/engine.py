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
from planner.board import compiled, phases
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


def _check_rights(spec: OpSpec, workshop: compiled.Row, actor: Actor) -> None:
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
    workshop: compiled.Row, actor: Actor, payload: Any, stored: dict[str, Event]
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


Publish = Callable[[list[Applied]], None]


def apply_batch(
    workshop_id: int, actor: Actor, payloads: list[Any], publish: Publish | None = None
) -> list[Applied]:
    """Apply ops in one transaction, all or nothing (an import); each gets its own event.
    `publish` runs once the commit is durable, after the publishing of every earlier commit, so
    events leave this process in seq order; this returns after it (the ack follows)."""
    return _durably(workshop_id, lambda: _apply_locked(workshop_id, actor, payloads), publish)


# Rules that refuse (raise BoardError) before they write anything, so ops of several senders can
# share a transaction and a refused one needs no rollback: the live path's moves.
COMBINABLE = frozenset({"piece.move"})


def apply_each(
    workshop_id: int, ops: list[tuple[Actor, Any]], publish: Publish | None = None
) -> list[Applied | BoardError]:
    """Apply independent ops of several senders (types in COMBINABLE) in one transaction, each
    applied or refused on its own as if alone, in order: the moves that queued while the event
    loop was busy share one opening, one commit and one fsync. `publish` as for apply_batch."""
    if len(ops) == 1:  # alone: the single op's opening statement also finds its op_id and sender
        actor, payload = ops[0]
        try:
            return list(apply_batch(workshop_id, actor, [payload], publish))
        except BoardError as err:
            return [err]
    return _durably(workshop_id, lambda: _apply_each_locked(workshop_id, ops), publish)


def _durably(workshop_id: int, apply: Callable[[], list], publish: Publish | None) -> list:
    """Run `apply` under the write lock (it commits); publish once durable, then return."""
    db.session.rollback()  # no read transaction of this session waits for the write lock
    with write_lock(workshop_id, db.engine.dialect.name):
        try:
            results = apply()
        except BaseException:
            db.session.rollback()
            raise
        applied = [item for item in results if isinstance(item, Applied)]
        # in commit order, but waited for outside the lock: the next op need not wait for
        # this one's fsync (planner/durability.py)
        ticket = durability.when_durable(None if publish is None else lambda: publish(applied))
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


def _open(
    workshop_id: int, actor: Actor, payloads: list[Any]
) -> tuple[compiled.Row, dict[str, Event]]:
    """Lock the workshop's row and find what was applied before; for a live op in one
    statement: the workshop's row (a row, not an object: rules that change the workshop load
    it), whether its op_id is stored, whether the participant was removed."""
    op_ids = [op_id for payload in payloads if (op_id := _op_id(payload)) is not None]
    single = len(op_ids) == 1
    params = {"workshop": workshop_id, "op_id": op_ids[0] if single else None, "actor": actor.id}
    query = _opening(single, not actor.is_staff)
    row = compiled.execute(db.session.connection(), query, params).one_or_none()
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
    session = db.session()  # the session itself: its scoped proxy looks it up at every use
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
            written = _set_seq(session, workshop_id, written, seq)  # the rule sees the log so far
            _insert_events(session, deferred)
            run.clear()
        data = spec.rule(Context(session, workshop_id, actor, cache, run), args)
        seq += 1
        event = _event(workshop_id, seq, spec, args, actor, data)
        deferred.append(event)
        if spec.type not in _DEFERRED:
            written = _set_seq(session, workshop_id, written, seq)
            _insert_events(session, deferred)
        results.append(event)
    _set_seq(session, workshop_id, written, seq)
    _insert_events(session, deferred)
    return _commit(workshop_id, results)


def _removed(actors: list[Actor]) -> set[int]:
    """Which of these participants the facilitator removed (they cannot act any more)."""
    ids = {actor.id for actor in actors if not actor.is_staff}
    if not ids:
        return set()
    query = sa.select(Participant.id).where(
        Participant.id.in_(ids), Participant.removed_at.is_not(None)
    )
    return set(db.session.scalars(query))


def _apply_each_locked(
    workshop_id: int, ops: list[tuple[Actor, Any]]
) -> list[Applied | BoardError]:
    """The checks and their order are apply_batch's for one op; an op_id sent twice in one
    transaction is applied once (the second gets the first's answer, as a repeat)."""
    session = db.session()
    params = {"workshop": workshop_id}
    workshop = compiled.execute(session.connection(), _opening(False, False), params).one_or_none()
    if workshop is None:
        return [BoardError("not_found", _("No such workshop.")) for _op in ops]
    stored = _stored(workshop_id, [op_id for _a, p in ops if (op_id := _op_id(p)) is not None])
    removed = _removed([actor for actor, _payload in ops])
    results: list[Applied | BoardError | dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    applied: dict[str, dict[str, Any]] = {}  # op_id -> its event, made in this transaction
    cache: dict[Any, Any] = {}
    seq = workshop.seq
    for actor, payload in ops:
        op_id = _op_id(payload)
        if op_id in applied:
            results.append(_Repeat(applied[op_id]))
            continue
        try:
            if actor.id in removed and not actor.is_staff and op_id not in stored:
                raise BoardError("unauthorized", _("You were removed from this workshop."))
            item = _prepare(workshop, actor, payload, stored)
            if isinstance(item, Applied):
                results.append(item)
                continue
            spec, args = item
            if spec.type not in COMBINABLE:
                raise ValueError(f"{spec.type} cannot share a transaction (COMBINABLE)")
            data = spec.rule(Context(session, workshop_id, actor, cache), args)
        except BoardError as err:
            results.append(err)
            continue
        seq += 1
        event = _event(workshop_id, seq, spec, args, actor, data)
        events.append(event)
        results.append(event)
        applied[args["op_id"]] = event
    _set_seq(session, workshop_id, workshop.seq, seq)
    _insert_events(session, events)  # these rules read neither the log nor the seq
    return _commit(workshop_id, results)


@dataclass(frozen=True)
class _Repeat:
    """An op_id applied earlier in the same transaction: answered with that event, once dumped."""

    event: dict[str, Any]


def _event(
    workshop_id: int, seq: int, spec: OpSpec, args: dict, actor: Actor, data: Any
) -> dict[str, Any]:
    return {
        "workshop_id": workshop_id,
        "seq": seq,
        "op_id": args["op_id"],
        "type": spec.type,
        "actor": actor.to_dict(),
        "data": data,
        "at": utcnow(),
    }


def _commit(workshop_id: int, results: list) -> list:
    """Commit (the caller waits for the disk, not the commit) and answer: the new events
    (dicts) dumped as Applied, the rest as they are."""
    session = db.session
    session.info[durability.DEFERRED] = True
    try:
        session.commit()
    finally:
        session.info.pop(durability.DEFERRED, None)
    dumped: dict[int, dict[str, Any]] = {}  # id of an event made here -> its dump
    for item in results:
        if isinstance(item, dict):
            fields = {"workshop": workshop_id, "seq": item["seq"], "type": item["type"]}
            log.info("op applied", extra={"fields": {**fields, "role": item["actor"]["role"]}})
            dumped[id(item)] = dump_event.mapping(item)

    def answer(item: Any) -> Any:
        if isinstance(item, dict):
            return Applied(dumped[id(item)], new=True)
        if isinstance(item, _Repeat):
            return Applied(dumped[id(item.event)], new=False)
        return item

    return [answer(item) for item in results]


# Core statements for what every op writes: the ORM's unit of work costs more than SQLite does.
_INSERT_EVENT = sa.insert(Event.__table__)
_SET_SEQ = sa.update(Workshop.__table__).where(Workshop.__table__.c.id == sa.bindparam("ws"))


def _set_seq(session: so.Session, workshop_id: int, written: int, seq: int) -> int:
    """Store the workshop's seq if it moved (`written` is the stored one); a workshop object
    a rule loaded is kept in step. The seq now stored."""
    if written != seq:
        compiled.execute(session.connection(), _SET_SEQ, {"ws": workshop_id, "seq": seq})
        loaded = session.identity_map.get(so.util.identity_key(Workshop, workshop_id))
        if loaded is not None:
            so.attributes.set_committed_value(loaded, "seq", seq)
    return seq


def _insert_events(session: so.Session, events: list[dict[str, Any]]) -> None:
    """Store these events in one statement and empty the list; data a deferred rule returned
    as a function is made now, after one flush of what those rules added."""
    if not events:
        return
    if any(callable(event["data"]) for event in events):
        session.flush()
        for event in events:
            if callable(event["data"]):
                event["data"] = event["data"]()
    compiled.execute_many(session.connection(), _INSERT_EVENT, events)
    events.clear()
