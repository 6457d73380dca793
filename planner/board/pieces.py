"""Rules for pieces: create, update, move, delete, with gapless positions per zone.

A zone is one domain of a workshop, or its tray (domain_id None). Positions in a zone are
0-based and gapless after every op; clients shift neighbours exactly the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from planner.board import compiled, facilitation, inbox, lookup
from planner.board.errors import BoardError
from planner.board.presets import CODE_PREFIXES
from planner.board.registry import Context, op
from planner.models import Domain, Piece, utcnow
from planner.schemas import (
    PieceCreateOp,
    PieceDeleteOp,
    PieceMoveOp,
    PieceUpdateOp,
    dump_piece,
)

STAFF_ONLY_FIELDS = frozenset({"status"})
_SERIES = re.compile(r"([A-Za-z0-9]+)-(\d+)")


# The statements of the live path are built once per shape, with bound parameters: building a
# SQLAlchemy statement costs more than SQLite takes to run it.
# A Core alias: an ORM one puts every count through the ORM's compile path (and autoflush).
# Never correlated with an enclosing query's piece.
_OTHER = Piece.__table__.alias("zone_piece").c


def _zone_where(entity: Any, tray: bool, suffix: str = "") -> sa.ColumnElement[bool]:
    """The pieces of a zone (a domain, or the tray) on the board, with the workshop and the zone
    as parameters `workshop` and `zone…`. A proposal waiting in the inbox is not on the board:
    it holds no position."""
    zone = entity.domain_id.is_(None) if tray else entity.domain_id == sa.bindparam(f"zone{suffix}")
    workshop = entity.workshop_id == sa.bindparam("workshop")
    return sa.and_(workshop, zone, entity.inbox_state.is_(None))


@functools.cache
def _size_query(tray: bool) -> sa.Select[tuple[int]]:
    return sa.select(sa.func.count()).where(_zone_where(_OTHER, tray))


@functools.cache
def _piece_query(tray: bool) -> sa.Select:
    """A piece's row (not an object: a move writes it with Core), the size of a zone, and the
    `locked` flags of the piece's domain and of that zone (NULL: the tray, or no such domain in
    this workshop) — what a move checks, without reading the workshop's domains."""
    piece, domain = Piece.__table__.c, Domain.__table__.c
    size = _size_query(tray).scalar_subquery().label("zone_size")
    from_locked = sa.select(domain.locked).where(domain.id == piece.domain_id)
    to_locked: Any = sa.null()
    if not tray:
        to_locked = sa.select(domain.locked).where(
            domain.id == sa.bindparam("zone"), domain.workshop_id == sa.bindparam("workshop")
        )
        to_locked = to_locked.scalar_subquery()
    return sa.select(
        Piece.__table__,
        size,
        from_locked.scalar_subquery().label("from_locked"),
        to_locked.label("to_locked"),
    ).where(piece.id == sa.bindparam("piece"))


def _zone_params(ctx: Context, domain_id: int | None) -> dict[str, Any]:
    return {"workshop": ctx.workshop_id, "zone": domain_id}


def zone_size(ctx: Context, domain_id: int | None) -> int:
    return ctx.execute(_size_query(domain_id is None), _zone_params(ctx, domain_id)).scalar_one()


Span = tuple[int | None, int, int | None, int]  # zone, from, to (inclusive; None = the end), delta


def _span_condition(table: Any, tray: bool, open_end: bool, i: int) -> sa.ColumnElement[bool]:
    """The pieces of span i: its zone's, from lo_i (to hi_i unless the span is open-ended)."""
    condition = sa.and_(
        _zone_where(table, tray, f"_{i}"), table.position >= sa.bindparam(f"lo_{i}")
    )
    if not open_end:
        condition = sa.and_(condition, table.position <= sa.bindparam(f"hi_{i}"))
    return condition


@functools.cache
def _shift_statement(shape: tuple[tuple[bool, bool], ...]) -> sa.Update:
    """UPDATE for spans of these shapes (tray?, open end?): parameters zone_i, lo_i, hi_i, d_i.
    Core, not ORM: the ORM's bulk UPDATE path cost more than the rest of a move (loaded pieces
    are not synchronised either way)."""
    table = Piece.__table__.c
    conditions = [
        _span_condition(table, tray, open_end, i) for i, (tray, open_end) in enumerate(shape)
    ]
    deltas = [sa.bindparam(f"d_{i}", type_=sa.Integer) for i in range(len(shape))]
    delta: Any = deltas[0] if len(shape) == 1 else sa.case(*zip(conditions, deltas, strict=True))
    return (
        sa.update(Piece.__table__)
        .where(sa.or_(*conditions))
        .values(position=table.position + delta)
    )


