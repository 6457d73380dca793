"""New workshops made from existing ones: a restored JSON backup, or next year's starting board.

What these functions write is the new workshop's initial state, exactly like the domains and
partners a template gives `create_workshop`: its event log starts empty at seq 0, and the first
op on it is seq 1. Both run in one transaction, so a bad backup leaves no half-made workshop.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from planner.board.errors import BoardError
from planner.board.phases import DEFAULT_PHASE, PHASES
from planner.board.workshops import new_code, snapshot
from planner.extensions import db
from planner.models import Comment, Domain, Group, Partner, Piece, Workshop, utcnow
from planner.schemas import CODE_RE, COLOR, PIECE_STATUSES, Id, PieceFieldsSchema, Text

BACKUP_FORMAT = "ukladanka.workshop"
BACKUP_VERSION = 1


class _Lenient(Schema):
    """Backups carry derived fields (domain_key, origin, votes…) that are not restored."""

    class Meta:
        unknown = EXCLUDE


class _WorkshopIn(_Lenient):
    title = Text(200, required=True, minimum=1)
    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=2100))
    phase = fields.String(load_default=DEFAULT_PHASE, validate=validate.OneOf(tuple(PHASES)))
    locked = fields.Boolean(load_default=False)
    created_at = fields.AwareDateTime(load_default=None)


class _DomainIn(_Lenient):
    id = Id(required=True)
    key = fields.String(required=True, validate=validate.Length(max=40))
    name = Text(120, required=True, minimum=1)
    color = fields.String(required=True, validate=COLOR)
    position = fields.Integer(strict=True, required=True)


class _GroupIn(_Lenient):
    id = Id(required=True)
    name = Text(80, required=True, minimum=1)
    color = fields.String(required=True, validate=COLOR)


class _PartnerIn(_Lenient):
    name = Text(120, required=True, minimum=1)


class _CommentIn(Schema):
    class Meta:
        unknown = EXCLUDE

    id = Id(required=True)
    parent_id = Id(allow_none=True, load_default=None)
    group_id = Id(allow_none=True, load_default=None)
    role = fields.String(
        load_default="participant", validate=validate.OneOf(("participant", "staff"))
    )
    text = Text(2000, required=True, minimum=1)
    created_at = fields.AwareDateTime(load_default=None)


class _PieceIn(PieceFieldsSchema):
    class Meta:
        unknown = EXCLUDE

    comments = fields.List(fields.Nested(_CommentIn), load_default=list)

    code = fields.String(required=True, validate=validate.Regexp(CODE_RE))
    id = Id(required=True)
    domain_id = Id(allow_none=True, required=True)
    position = fields.Integer(strict=True, required=True)
    group_id = Id(allow_none=True, load_default=None)
    partners = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), load_default=list
    )
    quarters = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=4)), load_default=list
    )
    status = fields.String(load_default="proposed", validate=validate.OneOf(PIECE_STATUSES))
    version = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1))
    created_at = fields.AwareDateTime(load_default=None)
    updated_at = fields.AwareDateTime(load_default=None)


class BackupSchema(_Lenient):
    format = fields.String(required=True, validate=validate.Equal(BACKUP_FORMAT))
    format_version = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=BACKUP_VERSION)
    )
    workshop = fields.Nested(_WorkshopIn, required=True)
    domains = fields.List(fields.Nested(_DomainIn), required=True, validate=validate.Length(max=50))
    groups = fields.List(fields.Nested(_GroupIn), load_default=list)
    partners = fields.List(fields.Nested(_PartnerIn), load_default=list)
    pieces = fields.List(fields.Nested(_PieceIn), required=True, validate=validate.Length(max=5000))

    @validates_schema
    def _references(self, data: dict[str, Any], **kw: Any) -> None:
        domains = {d["id"] for d in data["domains"]}
        groups = {g["id"] for g in data["groups"]}
        errors: dict[int, dict[str, list[str]]] = {}
        codes: set[str] = set()
        for index, piece in enumerate(data["pieces"]):
            if piece["domain_id"] is not None and piece["domain_id"] not in domains:
                errors.setdefault(index, {})["domain_id"] = ["No such domain in the backup."]
            if piece["group_id"] is not None and piece["group_id"] not in groups:
                errors.setdefault(index, {})["group_id"] = ["No such group in the backup."]
            if piece["code"] in codes:
                errors.setdefault(index, {})["code"] = ["This code appears twice."]
            codes.add(piece["code"])
        if errors:
            raise ValidationError({"pieces": errors})


def _frame(title: str, year: int, created_by_id: int | None, **extra: Any) -> Workshop:
    workshop = Workshop(
        code=new_code(),
        title=title.strip(),
        year=year,
        phase=extra.pop("phase", DEFAULT_PHASE),
        locked=extra.pop("locked", False),
        seq=0,
        created_by_id=created_by_id,
        **extra,
    )
    db.session.add(workshop)
    db.session.flush()
    return workshop


def _copy_domains(workshop: Workshop, domains: list[dict[str, Any]]) -> dict[int, int]:
    """The domains in their order; returns old id → new id."""
    mapping = {}
    for position, old in enumerate(sorted(domains, key=lambda d: d["position"])):
        domain = Domain(
            workshop_id=workshop.id,
            key=old["key"],
            name=old["name"],
            color=old["color"],
            position=position,
        )
        db.session.add(domain)
        db.session.flush()
        mapping[old["id"]] = domain.id
    return mapping


def _copy_partners(workshop: Workshop, partners: list[dict[str, Any]]) -> None:
    for position, partner in enumerate(partners):
        db.session.add(Partner(workshop_id=workshop.id, name=partner["name"], position=position))


_FIELDS = (
    "code",
    "title",
    "description",
    "objective",
    "lead",
    "partners",
    "quarters",
    "cost_pln",
    "funding",
    "result",
    "indicator",
)


def _zones(pieces: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """Each piece with a gapless position in its zone, keeping the backup's order."""
    placed: list[tuple[dict[str, Any], int]] = []
    by_zone: dict[int | None, list[dict[str, Any]]] = {}
    for piece in pieces:
        by_zone.setdefault(piece["domain_id"], []).append(piece)
    for zone in by_zone.values():
        zone.sort(key=lambda p: p["position"])
        placed.extend((piece, position) for position, piece in enumerate(zone))
    return placed


