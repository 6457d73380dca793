"""Fixtures: a fresh app and database per test, a workshop with people in it, socket clients."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

# Before the app is imported: no key file and no database in the working tree.
os.environ.setdefault("PLANNER_SECRET_KEY", "test-secret-key")
os.environ.setdefault("PLANNER_INSTANCE_PATH", tempfile.mkdtemp(prefix="planner-tests-"))

from planner import auth, create_app
from planner.board import Actor, BoardError, apply_op, create_workshop, snapshot
from planner.extensions import socketio
from planner.realtime import presence, submit
from tests.support import LiveServer, drop_pg_database, fresh_pg_database, op_id


def make_app(tmp_path: Path, database_url: str | None = None):
    from planner.config import database_url as to_url

    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": to_url(database_url, tmp_path),
        }
    )


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        yield app


@pytest.fixture
def pg_app(tmp_path):
    url = fresh_pg_database()
    app = make_app(tmp_path, url)
    try:
        with app.app_context():
            yield app
    finally:
        from planner.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_pg_database(url)


class Room:
    """A workshop with a staff member and participants in two groups, and ways to act in it."""

    def __init__(self, app) -> None:
        self.app = app
        self.staff_user = auth.create_staff_user("facilitator", "a-long-password")
        self.staff_token = auth.issue_staff_token(self.staff_user)
        self.staff = Actor("staff", self.staff_user.id, "facilitator")
        self.workshop = create_workshop("Warsztaty RPP", 2027, "smk2030", self.staff_user.id)
        self.id = self.workshop.id
        self.groups = [self.group(f"Stół {n}") for n in (1, 2)]
        self.tokens: dict[int, str] = {}

    @property
    def domains(self) -> list[dict[str, Any]]:
        return self.snapshot()["domains"]

    def group(self, name: str) -> dict[str, Any]:
        applied = submit(
            self.id, self.staff, {"op_id": op_id(), "type": "group.create", "group": {"name": name}}
        )
        return applied.event["data"]["group"]

    def participant(self, name: str, group: int = 0) -> Actor:
        token, person, _ = auth.join(self.workshop.code, name, self.groups[group]["id"])
        self.tokens[person.id] = token
        return Actor("participant", person.id, person.name, person.group_id, self.id)

    def op(self, actor: Actor, type_: str, **fields: Any) -> dict[str, Any]:
        """Apply an op; the event on success, the error body when refused."""
        try:
            return apply_op(self.id, actor, {"op_id": op_id(), "type": type_, **fields}).event
        except BoardError as err:
            return err.to_dict()

    def create(self, actor: Actor | None = None, title: str = "Akcja", **fields: Any) -> dict:
        """Create a piece; domain_id and position go to the op, the rest into the piece."""
        where = {k: fields.pop(k) for k in ("domain_id", "position") if k in fields}
        piece = {"title": title, **fields}
        event = self.op(actor or self.staff, "piece.create", piece=piece, **where)
        assert "error" not in event, event
        return event["data"]["piece"]

    def snapshot(self) -> dict[str, Any]:
        from planner.extensions import db

        db.session.refresh(self.workshop)
        return snapshot(self.workshop, presence.online(self.id))

    def zones(self) -> dict[int | None, list[int]]:
        """Piece ids per zone, in position order (as every client must show them)."""
        result: dict[int | None, list[tuple[int, int]]] = {}
        for piece in self.snapshot()["pieces"]:
            result.setdefault(piece["domain_id"], []).append((piece["position"], piece["id"]))
        return {zone: [pid for _, pid in sorted(items)] for zone, items in result.items()}

    def socket(self, token: str | None = None, **auth_fields: Any):
        auth_data = {"token": token or self.staff_token, **auth_fields}
        if token is None or token == self.staff_token:
            auth_data.setdefault("workshop_id", self.id)
        return socketio.test_client(self.app, auth=auth_data)


@pytest.fixture
def room(app) -> Room:
    return Room(app)


@pytest.fixture
def live_server(tmp_path_factory):
    """The real server (run.py) on SQLite, for the whole session."""
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


@pytest.fixture
def make_live_server(tmp_path_factory):
    """Start real servers on demand (SQLite or PostgreSQL); all are stopped afterwards."""
    started: list[LiveServer] = []
    databases: list[str] = []

    def start(database: str = "sqlite", **env: str) -> LiveServer:
        """database: "sqlite", "postgres" (a fresh database), or the URL of an existing one."""
        url = None if database == "sqlite" else database
        if database == "postgres":
            url = fresh_pg_database()
            databases.append(url)
        server = LiveServer(tmp_path_factory.mktemp("live"), url, **env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    for url in databases:
        drop_pg_database(url)
