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


RIGHTS = ("create", "edit", "move", "vote", "comment")
# "undo" is no right of its own: it is allowed where participants may do anything at all, and the
# undo rule then checks the right of the change it inverts.
UNDO = "undo"


def default_list() -> list[dict]:
    return [{"key": key, "name": None, "rights": sorted(rights)} for key, rights in PHASES.items()]


def workshop_phases(workshop) -> list[dict]:
    """The workshop's own phase list (set by the facilitator), else the default one."""
    return workshop.phases or default_list()


def described(workshop) -> list[dict]:
    """The phase list as clients show it: a name in the request's language for each phase."""
    return [
        {**entry, "name": entry.get("name") or phase_name(entry["key"])}
        for entry in workshop_phases(workshop)
    ]


def rights_of(workshop, phase: str) -> frozenset[str]:
    for entry in workshop_phases(workshop):
        if entry["key"] == phase:
            return frozenset(entry["rights"])
    return frozenset()


def workshop_allows(workshop, right: str) -> bool:
    rights = rights_of(workshop, workshop.phase)
    return bool(rights) if right == UNDO else right in rights


def workshop_phase_name(workshop, phase: str) -> str:
    for entry in workshop_phases(workshop):
        if entry["key"] == phase and entry.get("name"):
            return entry["name"]
    return phase_name(phase)
