"""Configuration, read once from the environment (see docs/protocol.md for the variables)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """Use PLANNER_SECRET_KEY, else a key generated once and kept in instance/."""
    if key := os.environ.get("PLANNER_SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url(raw: str | None, instance: Path) -> str:
    """Accept a plain postgresql:// URL and pick the driver that cooperates with green threads."""
    if not raw:
        return f"sqlite:///{instance / 'planner.db'}"
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg2://" + raw[len(prefix) :]
    return raw


class Config:
    """Settings for one app instance; tests pass overrides to create_app."""

    def __init__(self, instance: Path | None = None) -> None:
        env = os.environ
        self.INSTANCE_PATH = Path(env.get("PLANNER_INSTANCE_PATH") or instance or ROOT / "instance")
        self.SECRET_KEY = _secret_key(self.INSTANCE_PATH)
        self.SQLALCHEMY_DATABASE_URI = database_url(
            env.get("PLANNER_DATABASE_URL"), self.INSTANCE_PATH
        )
        self.MESSAGE_QUEUE = env.get("PLANNER_MESSAGE_QUEUE") or None
        # Prefix of every Redis key and channel, so several deployments can share one Redis.
        self.REDIS_PREFIX = env.get("PLANNER_REDIS_PREFIX", "planner")
        self.ASYNC_MODE = env.get("PLANNER_ASYNC_MODE", "eventlet")
        self.HOST = env.get("PLANNER_HOST", "127.0.0.1")
        self.PORT = int(env.get("PLANNER_PORT", "5000"))
        # Behind nginx: how many proxies set X-Forwarded-For (the join limit is per real address).
        self.PROXY_COUNT = int(env.get("PLANNER_PROXY_COUNT", "0"))
        self.ADMIN_USER = env.get("PLANNER_ADMIN_USER") or None
        self.ADMIN_PASSWORD = env.get("PLANNER_ADMIN_PASSWORD") or None
        # Staff tokens and sessions expire; participants stay in for the whole workshop.
        self.STAFF_TOKEN_HOURS = int(env.get("PLANNER_STAFF_TOKEN_HOURS", "12"))
        self.JOIN_FAILURES_PER_MINUTE = int(env.get("PLANNER_JOIN_FAILURES_PER_MINUTE", "10"))
        # Ops one socket may send per window (a fast drag is ~10/s; a burst of 40 in 2 s passes).
        self.SOCKET_OPS_BURST = int(env.get("PLANNER_SOCKET_OPS_BURST", "40"))
        self.SOCKET_OPS_SECONDS = float(env.get("PLANNER_SOCKET_OPS_SECONDS", "2"))
        # Sockets one participant may hold open at once (per server process).
        self.SOCKETS_PER_PARTICIPANT = int(env.get("PLANNER_SOCKETS_PER_PARTICIPANT", "5"))
        # Days a workshop stays closed before its participants' names are replaced by labels.
        self.RETENTION_DAYS = float(env.get("PLANNER_RETENTION_DAYS", "30"))
        self.BABEL_DEFAULT_LOCALE = "pl"
        self.LANGUAGES = ("pl", "en")
        self.MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # uploads (imports); JSON bodies are capped lower
        self.MAX_JSON_BYTES = 64 * 1024
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {}
        self.TESTING = False

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
