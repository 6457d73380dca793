"""Personal data retention: participants' names are kept only while a workshop may need them.

When a workshop has been closed (its phase `closed`, or the last phase of its own list) for
PLANNER_RETENTION_DAYS days, each participant's name is replaced by a neutral label ("Uczestnik
3", numbered in the order they joined) in the participant table and in the `actor` of every event
they made, and their token is revoked. Comments, votes and the inbox store no names (only the
participant's id and group), exports never contain names. Run at start-up and daily by the server
(planner/server.py) and by `python3 run.py anonymise`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from planner.board.locks import write_lock
from planner.extensions import db
from planner.models import Event, Participant, Workshop, utcnow

log = logging.getLogger(__name__)
CHECK_SECONDS = 24 * 60 * 60
REVOKED = "anonymised-"  # token_hash prefix: no sha256 hex digest can equal it


def label(number: int) -> str:
    return f"Uczestnik {number}"


def due_workshops(days: float, now: datetime | None = None) -> list[int]:
    """Workshops closed at least `days` days ago that still hold a participant's name."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return list(
        db.session.scalars(
            sa.select(Workshop.id)
            .where(Workshop.closed_at.is_not(None), Workshop.closed_at <= cutoff)
            .where(
                sa.exists().where(
                    Participant.workshop_id == Workshop.id,
                    Participant.token_hash.not_like(f"{REVOKED}%"),
                )
            )
            .order_by(Workshop.id)
        )
    )


def anonymise_workshop(workshop_id: int) -> int:
    """Replace the names of this workshop's participants; returns how many were replaced."""
    with write_lock(workshop_id, db.engine.dialect.name):
        try:
            people = db.session.scalars(
                sa.select(Participant)
                .where(Participant.workshop_id == workshop_id)
                .order_by(Participant.id)
            ).all()
            labels = {person.id: label(n) for n, person in enumerate(people, start=1)}
            replaced = 0
            for person in people:
                if not person.token_hash.startswith(REVOKED):
                    replaced += 1
                    person.token_hash = REVOKED + secrets.token_hex(16)
                person.name = labels[person.id]
            events = db.session.scalars(sa.select(Event).where(Event.workshop_id == workshop_id))
            for event in events:
                actor = event.actor or {}
                if actor.get("role") != "participant" or actor.get("id") not in labels:
                    continue
                if actor.get("name") != labels[actor["id"]]:
                    event.actor = {**actor, "name": labels[actor["id"]]}  # a new dict: saved
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return replaced


def anonymise_due(days: float, now: datetime | None = None) -> int:
    """Anonymise every workshop that is due; returns how many participants were anonymised."""
    total = 0
    for workshop_id in due_workshops(days, now):
        total += anonymise_workshop(workshop_id)
        log.info("participants anonymised", extra={"fields": {"workshop": workshop_id}})
    db.session.rollback()
    return total
