"""Convergence: whatever the interleaving of ops, disconnects, offline queues and replays, every
client's copy of the board ends equal to the server's, positions are gapless and no op_id is
applied twice (docs/reliability.md, "Convergence")."""

from __future__ import annotations

import uuid
from typing import Any

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from planner import auth, realtime
from planner.board import Actor, create_workshop, snapshot
from planner.board.errors import HTTP_STATUS, BoardError
from planner.board.registry import OPS
from planner.extensions import db, socketio
from planner.models import Event, Workshop
from planner.ratelimit import SlidingWindow
from planner.realtime import presence, submit
from tests.conftest import Room
from tests.mirror import Mirror

BOGUS = 10**9  # an id nothing has
PHASES = ("placing", "placing", "proposing", "voting", "review", "preparation", "closed")
SNAPSHOT_ONLY = ("votes", "my_votes", "online")
# Every op type, the everyday ones (pieces on the tablets) more often.
COMMON = ("piece.create", "piece.move", "piece.update", "piece.delete", "comment.add", "undo")
KINDS = (*sorted(OPS), *COMMON * 4, "vote.add", "vote.add", "phase.set", "phase.set")


def new_op_id() -> str:
    return str(uuid.uuid4())


class Client:
    """One tablet or console: a Flask-SocketIO test client feeding its own Mirror."""

    def __init__(self, world: World, actor: Actor, token: str) -> None:
        self.world, self.actor, self.token = world, actor, token
        self.mirror = Mirror()
        self.queue: list[dict[str, Any]] = []  # ops made offline, not sent yet
        self.socket = None
        self.connect(since=None)

    def connect(self, since: int | None) -> None:
        auth_data: dict[str, Any] = {"token": self.token}
        if self.actor.is_staff:
            auth_data["workshop_id"] = self.world.id
        else:  # as the tablet page: compact moves; the console here takes whole ones
            auth_data["compact"] = True
        if since is not None:
            auth_data["since"] = since
        self.socket = socketio.test_client(self.world.app, auth=auth_data)
        assert self.socket.is_connected()
        self.deliver()

    @property
    def connected(self) -> bool:
        return self.socket is not None

    def deliver(self, lose: bool = False) -> None:
        """Hand what arrived to the mirror (or lose it in flight: the reconnect must cover it)."""
        messages = self.socket.get_received()
        if lose:
            return
        for message in messages:
            name, body = message["name"], message["args"][0]
            if name == "snapshot":
                self.mirror.load(body)
            elif name == "events":
                for event in body["events"]:
                    self.mirror.receive(event)
            elif name == "event":
                self.mirror.receive(body)

    def send(self, payload: Any) -> dict[str, Any]:
        ack = self.socket.emit("op", payload, callback=True)
        check_ack(ack)
        return ack


def check_ack(ack: Any) -> None:
    assert isinstance(ack, dict), ack
    if ack.get("ok") is True:
        assert isinstance(ack["seq"], int) and ack["event"]["seq"] == ack["seq"], ack
    else:
        assert ack.get("ok") is False and set(ack) == {"ok", "error"}, ack
        assert ack["error"]["code"] in HTTP_STATUS and ack["error"]["message"], ack


class World:
    """A fresh workshop per example, with staff and four participants in two groups."""

    def __init__(self, room: Room) -> None:
        self.app, self.room = room.app, room
        self.staff = room.staff
        self.workshop = create_workshop("Konwergencja", 2027, "smk2030", room.staff_user.id)
        self.id = self.workshop.id
        groups = [self.staff_op("group.create", group={"name": f"Stół {n}"}) for n in (1, 2)]
        self.groups = [g["data"]["group"]["id"] for g in groups]
        self.people: list[tuple[Actor, str]] = []
        for name, group in (("Anna", 0), ("Bartek", 0), ("Celina", 1), ("Ewa", 1)):
            token, person, _ = auth.join(self.workshop.code, name, self.groups[group])
            actor = Actor("participant", person.id, name, person.group_id, self.id)
            self.people.append((actor, token))
        self.ewa = self.people[-1][0]  # has no socket: the facilitator may remove her
        domains = [d["id"] for d in self.state()["domains"]]
        for n, where in enumerate((None, domains[0], domains[0], domains[1])):
            self.staff_op("piece.create", piece={"title": f"Akcja {n}"}, domain_id=where)
        self.clients = [Client(self, self.staff, room.staff_token)]
        self.clients += [Client(self, actor, token) for actor, token in self.people[:3]]

    def staff_op(self, type_: str, **fields: Any) -> dict[str, Any]:
        return submit(self.id, self.staff, {"op_id": new_op_id(), "type": type_, **fields}).event

    def state(self) -> dict[str, Any]:
        db.session.expire_all()
        workshop = db.session.get(Workshop, self.id)
        return snapshot(workshop, presence.online(self.id))


