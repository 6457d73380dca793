"""Marshmallow schemas: one per resource, used for REST, socket payloads and exports alike.

Input schemas are strict: unknown fields are refused, "12" is not an integer, every text has a
length limit. Output schemas define the wire shapes of docs/protocol.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

PIECE_STATUSES = ("proposed", "accepted", "in_programme", "in_progress", "done")
MAX_COST_PLN = Decimal("999999999999.99")
COLOR = validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Use a colour like #1a7f5a.")
CODE_RE = re.compile(r"^[A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż][A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż._/-]{0,19}$")


def Text(maximum: int, *, required: bool = False, minimum: int = 0, **kw: Any) -> fields.String:
    """A string field with a length limit; optional texts also accept null."""
    return fields.String(
        required=required,
        allow_none=not required,
        validate=validate.Length(min=minimum, max=maximum),
        **kw,
    )


def Id(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=2**53), **kw)


class Amount(fields.Field):
    """A non-negative amount in PLN: a JSON number (not a string), kept to two decimals."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a valid number.")
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except InvalidOperation as exc:
            raise ValidationError("Not a valid number.") from exc
        if not amount.is_finite() or amount < 0 or amount > MAX_COST_PLN:
            raise ValidationError("Must be between 0 and 999 999 999 999.99.")
        return amount

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kw: Any):
        return None if value is None else float(value)


class PieceFieldsSchema(Schema):
    """The editable fields of an action (piece.create's `piece`, piece.update's `changes`)."""

    code = fields.String(
        validate=validate.Regexp(CODE_RE, error="Use 1–20 letters, digits, '-', '.', '_' or '/'.")
    )
    title = Text(200, required=True, minimum=1)
    description = Text(5000)
    objective = Text(500)
    lead = Text(200)
    partners = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=60),
    )
    quarters = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=4)))
    cost_pln = Amount(allow_none=True)
    funding = Text(500)
    result = Text(2000)
    indicator = Text(500)
    status = fields.String(validate=validate.OneOf(PIECE_STATUSES))

    @validates("quarters")
    def _distinct_quarters(self, value: list[int], **kw: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Quarters must be distinct.")

    @validates("title")
    def _title_not_blank(self, value: str, **kw: Any) -> None:
        if not value.strip():
            raise ValidationError("The title cannot be blank.")


class OpEnvelopeSchema(Schema):
    """What every op has; read first so a repeated op_id can be answered before anything else."""

    class Meta:
        unknown = "exclude"

    op_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Length(min=1, max=40))


class OpSchema(Schema):
    op_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True)


class PieceCreateOp(OpSchema):
    piece = fields.Nested(PieceFieldsSchema, required=True)
    domain_id = Id(allow_none=True)
    position = fields.Integer(strict=True)


class PieceUpdateOp(OpSchema):
    piece_id = Id(required=True)
    changes = fields.Nested(PieceFieldsSchema(partial=True), required=True)
    version = fields.Integer(strict=True)

    @validates("changes")
    def _something(self, value: dict, **kw: Any) -> None:
        if not value:
            raise ValidationError("Name at least one field to change.")


class PieceMoveOp(OpSchema):
    piece_id = Id(required=True)
    domain_id = Id(required=True, allow_none=True)
    position = fields.Integer(strict=True, required=True)
    version = fields.Integer(strict=True)


class PieceDeleteOp(OpSchema):
    piece_id = Id(required=True)


class GroupFieldsSchema(Schema):
    name = Text(80, required=True, minimum=1)
    color = fields.String(validate=COLOR)


class GroupCreateOp(OpSchema):
    group = fields.Nested(GroupFieldsSchema, required=True)


class SyncSchema(Schema):
    since = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class DragSchema(Schema):
    piece_id = Id(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("start", "end")))


