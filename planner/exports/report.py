"""The workshop report: who took part (by group), what happened per phase, the vote, the timeline.

Read from the snapshot and the event log; participants appear only by their group.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from planner.board import snapshot
from planner.board.phases import DEFAULT_PHASE
from planner.extensions import db
from planner.models import Event, Participant, Workshop

_COUNTED = {"piece.create": "created", "piece.move": "moved", "vote.add": "voted"}
_TIMELINE = {
    "phase.set",
    "timer.start",
    "timer.stop",
    "board.lock",
    "voting.open",
    "voting.close",
    "voting.reveal",
    "spotlight.set",
}


def build_report(workshop: Workshop) -> dict[str, Any]:
    """The report as JSON-ready data (the full, staff view of the board)."""
    board = snapshot(workshop, online=set())
    groups = {g["id"]: g["name"] for g in board["groups"]}
    people = Counter(
        db.session.scalars(
            sa.select(Participant.group_id).where(Participant.workshop_id == workshop.id)
        )
    )
    events = db.session.scalars(
        sa.select(Event).where(Event.workshop_id == workshop.id).order_by(Event.seq)
    )
    phase = DEFAULT_PHASE  # every workshop starts in it
    per_phase: dict[str, Counter] = {}
    timeline: list[dict[str, Any]] = []
    for event in events:
        if event.type == "phase.set":
            phase = event.data["phase"]
        kind = event.type
        if kind in ("undo", "revert"):
            kind = (event.data.get("apply") or {}).get("type", kind)
        if kind in _COUNTED:
            per_phase.setdefault(phase, Counter())[_COUNTED[kind]] += 1
        if event.type in _TIMELINE:
            timeline.append(
                {
                    "seq": event.seq,
                    "at": event.at.isoformat(),
                    "type": event.type,
                    "data": event.data,
                }
            )
    titles = {p["id"]: (p["code"], p["title"]) for p in board["pieces"]}
    results = [
        {
            "piece_id": r["piece_id"],
            "code": titles.get(r["piece_id"], ("", ""))[0],
            "title": titles.get(r["piece_id"], ("", ""))[1],
            "votes": r["votes"],
        }
        for r in board["results"] or []
    ]
    return {
        "workshop": {k: board["workshop"][k] for k in ("id", "title", "year", "phase")},
        "groups": [
            {"id": gid, "name": name, "participants": people.get(gid, 0)}
            for gid, name in groups.items()
        ],
        "gminas": [p["name"] for p in board["partners"]],
        "per_phase": {
            key: {name: counts.get(name, 0) for name in ("created", "moved", "voted")}
            for key, counts in per_phase.items()
        },
        "voting": board["voting"],
        "results": results,
        "timeline": timeline,
    }