def op_payload(
    draw, world: World, foreign: dict[str, int], kind: str | None = None
) -> dict[str, Any]:
    """An op of any type (or of `kind`), with ids of this board (or of another workshop, or of
    nothing)."""
    board = world.state()
    pieces = [p["id"] for p in board["pieces"]] + [p["id"] for p in board["inbox"]]
    comments = [c["id"] for p in board["pieces"] for c in p["comments"]]
    domains = [d["id"] for d in board["domains"]]
    groups = [g["id"] for g in board["groups"]]

    def pick(ids: list[int], kind: str) -> int:
        return draw(
            st.sampled_from([*ids, *ids, *ids, foreign[kind], BOGUS])
            if ids
            else st.sampled_from([foreign[kind], BOGUS])
        )

    def zone() -> int | None:
        return draw(st.sampled_from([None, *domains, foreign["domain"]]))

    title = st.text(min_size=1, max_size=12).filter(str.strip)
    kind = kind or draw(st.sampled_from(KINDS))
    fields: dict[str, Any] = {}
    if kind == "piece.create":
        fields = {"piece": {"title": draw(title)}, "domain_id": zone()}
        if draw(st.booleans()):
            fields["position"] = draw(st.integers(-2, 12))
    elif kind == "piece.update":
        change = draw(
            st.sampled_from(
                [
                    {"title": draw(title)},
                    {"status": "accepted"},
                    {"quarters": [2, 1]},
                    {"lead": None},
                    {"title": ""},  # refused
                ]
            )
        )
        fields = {"piece_id": pick(pieces, "piece"), "changes": change}
    elif kind == "piece.move":
        fields = {
            "piece_id": pick(pieces, "piece"),
            "domain_id": zone(),
            "position": draw(st.integers(-2, 12)),
        }
    elif kind in ("piece.delete", "vote.add", "vote.remove", "inbox.reject"):
        fields = {"piece_id": pick(pieces, "piece")}
    elif kind == "inbox.accept":
        fields = {"piece_id": pick(pieces, "piece")}
        if draw(st.booleans()):
            fields["domain_id"] = zone()
    elif kind == "group.create":
        fields = {"group": {"name": draw(title)}}
    elif kind == "group.update":
        fields = {"group_id": pick(groups, "group"), "changes": {"name": draw(title)}}
    elif kind == "group.delete":
        fields = {"group_id": pick(groups, "group")}
    elif kind == "domain.create":
        fields = {"domain": {"name": draw(title)}, "position": draw(st.integers(-1, 9))}
    elif kind == "domain.update":
        fields = {"domain_id": pick(domains, "domain"), "changes": {"color": "#1a7f5a"}}
    elif kind == "domain.move":
        fields = {"domain_id": pick(domains, "domain"), "position": draw(st.integers(-1, 9))}
    elif kind == "domain.delete":
        fields = {"domain_id": pick(domains, "domain")}
    elif kind == "partners.set":
        fields = {
            "partners": draw(
                st.lists(st.sampled_from(["Kraków", "Skawina", "Wieliczka"]), unique=True)
            )
        }
    elif kind == "workshop.update":
        fields = {"changes": {"title": draw(title)}}
    elif kind == "participant.remove":
        fields = {"participant_id": draw(st.sampled_from([world.ewa.id, BOGUS]))}
    elif kind == "phase.set":
        fields = {"phase": draw(st.sampled_from([*PHASES, "nie-ma"]))}
    elif kind == "phase.list":
        entries = [
            {
                "key": key,
                "rights": sorted(
                    draw(st.sets(st.sampled_from(["create", "edit", "move", "vote", "comment"])))
                ),
            }
            for key in PHASES[1:]
        ]
        fields = {"phases": entries}
    elif kind == "timer.start":
        fields = {"minutes": draw(st.sampled_from([5, 30]))}
    elif kind == "timer.extend":
        fields = {"minutes": 1}
    elif kind == "board.lock":
        fields = {"locked": draw(st.booleans())}
        target = draw(st.sampled_from(["board", "domain", "piece"]))
        if target == "domain":
            fields["domain_id"] = pick(domains, "domain")
        elif target == "piece":
            fields["piece_id"] = pick(pieces, "piece")
    elif kind == "spotlight.set":
        fields = {"piece_id": draw(st.sampled_from([None, *pieces]))}
    elif kind == "moderation.set":
        fields = {"moderation": draw(st.booleans())}
    elif kind == "voting.open":
        fields = {
            "votes": draw(st.integers(1, 3)),
            "per": draw(st.sampled_from(["participant", "group"])),
        }
    elif kind == "comment.add":
        fields = {"piece_id": pick(pieces, "piece"), "text": draw(title)}
        if comments and draw(st.booleans()):
            fields["parent_id"] = draw(st.sampled_from(comments))
    elif kind == "comment.delete":
        fields = {"comment_id": pick(comments, "comment")}
    elif kind == "revert":
        fields = {"seq": draw(st.integers(1, board["seq"] + 1))}
    return {"op_id": new_op_id(), "type": kind, **fields}


