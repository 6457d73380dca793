"""Rules for pieces: create, update, move, delete, with gapless positions per zone.

A zone is one domain of a workshop, or its tray (domain_id None). Positions in a zone are
0-based and gapless after every op; clients shift neighbours exactly the same way.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board import facilitation, inbox, lookup
from planner.board.errors import BoardError
from planner.board.presets import CODE_PREFIXES
from planner.board.registry import Context, op
from planner.models import Domain, Piece, utcnow
from planner.schemas import (
    PieceCreateOp,
    PieceDeleteOp,
    PieceMoveOp,
    PieceUpdateOp,
    piece_schema,
)

STAFF_ONLY_FIELDS = frozenset({"status"})
_SERIES = re.compile(r"([A-Za-z0-9]+)-(\d+)")


def _in_zone(workshop_id: int, domain_id: int | None) -> sa.ColumnElement[bool]:
    zone = Piece.domain_id.is_(None) if domain_id is None else Piece.domain_id == domain_id
    # A proposal waiting in the inbox is not on the board: it holds no position.
    return sa.and_(Piece.workshop_id == workshop_id, zone, Piece.inbox_state.is_(None))


def zone_size(ctx: Context, domain_id: int | None) -> int:
    return ctx.session.scalar(
        sa.select(sa.func.count()).select_from(Piece).where(_in_zone(ctx.workshop.id, domain_id))
    )


def _shift(ctx: Context, domain_id: int | None, lo: int, hi: int | None, delta: int) -> None:
    """Add delta to the positions lo..hi (inclusive; hi None = to the end) of a zone."""
    where = [_in_zone(ctx.workshop.id, domain_id), Piece.position >= lo]
    if hi is not None:
        where.append(Piece.position <= hi)
    ctx.session.execute(
        sa.update(Piece)
        .where(*where)
        .values(position=Piece.position + delta)
        .execution_options(synchronize_session=False)
    )


def _clamp(value: int, top: int) -> int:
    return max(0, min(value, top))


def _domain(ctx: Context, domain_id: int | None) -> Domain | None:
    return None if domain_id is None else lookup.domain(ctx, domain_id)


def _check_owner(ctx: Context, piece: Piece) -> None:
    actor = ctx.actor
    if not actor.is_staff and (actor.group_id is None or piece.group_id != actor.group_id):
        raise BoardError("forbidden", _("You may change only your own group's pieces."))


def _check_code_free(ctx: Context, code: str, piece_id: int | None = None) -> None:
    clash = ctx.session.scalar(
        sa.select(Piece.id).where(Piece.workshop_id == ctx.workshop.id, Piece.code == code)
    )
    if clash is not None and clash != piece_id:
        msg = _("The code %(code)s is already used in this workshop.", code=code)
        raise BoardError("conflict", msg, {"code": [msg]})


def next_code(ctx: Context, domain: Domain | None) -> str:
    """The next free code of a domain's series, e.g. MOB-03 (NEW-01 in the tray)."""
    prefix = "NEW" if domain is None else CODE_PREFIXES.get(domain.key, domain.key[:3].upper())
    prefix = re.sub(r"[^A-Za-z0-9]", "", prefix) or "DZ"
    key = ("code", prefix)
    if key not in ctx.cache:  # once per batch: an import of 2 000 rows scans the series once
        codes = ctx.session.scalars(
            sa.select(Piece.code).where(
                Piece.workshop_id == ctx.workshop.id, Piece.code.like(f"{prefix}-%")
            )
        )
        numbers = [int(m.group(2)) for c in codes if (m := _SERIES.fullmatch(c))]
        ctx.cache[key] = max(numbers, default=0)
    ctx.cache[key] += 1
    return f"{prefix}-{ctx.cache[key]:02d}"


def _note_code(ctx: Context, code: str) -> None:
    """An explicit code in a series moves that series on, so a later generated one never clashes."""
    if (m := _SERIES.fullmatch(code)) and ("code", m.group(1)) in ctx.cache:
        ctx.cache["code", m.group(1)] = max(ctx.cache["code", m.group(1)], int(m.group(2)))


def _check_staff_fields(ctx: Context, fields: dict[str, Any]) -> None:
    if not ctx.actor.is_staff and (denied := STAFF_ONLY_FIELDS & fields.keys()):
        msg = _("Only facilitators may set this field.")
        raise BoardError("forbidden", msg, {name: [msg] for name in sorted(denied)})


