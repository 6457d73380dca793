"""Socket.IO adapters: authenticate the socket, hand ops to the board, broadcast what it stored."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, request, session
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, emit, join_room
from marshmallow import ValidationError
from socketio import PubSubManager
from werkzeug.local import LocalProxy

from planner import durability, select_locale
from planner.auth import actor_for_token
from planner.board import (
    COMBINABLE,
    Actor,
    Applied,
    BoardError,
    apply_batch,
    apply_each,
    events_since,
    snapshot,
    visibility,
)
from planner.extensions import db, socketio
from planner.models import Participant, Piece, Workshop, utcnow
from planner.presence import Client, Presence
from planner.schemas import ConnectAuthSchema, DragSchema, ParticipantSchema, SyncSchema
from planner.shutdown import drain

log = logging.getLogger(__name__)
LOCALE = "planner.locale"  # the socket's handshake environ: its language
_connect_auth = ConnectAuthSchema()
_sync = SyncSchema()
_drag = DragSchema()
_participants = ParticipantSchema(many=True)


def handshake_path() -> NoReturn:
    """The Socket.IO path as a Flask rule (`create_app`). Engine.IO's middleware answers it before
    Flask, so this never runs for a request. It is there for the request context Flask-SocketIO
    builds for every socket event from the socket's handshake request: with no rule to match,
    the context keeps a NotFound, and its traceback's frames make a reference cycle of ~60
    objects per event that only the garbage collector frees — at 50 moves/s a collection of
    50–100 ms every ~15 s, the whole event loop stopped (docs/performance.md, fix 15)."""
    abort(404)


def route_handshake_path(app: Flask) -> None:
    """Give `app` the Socket.IO path, for polling and for websocket requests (also without its
    slash, as Flask-SocketIO's test client asks it); the bare bench server uses it too."""
    for websocket in (False, True):
        app.add_url_rule(
            "/socket.io/", "socket_io", handshake_path, strict_slashes=False, websocket=websocket
        )


def room(workshop_id: int) -> str:
    return f"workshop:{workshop_id}"


def events_room(workshop_id: int, compact: bool) -> str:
    """Live events that have a compact form go to the sockets that asked for it apart."""
    return f"workshop:{workshop_id}:{'compact' if compact else 'full'}"


# What a move changes of its piece: a client applying events in seq order has the rest.
_MOVED_FIELDS = ("id", "domain_id", "position", "version", "updated_at")


def compact(event: dict[str, Any]) -> dict[str, Any]:
    """A `piece.move` event for sockets connected with `compact: true` (docs/protocol.md): the
    piece's unchanged fields left out: ~0.4 KB instead of ~1 KB to each of 200 tablets per move."""
    piece = event["data"]["piece"]
    data = {**event["data"], "piece": {name: piece[name] for name in _MOVED_FIELDS}}
    return {**event, "data": data}


def _emit_events(workshop_id: int, events: list[dict[str, Any]]) -> None:
    """Broadcast events stored together, in seq order. Compact sockets get a run of moves (the
    moves of one turn of the loop, under load dozens) as one `events` message: one frame and
    one send per socket instead of one per move (docs/protocol.md)."""
    moves: list[dict[str, Any]] = []
    full = events_room(workshop_id, compact=False)
    to_full = _may_have_members(full)
    for event in events:
        if event["type"] == "piece.move":
            if to_full:
                socketio.emit("event", event, to=full)
            moves.append(compact(event))
            continue
        _emit_compact_moves(workshop_id, moves)
        if event["type"] in visibility.VOTE_EVENTS:
            _emit_shaped(workshop_id, event)
        else:
            socketio.emit("event", event, to=room(workshop_id))
    _emit_compact_moves(workshop_id, moves)


def _may_have_members(name: str) -> bool:
    """Whether an emit to this room could reach anyone. python-socketio encodes an event before
    it looks for the room's members; a room of this process's sockets that is empty (no socket
    asked for full moves) is skipped. Through a message queue the members may be elsewhere."""
    manager = socketio.server.manager
    if isinstance(manager, PubSubManager):
        return True
    return next(iter(manager.get_participants("/", name)), None) is not None


def _emit_compact_moves(workshop_id: int, moves: list[dict[str, Any]]) -> None:
    """Send the run of compact moves (alone as an `event`, several as `events`); empty it."""
    to = events_room(workshop_id, compact=True)
    if len(moves) == 1:
        socketio.emit("event", moves[0], to=to)
    elif moves:
        socketio.emit("events", {"events": moves}, to=to)
    moves.clear()


# This app's Presence (planner.presence): shared through Redis when there is a message queue.
presence: Presence = LocalProxy(lambda: current_app.extensions["planner.presence"])  # type: ignore[assignment]


@dataclass
class _Waiting:
    """A live op waiting for the one that gathers this turn's ops to apply it."""

    actor: Actor
    payload: Any
    done: Any  # the async mode's event, set once `outcome` is there
    outcome: Applied | BaseException | None = None


_gather_lock = threading.Lock()
_gathering: dict[int, list[_Waiting]] = {}  # per workshop: the ops of this turn of the loop


def submit(workshop_id: int, actor: Actor, payload: Any) -> Applied:
    """Apply an op through the board and broadcast its event once it is stored. Moves that
    arrive in the same turn of the event loop are applied together (board.apply_each): under
    load one transaction, commit and fsync serve many, each still applied or refused alone."""
    kind = payload.get("type") if isinstance(payload, dict) else None
    if not (isinstance(kind, str) and kind in COMBINABLE):  # any JSON may come: [] is unhashable
        return submit_batch(workshop_id, actor, [payload])[0]
    waiting = _Waiting(actor, payload, socketio.server.eio.create_event())
    with _gather_lock:
        queue = _gathering.setdefault(workshop_id, [])
        queue.append(waiting)
        first = len(queue) == 1
    if first:
        socketio.sleep(0)  # the other handlers of this turn queue theirs meanwhile
        with _gather_lock:
            batch = _gathering.pop(workshop_id)
        _apply_gathered(workshop_id, batch)
    waiting.done.wait()
    if isinstance(waiting.outcome, BaseException):
        raise waiting.outcome
    assert waiting.outcome is not None
    return waiting.outcome


def _apply_gathered(workshop_id: int, batch: list[_Waiting]) -> None:
    """Apply the gathered ops, hand each its answer (or the error that stopped them all)."""
    try:
        outcomes: list[Any] = submit_each(workshop_id, [(w.actor, w.payload) for w in batch])
    except Exception as exc:
        outcomes = [exc] * len(batch)
    for waiting, outcome in zip(batch, outcomes, strict=True):
        waiting.outcome = outcome
        waiting.done.set()


def _publisher(workshop_id: int) -> Callable[[list[Applied]], None]:
    def publish(results: list[Applied]) -> None:
        _emit_events(workshop_id, [applied.event for applied in results if applied.new])

    return publish


def submit_each(workshop_id: int, ops: list[tuple[Actor, Any]]) -> list[Applied | BoardError]:
    """Apply independent moves of several senders together (board.apply_each), broadcast."""
    return apply_each(workshop_id, ops, _publisher(workshop_id))


def submit_batch(workshop_id: int, actor: Actor, payloads: list[Any]) -> list[Applied]:
    """Apply ops all or nothing (imports) and broadcast their events in seq order."""
    results = apply_batch(workshop_id, actor, payloads, _publisher(workshop_id))
    for applied in results:
        if applied.new and applied.event["type"] == "participant.remove":
            disconnect_participant(workshop_id, applied.event["data"]["participant_id"])
    return results


def viewer_room(workshop_id: int, actor: Actor) -> str:
    """Staff share one room; each participant has their own (events shaped per viewer)."""
    if actor.is_staff:
        return f"workshop:{workshop_id}:staff"
    return f"workshop:{workshop_id}:participant:{actor.id}"


def _emit_shaped(workshop_id: int, event: dict[str, Any]) -> None:
    """Vote events: the full event to staff, each participant their own view (same seq)."""
    socketio.emit("event", event, to=f"workshop:{workshop_id}:staff")
    people = db.session.execute(
        sa.select(Participant.id, Participant.group_id).where(
            Participant.workshop_id == workshop_id, Participant.removed_at.is_(None)
        )
    ).all()
    for person_id, group_id in people:
        viewer = Actor("participant", person_id, "", group_id, workshop_id)
        socketio.emit(
            "event", visibility.redact(event, viewer), to=viewer_room(workshop_id, viewer)
        )


def disconnect_participant(workshop_id: int, participant_id: int) -> None:
    """Close a removed participant's open sockets (of this process); their token is refused."""
    sids = [
        sid
        for sid, client in list(presence.clients.items())
        if not client.actor.is_staff
        and client.actor.id == participant_id
        and client.workshop_id == workshop_id
    ]
    for sid in sids:
        socketio.server.disconnect(sid, namespace="/")


HEAD_SECONDS = 5


def announce_heads() -> None:
    """Tell each workshop with sockets here its latest seq. An event committed by a process
    that died before broadcasting it would otherwise stay unseen until the next one; a client
    that is behind the head asks `sync`. The heads are sent once every event they count was
    published (committed events wait for their fsync), or every client would ask for them."""
    workshops = {client.workshop_id for client in list(presence.clients.values())}
    if not workshops:
        return
    rows = db.session.execute(
        sa.select(Workshop.id, Workshop.seq).where(Workshop.id.in_(workshops))
    ).all()
    db.session.rollback()
    durability.when_durable().wait()  # served after every commit before it
    for workshop_id, seq in rows:
        socketio.emit("head", {"seq": seq}, to=room(workshop_id))


def announce_heads_forever(app: Flask) -> None:
    while True:
        socketio.sleep(HEAD_SECONDS)
        with app.app_context():
            _background_job(announce_heads, "announcing heads failed")


def _background_job(job: Callable[[], None], failure: str) -> None:
    """A background task's work, in an app context: a database hiccup is logged (the next run
    or the next change does it again), and the session is given back."""
    try:
        job()
    except Exception:
        log.warning(failure, exc_info=True)
    finally:
        db.session.remove()


def _refuse(code: str) -> ConnectionRefusedError:
    return ConnectionRefusedError(code)


def _client(sid: str) -> Client:
    client = presence.clients.get(sid)
    if client is None:  # the socket was never admitted
        raise BoardError("unauthorized", _("Connect again."))
    return client


def _catch_up(
    workshop: Workshop, since: int | None, viewer: Actor | None = None
) -> tuple[str, dict[str, Any]]:
    """Shaped for the viewer; `server_now` lets clients correct their clock for the timer."""
    now = utcnow().isoformat()
    if since is not None and (events := events_since(workshop, since)) is not None:
        return "events", {"events": visibility.redact_all(events, viewer), "server_now": now}
    board = snapshot(workshop, presence.online(workshop.id), viewer)
    return "snapshot", {**board, "server_now": now}


def _broadcast_presence(workshop_id: int) -> None:
    """Send the participants' online state now, or later, paced (presence.PRESENCE_SECONDS)."""
    wait = presence.list_wait(workshop_id)
    if wait == 0:
        _send_presence(workshop_id)
    elif wait is not None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        socketio.start_background_task(_send_presence_later, app, workshop_id, wait)


def _send_presence_later(app: Flask, workshop_id: int, wait: float) -> None:
    socketio.sleep(wait)
    with app.app_context():
        presence.list_sending(workshop_id)
        _background_job(lambda: _send_presence(workshop_id), "sending presence failed")


def _send_presence(workshop_id: int) -> None:
    """The participants with their online state: one query, not a whole snapshot per connect."""
    people = _participants.dump(
        db.session.scalars(
            sa.select(Participant)
            .where(Participant.workshop_id == workshop_id, Participant.removed_at.is_(None))
            .order_by(Participant.id)
        )
    )
    online = presence.online(workshop_id)
    for person in people:
        person["online"] = person["id"] in online
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
    limit = current_app.config["SOCKETS_PER_PARTICIPANT"]
    if not actor.is_staff and len(presence.sids_of(workshop_id, actor.id)) >= limit:
        raise _refuse("rate_limited")  # one person, many tabs: refuse before joining any room
    # Join the room before reading, so no event falls between the catch-up and live events.
    join_room(room(workshop_id))
    join_room(events_room(workshop_id, args.get("compact", False)))
    join_room(viewer_room(workshop_id, actor))
    presence.add(request.sid, Client(actor, workshop_id))
    request.environ[LOCALE] = select_locale()  # the socket's language, for `op` (see there)
    db.session.rollback()
    name, body = _catch_up(db.session.get(Workshop, workshop_id), args.get("since"), actor)
    emit(name, body)
    if not actor.is_staff:
        _broadcast_presence(workshop_id)


@socketio.on("disconnect")
def on_disconnect(reason: Any = None) -> None:
    current_app.extensions["planner.socket_ops"].forget(request.sid)
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


def _limit_ops(sid: str) -> None:
    """At most SOCKET_OPS_BURST ops per SOCKET_OPS_SECONDS from one socket; the socket stays."""
    window = current_app.extensions["planner.socket_ops"]
    if window.exceeded(sid):
        raise BoardError("rate_limited", _("Too many changes at once. Wait a moment."))
    window.hit(sid)


def on_op(sid: str, payload: Any = None) -> dict[str, Any] | None:
    """`op`, the event of the live path, in an app context but no request context: the one
    Flask-SocketIO pushes for every event (matching the URL, opening the session cookie, the
    teardown) cost ~0.2 ms a move, ~4 % of the server's CPU at 200 clients × 25 moves/s
    (docs/performance.md, fix 23). Registered on the Socket.IO server itself (`register`)."""
    environ = socketio.server.get_environ(sid)
    if environ is None:  # the socket is gone
        return None
    with environ["flask.app"].app_context():
        g.locale = environ.get(LOCALE)  # chosen at connect, from the handshake (select_locale)
        try:
            client = _client(sid)
            if not client.actor.is_staff:  # facilitators' consoles and scripts are trusted
                _limit_ops(sid)
            if _too_large(payload):
                raise BoardError("too_large", _("The change is too large."))
            with drain.track():
                ack = submit(client.workshop_id, client.actor, payload).ack()
            return {**ack, "event": visibility.redact(ack["event"], client.actor)}
        except BoardError as err:
            return {"ok": False, **err.to_dict()}


def register() -> None:
    """The handlers that bypass Flask-SocketIO, on the Socket.IO server of the app just made."""
    socketio.server.on("op", on_op)


@socketio.on("sync")
def on_sync(payload: Any = None) -> dict[str, Any]:
    try:
        client = _client(request.sid)
        args = _sync.load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        return BoardError.from_validation(exc, _("The request is not valid.")).to_dict()
    except BoardError as err:
        return err.to_dict()
    workshop = db.session.get(Workshop, client.workshop_id)
    name, body = _catch_up(workshop, args["since"], client.actor)
    return body if name == "events" else {"snapshot": body}


def _dragging(client: Client, piece_id: int, state: str) -> dict[str, Any]:
    actor = client.actor
    person = {"id": actor.id, "name": actor.name, "group_id": actor.group_id}
    return {"piece_id": piece_id, "participant": person, "state": state}


@socketio.on("drag")
def on_drag(payload: Any = None) -> dict[str, Any]:
    try:
        client = _client(request.sid)
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
