"""Socket.IO adapters: authenticate the socket, hand ops to the board, broadcast what it stored."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, emit, join_room
from marshmallow import ValidationError

from planner.auth import actor_for_token
from planner.board import Actor, Applied, BoardError, apply_batch, events_since, snapshot
from planner.extensions import db, socketio
from planner.models import Piece, Workshop
from planner.schemas import ConnectAuthSchema, DragSchema, ParticipantSchema, SyncSchema

_connect_auth = ConnectAuthSchema()
_sync = SyncSchema()
_drag = DragSchema()
_participants = ParticipantSchema(many=True)


def room(workshop_id: int) -> str:
    return f"workshop:{workshop_id}"


@dataclass
class Client:
    actor: Actor
    workshop_id: int
    holding: set[int] = field(default_factory=set)  # pieces this socket is dragging


class Presence:
    """Which participants have a socket open, per workshop (this process's sockets)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self._sockets: defaultdict[int, defaultdict[int, int]] = defaultdict(
            lambda: defaultdict(int)
        )

    def add(self, sid: str, client: Client) -> None:
        with self._lock:
            self.clients[sid] = client
            if not client.actor.is_staff:
                self._sockets[client.workshop_id][client.actor.id] += 1

    def remove(self, sid: str) -> Client | None:
        with self._lock:
            client = self.clients.pop(sid, None)
            if client and not client.actor.is_staff:
                counts = self._sockets[client.workshop_id]
                counts[client.actor.id] -= 1
                if counts[client.actor.id] <= 0:
                    del counts[client.actor.id]
            return client

    def online(self, workshop_id: int) -> set[int]:
        with self._lock:
            return set(self._sockets.get(workshop_id, {}))


presence = Presence()


def submit(workshop_id: int, actor: Actor, payload: Any) -> Applied:
    """Apply an op through the board and broadcast its event once it is stored."""
    return submit_batch(workshop_id, actor, [payload])[0]


def submit_batch(workshop_id: int, actor: Actor, payloads: list[Any]) -> list[Applied]:
    """Apply ops all or nothing (imports) and broadcast their events in seq order."""
    results = apply_batch(workshop_id, actor, payloads)
    for applied in results:
        if applied.new:
            socketio.emit("event", applied.event, to=room(workshop_id))
    return results


def _refuse(code: str) -> ConnectionRefusedError:
    return ConnectionRefusedError(code)


def _client() -> Client:
    client = presence.clients.get(request.sid)
    if client is None:  # the socket was never admitted
        raise BoardError("unauthorized", _("Connect again."))
    return client


def _catch_up(workshop: Workshop, since: int | None) -> tuple[str, dict[str, Any]]:
    if since is not None and (events := events_since(workshop, since)) is not None:
        return "events", {"events": events}
    return "snapshot", snapshot(workshop, presence.online(workshop.id))


def _broadcast_presence(workshop_id: int) -> None:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is not None:
        people = snapshot(workshop, presence.online(workshop_id))["participants"]
        socketio.emit("presence", {"participants": people}, to=room(workshop_id))


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    try:
        args = _connect_auth.load(auth or {})
    except ValidationError as exc:
        raise _refuse("unauthorized") from exc
    actor = actor_for_token(args.get("token") or session.get("token"))
    if actor is None:
        raise _refuse("unauthorized")
    workshop_id = args.get("workshop_id", actor.workshop_id)
    if workshop_id is None or not actor.may_see(workshop_id):
        raise _refuse("forbidden")
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise _refuse("forbidden")
    # Join the room before reading, so no event falls between the catch-up and live events.
    join_room(room(workshop_id))
    presence.add(request.sid, Client(actor, workshop_id))
    db.session.rollback()
    name, body = _catch_up(db.session.get(Workshop, workshop_id), args.get("since"))
    emit(name, body)
    if not actor.is_staff:
        _broadcast_presence(workshop_id)


@socketio.on("disconnect")
def on_disconnect(reason: Any = None) -> None:
    client = presence.remove(request.sid)
    if client is None:
        return
    for piece_id in client.holding:
        emit(
            "dragging",
            _dragging(client, piece_id, "end"),
            to=room(client.workshop_id),
            include_self=False,
        )
    if not client.actor.is_staff:
        _broadcast_presence(client.workshop_id)


def _too_large(payload: Any) -> bool:
    limit = current_app.config["MAX_JSON_BYTES"]
    return len(json.dumps(payload, ensure_ascii=False).encode()) > limit


@socketio.on("op")
def on_op(payload: Any = None) -> dict[str, Any]:
    try:
        client = _client()
        if _too_large(payload):
            raise BoardError("too_large", _("The change is too large."))
        return submit(client.workshop_id, client.actor, payload).ack()
    except BoardError as err:
        return {"ok": False, **err.to_dict()}


@socketio.on("sync")
def on_sync(payload: Any = None) -> dict[str, Any]:
    try:
        client = _client()
        args = _sync.load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        return BoardError.from_validation(exc, _("The request is not valid.")).to_dict()
    except BoardError as err:
        return err.to_dict()
    workshop = db.session.get(Workshop, client.workshop_id)
    name, body = _catch_up(workshop, args["since"])
    return body if name == "events" else {"snapshot": body}


def _dragging(client: Client, piece_id: int, state: str) -> dict[str, Any]:
    actor = client.actor
    person = {"id": actor.id, "name": actor.name, "group_id": actor.group_id}
    return {"piece_id": piece_id, "participant": person, "state": state}


@socketio.on("drag")
def on_drag(payload: Any = None) -> dict[str, Any]:
    try:
        client = _client()
        args = _drag.load(payload if isinstance(payload, dict) else {})
        piece = db.session.get(Piece, args["piece_id"])
        if piece is None or piece.workshop_id != client.workshop_id:
            raise BoardError("not_found", _("No such piece."))
    except ValidationError as exc:
        return BoardError.from_validation(exc, _("The request is not valid.")).to_dict()
    except BoardError as err:
        return err.to_dict()
    if args["state"] == "start":
        client.holding.add(piece.id)
    else:
        client.holding.discard(piece.id)
    emit(
        "dragging",
        _dragging(client, piece.id, args["state"]),
        to=room(client.workshop_id),
        include_self=False,
    )
    return {"ok": True}
