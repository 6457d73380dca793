"""The workshop as JSON: open data and a complete backup, restorable with planner.board.restore.

Format `ukladanka.workshop`, version 1 (texts exact, never neutralised; ids stable):
- `workshop`: id, title, year, phase, locked, created_at (the join code is left out: it would
  let a reader join a live workshop);
- `domains`: id, key, name, color, position; `groups`: id, name, color; `partners`: id, name;
- `pieces`, in board order (domain order, then position; the tray last): every field of the
  wire protocol's piece (id, code, title, description, domain_id, position, group_id, objective,
  lead, partners, quarters, cost_pln, funding, result, indicator, status, version, created_at,
  updated_at), plus `domain_key`, `origin` (the group's name), `votes` and `comments`.
Participants are not part of it. Several workshops combined give format `ukladanka.programme`
with `workshops` (one document each) and `duplicates` (codes placed in more than one).
"""

from __future__ import annotations

import json
from typing import Any

from planner.board.restore import BACKUP_FORMAT, BACKUP_VERSION
from planner.exports import Programme, public_comment

COMBINED_FORMAT = "ukladanka.programme"
_WORKSHOP_FIELDS = ("id", "title", "year", "phase", "locked", "created_at")
_VIEWER_FIELDS = frozenset({"my_votes"})  # what one viewer sees of a piece, not the piece


def document(board: dict[str, Any]) -> dict[str, Any]:
    """One snapshot as the backup document (no participants, no join code)."""
    domains = {d["id"]: d for d in board["domains"]}
    groups = {g["id"]: g["name"] for g in board["groups"]}
    order = {d["id"]: d["position"] for d in board["domains"]}

    def board_order(piece: dict[str, Any]) -> tuple[int, int, int]:
        zone = piece["domain_id"]
        return (zone is None, order.get(zone, 0), piece["position"])

    pieces = []
    for piece in sorted(board["pieces"], key=board_order):
        entry = {k: v for k, v in piece.items() if k not in _VIEWER_FIELDS}
        domain = domains.get(piece["domain_id"])
        entry["domain_key"] = domain["key"] if domain else None
        entry["origin"] = groups.get(piece.get("group_id"))
        # Votes and comments arrive with issue 5; until then every piece has none.
        entry["votes"] = int(piece.get("votes") or 0)
        entry["comments"] = [public_comment(c) for c in piece.get("comments") or []]
        pieces.append(entry)
    workshop = board["workshop"]
    return {
        "format": BACKUP_FORMAT,
        "format_version": BACKUP_VERSION,
        "workshop": {k: workshop[k] for k in _WORKSHOP_FIELDS if k in workshop},
        "domains": board["domains"],
        "groups": board["groups"],
        "partners": board.get("partners", []),
        "pieces": pieces,
    }


def render(boards: list[dict[str, Any]], programme: Programme) -> bytes:
    if len(boards) == 1:
        data = document(boards[0])
    else:
        data = {
            "format": COMBINED_FORMAT,
            "format_version": BACKUP_VERSION,
            "year": programme.year,
            "workshops": [document(board) for board in boards],
            "duplicates": programme.duplicates,
        }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
