"""A client-side copy of the board, applying events in seq order exactly as the browser does."""

from __future__ import annotations

import json
import threading
from typing import Any

import socketio


class Mirror:
    def __init__(self) -> None:
        self.pieces: dict[int, dict[str, Any]] = {}
        # The rest of the board, as far as tests compare it (see `board`).
        self.domains: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.partners: list[dict[str, Any]] = []
        self.workshop: dict[str, Any] = {}
        self.inbox: dict[int, dict[str, Any]] = {}
        self.seq = 0
        self.seen: list[int] = []  # every seq applied, in order
        self.pending: dict[int, dict[str, Any]] = {}
        self.changed = threading.Condition()

    def load(self, snapshot: dict[str, Any]) -> None:
        with self.changed:
            self.pieces = {p["id"]: dict(p) for p in snapshot["pieces"]}
            self.domains = [dict(d) for d in snapshot.get("domains", [])]
            self.groups = [dict(g) for g in snapshot.get("groups", [])]
            self.partners = [dict(p) for p in snapshot.get("partners", [])]
            self.workshop = dict(snapshot.get("workshop", {}))
            self.inbox = {p["id"]: dict(p) for p in snapshot.get("inbox", [])}
            self.seq = snapshot["seq"]
            self.pending = {s: e for s, e in self.pending.items() if s > self.seq}
            self._drain()

    def receive(self, event: dict[str, Any]) -> None:
        with self.changed:
            if event["seq"] > self.seq:
                self.pending[event["seq"]] = event
                self._drain()

    def _drain(self) -> None:
        while self.seq + 1 in self.pending:
            event = self.pending.pop(self.seq + 1)
            self._apply(event)
            self.seq = event["seq"]
            self.seen.append(self.seq)
        self.changed.notify_all()

    def _zone(self, domain_id: int | None) -> list[dict[str, Any]]:
        return [p for p in self.pieces.values() if p["domain_id"] == domain_id]

    def _remove_at(self, where: dict[str, Any], piece_id: int) -> None:
        for p in self._zone(where["domain_id"]):
            if p["id"] != piece_id and p["position"] > where["position"]:
                p["position"] -= 1

    def _insert_at(self, where: dict[str, Any], piece_id: int) -> None:
        for p in self._zone(where["domain_id"]):
            if p["id"] != piece_id and p["position"] >= where["position"]:
                p["position"] += 1

    def _apply(self, event: dict[str, Any]) -> None:
        data = event["data"]
        kind = event["type"]
        if kind in ("undo", "revert"):  # the inverse, as an ordinary event of its type
            self._apply(data["apply"])
            return
        if kind == "piece.create" and "piece" not in data:
            if "inbox" in data:  # a proposal waiting in the facilitator's inbox: not on the board
                self.inbox[data["inbox"]["id"]] = dict(data["inbox"])
            return
        if kind in ("piece.create", "inbox.accept"):
            piece = data["piece"]
            self.inbox.pop(piece["id"], None)
            self._insert_at(piece, piece["id"])
            self.pieces[piece["id"]] = dict(piece)
        elif kind == "piece.move":
            piece = data["piece"]
            old = self.pieces.pop(piece["id"], None) or {}  # keeps what events do not carry
            self._remove_at(data["from"], piece["id"])
            self._insert_at(data["to"], piece["id"])
            self.pieces[piece["id"]] = {**old, **piece}
        elif kind == "piece.update" and data["piece"]["id"] in self.inbox:
            self.inbox[data["piece"]["id"]].update(data["piece"])  # a proposal stays off the board
        elif kind == "piece.update":
            self.pieces[data["piece"]["id"]] = {
                **self.pieces.get(data["piece"]["id"], {}),
                **data["piece"],
            }
        elif kind == "piece.delete" and data.get("from") is not None:
            self.pieces.pop(data["piece_id"], None)
            self._remove_at(data["from"], data["piece_id"])
        elif kind == "piece.delete":
            self.inbox.pop(data["piece_id"], None)
        else:
            self._apply_board(kind, data)

    def _apply_board(self, kind: str, data: dict[str, Any]) -> None:
        """Domains, groups, partners, the workshop, locks, comments and the inbox."""
        if kind == "domain.create":
            domains = [d for d in self.domains if d["id"] != data["domain"]["id"]]
            domains.insert(max(0, min(data["domain"]["position"], len(domains))), data["domain"])
            self.domains = domains
        elif kind == "domain.update":
            self.domains = [
                {**d, **data["domain"]} if d["id"] == data["domain"]["id"] else d
                for d in self.domains
            ]
        elif kind == "domain.move":
            moved = next(d for d in self.domains if d["id"] == data["domain"]["id"])
            self.domains.remove(moved)
            self.domains.insert(data["to"], {**moved, **data["domain"]})
        elif kind == "domain.delete":
            self.domains = [d for d in self.domains if d["id"] != data["domain_id"]]
            for piece in data["pieces"]:  # to the end of the tray, in their order
                old = self.pieces.pop(piece["id"], {})
                self.pieces[piece["id"]] = {**old, **piece}
        elif kind == "group.create":
            self.groups.append(dict(data["group"]))
        elif kind == "group.update":
            group = data["group"]
            self.groups = [{**g, **group} if g["id"] == group["id"] else g for g in self.groups]
            for piece in self.pieces.values():  # comments name their group as it is now
                for comment in piece.get("comments", []):
                    if comment["group_id"] == group["id"] and "name" in group:
                        comment["group_name"] = group["name"]
        elif kind == "group.delete":
            self.groups = [g for g in self.groups if g["id"] != data["group_id"]]
            for piece_id in data["pieces"]:
                if piece_id in self.pieces:
                    self.pieces[piece_id]["group_id"] = None
        elif kind == "partners.set":
            self.partners = [dict(p) for p in data["partners"]]
        elif kind in ("workshop.update", "workshop.new_code", "phase.set"):
            self.workshop.update(data["workshop"])
        elif kind == "moderation.set":
            self.workshop["moderation"] = data["moderation"]
        elif kind == "board.lock":
            self._lock(data)
        elif kind == "comment.add" and data["piece_id"] in self.pieces:
            piece = self.pieces[data["piece_id"]]
            piece["comments"] = [*piece.get("comments", []), dict(data["comment"])]
            piece["comment_count"] = data["comment_count"]
        elif kind == "comment.delete" and data["piece_id"] in self.pieces:
            piece = self.pieces[data["piece_id"]]
            gone = {data["comment_id"]}
            for comment in piece.get("comments", []):  # replies come after their parent
                if comment["parent_id"] in gone:
                    gone.add(comment["id"])
            piece["comments"] = [c for c in piece.get("comments", []) if c["id"] not in gone]
            piece["comment_count"] = data["comment_count"]
        elif kind == "inbox.reject":
            self.inbox.pop(data["piece_id"], None)

    def _lock(self, data: dict[str, Any]) -> None:
        if "domain_id" in data:
            for domain in self.domains:
                if domain["id"] == data["domain_id"]:
                    domain["locked"] = data["locked"]
        elif "piece_id" in data:
            if data["piece_id"] in self.pieces:
                self.pieces[data["piece_id"]]["locked"] = data["locked"]
        else:
            self.workshop.update(data.get("workshop") or {"locked": data["locked"]})

    def board(self) -> dict[str, Any]:
        """What the mirror models, in the order every client shows it (compare with `shaped`)."""
        with self.changed:
            pieces = {pid: dict(p) for pid, p in self.pieces.items()}
            return {
                "workshop": dict(self.workshop),
                "domains": [dict(d, position=n) for n, d in enumerate(self.domains)],
                "groups": [dict(g) for g in self.groups],
                "partners": [dict(p) for p in self.partners],
                "pieces": pieces,
                "inbox": sorted(self.inbox),
                "seq": self.seq,
            }

    def layout(self) -> dict[int, tuple[int | None, int]]:
        with self.changed:
            return {pid: (p["domain_id"], p["position"]) for pid, p in self.pieces.items()}

    def wait_for_seq(self, seq: int, timeout: float = 20) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.seq >= seq, timeout)