class Flag(fields.Boolean):
    """A JSON true or false, nothing else ("true" and 1 are refused, as "12" is for an id)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ConnectAuthSchema(Schema):
    token = fields.String(validate=validate.Length(max=200))
    workshop_id = Id()
    since = fields.Integer(strict=True, validate=validate.Range(min=0))
    compact = Flag()  # live piece.move events without the piece's unchanged fields


# --- REST bodies ---------------------------------------------------------------------------


class LoginSchema(Schema):
    username = Text(60, required=True, minimum=1)
    password = Text(200, required=True, minimum=1)


class SetupSchema(Schema):
    token = Text(200, required=True, minimum=1)
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[\w.@-]{3,60}$", error="3–60 letters, digits or . @ - _, without spaces."
        ),
    )
    password = Text(200, required=True, minimum=10)


class JoinSchema(Schema):
    code = Text(20, required=True, minimum=1)
    name = Text(60, required=True, minimum=1)
    group_id = Id(allow_none=True)

    @validates("name")
    def _name_not_blank(self, value: str, **kw: Any) -> None:
        if not value.strip():
            raise ValidationError("The name cannot be blank.")


class WorkshopCreateSchema(Schema):
    title = Text(200, required=True, minimum=1)
    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=2100))
    template = fields.String(load_default="smk2030", validate=validate.OneOf(("smk2030", "blank")))


# --- Output shapes -------------------------------------------------------------------------


class WorkshopSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    year = fields.Integer()
    phase = fields.String()
    locked = fields.Boolean()
    created_at = fields.AwareDateTime()
    moderation = fields.Boolean()


class DomainSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    color = fields.String()
    position = fields.Integer()
    locked = fields.Boolean()


class GroupSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    color = fields.String()


class PartnerSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class PieceSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    domain_id = fields.Integer(allow_none=True)
    position = fields.Integer()
    group_id = fields.Integer(allow_none=True)
    objective = fields.String(allow_none=True)
    lead = fields.String(allow_none=True)
    partners = fields.List(fields.String())
    quarters = fields.List(fields.Integer())
    cost_pln = Amount(allow_none=True)
    funding = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    indicator = fields.String(allow_none=True)
    status = fields.String()
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    locked = fields.Boolean()


class ParticipantSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    group_id = fields.Integer(allow_none=True)
    role = fields.String()


class ActorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    group_id = fields.Integer(allow_none=True)
    role = fields.String()


class EventSchema(Schema):
    seq = fields.Integer()
    type = fields.String()
    op_id = fields.String()
    actor = fields.Dict()
    at = fields.AwareDateTime()
    data = fields.Dict()


class StaffUserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.Constant("staff")


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


def _iso(value: Any) -> str:
    return value.isoformat()


def _amount(value: Any) -> float:
    return float(value)


class PlainDump:
    """`schema().dump` for flat output schemas, without marshmallow's per-field machinery (a
    snapshot dumps 2 000 pieces; ~10× faster). Calling it reads attributes (ORM objects);
    `row` takes values in the order of `names` (a Core row), `mapping` a dict. Tests hold them
    equal to the schema's own dump."""

    def __init__(self, schema: type[Schema]) -> None:
        convert: list[tuple[str, Callable[[Any], Any] | None]] = []
        for name, field in schema._declared_fields.items():
            if isinstance(field, fields.DateTime):
                convert.append((name, _iso))
            elif isinstance(field, Amount):
                convert.append((name, _amount))
            elif isinstance(field, fields.List):
                convert.append((name, list))
            elif isinstance(field, fields.Dict):
                convert.append((name, dict))
            elif isinstance(field, fields.Integer | fields.String | fields.Boolean):
                convert.append((name, None))
            else:
                kind = type(field).__name__
                raise TypeError(f"{schema.__name__}.{name}: no plain dump for {kind}")
        self.names = tuple(name for name, _ in convert)
        self._convert = tuple(convert)
        self.row = self.raw_row([None] * len(convert))  # values already typed (a Core row)

    def __call__(self, obj: Any) -> dict[str, Any]:
        return self.row([getattr(obj, name) for name in self.names])

    def mapping(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return self.row([values[name] for name in self.names])

    def raw_row(
        self, typers: Sequence[Callable[[Any], Any] | None]
    ) -> Callable[[Sequence[Any]], dict[str, Any]]:
        """A `row` for values as the driver gives them, `typers` being the columns' result
        processors (None: typed already): typing and the wire's conversion in one step, and
        only for the fields that need either (a snapshot reads 2 000 rows once, raw)."""
        names = self.names
        steps = [
            (name, _then(to_type, to_wire))
            for (name, to_wire), to_type in zip(self._convert, typers, strict=True)
            if to_type is not None or to_wire is not None
        ]

        def row(values: Sequence[Any]) -> dict[str, Any]:
            out = dict(zip(names, values, strict=True))
            for name, step in steps:
                value = out[name]
                if value is not None:
                    out[name] = step(value)
            return out

        return row


def _then(
    first: Callable[[Any], Any] | None, second: Callable[[Any], Any] | None
) -> Callable[[Any], Any]:
    if first is None or second is None:
        return first or second  # type: ignore[return-value]
    return lambda value: None if (typed := first(value)) is None else second(typed)


dump_piece = PlainDump(PieceSchema)
dump_event = PlainDump(EventSchema)


# --- Board settings ops (domains, groups, partners, workshop, participants) -----------------


class DomainFieldsSchema(Schema):
    name = Text(120, required=True, minimum=1)
    color = fields.String(validate=COLOR)

    @validates("name")
    def _name_not_blank(self, value: str, **kw: Any) -> None:
        if not value.strip():
            raise ValidationError("The name cannot be blank.")


class DomainCreateOp(OpSchema):
    domain = fields.Nested(DomainFieldsSchema, required=True)
    position = fields.Integer(strict=True)


class DomainUpdateOp(OpSchema):
    domain_id = Id(required=True)
    changes = fields.Nested(DomainFieldsSchema(partial=True), required=True)

    @validates("changes")
    def _something(self, value: dict, **kw: Any) -> None:
        if not value:
            raise ValidationError("Name at least one field to change.")


class DomainMoveOp(OpSchema):
    domain_id = Id(required=True)
    position = fields.Integer(strict=True, required=True)


class DomainDeleteOp(OpSchema):
    domain_id = Id(required=True)


class GroupUpdateOp(OpSchema):
    group_id = Id(required=True)
    changes = fields.Nested(GroupFieldsSchema(partial=True), required=True)

    @validates("changes")
    def _something(self, value: dict, **kw: Any) -> None:
        if not value:
            raise ValidationError("Name at least one field to change.")


class GroupDeleteOp(OpSchema):
    group_id = Id(required=True)


class PartnersSetOp(OpSchema):
    partners = fields.List(
        fields.String(validate=validate.Length(min=1, max=120)),
        required=True,
        validate=validate.Length(max=200),
    )

    @validates("partners")
    def _distinct(self, value: list[str], **kw: Any) -> None:
        names = [name.strip() for name in value]
        if any(not name for name in names):
            raise ValidationError("A name cannot be blank.")
        if len({name.casefold() for name in names}) != len(names):
            raise ValidationError("Each name may appear only once.")


class WorkshopChangesSchema(Schema):
    title = Text(200, required=True, minimum=1)
    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=2100))


