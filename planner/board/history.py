"""Undo, revert and the activity history, all read from the event log.

An undo is a new event (`undo`, or `revert` for staff) whose data names the undone seq and
carries the inverse change as an ordinary event would: `{"undoes": seq, "apply": {"type", "data"}}`.
Clients apply `apply` exactly like a live event of that type, so every screen follows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board import comments, phases, pieces
from planner.board.actor import Actor
from planner.board.errors import BoardError
from planner.board.facilitation import board_locked
from planner.board.registry import OPS, Context, op
from planner.board.visibility import redact
from planner.extensions import db
from planner.models import Comment, Domain, Event, Group, Piece, Workshop, utcnow
from planner.schemas import BareOp, RevertOp, dump_event, dump_piece

UNDOABLE = frozenset({"piece.create", "piece.update", "piece.move", "piece.delete", "comment.add"})
UNDO_TYPES = frozenset({"undo", "revert"})
_EDITABLE = ("code", "title", "description", "objective", "lead", "partners", "quarters")
_EDITABLE += ("cost_pln", "funding", "result", "indicator", "status")


def touched_piece(event: dict[str, Any] | Event) -> int | None:
    """The piece an event is about, if any (an undo is about its inverse's piece)."""
    kind = event["type"] if isinstance(event, dict) else event.type
    data = (event["data"] if isinstance(event, dict) else event.data) or {}
    if kind in UNDO_TYPES:
        inner = data.get("apply") or {}
        return touched_piece({"type": inner.get("type"), "data": inner.get("data") or {}})
    for key in ("piece", "inbox"):
        if isinstance(data.get(key), dict) and "id" in data[key]:
            return data[key]["id"]
    value = data.get("piece_id")
    return value if isinstance(value, int) else None


def _same_actor(event: Event, actor: Actor) -> bool:
    return event.actor.get("id") == actor.id and event.actor.get("role") == actor.role


def _log(workshop_id: int) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event).where(Event.workshop_id == workshop_id).order_by(Event.seq)
        )
    )


def _undone(log: list[Event]) -> set[int]:
    return {e.data.get("undoes") for e in log if e.type in UNDO_TYPES}


def _check_safe(target: Event, log: list[Event]) -> None:
    """Refuse when a later change touched the same piece (an undone pair does not count)."""
    piece_id = touched_piece(target)
    if piece_id is None:
        return
    later = [e for e in log if e.seq > target.seq and touched_piece(e) == piece_id]
    undone = _undone(log)
    pairs = {e.seq for e in later if e.seq in undone}
    pairs |= {e.seq for e in later if e.type in UNDO_TYPES and e.data.get("undoes") in pairs}
    blocking = [e for e in later if e.seq not in pairs]
    if blocking:
        raise BoardError(
            "conflict",
            _(
                "This piece was changed afterwards (event %(seq)s); undoing is not safe.",
                seq=blocking[0].seq,
            ),
        )


def _domain_exists(ctx: Context, domain_id: int | None) -> bool:
    domain = None if domain_id is None else ctx.session.get(Domain, domain_id)
    return domain is not None and domain.workshop_id == ctx.workshop_id


def _restore_piece(ctx: Context, fields: dict[str, Any], where: dict[str, Any]) -> dict:
    """Put a deleted piece back where it was, with its id and fields."""
    if ctx.session.get(Piece, fields["id"]) is not None:
        raise BoardError("conflict", _("The piece exists again."))
    pieces._check_code_free(ctx, fields["code"])
    zone = where["domain_id"] if _domain_exists(ctx, where["domain_id"]) else None
    size = pieces.zone_size(ctx, zone)
    position = pieces._clamp(where["position"], size)
    pieces._shift(ctx, (zone, position, None, +1))
    piece = Piece(
        id=fields["id"],
        workshop_id=ctx.workshop_id,
        domain_id=zone,
        position=position,
        group_id=fields.get("group_id"),
        version=fields.get("version", 1) + 1,
        locked=fields.get("locked", False),
        **{k: fields.get(k) for k in _EDITABLE if k in fields},
    )
    ctx.session.add(piece)
    ctx.session.flush()
    return {"piece": dump_piece(piece)}


