"""Rules for domains (the regions of the picture): add, rename and recolour, reorder, remove.

Domain positions are 0-based and gapless like piece positions; removing a domain puts its pieces
back at the end of the tray, in their order.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa

from planner.board import lookup
from planner.board.pieces import zone_size
from planner.board.registry import Context, op
from planner.models import Domain, Piece, utcnow
from planner.schemas import (
    DomainCreateOp,
    DomainDeleteOp,
    DomainMoveOp,
    DomainSchema,
    DomainUpdateOp,
    dump_piece,
)

# Readable on white and behind white text (WCAG AA); a new domain takes the next one.
DOMAIN_COLORS = ("#5b3f9e", "#1f5fa8", "#2e7031", "#9a4a00", "#a3245e", "#00707a", "#b3261e")

domain_schema = DomainSchema()


def _domains(ctx: Context) -> list[Domain]:
    return list(
        ctx.session.scalars(
            sa.select(Domain).where(Domain.workshop_id == ctx.workshop_id).order_by(Domain.position)
        )
    )


def _key_for(name: str, taken: set[str]) -> str:
    """A stable ASCII key from the name ("Środowisko" → "srodowisko"), unique in the workshop."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.encode("ascii", "ignore").decode().lower())
    base = base.strip("-")[:32] or "domain"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _renumber(domains: list[Domain]) -> None:
    for position, domain in enumerate(domains):
        domain.position = position


@op("domain.create", DomainCreateOp(), None, blocked_by_lock=False)
def create(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    fields = args["domain"]
    domains = _domains(ctx)
    name = fields["name"].strip()
    position = max(0, min(args.get("position", len(domains)), len(domains)))
    domain = Domain(
        workshop_id=ctx.workshop_id,
        key=_key_for(name, {d.key for d in domains}),
        name=name,
        color=fields.get("color") or DOMAIN_COLORS[len(domains) % len(DOMAIN_COLORS)],
        position=position,
    )
    domains.insert(position, domain)
    _renumber(domains)
    ctx.session.add(domain)
    ctx.session.flush()
    return {"domain": domain_schema.dump(domain)}


@op("domain.update", DomainUpdateOp(), None, blocked_by_lock=False)
def update(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    domain = lookup.domain(ctx, args["domain_id"])
    changed = lookup.apply_changes(domain, args["changes"])
    return {"domain": domain_schema.dump(domain), "changed": changed}


@op("domain.move", DomainMoveOp(), None, blocked_by_lock=False)
def move(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    domain = lookup.domain(ctx, args["domain_id"])
    domains = _domains(ctx)
    src = domains.index(domain)
    to = max(0, min(args["position"], len(domains) - 1))
    domains.pop(src)
    domains.insert(to, domain)
    _renumber(domains)
    return {"domain": domain_schema.dump(domain), "from": src, "to": to}


@op("domain.delete", DomainDeleteOp(), None, blocked_by_lock=False)
def delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    domain = lookup.domain(ctx, args["domain_id"])
    pieces = list(
        ctx.session.scalars(
            sa.select(Piece)
            .where(Piece.workshop_id == ctx.workshop_id, Piece.domain_id == domain.id)
            .order_by(Piece.position)
        )
    )
    end = zone_size(ctx, None)
    now = utcnow()
    for offset, piece in enumerate(pieces):
        piece.domain_id = None
        piece.position = end + offset
        piece.version += 1
        piece.updated_at = now
    ctx.session.flush()
    src = domain.position
    gone = domain_schema.dump(domain)  # replay puts it back as it was
    ctx.session.delete(domain)
    ctx.session.flush()
    _renumber(_domains(ctx))
    return {
        "domain_id": domain.id,
        "from": src,
        "domain": gone,
        "pieces": [dump_piece(piece) for piece in pieces],
    }