def _copy_comments(
    workshop: Workshop,
    comments: list[tuple[dict[str, Any], Piece]],
    groups: dict[int, int],
    now: Any,
) -> None:
    """Threads as they were, by group (a backup names no participant). Votes are not restored:
    each belongs to a participant, and participants are not in a backup."""
    db.session.flush()
    new_ids: dict[int, int] = {}
    for comment, piece in sorted(comments, key=lambda item: item[0]["id"]):  # parents first
        row = Comment(
            workshop_id=workshop.id,
            piece_id=piece.id,
            parent_id=new_ids.get(comment["parent_id"]),
            participant_id=None,
            group_id=groups.get(comment["group_id"]),
            role=comment["role"],
            text=comment["text"],
            created_at=comment["created_at"] or now,
        )
        db.session.add(row)
        db.session.flush()
        new_ids[comment["id"]] = row.id


def restore_workshop(backup: Any, created_by_id: int | None) -> Workshop:
    """A new workshop identical to the one a JSON backup was taken from (new ids and join code)."""
    if not isinstance(backup, dict):
        raise BoardError("validation_error", _("This is not a backup of a workshop."))
    try:
        data = BackupSchema().load(backup)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("This backup cannot be restored.")) from exc
    try:
        head = data["workshop"]
        extra = {"created_at": head["created_at"]} if head["created_at"] else {}
        workshop = _frame(
            head["title"],
            head["year"],
            created_by_id,
            phase=head["phase"],
            locked=head["locked"],
            **extra,
        )
        domains = _copy_domains(workshop, data["domains"])
        _copy_partners(workshop, data["partners"])
        groups = {}
        for old in sorted(data["groups"], key=lambda g: g["id"]):
            group = Group(workshop_id=workshop.id, name=old["name"], color=old["color"])
            db.session.add(group)
            db.session.flush()
            groups[old["id"]] = group.id
        now = utcnow()
        comments: list[tuple[dict[str, Any], Piece]] = []
        for piece, position in _zones(data["pieces"]):
            row = Piece(
                workshop_id=workshop.id,
                domain_id=domains.get(piece["domain_id"]),
                position=position,
                group_id=groups.get(piece["group_id"]),
                status=piece["status"],
                version=piece["version"],
                created_at=piece["created_at"] or now,
                updated_at=piece["updated_at"] or now,
                **{name: piece.get(name) for name in _FIELDS},
            )
            db.session.add(row)
            comments += [(comment, row) for comment in piece["comments"]]
        _copy_comments(workshop, comments, groups, now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return workshop


def carry_over(
    source: Workshop, title: str | None, year: int | None, created_by_id: int | None
) -> Workshop:
    """Next year's workshop: the same domains and partners, this year's placed actions (with
    their codes) in the tray as candidates, in programme order, status back to proposed."""
    board = snapshot(source, online=set())
    year = year or source.year + 1
    if title is None:
        title = source.title.replace(str(source.year), str(year))
        if title == source.title:
            title = f"{source.title[:195]} {year}"
    order = {d["id"]: d["position"] for d in board["domains"]}
    placed = sorted(
        (p for p in board["pieces"] if p["domain_id"] is not None),
        key=lambda p: (order[p["domain_id"]], p["position"]),
    )
    try:
        workshop = _frame(title, year, created_by_id)
        _copy_domains(workshop, board["domains"])
        _copy_partners(workshop, board["partners"])
        for position, piece in enumerate(placed):
            fields = {name: piece.get(name) for name in _FIELDS}
            fields["partners"] = list(fields["partners"] or [])
            fields["quarters"] = list(fields["quarters"] or [])
            if fields["cost_pln"] is not None:
                fields["cost_pln"] = Decimal(str(fields["cost_pln"]))
            db.session.add(
                Piece(
                    workshop_id=workshop.id,
                    domain_id=None,
                    position=position,
                    group_id=None,
                    status="proposed",
                    **fields,
                )
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return workshop
