"""Run the server process: bootstrap the first account, say where to open it, serve."""

from __future__ import annotations

from flask import Flask

from planner.auth import bootstrap_admin
from planner.extensions import socketio


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
    socketio.run(app, host=host, port=port, use_reloader=False, log_output=False)
