"""Database models: current board state plus the event log that is its source of truth."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from planner.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Store UTC; hand back aware datetimes even on SQLite, which keeps no zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StaffUser(db.Model):
    __tablename__ = "staff_user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class StaffToken(db.Model):
    """A bearer token of a staff member; only its hash is stored."""

    __tablename__ = "staff_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)

    user: so.Mapped[StaffUser] = so.relationship()


class Workshop(db.Model):
    __tablename__ = "workshop"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    year: so.Mapped[int]
    phase: so.Mapped[str] = so.mapped_column(sa.String(32))
    locked: so.Mapped[bool] = so.mapped_column(default=False)
    # The last event's seq: bumped inside every op's transaction, which also serialises ops.
    seq: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # Facilitation (issue 5). phases: the workshop's own phase list, null = the default list.
    phases: so.Mapped[list[dict[str, Any]] | None] = so.mapped_column(sa.JSON)
    moderation: so.Mapped[bool] = so.mapped_column(default=False)
    timer_ends_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    timer_remaining: so.Mapped[float | None]  # seconds left while paused
    timer_duration: so.Mapped[float | None]  # seconds the timer was set to, extensions included
    timer_auto_lock: so.Mapped[bool] = so.mapped_column(default=False)
    spotlight: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    voting: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)  # the last round
    votes_revealed: so.Mapped[bool] = so.mapped_column(default=False)
    # When the workshop entered its closing phase (null while open): participants' names are
    # replaced by labels PLANNER_RETENTION_DAYS after it (planner/retention.py).
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class Domain(db.Model):
    __tablename__ = "domain"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    color: so.Mapped[str] = so.mapped_column(sa.String(7))
    position: so.Mapped[int]
    locked: so.Mapped[bool] = so.mapped_column(default=False)


class Group(db.Model):
    """A workshop table; pieces and, in exports, contributions are attributed to it."""

    __tablename__ = "workshop_group"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    color: so.Mapped[str] = so.mapped_column(sa.String(7))


class Partner(db.Model):
    """An entry of the workshop's partner list (the 15 gminas for smk2030)."""

    __tablename__ = "partner"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int]


class Participant(db.Model):
    __tablename__ = "participant"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
    )
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("workshop_group.id", ondelete="SET NULL")
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(60))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="participant")
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    removed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class Piece(db.Model):
    """An action of the programme: one puzzle piece."""

    __tablename__ = "piece"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "code"),
        sa.Index("ix_piece_zone", "workshop_id", "domain_id", "position"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"))
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    domain_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("domain.id", ondelete="SET NULL")
    )
    position: so.Mapped[int]
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("workshop_group.id", ondelete="SET NULL")
    )
    objective: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    lead: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    partners: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    quarters: so.Mapped[list[int]] = so.mapped_column(sa.JSON, default=list)
    cost_pln: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(14, 2))
    funding: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    result: so.Mapped[str | None] = so.mapped_column(sa.String(2000))
    indicator: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="proposed")
    version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    locked: so.Mapped[bool] = so.mapped_column(default=False)  # participants may not move it
    # "pending" while a moderated proposal waits in the facilitator's inbox (off the board).
    inbox_state: so.Mapped[str | None] = so.mapped_column(sa.String(20))


class Event(db.Model):
    """One applied op. seq is gapless and op_id unique per workshop."""

    __tablename__ = "event"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "seq"),
        sa.UniqueConstraint("workshop_id", "op_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"))
    seq: so.Mapped[int]
    op_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    type: so.Mapped[str] = so.mapped_column(sa.String(40))
    actor: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class Vote(db.Model):
    """One dot of a dot-voting round; a participant may put several on one piece."""

    __tablename__ = "vote"
    __table_args__ = (sa.Index("ix_vote_round", "workshop_id", "round"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"))
    round: so.Mapped[int]
    piece_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("piece.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE")
    )
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("workshop_group.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A comment on a piece; shown by the author's group, never by a participant's name."""

    __tablename__ = "comment"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    workshop_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("workshop.id", ondelete="CASCADE"))
    piece_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("piece.id", ondelete="CASCADE"), index=True
    )
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("comment.id", ondelete="CASCADE")
    )
    participant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="SET NULL")
    )
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("workshop_group.id", ondelete="SET NULL")
    )
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    text: so.Mapped[str] = so.mapped_column(sa.String(2000))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
