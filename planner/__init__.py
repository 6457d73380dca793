"""Układanka: a real-time collaborative board for an association's annual programme of work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_babel
import sqlalchemy as sa
from flask import Flask, g, has_request_context, request, session
from flask_migrate import upgrade
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from planner.config import ROOT, Config
from planner.extensions import babel, db, migrate, socketio
from planner.i18n import compile_catalogs
from planner.presence import make_presence
from planner.ratelimit import SlidingWindow, make_window

MAX_SOCKET_MESSAGE = 2 * 1024 * 1024  # bigger frames are cut off by Engine.IO


def select_locale() -> str:
    """The language chosen with the switch, else the browser's preference, else Polish; with
    no request (a socket's `op`, planner.realtime) the one put on `g`, else Polish."""
    if not has_request_context():
        return g.get("locale") or "pl"
    chosen = session.get("lang")
    if chosen in ("pl", "en"):
        return chosen
    return request.accept_languages.best_match(("pl", "en")) or "pl"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers go on during a write; FULL sync makes a commit durable (served, the
    server syncs commits in groups instead: planner/durability.py)."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: ids beyond 2**53 (what the database and browsers hold) are not found,
    instead of overflowing the database driver (found by fuzzing: a 500)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**53)
        super().__init__(map, *args, **kwargs)


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    config = Config().as_dict()
    config.update(test_config or {})
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(config["INSTANCE_PATH"]),
    )
    app.config.update(config)
    app.json.ensure_ascii = False
    if proxies := app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    translations = compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"] if not app.config["TESTING"] else "threading",
        message_queue=app.config["MESSAGE_QUEUE"],
        channel=f"{app.config['REDIS_PREFIX']}:socketio",
        max_http_buffer_size=MAX_SOCKET_MESSAGE,
    )
    app.extensions["planner.presence"] = make_presence(app.config)
    app.extensions["planner.join_failures"] = make_window(
        app.config, "join", app.config["JOIN_FAILURES_PER_MINUTE"], 60
    )
    # Per socket, so in this process only (a socket lives in one process).
    app.extensions["planner.socket_ops"] = SlidingWindow(
        app.config["SOCKET_OPS_BURST"], app.config["SOCKET_OPS_SECONDS"]
    )

    # importing realtime registers the socket handlers
    from planner import api, cli, pages_transfer, realtime, views

    app.cli.add_command(cli.translations)
    app.url_map.converters["int"] = IdConverter
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(pages_transfer.bp)
    realtime.route_handshake_path(app)
    realtime.register()
    app.after_request(_security_headers)
    # The language is cached on `g`; a request inside an app context that is already open
    # (tests, CLI) must still choose its own.
    app.before_request(flask_babel.refresh)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)
            db.engine.dispose()  # reconnect so every pooled connection gets the pragmas
        upgrade(directory=str(ROOT / "migrations"))
    return app
