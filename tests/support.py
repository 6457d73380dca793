"""Helpers the tests share: real services, a real server process, small clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("PLANNER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PLANNER_TEST_REDIS", "redis://127.0.0.1:6379/0")


def need(available: bool, reason: str) -> None:
    """Skip loudly when a service is absent here; in CI the same absence is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(f"SKIPPED — {reason}")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def op_id() -> str:
    return str(uuid.uuid4())


def fresh_pg_database(prefix: str = "planner_test") -> str:
    """Create an empty PostgreSQL database of our own and return its URL."""
    import psycopg2

    need(port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(PG_ADMIN_URL.replace("postgresql://", "postgres://"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


class LiveServer:
    """run.py started as a subprocess on a free port, with its own database."""

    ADMIN = ("admin", "admin-password-1")

    def __init__(self, tmp: Path, database_url: str | None = None, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tmp
        self.env = {
            **os.environ,
            "PLANNER_PORT": str(self.port),
            "PLANNER_INSTANCE_PATH": str(tmp),
            "PLANNER_ADMIN_USER": self.ADMIN[0],
            "PLANNER_ADMIN_PASSWORD": self.ADMIN[1],
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        if database_url:
            self.env["PLANNER_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self._staff_token: str | None = None
        self.root = ROOT  # the tree whose run.py is started (a benchmark may point elsewhere)

    def start(self, timeout: float = 30) -> LiveServer:
        with open(self.tmp / f"server-{self.port}.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(self.root / "run.py")],
                cwd=self.root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)  # polling for the port to open, not synchronising on events
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def restart(self) -> LiveServer:
        """Start again on the same port and database (after kill or stop)."""
        return self.start()

    def log(self) -> str:
        path = self.tmp / f"server-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    # --- REST conveniences -------------------------------------------------------------

    def api(
        self, method: str, path: str, json: Any = None, token: str | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.url + path, json=json, headers=headers, timeout=10)

    @property
    def staff_token(self) -> str:
        if self._staff_token is None:
            answer = self.api(
                "POST", "/api/login", {"username": self.ADMIN[0], "password": self.ADMIN[1]}
            )
            answer.raise_for_status()
            self._staff_token = answer.json()["token"]
        return self._staff_token

    def create_workshop(self, title: str = "Warsztat", year: int = 2027, template: str = "smk2030"):
        answer = self.api(
            "POST",
            "/api/workshops",
            {"title": title, "year": year, "template": template},
            self.staff_token,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["workshop"]

    def add_group(self, workshop_id: int, name: str) -> dict:
        answer = self.api(
            "POST", f"/api/workshops/{workshop_id}/groups", {"name": name}, self.staff_token
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["group"]

    def join(self, code: str, name: str, group_id: int | None = None) -> dict:
        answer = self.api("POST", "/api/join", {"code": code, "name": name, "group_id": group_id})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def snapshot(self, workshop_id: int, token: str | None = None) -> dict:
        answer = self.api(
            "GET", f"/api/workshops/{workshop_id}/board", token=token or self.staff_token
        )
        assert answer.status_code == 200, answer.text
        return answer.json()
