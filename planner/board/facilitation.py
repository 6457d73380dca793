"""Facilitation ops: phases, the shared timer, locks, spotlight and moderation (staff only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from planner.board import compiled, lookup, phases
from planner.board.errors import BoardError
from planner.board.registry import Context, op
from planner.models import Piece, Workshop, utcnow
from planner.schemas import (
    BareOp,
    BoardLockOp,
    ModerationSetOp,
    PhaseListOp,
    PhaseSetOp,
    SpotlightSetOp,
    TimerExtendOp,
    TimerStartOp,
    WorkshopSchema,
    dump_piece,
)

_workshop = WorkshopSchema()


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


# --- the timer ------------------------------------------------------------------------------


def timer_state(workshop: Workshop) -> dict[str, Any]:
    """The timer as clients show it; `ends_at` is absolute, `remaining` is set while paused."""
    if workshop.timer_ends_at is not None:
        state = "running"
    elif workshop.timer_remaining is not None:
        state = "paused"
    else:
        state = "stopped"
    return {
        "state": state,
        "ends_at": iso(workshop.timer_ends_at),
        "remaining": workshop.timer_remaining,
        "duration": workshop.timer_duration,
        "auto_lock": workshop.timer_auto_lock,
    }


def timer_expired_lock(workshop: Workshop, now: datetime | None = None) -> bool:
    """True once a running timer with auto-lock reached zero: the board then counts as locked."""
    ends = workshop.timer_ends_at
    return bool(workshop.timer_auto_lock and ends is not None and ends <= (now or utcnow()))


def board_locked(workshop: Workshop) -> bool:
    return workshop.locked or timer_expired_lock(workshop)


def _timer_event(workshop: Workshop) -> dict[str, Any]:
    return {"timer": timer_state(workshop), "server_now": iso(utcnow())}


@op("timer.start", TimerStartOp(), None, blocked_by_lock=False)
def timer_start(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    w = ctx.workshop
    seconds = round(args["minutes"] * 60, 3)
    w.timer_ends_at = utcnow() + timedelta(seconds=seconds)
    w.timer_remaining = None
    w.timer_duration = seconds
    w.timer_auto_lock = args["auto_lock"]
    return _timer_event(w)


@op("timer.pause", BareOp(), None, blocked_by_lock=False)
def timer_pause(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    w = ctx.workshop
    if w.timer_ends_at is None:
        raise BoardError("conflict", _("The timer is not running."))
    w.timer_remaining = max(0.0, round((w.timer_ends_at - utcnow()).total_seconds(), 3))
    w.timer_ends_at = None
    return _timer_event(w)


@op("timer.resume", BareOp(), None, blocked_by_lock=False)
def timer_resume(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    w = ctx.workshop
    if w.timer_remaining is None:
        raise BoardError("conflict", _("The timer is not paused."))
    w.timer_ends_at = utcnow() + timedelta(seconds=w.timer_remaining)
    w.timer_remaining = None
    return _timer_event(w)


@op("timer.extend", TimerExtendOp(), None, blocked_by_lock=False)
def timer_extend(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    w = ctx.workshop
    seconds = round(args["minutes"] * 60, 3)
    now = utcnow()
    if w.timer_ends_at is not None:
        # A timer already at zero restarts from now, not from the past.
        w.timer_ends_at = max(w.timer_ends_at, now) + timedelta(seconds=seconds)
    elif w.timer_remaining is not None:
        w.timer_remaining = round(w.timer_remaining + seconds, 3)
    else:
        raise BoardError("conflict", _("The timer is not running."))
    w.timer_duration = round((w.timer_duration or 0) + seconds, 3)
    return _timer_event(w)


@op("timer.stop", BareOp(), None, blocked_by_lock=False)
def timer_stop(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    w = ctx.workshop
    w.timer_ends_at = None
    w.timer_remaining = None
    w.timer_duration = None
    w.timer_auto_lock = False
    return _timer_event(w)


# --- phases ---------------------------------------------------------------------------------


@op("phase.set", PhaseSetOp(), None, blocked_by_lock=False)
def phase_set(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    keys = [entry["key"] for entry in phases.workshop_phases(ctx.workshop)]
    if args["phase"] not in keys:
        msg = _("No such phase.")
        raise BoardError("not_found", msg, {"phase": [msg]})
    ctx.workshop.phase = args["phase"]
    # The clock of personal-data retention runs from the first time the workshop was closed.
    if args["phase"] in ("closed", keys[-1]):
        ctx.workshop.closed_at = ctx.workshop.closed_at or utcnow()
    else:
        ctx.workshop.closed_at = None
    return {"phase": args["phase"], "workshop": _workshop.dump(ctx.workshop)}


@op("phase.list", PhaseListOp(), None, blocked_by_lock=False)
def phase_list(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {"key": e["key"], "name": e.get("name") or None, "rights": sorted(set(e["rights"]))}
        for e in args["phases"]
    ]
    if ctx.workshop.phase not in {e["key"] for e in entries}:
        msg = _("The current phase must stay in the list.")
        raise BoardError("conflict", msg, {"phases": [msg]})
    ctx.workshop.phases = entries
    return {"phases": phases.described(ctx.workshop)}


# --- locks ----------------------------------------------------------------------------------


def check_zone(ctx: Context, *domain_ids: int | None) -> None:
    """Participants may not change a locked domain (the source or the target of a move)."""
    if ctx.actor.is_staff:
        return
    zones = lookup.zones(ctx)
    for domain_id in domain_ids:
        domain = zones.get(domain_id) if domain_id is not None else None
        if domain is not None and domain.locked:
            raise BoardError(
                "locked", _("The domain “%(name)s” is locked by the facilitator.", name=domain.name)
            )


def check_piece(ctx: Context, piece: Piece | compiled.Row) -> None:
    if not ctx.actor.is_staff and piece.locked:
        raise BoardError("locked", _("This piece is locked by the facilitator."))


@op("board.lock", BoardLockOp(), None, blocked_by_lock=False)
def board_lock(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    locked = args["locked"]
    if "domain_id" in args:
        domain = lookup.domain(ctx, args["domain_id"])
        domain.locked = locked
        return {"locked": locked, "domain_id": domain.id}
    if "piece_id" in args:
        piece = lookup.piece(ctx, args["piece_id"])
        piece.locked = locked
        return {"locked": locked, "piece_id": piece.id, "piece": dump_piece(piece)}
    ctx.workshop.locked = locked
    if not locked and timer_expired_lock(ctx.workshop):
        ctx.workshop.timer_auto_lock = False  # unlocking after the bell really unlocks
    return {"locked": locked, "workshop": _workshop.dump(ctx.workshop)}


# --- attention and moderation ---------------------------------------------------------------


@op("spotlight.set", SpotlightSetOp(), None, blocked_by_lock=False)
def spotlight_set(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    spotlight = None
    if args.get("piece_id") is not None:
        spotlight = {"piece_id": lookup.piece(ctx, args["piece_id"]).id}
    elif args.get("domain_id") is not None:
        spotlight = {"domain_id": lookup.domain(ctx, args["domain_id"]).id}
    ctx.workshop.spotlight = spotlight
    return {"spotlight": spotlight}


@op("moderation.set", ModerationSetOp(), None, blocked_by_lock=False)
def moderation_set(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    ctx.workshop.moderation = args["moderation"]
    return {"moderation": args["moderation"]}
