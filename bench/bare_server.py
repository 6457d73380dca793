"""The limit of our stack: a bare Flask-SocketIO server that only re-broadcasts a move.

    python bench/bare_server.py PORT [eventlet|gevent]

Same async mode, same listening socket (TCP_NODELAY, backlog), the same garbage-collector
tuning as planner/server.py, the same rules for the Socket.IO path
(planner.realtime.route_handshake_path), and the same `op` → ack and `event` → room shape as our
protocol; but no authentication, validation, database or event log: the `op` handler numbers the
move, broadcasts it to everyone and acknowledges it.
"""

from __future__ import annotations

import sys
import warnings

PORT = int(sys.argv[1])
MODE = sys.argv[2] if len(sys.argv) > 2 else "eventlet"
if MODE == "eventlet":
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
else:
    from gevent import monkey

    monkey.patch_all()

from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

from planner.realtime import route_handshake_path  # noqa: E402
from planner.server import _listener, _serve_wsgi, tune_gc  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE, max_http_buffer_size=2 * 1024 * 1024)
ROOM = "workshop"
state = {"seq": 0}
ACTOR = {"id": 1, "name": "bench", "group_id": None, "role": "participant"}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


route_handshake_path(app)  # as our app: no NotFound kept in each event's request context


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    join_room(ROOM)


@socketio.on("op")
def on_op(payload: Any = None) -> dict[str, Any]:
    state["seq"] += 1
    event = {
        "seq": state["seq"],
        "type": payload.get("type"),
        "op_id": payload.get("op_id"),
        "actor": ACTOR,
        "at": datetime.now(UTC).isoformat(),
        "data": payload,
    }
    socketio.emit("event", event, to=ROOM)
    return {"ok": True, "seq": event["seq"], "event": event}


if __name__ == "__main__":
    tune_gc()
    print(f"bare server on 127.0.0.1:{PORT} ({MODE})", flush=True)
    _serve_wsgi(app, _listener("127.0.0.1", PORT), MODE)
