"""Nothing acknowledged is lost: SIGKILL mid-stream, restart, clients come back by themselves;
and a backup taken while ops stream in is a consistent board."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import psycopg2
import pytest
import requests

from tests.mirror import BoardClient
from tests.support import ROOT, drop_pg_database, fresh_pg_database

pytestmark = pytest.mark.slow


def _stream(client: BoardClient, domains: list[int], acked: list[int], stop: threading.Event):
    n = 0
    while not stop.is_set():
        try:
            ack = client.op("piece.create", piece={"title": f"P{n}"}, domain_id=domains[n % 7])
        except Exception:  # the server died with this op in flight: it was never acknowledged
            return
        if ack.get("ok"):
            acked.append(ack["event"]["data"]["piece"]["id"])
        n += 1


def _wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)  # waiting for a count to grow under load, not for one event
    return condition()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_sigkill_mid_stream_loses_nothing_and_clients_converge(make_live_server, database):
    server = make_live_server(database)
    workshop = server.create_workshop()
    group = server.add_group(workshop["id"], "Stół")
    domains = [d["id"] for d in server.snapshot(workshop["id"])["domains"]]
    writers = [
        BoardClient(
            server.url, server.join(workshop["code"], n, group["id"])["token"], reconnect=True
        ).connect()
        for n in ("Anna", "Jan")
    ]
    watcher = BoardClient(server.url, server.staff_token, workshop["id"], reconnect=True).connect()
    acked: list[int] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_stream, args=(w, domains, acked, stop)) for w in writers]
    for t in threads:
        t.start()
    assert _wait_for(lambda: len(acked) >= 30)
    server.kill()
    stop.set()
    for t in threads:
        t.join()
    server.restart()
    board = server.snapshot(workshop["id"])
    ids = [p["id"] for p in board["pieces"]]
    assert set(acked) <= set(ids) and len(ids) == len(set(ids))
    for domain in domains:
        positions = sorted(p["position"] for p in board["pieces"] if p["domain_id"] == domain)
        assert positions == list(range(len(positions)))
    # nobody reconnects them: they come back by themselves and catch up
    for client in (*writers, watcher):
        assert client.mirror.wait_for_seq(board["seq"], timeout=30)
        assert client.mirror.layout() == {
            p["id"]: (p["domain_id"], p["position"]) for p in board["pieces"]
        }
    assert _wait_for(lambda: all(c.sio.connected for c in (*writers, watcher)), 30)
    ack = writers[0].op("piece.create", piece={"title": "po restarcie"})
    assert ack["ok"] and ack["seq"] == board["seq"] + 1
    assert watcher.mirror.wait_for_seq(ack["seq"])
    for client in (*writers, watcher):
        client.close()


def _check_consistent(rows_workshop, rows_events, rows_pieces) -> None:
    (seq,) = rows_workshop
    assert sorted(rows_events) == list(range(1, seq + 1))
    zones: dict = {}
    for domain_id, position in rows_pieces:
        zones.setdefault(domain_id, []).append(position)
    for positions in zones.values():
        assert sorted(positions) == list(range(len(positions)))


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_backup_while_running_is_consistent(make_live_server, tmp_path, database):
    server = make_live_server(database)
    workshop = server.create_workshop()
    domains = [d["id"] for d in server.snapshot(workshop["id"])["domains"]]
    client = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    acked: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_stream, args=(client, domains, acked, stop))
    writer.start()
    assert _wait_for(lambda: len(acked) >= 10)
    target = tmp_path / ("copy.db" if database == "sqlite" else "copy.dump")
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "backup", str(target)],
        env=server.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    count_at_backup = len(acked)
    stop.set()
    writer.join()
    client.close()
    assert done.returncode == 0, done.stderr
    wid = workshop["id"]
    queries = (
        f"SELECT seq FROM workshop WHERE id = {wid}",
        f"SELECT seq FROM event WHERE workshop_id = {wid}",
        f"SELECT domain_id, position FROM piece WHERE workshop_id = {wid}",
    )
    if database == "sqlite":
        conn = sqlite3.connect(target)
        workshop_row = conn.execute(queries[0]).fetchone()
        events = [r[0] for r in conn.execute(queries[1])]
        pieces = conn.execute(queries[2]).fetchall()
        conn.close()
    else:
        url = fresh_pg_database("planner_restore")
        try:
            subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(target)], check=True)
            conn = psycopg2.connect(url)
            with conn.cursor() as cur:
                cur.execute(queries[0])
                workshop_row = cur.fetchone()
                cur.execute(queries[1])
                events = [r[0] for r in cur.fetchall()]
                cur.execute(queries[2])
                pieces = cur.fetchall()
            conn.close()
        finally:
            drop_pg_database(url)
    _check_consistent(workshop_row, events, pieces)
    assert 10 <= len(pieces) <= count_at_backup + 2  # a copy of a moment during the stream


def test_a_lost_broadcast_is_caught_up_from_the_head(make_live_server):
    """An event stored without being broadcast (its process died in between) reaches clients:
    the server announces its head seq every few seconds and a client behind it syncs."""
    server = make_live_server()
    workshop = server.create_workshop()
    client = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    seq = server.snapshot(workshop["id"])["seq"]
    with sqlite3.connect(server.tmp / "planner.db") as conn:  # as a dying process left it
        conn.execute(
            "INSERT INTO event (workshop_id, seq, op_id, type, actor, data, at) VALUES"
            " (?, ?, 'lost-broadcast', 'group.create', '{}', ?, CURRENT_TIMESTAMP)",
            (workshop["id"], seq + 1, '{"group": {"id": 999, "name": "x", "color": "#000000"}}'),
        )
        conn.execute("UPDATE workshop SET seq = ? WHERE id = ?", (seq + 1, workshop["id"]))
    assert client.mirror.wait_for_seq(seq + 1, timeout=15)
    client.close()


def test_healthz_counts_the_fsyncs_every_event_waits_for(make_live_server):
    """On SQLite the running server reports its group commit's fsyncs (a slow disk shows)."""
    server = make_live_server()
    workshop = server.create_workshop()
    domains = [d["id"] for d in server.snapshot(workshop["id"])["domains"]]
    before = requests.get(f"{server.url}/healthz", timeout=5).json()
    client = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    ack = client.op("piece.create", piece={"title": "P"}, domain_id=domains[0])
    after = requests.get(f"{server.url}/healthz", timeout=5).json()
    client.close()
    assert ack["ok"] and before["status"] == after["status"] == "ok"
    assert after["disk"]["fsyncs"] > before["disk"]["fsyncs"] > 0
    assert set(after["disk"]) == {"fsyncs", "slow_fsyncs", "slowest_fsync_ms"}
