"""Finding and changing the rows a rule acts on. An id of another workshop is answered exactly
like an id that does not exist (`not_found`), so one workshop never learns what another holds."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from planner.board import compiled
from planner.board.errors import BoardError
from planner.board.registry import Context
from planner.models import Domain, Group, Piece

Row = TypeVar("Row", Piece, Domain, Group, compiled.Row)


_ZONES = sa.select(Domain.__table__.c["id", "key", "name", "locked"]).where(
    Domain.__table__.c.workshop_id == sa.bindparam("workshop")
)


def zones(ctx: Context) -> dict[int, compiled.Row]:
    """The workshop's domains as plain rows (id, key, name, locked) by id: what a move or a
    create checks, without loading them as objects. Read once per op, or once for a run of creates
    (an import): `ctx.run` is emptied before any rule that could change a domain."""
    if "zones" not in ctx.run:
        rows = ctx.execute(_ZONES, {"workshop": ctx.workshop_id})
        ctx.run["zones"] = {row.id: row for row in rows}
    return ctx.run["zones"]


def zone(ctx: Context, domain_id: int | None) -> int | None:
    """The zone a piece goes to: a domain of this workshop (else `not_found`), or the tray."""
    if domain_id is not None and domain_id not in zones(ctx):
        text = str(NO_DOMAIN)
        raise BoardError("not_found", text, {"domain_id": [text]})
    return domain_id


def owned(ctx: Context, row: Row | None, field: str, message: LazyString) -> Row:
    """The row if it belongs to this workshop, else `not_found` naming the field."""
    if row is None or row.workshop_id != ctx.workshop_id:
        text = str(message)  # translated only when refused
        raise BoardError("not_found", text, {field: [text]})
    return row


def _owned(ctx: Context, model: type[Row], row_id: int, field: str, message: LazyString) -> Row:
    return owned(ctx, ctx.session.get(model, row_id), field, message)


NO_PIECE = _l("No such piece.")
NO_DOMAIN = _l("No such domain.")


def piece(ctx: Context, piece_id: int) -> Piece:
    return _owned(ctx, Piece, piece_id, "piece_id", NO_PIECE)


def domain(ctx: Context, domain_id: int) -> Domain:
    return _owned(ctx, Domain, domain_id, "domain_id", NO_DOMAIN)


def group(ctx: Context, group_id: int) -> Group:
    return _owned(ctx, Group, group_id, "group_id", _l("No such group."))


def apply_changes(row: Any, changes: dict[str, Any]) -> list[str]:
    """Set the fields that really differ (names trimmed); their names go into the event."""
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    changed = [name for name, value in changes.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, changes[name])
    return changed