class BoardClient:
    """A python-socketio client on the websocket transport, feeding a Mirror."""

    def __init__(
        self,
        url: str,
        token: str,
        workshop_id: int | None = None,
        mirror: Mirror | None = None,
        reconnect: bool = False,
    ) -> None:
        self.url = url
        self.token = token
        self.workshop_id = workshop_id
        self.mirror = mirror or Mirror()  # a reconnecting client carries on with its own copy
        # With reconnect, the client comes back by itself, sending `since` = what it has seen.
        self.sio = socketio.Client(
            reconnection=reconnect, reconnection_delay=0.2, reconnection_delay_max=1
        )
        self.events: list[dict[str, Any]] = []  # every live event, in the order it arrived
        self.catch_ups: list[dict[str, Any]] = []
        self.connect_errors: list[Any] = []
        self.sio.on("snapshot", self._on_snapshot)
        self.sio.on("events", self._on_events)
        self.sio.on("event", self._on_event)
        self.sio.on("connect_error", self.connect_errors.append)
        self.sio.on("head", self._on_head)
        # python-engineio's client hands every message to a thread of its own, so handlers may
        # run out of the order the server sent: the order is taken where the socket is read.
        read = self.sio.eio._receive_packet

        def arrived(pkt: Any) -> None:
            if isinstance(pkt.data, str) and pkt.data.startswith('2["event",'):
                self.events.append(json.loads(pkt.data[1:])[1])
            read(pkt)

        self.sio.eio._receive_packet = arrived

    def _on_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.catch_ups.append({"snapshot": snapshot})
        self.mirror.load(snapshot)

    def _on_events(self, body: dict[str, Any]) -> None:
        self.catch_ups.append(body)
        for event in body["events"]:
            self.mirror.receive(event)

    def _on_head(self, head: dict[str, Any]) -> None:
        """Behind the server's head: ask for the rest, as the browser does."""
        if head["seq"] > self.mirror.seq:
            self.sio.start_background_task(self._sync)

    def _sync(self) -> None:
        answer = self.sio.call("sync", {"since": self.mirror.seq}, timeout=10)
        if "snapshot" in answer:
            self.mirror.load(answer["snapshot"])
        for event in answer.get("events", []):
            self.mirror.receive(event)

    def _on_event(self, event: dict[str, Any]) -> None:
        self.mirror.receive(event)

    def _auth(self, since: int | None = None) -> dict[str, Any]:
        auth: dict[str, Any] = {"token": self.token}
        if self.workshop_id is not None:
            auth["workshop_id"] = self.workshop_id
        if since is not None:
            auth["since"] = since
        elif self.mirror.seq:
            auth["since"] = self.mirror.seq
        return auth

    def connect(self, since: int | None = None) -> BoardClient:
        # a reconnecting client sends, each time, what its mirror has seen by then
        auth = self._auth if self.sio.reconnection else self._auth(since)
        self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=10)
        return self

    def op(self, type_: str, **fields: Any) -> dict[str, Any]:
        import uuid

        return self.sio.call(
            "op", {"op_id": str(uuid.uuid4()), "type": type_, **fields}, timeout=20
        )

    def close(self) -> None:
        self.sio.disconnect()
