"""SIGTERM: the server finishes what it acknowledged, tells clients to reconnect, and exits."""

from __future__ import annotations

import signal
import threading

import pytest

from tests.mirror import BoardClient

pytestmark = pytest.mark.slow


def test_sigterm_drains_and_tells_clients(make_live_server):
    server = make_live_server()
    workshop = server.create_workshop()
    client = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    told = threading.Event()
    client.sio.on("restarting", lambda data: told.set())
    acked = [client.op("piece.create", piece={"title": f"P{n}"})["ok"] for n in range(5)]
    assert all(acked)
    server.process.send_signal(signal.SIGTERM)
    assert told.wait(10), "clients were not told to reconnect"
    assert server.process.wait(15) == 0
    restarted = make_live_server(
        server.env.get("PLANNER_DATABASE_URL", "sqlite"), PLANNER_INSTANCE_PATH=str(server.tmp)
    )
    assert len(restarted.snapshot(workshop["id"])["pieces"]) == 5
