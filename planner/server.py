"""Run the server process: bootstrap the first account, say where to open it, serve."""

from __future__ import annotations

import gc
import logging
import socket

from flask import Flask

from planner import durability, logs, shutdown
from planner.auth import bootstrap_admin
from planner.extensions import db, socketio
from planner.presence import HEARTBEAT_SECONDS, RedisPresence
from planner.realtime import announce_heads_forever
from planner.retention import CHECK_SECONDS, anonymise_due

log = logging.getLogger(__name__)


def _heartbeat(presence: RedisPresence) -> None:
    """Tell the other processes this one is alive, so they count its participants online."""
    while True:
        try:
            presence.heartbeat()
        except Exception:
            log.warning("presence heartbeat failed", exc_info=True)
        socketio.sleep(HEARTBEAT_SECONDS)


def _anonymise(app: Flask) -> None:
    """Personal data retention (planner/retention.py)."""
    with app.app_context():
        try:
            anonymise_due(app.config["RETENTION_DAYS"])
        except Exception:
            log.warning("anonymising participants failed", exc_info=True)
        finally:
            db.session.remove()


def _anonymise_daily(app: Flask) -> None:
    while True:
        socketio.sleep(CHECK_SECONDS)
        _anonymise(app)


def run_server(app: Flask) -> None:
    host, port = app.config["HOST"], app.config["PORT"]
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    url = f"http://{shown_host}:{port}/"
    setup_token = bootstrap_admin(app)
    print(f"Układanka is running: open {url}", flush=True)
    if setup_token:
        print(
            f"First start: create the first staff account at {url}setup/{setup_token}", flush=True
        )
    logs.configure(port)
    shutdown.install()
    socketio.start_background_task(announce_heads_forever, app)
    _anonymise(app)  # before serving: no name past its retention is served
    socketio.start_background_task(_anonymise_daily, app)
    if isinstance(presence := app.extensions["planner.presence"], RedisPresence):
        socketio.start_background_task(_heartbeat, presence)
    durability.install(app, socketio.server.eio.async_mode)
    tune_gc()
    _serve(app, _listener(host, port))


def _listener(host: str, port: int) -> socket.socket:
    """TCP_NODELAY is inherited by accepted sockets on Linux: small Socket.IO frames (acks,
    events) leave at once instead of waiting ~40 ms for Nagle's algorithm."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def tune_gc() -> None:
    """Keep the collector's pauses short under load: what start-up made (modules, the app, the
    schemas) is frozen out of every later collection, and the young generation is collected less
    often (pauses of 70–80 ms were seen at 500 clients with the defaults)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _serve(app: Flask, sock: socket.socket) -> None:
    """What socketio.run does for each async mode, on our own listening socket."""
    mode = socketio.server.eio.async_mode
    if not _serve_wsgi(app, sock, mode):
        sock.close()
        host, port = app.config["HOST"], app.config["PORT"]
        socketio.run(app, host=host, port=port, use_reloader=False, log_output=False)


def _serve_wsgi(app: Flask, sock: socket.socket, mode: str) -> bool:
    """Serve on `sock` with the green-thread WSGI server of `mode`; False for other modes."""
    if mode == "eventlet":
        import eventlet.wsgi

        eventlet.wsgi.server(sock, app, log_output=False)
    elif mode == "gevent":
        from gevent import pywsgi

        pywsgi.WSGIServer(sock, app, log=None).serve_forever()
    else:
        return False
    return True