def _span_params(ctx: Context, spans: tuple[Span, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {"workshop": ctx.workshop_id}
    for i, (zone, lo, hi, delta) in enumerate(spans):
        params |= {f"zone_{i}": zone, f"lo_{i}": lo, f"hi_{i}": hi, f"d_{i}": delta}
    return params


def _span_shape(spans: tuple[Span, ...]) -> tuple[tuple[bool, bool], ...]:
    return tuple((zone is None, hi is None) for zone, _lo, hi, _delta in spans)


def _shift(ctx: Context, *spans: Span) -> None:
    """Add delta to the positions from..to of each zone, in one UPDATE whatever their number."""
    ctx.execute(_shift_statement(_span_shape(spans)), _span_params(ctx, spans))


def _clamp(value: int, top: int) -> int:
    return max(0, min(value, top))


def _check_owner(ctx: Context, piece: Piece) -> None:
    actor = ctx.actor
    if not actor.is_staff and (actor.group_id is None or piece.group_id != actor.group_id):
        raise BoardError("forbidden", _("You may change only your own group's pieces."))


def _check_code_free(ctx: Context, code: str, piece_id: int | None = None) -> None:
    clash = ctx.session.scalar(
        sa.select(Piece.id).where(Piece.workshop_id == ctx.workshop_id, Piece.code == code)
    )
    if clash is not None and clash != piece_id:
        raise _code_in_use(code)


def _code_in_use(code: str) -> BoardError:
    msg = _("The code %(code)s is already used in this workshop.", code=code)
    return BoardError("conflict", msg, {"code": [msg]})


def _claim_code(ctx: Context, code: str, generated: bool = False) -> None:
    """Refuse a code in use. From the second create of a run (an import) on, the workshop's
    codes are read once into a set instead of one query per row."""
    codes = ctx.run.get("codes")
    if codes is None and "sizes" in ctx.run:  # an earlier create of this run noted zone sizes
        query = sa.select(Piece.code).where(Piece.workshop_id == ctx.workshop_id)
        codes = ctx.run["codes"] = set(ctx.session.scalars(query))
    if codes is None:
        if not generated:
            _check_code_free(ctx, code)
        return
    if code in codes and not generated:
        raise _code_in_use(code)
    codes.add(code)


def next_code(ctx: Context, domain: Domain | compiled.Row | None) -> str:
    """The next free code of a domain's series, e.g. MOB-03 (NEW-01 in the tray)."""
    prefix = "NEW" if domain is None else CODE_PREFIXES.get(domain.key, domain.key[:3].upper())
    prefix = re.sub(r"[^A-Za-z0-9]", "", prefix) or "DZ"
    key = ("code", prefix)
    if key not in ctx.cache:  # once per batch: an import of 2 000 rows scans the series once
        codes = ctx.session.scalars(
            sa.select(Piece.code).where(
                Piece.workshop_id == ctx.workshop_id, Piece.code.like(f"{prefix}-%")
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
def create(ctx: Context, args: dict[str, Any]) -> dict[str, Any] | Callable[[], dict[str, Any]]:
    fields = dict(args["piece"])
    _check_staff_fields(ctx, fields)
    domain_id = lookup.zone(ctx, args.get("domain_id"))
    facilitation.check_zone(ctx, domain_id)
    if "code" in fields:
        _claim_code(ctx, fields["code"])
        _note_code(ctx, fields["code"])
    else:
        fields["code"] = next_code(ctx, lookup.zones(ctx).get(domain_id))
        _claim_code(ctx, fields["code"], generated=True)
    sizes = ctx.run.setdefault("sizes", {})
    if domain_id not in sizes:
        sizes[domain_id] = zone_size(ctx, domain_id)
    size = sizes[domain_id]
    position = _clamp(args.get("position", size), size)
    if position < size:  # appending (the common case, and every import) shifts nothing
        _shift(ctx, (domain_id, position, None, +1))
    piece = Piece(
        workshop_id=ctx.workshop_id,
        domain_id=domain_id,
        position=position,
        group_id=None if ctx.actor.is_staff else ctx.actor.group_id,
        **{"partners": [], "quarters": [], **fields},
    )
    if piece.quarters:
        piece.quarters = sorted(piece.quarters)
    if ctx.workshop.moderation and not ctx.actor.is_staff:
        return inbox.propose(ctx, piece, position)  # off the board: the zone keeps its size
    sizes[domain_id] = size + 1
    ctx.session.add(piece)
    return lambda: {"piece": dump_piece(piece)}  # once flushed, with its id (see engine)


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
    before = dump_piece(piece)
    for name in changed:
        setattr(piece, name, changes[name])
    piece.version += 1
    piece.updated_at = utcnow()
    after = dump_piece(piece)
    # `before` holds the old values of the changed fields, so the change can be undone.
    return {"piece": after, "changed": changed, "before": {k: before[k] for k in changed}}


@functools.cache
def _move_statement(shape: tuple[tuple[bool, bool], ...]) -> sa.Update:
    """One UPDATE for a move: the piece's new place (parameters piece, to_zone, to_position,
    new_version, now) and the shift of its neighbours (spans as for _shift_statement) — a statement
    less per move on the live path than a shift and a place."""
    table = Piece.__table__.c
    moved = table.id == sa.bindparam("piece")
    conditions = [
        _span_condition(table, tray, open_end, i) for i, (tray, open_end) in enumerate(shape)
    ]
    shifted = [
        (condition, table.position + sa.bindparam(f"d_{i}", type_=sa.Integer))
        for i, condition in enumerate(conditions)
    ]

    def placed(name: str, column: Any, *others: tuple[Any, Any]) -> Any:
        value = sa.bindparam(name, type_=column.type)
        return sa.case((moved, value), *others, else_=column)

    return (
        sa.update(Piece.__table__)
        .where(sa.or_(moved, *conditions))
        .values(
            domain_id=placed("to_zone", table.domain_id),
            position=placed("to_position", table.position, *shifted),
            version=placed("new_version", table.version),
            updated_at=placed("now", table.updated_at),
        )
    )


def _place(
    ctx: Context, piece: compiled.Row, zone: int | None, position: int, *spans: Span
) -> dict:
    """Write a moved piece's place and shift the spans, in one Core UPDATE (no unit of work);
    the piece's dump."""
    values = {
        "domain_id": zone,
        "position": position,
        "version": piece.version + 1,
        "updated_at": utcnow(),
    }
    params = _span_params(ctx, spans) | {
        "piece": piece.id,
        "to_zone": zone,
        "to_position": position,
        "new_version": values["version"],
        "now": values["updated_at"],
    }
    ctx.execute(_move_statement(_span_shape(spans)), params)
    return dump_piece.mapping({**piece._mapping, **values})


def _piece_and_zone_size(ctx: Context, piece_id: int, zone: int | None) -> compiled.Row:
    """The piece's row, with how many pieces the target zone holds (`zone_size`) and whether
    either zone is locked, in one statement: the live path's hottest, and rows cost less than
    objects."""
    params = {**_zone_params(ctx, zone), "piece": piece_id}
    row = ctx.execute(_piece_query(zone is None), params).one_or_none()
    return lookup.owned(ctx, row, "piece_id", lookup.NO_PIECE)


@op("piece.move", PieceMoveOp(), "move")
def move(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    piece = _piece_and_zone_size(ctx, args["piece_id"], args["domain_id"])
    size = piece.zone_size
    to_zone = args["domain_id"]
    if to_zone is not None and piece.to_locked is None:
        lookup.zone(ctx, to_zone)  # refuses it: not a domain of this workshop
    if piece.inbox_state is not None:
        raise BoardError("conflict", _("This proposal waits in the facilitator's inbox."))
    facilitation.check_piece(ctx, piece)
    if piece.from_locked or piece.to_locked:  # the row says whether; the check says which
        facilitation.check_zone(ctx, piece.domain_id, to_zone)
    # Two people dropping the same piece: the later drop, made from a stale view, loses.
    if "version" in args and args["version"] != piece.version:
        raise BoardError(
            "conflict",
            _("Someone else moved this piece first."),
            {"version": [str(piece.version)]},
        )
    src = {"domain_id": piece.domain_id, "position": piece.position}
    spans: list[Span] = []
    if to_zone == piece.domain_id:
        to = _clamp(args["position"], size - 1)
        if to > piece.position:
            spans.append((to_zone, piece.position + 1, to, -1))
        elif to < piece.position:
            spans.append((to_zone, to, piece.position - 1, +1))
    else:
        to = _clamp(args["position"], size)
        spans += [(piece.domain_id, piece.position + 1, None, -1), (to_zone, to, None, +1)]
    return {
        "piece": _place(ctx, piece, to_zone, to, *spans),
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
    gone = dump_piece(piece)
    pending = piece.inbox_state is not None
    ctx.session.delete(piece)
    ctx.session.flush()
    if pending:
        return {"piece_id": args["piece_id"], "from": None, "piece": gone}
    _shift(ctx, (src["domain_id"], src["position"] + 1, None, -1))
    # `piece` (its fields as they were) lets the deletion be undone.
    return {"piece_id": args["piece_id"], "from": src, "piece": gone}
