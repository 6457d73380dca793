"""Workshop phases and what participants may do in each (staff may always do everything)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Participants' rights per phase. New workshops start in "placing" so tablets can work at once.
PHASES: dict[str, frozenset[str]] = {
    "preparation": frozenset(),
    "proposing": frozenset({"create", "edit", "comment"}),
    "placing": frozenset({"create", "edit", "move", "comment"}),
    "voting": frozenset({"vote", "comment"}),
    "review": frozenset({"comment"}),
    "closed": frozenset(),
}
DEFAULT_PHASE = "placing"

PHASE_NAMES = {
    "preparation": _l("preparation"),
    "proposing": _l("proposing"),
    "placing": _l("placing"),
    "voting": _l("voting"),
    "review": _l("review"),
    "closed": _l("closed"),
}


def allows(phase: str, right: str) -> bool:
    return right in PHASES.get(phase, frozenset())


def phase_name(phase: str) -> str:
    return str(PHASE_NAMES.get(phase, phase))
