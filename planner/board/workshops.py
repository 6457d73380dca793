"""Workshops: creation from a template, join codes, snapshots and catch-up."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from planner.board import visibility
from planner.board.actor import Actor
from planner.board.phases import DEFAULT_PHASE
from planner.board.presets import TEMPLATES
from planner.extensions import db
from planner.models import Domain, Event, Group, Participant, Partner, Piece, Workshop
from planner.schemas import (
    DomainSchema,
    GroupSchema,
    ParticipantSchema,
    PartnerSchema,
    WorkshopSchema,
    dump_event,
    dump_piece,
)

# No 0/O, 1/I/L: easy to read off a projector and type on a tablet. 31^8 ≈ 8.5e11 codes,
# and unknown codes are rate-limited per address, so guessing one is hopeless.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

workshop_schema = WorkshopSchema()
_domains = DomainSchema(many=True)
_groups = GroupSchema(many=True)
_partners = PartnerSchema(many=True)
_PIECE_COLUMNS = [Piece.__table__.c[name] for name in dump_piece.names]
_PIECES = (
    sa.select(*_PIECE_COLUMNS)
    .where(Piece.workshop_id == sa.bindparam("workshop"))
    .order_by(Piece.domain_id.is_(None), Piece.domain_id, Piece.position)
)
# The rows as the driver returns them (no JSON decoding, no datetimes): compared with the kept
# ones to tell which pieces changed, and only those typed (`_raw_dump`) and dumped again.
_RAW_COLUMNS = [
    sa.type_coerce(column, sa.types.NullType()).label(f"raw_{column.name}")
    for column in _PIECE_COLUMNS
]
_RAW_PIECES = _PIECES.with_only_columns(*_RAW_COLUMNS, maintain_column_froms=True)
_participants = ParticipantSchema(many=True)


def normalise_code(raw: str) -> str:
    """Accept codes typed in lower case, with spaces or a dash ("abcd-efgh")."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(Workshop.id).where(Workshop.code == code)) is None:
            return code


new_code = _new_code  # public name for the rule that hands out a new code


def create_workshop(title: str, year: int, template: str, created_by_id: int | None) -> Workshop:
    preset = TEMPLATES[template]
    workshop = Workshop(
        code=_new_code(),
        title=title.strip(),
        year=year,
        phase=DEFAULT_PHASE,
        locked=False,
        seq=0,
        created_by_id=created_by_id,
    )
    db.session.add(workshop)
    db.session.flush()
    for position, (key, name, color) in enumerate(preset["domains"]):
        db.session.add(
            Domain(workshop_id=workshop.id, key=key, name=name, color=color, position=position)
        )
    for position, name in enumerate(preset["partners"]):
        db.session.add(Partner(workshop_id=workshop.id, name=name, position=position))
    db.session.commit()
    return workshop


def find_by_code(raw: str) -> Workshop | None:
    code = normalise_code(raw)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(sa.select(Workshop).where(Workshop.code == code))


def snapshot(workshop: Workshop, online: set[int], viewer: Actor | None = None) -> dict[str, Any]:
    """The whole board in one read; seq is the last event it includes.

    Shaped for `viewer` (see board/visibility.py); None is the full view for server-side readers.
    The reads are several statements: on PostgreSQL (read committed) an op committed between
    them would tear the board, so the seq is read again at the end and the board read again if
    it moved (every op's commit moves it).
    """
    for _attempt in range(3):
        board, pieces_read = _read(workshop, online, viewer)
        seq = db.session.scalar(_SEQ, {"workshop": workshop.id})
        if seq == workshop.seq:
            if pieces_read is not None:
                _remember_pieces(workshop, pieces_read)
            break
        db.session.refresh(workshop)
    return board


_SEQ = sa.select(Workshop.seq).where(Workshop.id == sa.bindparam("workshop"))

# The dumped pieces of the latest snapshot of a few workshops: 200 tablets reconnecting after a
# Wi-Fi drop read the same board, and dumping 2 000 pieces is most of a snapshot's time. At the
# same seq they are served as they are; after a change, the rows are read raw and only those
# that differ from the kept ones are dumped again (a move changes a few positions); with
# nothing kept, all are, from the same one read. created_at tells a new workshop from a
# deleted one whose id was reused.
_PIECES_CACHED = 8