def normal_piece(piece: dict[str, Any]) -> dict[str, Any]:
    """A piece as the mirror models it: without snapshot-only counts, comments defaulting."""
    piece = {k: v for k, v in piece.items() if k not in SNAPSHOT_ONLY}
    piece.setdefault("comments", [])
    piece.setdefault("comment_count", len(piece["comments"]))
    return piece


def modelled(board: dict[str, Any]) -> dict[str, Any]:
    return {
        "workshop": board["workshop"],
        "domains": board["domains"],
        "groups": board["groups"],
        "partners": board["partners"],
        "pieces": {p["id"]: normal_piece(p) for p in board["pieces"]},
        "seq": board["seq"],
    }


class Convergence(RuleBasedStateMachine):
    room: Room
    foreign: dict[str, int]

    def __init__(self) -> None:
        super().__init__()
        self.world = World(self.room)
        self.applied: dict[str, int] = {}  # op_id → seq, from ok acks
        self.sent: list[tuple[Client, dict[str, Any], dict[str, Any]]] = []

    def _send(self, client: Client, payload: dict[str, Any]) -> None:
        ack = client.send(payload)
        if ack["ok"]:
            assert self.applied.setdefault(payload["op_id"], ack["seq"]) == ack["seq"]
        self.sent.append((client, payload, ack))

    def _online(self) -> list[Client]:
        return [c for c in self.world.clients if c.connected]

    @precondition(lambda self: any(c.connected for c in self.world.clients))
    @rule(data=st.data())
    def send_op(self, data):
        client = data.draw(st.sampled_from(self._online()))
        self._send(client, op_payload(data.draw, self.world, self.foreign))

    @precondition(lambda self: any(c.connected for c in self.world.clients))
    @rule(data=st.data(), count=st.integers(2, 5))
    def send_burst(self, data, count):
        """Several people at once: their ops interleave."""
        for _ in range(count):
            client = data.draw(st.sampled_from(self._online()))
            self._send(client, op_payload(data.draw, self.world, self.foreign))

    @precondition(lambda self: any(c.connected for c in self.world.clients))
    @rule(data=st.data(), count=st.integers(2, 5))
    def move_together(self, data, count):
        """Moves of several tablets in one turn of the server's loop, gathered as the socket
        handler gathers them: one transaction, and one `events` message to compact sockets."""
        ops = []
        for _ in range(count):
            client = data.draw(st.sampled_from(self._online()))
            ops.append((client, op_payload(data.draw, self.world, self.foreign, "piece.move")))
        answers = realtime.submit_each(self.world.id, [(c.actor, p) for c, p in ops])
        for (client, payload), answer in zip(ops, answers, strict=True):
            if isinstance(answer, BoardError):
                ack = {"ok": False, **answer.to_dict()}
            else:
                ack = answer.ack()
                assert self.applied.setdefault(payload["op_id"], ack["seq"]) == ack["seq"]
            check_ack(ack)
            self.sent.append((client, payload, ack))

    @rule(data=st.data())
    def make_op_offline(self, data):
        """An op made without a connection: queued with its op_id, sent later."""
        client = data.draw(st.sampled_from(self.world.clients))
        client.queue.append(op_payload(data.draw, self.world, self.foreign))

    @precondition(lambda self: any(c.connected and c.queue for c in self.world.clients))
    @rule(data=st.data())
    def flush_queue(self, data):
        client = data.draw(st.sampled_from([c for c in self._online() if c.queue]))
        for payload in client.queue:
            self._send(client, payload)
            if data.draw(st.booleans()):  # the ack was lost: the client sends it again
                again = client.send(payload)
                if self.applied.get(payload["op_id"]) is not None:
                    assert again["ok"] and again["seq"] == self.applied[payload["op_id"]]
        client.queue.clear()

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def replay(self, data):
        """A stored op_id sent again, even with other fields: answered as before, not applied."""
        client, payload, _ = data.draw(st.sampled_from(self.sent))
        if not client.connected or payload["op_id"] not in self.applied:
            return
        changed = {**payload, "title": "inny"} if data.draw(st.booleans()) else payload
        before = self.world.state()["seq"]
        ack = client.send(changed)
        assert ack["ok"] and ack["seq"] == self.applied[payload["op_id"]]
        assert self.world.state()["seq"] == before

    @precondition(lambda self: any(c.connected for c in self.world.clients))
    @rule(data=st.data())
    def deliver(self, data):
        data.draw(st.sampled_from(self._online())).deliver()

    @precondition(lambda self: any(c.connected for c in self.world.clients))
    @rule(data=st.data(), lose=st.booleans())
    def disconnect(self, data, lose):
        """Wi-Fi drops; what was in flight may be lost."""
        client = data.draw(st.sampled_from(self._online()))
        client.deliver(lose=lose)
        client.socket.disconnect()
        client.socket = None

    @precondition(lambda self: any(not c.connected for c in self.world.clients))
    @rule(data=st.data(), with_since=st.booleans())
    def reconnect(self, data, with_since):
        client = data.draw(st.sampled_from([c for c in self.world.clients if not c.connected]))
        client.connect(since=client.mirror.seq if with_since else None)

    def teardown(self) -> None:
        for client in self.world.clients:
            if client.connected:
                client.deliver()
            else:
                client.connect(since=client.mirror.seq)
            for payload in client.queue:  # the last offline ops go out too
                self._send(client, payload)
        for client in self.world.clients:
            client.deliver()
        self.check()
        for client in self.world.clients:
            client.socket.disconnect()

    def check(self) -> None:
        world = self.world
        full = world.state()
        db.session.expire_all()
        workshop = db.session.get(Workshop, world.id)
        # the log: seq gapless, every op_id once, every ok ack's op stored with its seq
        rows = db.session.execute(
            sa.select(Event.seq, Event.op_id).where(Event.workshop_id == world.id)
        ).all()
        assert sorted(seq for seq, _ in rows) == list(range(1, full["seq"] + 1))
        by_op = {}
        for seq, op_id in rows:
            assert op_id not in by_op, f"op_id {op_id} applied twice"
            by_op[op_id] = seq
        for op_id, seq in self.applied.items():
            assert by_op.get(op_id) == seq
        # positions gapless in every zone, domains too
        zones: dict[int | None, list[int]] = {}
        for piece in full["pieces"]:
            zones.setdefault(piece["domain_id"], []).append(piece["position"])
        for positions in zones.values():
            assert sorted(positions) == list(range(len(positions)))
        assert [d["position"] for d in full["domains"]] == list(range(len(full["domains"])))
        # every client's copy equals the server's board as that client may see it
        for client in world.clients:
            mirror = client.mirror
            assert mirror.seen == sorted(set(mirror.seen))  # no seq applied twice
            expected = modelled(snapshot(workshop, presence.online(world.id), client.actor))
            got = mirror.board()
            got["pieces"] = {pid: normal_piece(p) for pid, p in got["pieces"].items()}
            inbox = got.pop("inbox")
            assert got == expected, client.actor.name
            if client.actor.is_staff:
                assert inbox == sorted(p["id"] for p in full["inbox"])


def _foreign_ids(room: Room) -> dict[str, int]:
    """Ids that exist, but in another workshop: they must be answered as not found."""
    piece = room.create(title="Cudza")
    comment = room.op(room.staff, "comment.add", piece_id=piece["id"], text="cudzy")
    return {
        "piece": piece["id"],
        "domain": room.domains[0]["id"],
        "group": room.groups[0]["id"],
        "comment": comment["data"]["comment"]["id"],
    }


def test_every_client_converges_on_the_server_board(room: Room, monkeypatch):
    # The convergence, not the op rate, is under test here (see test_limits.py).
    monkeypatch.setitem(room.app.extensions, "planner.socket_ops", SlidingWindow(10**9, 1))
    machine = type("Machine", (Convergence,), {"room": room, "foreign": _foreign_ids(room)})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
