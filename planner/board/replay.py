"""The full event log for replay, and the board as it was before its first event (the base).

A workshop does not start empty: the template's domains and partners, a restored backup or the
pieces carried over from last year are written without events. The base is found by walking the
log backwards from the current board, undoing each event with the inverse of the ordering rule
(remove at `to`, insert at `from`). Clients load the base as a snapshot of seq 0 and apply the
events up to any seq on it, exactly as they apply live events.

Names changed by `domain.update` / `group.update` go back to the last name an earlier event
carried; a name nothing earlier carried stays as it is now.
"""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from planner.board.phases import DEFAULT_PHASE
from planner.board.workshops import snapshot
from planner.extensions import db
from planner.models import Event, Workshop
from planner.schemas import dump_event

MAX_LIMIT = 5000


def events_page(workshop: Workshop, after: int = 0, limit: int = 1000) -> dict[str, Any]:
    """Events with seq > after, oldest first, for staff (nothing redacted); `base` on page one."""
    rows = list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.workshop_id == workshop.id, Event.seq > after)
            .order_by(Event.seq)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    answer: dict[str, Any] = {
        "events": [dump_event(row) for row in rows[:limit]],
        "more": more,
        "seq": workshop.seq,
    }
    if after == 0:
        answer["base"] = base_board(workshop)
    return answer


def _inner(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The change an event made (an undo made its `apply`)."""
    data = event.get("data") or {}
    if event["type"] in ("undo", "revert") and isinstance(data.get("apply"), dict):
        return data["apply"].get("type", ""), data["apply"].get("data") or {}
    return event["type"], data


class _Board:
    """Zones of piece ids and the pieces' fields, undone one event at a time."""

    def __init__(self, board: dict[str, Any], log: list[dict[str, Any]]) -> None:
        self.domains: list[dict[str, Any]] = [dict(d) for d in board["domains"]]
        self.groups: list[dict[str, Any]] = [dict(g) for g in board["groups"]]
        self.pieces: dict[int, dict[str, Any]] = {p["id"]: dict(p) for p in board["pieces"]}
        self.zones: dict[int | None, list[int]] = {None: []}
        for d in self.domains:
            self.zones[d["id"]] = []
        for p in sorted(board["pieces"], key=lambda p: p["position"]):
            self.zones.setdefault(p["domain_id"], []).append(p["id"])
        # Every domain / group as earlier events carried it, by seq: names before an update.
        self.dumps: dict[tuple[str, int], list[tuple[int, dict[str, Any]]]] = {}
        for event in log:
            kind, data = _inner(event)
            for key in ("domain", "group"):
                value = data.get(key)
                if kind.startswith(key + ".") and isinstance(value, dict) and "id" in value:
                    self.dumps.setdefault((key, value["id"]), []).append((event["seq"], value))

    def earlier(self, key: str, ident: int, seq: int) -> dict[str, Any] | None:
        found = [d for s, d in self.dumps.get((key, ident), []) if s < seq]
        return found[-1] if found else None

    def take(self, piece_id: int) -> None:
        for ids in self.zones.values():
            if piece_id in ids:
                ids.remove(piece_id)
                return

    def put(self, piece: dict[str, Any], where: dict[str, Any]) -> None:
        self.take(piece["id"])
        zone = self.zones.setdefault(where.get("domain_id"), [])
        position = where.get("position")
        index = position if isinstance(position, int) else len(zone)
        zone.insert(min(max(index, 0), len(zone)), piece["id"])
        self.pieces[piece["id"]] = {**self.pieces.get(piece["id"], {}), **piece}

    def undo(self, seq: int, kind: str, data: dict[str, Any]) -> None:
        if kind in ("piece.create", "inbox.accept") and isinstance(data.get("piece"), dict):
            self.take(data["piece"]["id"])
            self.pieces.pop(data["piece"]["id"], None)
        elif kind == "piece.move" and isinstance(data.get("from"), dict):
            self.put(data["piece"], data["from"])
        elif kind == "piece.update" and data.get("piece", {}).get("id") in self.pieces:
            self.pieces[data["piece"]["id"]].update(data.get("before") or {})
        elif kind == "piece.delete" and data.get("from") and isinstance(data.get("piece"), dict):
            self.put(data["piece"], data["from"])
        elif kind == "domain.create":
            gone = data["domain"]["id"]
            self.domains = [d for d in self.domains if d["id"] != gone]
            self.zones.pop(gone, None)
        elif kind == "domain.delete":
            ident = data["domain_id"]
            known = data.get("domain") or self.earlier("domain", ident, seq)
            known = known or {"name": "?", "key": None}
            domain = {"color": "#777777", **known, "id": ident, "locked": False}
            self.domains.insert(min(data.get("from", 0), len(self.domains)), domain)
            ids = [p["id"] for p in data.get("pieces") or []]
            for piece in data.get("pieces") or []:
                self.take(piece["id"])
                self.pieces[piece["id"]] = {**self.pieces.get(piece["id"], {}), **piece}
            self.zones[ident] = ids
        elif kind == "domain.move":
            moved = next((d for d in self.domains if d["id"] == data["domain"]["id"]), None)
            if moved is not None:
                self.domains.remove(moved)
                self.domains.insert(min(data.get("from", 0), len(self.domains)), moved)
        elif kind in ("domain.update", "group.update"):
            key = kind.split(".")[0]
            ident = data[key]["id"]
            before = self.earlier(key, ident, seq)
            rows = self.domains if key == "domain" else self.groups
            for row in rows:
                if row["id"] == ident and before:
                    row.update({k: before[k] for k in ("name", "color") if k in before})
        elif kind == "group.create":
            self.groups = [g for g in self.groups if g["id"] != data["group"]["id"]]
        elif kind == "group.delete":
            known = self.earlier("group", data["group_id"], seq)
            if known:
                self.groups.append(dict(known))
            for piece_id in data.get("pieces") or []:
                if piece_id in self.pieces:
                    self.pieces[piece_id]["group_id"] = data["group_id"]

    def result(self) -> tuple[list[dict], list[dict], list[dict]]:
        pieces = []
        for zone, ids in self.zones.items():
            for position, piece_id in enumerate(ids):
                piece = self.pieces.get(piece_id)
                if piece is None:
                    continue
                piece = {**piece, "domain_id": zone, "position": position, "locked": False}
                piece.update(votes=None, my_votes=0, comment_count=0, comments=[])
                pieces.append(piece)
        domains = [{**d, "position": i, "locked": False} for i, d in enumerate(self.domains)]
        return domains, sorted(self.groups, key=lambda g: g["id"]), pieces


def base_board(workshop: Workshop) -> dict[str, Any]:
    """The board before its first event, in the snapshot's shape with seq 0 (staff view)."""
    board = snapshot(workshop, online=set())
    log = [
        dump_event(row)
        for row in db.session.scalars(
            sa.select(Event).where(Event.workshop_id == workshop.id).order_by(Event.seq)
        )
    ]
    state = _Board(board, log)
    for event in reversed(log):
        kind, data = _inner(event)
        state.undo(event["seq"], kind, data)
    domains, groups, pieces = state.result()
    base = copy.deepcopy(board)
    base.pop("participants", None)
    base["workshop"].update(phase=DEFAULT_PHASE, locked=False, moderation=False)
    base.update(
        domains=domains,
        groups=groups,
        pieces=pieces,
        seq=0,
        spotlight=None,
        voting=None,
        results=None,
        inbox=[],
    )
    base["timer"] = {
        "state": "stopped",
        "ends_at": None,
        "remaining": None,
        "duration": None,
        "auto_lock": False,
    }
    return base