class WorkshopUpdateOp(OpSchema):
    changes = fields.Nested(WorkshopChangesSchema(partial=True), required=True)

    @validates("changes")
    def _something(self, value: dict, **kw: Any) -> None:
        if not value:
            raise ValidationError("Name at least one field to change.")
        if "title" in value and not value["title"].strip():
            raise ValidationError({"title": ["The title cannot be blank."]})


class WorkshopNewCodeOp(OpSchema):
    pass


class ParticipantRemoveOp(OpSchema):
    participant_id = Id(required=True)


# --- Facilitation ops (issue 5) ------------------------------------------------------------

PHASE_KEY = validate.Regexp(r"^[a-z0-9_-]{1,32}$", error="Use 1–32 letters a–z, digits, - or _.")
RIGHTS = ("create", "edit", "move", "vote", "comment")


class PhaseSetOp(OpSchema):
    phase = fields.String(required=True, validate=PHASE_KEY)


class PhaseEntrySchema(Schema):
    key = fields.String(required=True, validate=PHASE_KEY)
    name = Text(80)
    rights = fields.List(fields.String(validate=validate.OneOf(RIGHTS)), required=True)


class PhaseListOp(OpSchema):
    phases = fields.List(
        fields.Nested(PhaseEntrySchema), required=True, validate=validate.Length(min=1, max=20)
    )

    @validates("phases")
    def _distinct_keys(self, value: list[dict], **kw: Any) -> None:
        keys = [entry["key"] for entry in value if "key" in entry]  # bad entries: reported apart
        if len(set(keys)) != len(keys):
            raise ValidationError("Phase keys must be distinct.")