@dataclass
class _Kept:
    key: tuple[int, Any]  # (seq, the workshop's created_at)
    raw: dict[int, tuple[Any, ...]]  # by id, as the driver gave them
    dumped: dict[int, dict[str, Any]]  # by id, in board order


_pieces_cache: dict[int, _Kept] = {}


def _cache_key(workshop: Workshop) -> tuple[int, Any]:
    return (workshop.seq, workshop.created_at)


def _remember_pieces(workshop: Workshop, kept: _Kept) -> None:
    _pieces_cache.pop(workshop.id, None)
    while len(_pieces_cache) >= _PIECES_CACHED:
        del _pieces_cache[next(iter(_pieces_cache))]  # the oldest entry
    _pieces_cache[workshop.id] = kept


def _pieces(workshop: Workshop) -> tuple[list[dict[str, Any]], _Kept | None]:
    """Copies of the pieces as dumped (a snapshot adds votes and comments to them), and what
    to keep when they were read now (kept once the read proves whole)."""
    key = _cache_key(workshop)
    kept = _pieces_cache.get(workshop.id)
    if kept is not None and kept.key == key:
        return [dict(piece) for piece in kept.dumped.values()], None
    result = db.session.connection().execute(_RAW_PIECES, {"workshop": workshop.id})
    type_codes = tuple(entry[1] for entry in result.cursor.description)
    dump = _raw_dump(db.session.get_bind().dialect, type_codes)
    same = kept.raw if kept is not None and kept.key[1] == key[1] else {}
    raw: dict[int, tuple[Any, ...]] = {}
    dumped: dict[int, dict[str, Any]] = {}
    for row in result:
        values = raw[row[0]] = tuple(row)
        dumped[row[0]] = kept.dumped[row[0]] if same.get(row[0]) == values else dump(values)
    return [dict(piece) for piece in dumped.values()], _Kept(key, raw, dumped)


@functools.lru_cache(maxsize=16)
def _raw_dump(dialect: sa.Dialect, type_codes: tuple[Any, ...]) -> Callable[[Sequence[Any]], Any]:
    """The dump of a raw row, typed with the columns' own result processors as SQLAlchemy
    applies them to a typed read: a snapshot then reads the rows once (raw, as kept) instead of
    twice. PostgreSQL's driver gives each column's type in the cursor's description (Numeric
    needs it). Made once per database and shape, not per snapshot."""
    typers = [
        column.type.dialect_impl(dialect).result_processor(dialect, code)
        for column, code in zip(_PIECE_COLUMNS, type_codes, strict=True)
    ]
    return dump_piece.raw_row(typers)


def _read(
    workshop: Workshop, online: set[int], viewer: Actor | None
) -> tuple[dict[str, Any], _Kept | None]:
    wid = workshop.id
    session = db.session
    domains = session.scalars(
        sa.select(Domain).where(Domain.workshop_id == wid).order_by(Domain.position)
    )
    groups = session.scalars(sa.select(Group).where(Group.workshop_id == wid).order_by(Group.id))
    partners = session.scalars(
        sa.select(Partner).where(Partner.workshop_id == wid).order_by(Partner.position)
    )
    pieces, pieces_read = _pieces(workshop)
    people = session.scalars(
        sa.select(Participant)
        .where(Participant.workshop_id == wid, Participant.removed_at.is_(None))
        .order_by(Participant.id)
    ).all()
    participants = _participants.dump(people)
    for entry in participants:
        entry["online"] = entry["id"] in online
    board = {
        "workshop": workshop_schema.dump(workshop),
        "domains": _domains.dump(domains),
        "groups": _groups.dump(groups),
        "partners": _partners.dump(partners),
        "pieces": pieces,
        "participants": participants,
        "seq": workshop.seq,
    }
    visibility.decorate(board, workshop, viewer)
    return board, pieces_read


def events_since(workshop: Workshop, since: int) -> list[dict[str, Any]] | None:
    """Exactly the events after `since`, or None when they cannot be served (ask for a snapshot)."""
    if since > workshop.seq:
        return None
    rows = db.session.scalars(
        sa.select(Event)
        .where(Event.workshop_id == workshop.id, Event.seq > since)
        .order_by(Event.seq)
    )
    return [dump_event(row) for row in rows]