@op("piece.create", PieceCreateOp(), "create")
def create(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    fields = dict(args["piece"])
    _check_staff_fields(ctx, fields)
    domain = _domain(ctx, args.get("domain_id"))
    domain_id = domain.id if domain else None
    facilitation.check_zone(ctx, domain_id)
    if "code" in fields:
        _check_code_free(ctx, fields["code"])
        _note_code(ctx, fields["code"])
    else:
        fields["code"] = next_code(ctx, domain)
    size = zone_size(ctx, domain_id)
    position = _clamp(args.get("position", size), size)
    if position < size:  # appending (the common case, and every import) shifts nothing
        _shift(ctx, domain_id, position, None, +1)
    piece = Piece(
        workshop_id=ctx.workshop.id,
        domain_id=domain_id,
        position=position,
        group_id=None if ctx.actor.is_staff else ctx.actor.group_id,
        **{"partners": [], "quarters": [], **fields},
    )
    if piece.quarters:
        piece.quarters = sorted(piece.quarters)
    if ctx.workshop.moderation and not ctx.actor.is_staff:
        return inbox.propose(ctx, piece, position)
    ctx.session.add(piece)
    ctx.session.flush()
    return {"piece": piece_schema.dump(piece)}


@op("piece.update", PieceUpdateOp(), "edit")
def update(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = lookup.piece(ctx, args["piece_id"])
    _check_owner(ctx, piece)
    facilitation.check_piece(ctx, piece)
    facilitation.check_zone(ctx, piece.domain_id)
    changes = dict(args["changes"])
    _check_staff_fields(ctx, changes)
    if "version" in args and args["version"] != piece.version:
        raise BoardError(
            "conflict",
            _("Someone else changed this piece meanwhile; look at it again."),
            {"version": [str(piece.version)]},
        )
    if "code" in changes:
        _check_code_free(ctx, changes["code"], piece.id)
    if "quarters" in changes:
        changes["quarters"] = sorted(changes["quarters"])
    changed = [name for name, value in changes.items() if getattr(piece, name) != value]
    before = piece_schema.dump(piece)
    for name in changed:
        setattr(piece, name, changes[name])
    piece.version += 1
    piece.updated_at = utcnow()
    after = piece_schema.dump(piece)
    # `before` holds the old values of the changed fields, so the change can be undone.
    return {"piece": after, "changed": changed, "before": {k: before[k] for k in changed}}


@op("piece.move", PieceMoveOp(), "move")
def move(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = lookup.piece(ctx, args["piece_id"])
    target = _domain(ctx, args["domain_id"])
    to_zone = target.id if target else None
    if piece.inbox_state is not None:
        raise BoardError("conflict", _("This proposal waits in the facilitator's inbox."))
    facilitation.check_piece(ctx, piece)
    facilitation.check_zone(ctx, piece.domain_id, to_zone)
    # Two people dropping the same piece: the later drop, made from a stale view, loses.
    if "version" in args and args["version"] != piece.version:
        raise BoardError(
            "conflict",
            _("Someone else moved this piece first."),
            {"version": [str(piece.version)]},
        )
    src = {"domain_id": piece.domain_id, "position": piece.position}
    if to_zone == piece.domain_id:
        to = _clamp(args["position"], zone_size(ctx, to_zone) - 1)
        if to > piece.position:
            _shift(ctx, to_zone, piece.position + 1, to, -1)
        elif to < piece.position:
            _shift(ctx, to_zone, to, piece.position - 1, +1)
    else:
        to = _clamp(args["position"], zone_size(ctx, to_zone))
        _shift(ctx, piece.domain_id, piece.position + 1, None, -1)
        _shift(ctx, to_zone, to, None, +1)
    piece.domain_id = to_zone
    piece.position = to
    piece.version += 1
    piece.updated_at = utcnow()
    return {
        "piece": piece_schema.dump(piece),
        "from": src,
        "to": {"domain_id": to_zone, "position": to},
    }


@op("piece.delete", PieceDeleteOp(), "edit")
def delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = lookup.piece(ctx, args["piece_id"])
    _check_owner(ctx, piece)
    facilitation.check_piece(ctx, piece)
    facilitation.check_zone(ctx, piece.domain_id)
    src = {"domain_id": piece.domain_id, "position": piece.position}
    gone = piece_schema.dump(piece)
    pending = piece.inbox_state is not None
    ctx.session.delete(piece)
    ctx.session.flush()
    if pending:
        return {"piece_id": args["piece_id"], "from": None, "piece": gone}
    _shift(ctx, src["domain_id"], src["position"] + 1, None, -1)
    # `piece` (its fields as they were) lets the deletion be undone.
    return {"piece_id": args["piece_id"], "from": src, "piece": gone}