class TimerStartOp(OpSchema):
    minutes = fields.Float(required=True, validate=validate.Range(min=0.05, max=480))
    auto_lock = fields.Boolean(load_default=False)


class TimerExtendOp(OpSchema):
    minutes = fields.Float(load_default=1.0, validate=validate.Range(min=0.05, max=120))


class BareOp(OpSchema):
    """An op with no fields of its own."""


class BoardLockOp(OpSchema):
    locked = fields.Boolean(required=True)
    domain_id = Id()
    piece_id = Id()

    @validates_schema
    def _one_target(self, data: dict, **kw: Any) -> None:
        if "domain_id" in data and "piece_id" in data:
            raise ValidationError("Name a domain or a piece, not both.", "piece_id")


class SpotlightSetOp(OpSchema):
    piece_id = Id(allow_none=True)
    domain_id = Id(allow_none=True)

    @validates_schema
    def _one_target(self, data: dict, **kw: Any) -> None:
        if data.get("domain_id") is not None and data.get("piece_id") is not None:
            raise ValidationError("Name a domain or a piece, not both.", "piece_id")


class ModerationSetOp(OpSchema):
    moderation = fields.Boolean(required=True)


class InboxAcceptOp(OpSchema):
    piece_id = Id(required=True)
    domain_id = Id(allow_none=True)
    position = fields.Integer(strict=True)


class InboxRejectOp(OpSchema):
    piece_id = Id(required=True)
    reason = Text(500)


class VotingOpenOp(OpSchema):
    votes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    per = fields.String(
        load_default="participant", validate=validate.OneOf(("participant", "group"))
    )
    per_piece = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=100)
    )
    domain_id = Id(allow_none=True)


class VoteOp(OpSchema):
    piece_id = Id(required=True)


class CommentAddOp(OpSchema):
    piece_id = Id(required=True)
    text = Text(2000, required=True, minimum=1)
    parent_id = Id(allow_none=True)

    @validates("text")
    def _text_not_blank(self, value: str, **kw: Any) -> None:
        if not value.strip():
            raise ValidationError("The comment cannot be blank.")


class CommentDeleteOp(OpSchema):
    comment_id = Id(required=True)


class RevertOp(OpSchema):
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class CommentSchema(Schema):
    id = fields.Integer()
    piece_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    group_id = fields.Integer(allow_none=True)
    role = fields.String()
    text = fields.String()
    created_at = fields.AwareDateTime()


class HistoryQuerySchema(Schema):
    """Query string parameters (strings that hold integers)."""

    piece_id = fields.Integer(validate=validate.Range(min=1, max=2**53))
    before_seq = fields.Integer(validate=validate.Range(min=1, max=2**53))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


comment_schema = CommentSchema()