def _inverse(ctx: Context, target: Event) -> dict[str, Any]:
    """Apply the inverse of an event; returns the nested event ({type, data}) clients apply."""
    data = target.data
    if target.type == "piece.create":
        piece_id = (data.get("piece") or data.get("inbox"))["id"]
        return {"type": "piece.delete", "data": pieces.delete(ctx, {"piece_id": piece_id})}
    if target.type == "piece.update":
        before = data.get("before")
        if not before:
            raise BoardError("conflict", _("This change cannot be undone."))
        args = {"piece_id": data["piece"]["id"], "changes": dict(before)}
        return {"type": "piece.update", "data": pieces.update(ctx, args)}
    if target.type == "piece.move":
        src = data["from"]
        args = {"piece_id": data["piece"]["id"], "domain_id": src["domain_id"]}
        args["position"] = src["position"]
        if not _domain_exists(ctx, src["domain_id"]):
            args["domain_id"] = None
        return {"type": "piece.move", "data": pieces.move(ctx, args)}
    if target.type == "piece.delete":
        if not data.get("piece") or not data.get("from"):
            raise BoardError("conflict", _("This change cannot be undone."))
        return {"type": "piece.create", "data": _restore_piece(ctx, data["piece"], data["from"])}
    if target.type == "comment.add":
        comment = ctx.session.get(Comment, data["comment"]["id"])
        if comment is None:
            raise BoardError("conflict", _("The comment is gone already."))
        return {"type": "comment.delete", "data": comments.delete_comment(ctx, comment)}
    raise BoardError("conflict", _("This change cannot be undone."))


def _undo(ctx: Context, target: Event, log: list[Event]) -> dict[str, Any]:
    if target.seq in _undone(log):
        raise BoardError("conflict", _("This change was undone already."))
    _check_safe(target, log)
    return {"undoes": target.seq, "apply": _inverse(ctx, target)}


@op("undo", BareOp(), phases.UNDO)
def undo(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Undo the sender's own last change that can be undone and is not undone yet."""
    log = _log(ctx.workshop_id)
    undone = _undone(log)
    target = next(
        (
            e
            for e in reversed(log)
            if e.type in UNDOABLE and e.seq not in undone and _same_actor(e, ctx.actor)
        ),
        None,
    )
    if target is None:
        raise BoardError("conflict", _("There is nothing of yours to undo."))
    if not ctx.actor.is_staff:
        spec = OPS[target.type]
        if spec.right is not None and not phases.workshop_allows(ctx.workshop, spec.right):
            name = phases.workshop_phase_name(ctx.workshop, ctx.workshop.phase)
            raise BoardError("forbidden", _("Not allowed in the phase “%(phase)s”.", phase=name))
        if spec.blocked_by_lock and board_locked(ctx.workshop):
            raise BoardError("locked", _("The board is locked by the facilitator."))
    return _undo(ctx, target, log)


@op("revert", RevertOp(), None, blocked_by_lock=False)
def revert(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Staff revert any change by its seq."""
    log = _log(ctx.workshop_id)
    target = next((e for e in log if e.seq == args["seq"]), None)
    if target is None:
        msg = _("No such event.")
        raise BoardError("not_found", msg, {"seq": [msg]})
    if target.type not in UNDOABLE:
        raise BoardError("conflict", _("This change cannot be undone."))
    return _undo(ctx, target, log)


# --- the activity history --------------------------------------------------------------------


def history(
    workshop: Workshop,
    viewer: Actor,
    piece_id: int | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Events newest first, shaped for the viewer; participants appear by their group."""
    query = sa.select(Event).where(Event.workshop_id == workshop.id)
    if before_seq is not None:
        query = query.where(Event.seq < before_seq)
    names = dict(
        db.session.execute(
            sa.select(Group.id, Group.name).where(Group.workshop_id == workshop.id)
        ).all()
    )
    out: list[dict[str, Any]] = []
    more = False
    for row in db.session.scalars(query.order_by(Event.seq.desc())):
        if piece_id is not None and touched_piece(row) != piece_id:
            continue
        if len(out) == limit:
            more = True
            break
        event = redact(dump_event(row), viewer)
        actor = dict(event["actor"])
        actor["group_name"] = names.get(actor.get("group_id"))
        if actor.get("role") != "staff" and not (viewer.is_staff or actor.get("id") == viewer.id):
            actor.pop("name", None)
        out.append({**event, "actor": actor})
    return {"events": out, "more": more, "now": utcnow().isoformat()}
