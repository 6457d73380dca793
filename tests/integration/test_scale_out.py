"""Several server processes on one PostgreSQL and one Redis, as deployed (docs/deploy.md)."""

from __future__ import annotations

import random
import threading
import time
import uuid

import psycopg2
import pytest
import requests

from tests.mirror import BoardClient
from tests.support import REDIS_URL, need, port_open

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(make_live_server):
    """Two processes sharing a fresh PostgreSQL database and Redis under their own key prefix."""
    need(port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    env = {
        "PLANNER_MESSAGE_QUEUE": REDIS_URL,
        "PLANNER_REDIS_PREFIX": f"planner-test-{uuid.uuid4().hex[:8]}",
    }
    first = make_live_server("postgres", **env)
    second = make_live_server(first.env["PLANNER_DATABASE_URL"], **env)
    return first, second


def seat(server, workshop, group_id, name) -> BoardClient:
    joined = server.join(workshop["code"], name, group_id)
    return BoardClient(server.url, joined["token"]).connect()


def test_clients_on_two_processes_share_one_order(cluster):
    a, b = cluster
    workshop = a.create_workshop()
    group = a.add_group(workshop["id"], "Stół 1")
    domains = [d["id"] for d in a.snapshot(workshop["id"])["domains"]]
    clients = [
        seat(a, workshop, group["id"], "Anna"),
        seat(a, workshop, group["id"], "Jan"),
        seat(b, workshop, group["id"], "Ewa"),
        seat(b, workshop, group["id"], "Olek"),
    ]
    pieces = [
        clients[n % 4].op("piece.create", piece={"title": f"A{n}"})["event"]["data"]["piece"]["id"]
        for n in range(10)
    ]

    def mover(client, seed):
        rnd = random.Random(seed)
        for _ in range(20):
            ack = client.op(
                "piece.move",
                piece_id=rnd.choice(pieces),
                domain_id=rnd.choice([None, *domains]),
                position=rnd.randint(0, 5),
            )
            assert ack["ok"], ack

    threads = [threading.Thread(target=mover, args=(c, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = b.snapshot(workshop["id"])
    assert final == {**a.snapshot(workshop["id"]), "participants": final["participants"]}
    expected = {p["id"]: (p["domain_id"], p["position"]) for p in final["pieces"]}
    applied = []
    for client in clients:
        assert client.mirror.wait_for_seq(final["seq"])
        assert client.mirror.layout() == expected
        # Each process publishes its own events, so they may arrive out of order across
        # processes; every event arrives exactly once and is applied in seq order.
        received = sorted(e["seq"] for e in client.events)
        assert received == list(range(received[0], final["seq"] + 1))
        applied.append({e["seq"]: e["op_id"] for e in client.events})
        assert client.mirror.seen == list(range(client.mirror.seen[0], final["seq"] + 1))
    shared = set.intersection(*(set(a) for a in applied))
    assert all({s: a[s] for s in shared} == {s: applied[0][s] for s in shared} for a in applied)
    # presence is shared: a process sees the participants connected to the other one
    online = {p["name"] for p in a.snapshot(workshop["id"])["participants"] if p["online"]}
    assert online == {"Anna", "Jan", "Ewa", "Olek"}
    for client in clients:
        client.close()


def test_killing_a_process_loses_nothing_acknowledged(cluster):
    a, b = cluster
    workshop = a.create_workshop()
    group = a.add_group(workshop["id"], "Stół 1")
    domains = [d["id"] for d in a.snapshot(workshop["id"])["domains"]]
    on_a = seat(a, workshop, group["id"], "Anna")
    on_b = seat(b, workshop, group["id"], "Ewa")
    acked: list[int] = []
    stop = threading.Event()

    def keep_creating():
        n = 0
        while not stop.is_set():
            try:
                ack = on_a.op("piece.create", piece={"title": f"P{n}"}, domain_id=domains[n % 7])
            except Exception:  # the process died under us: that op was never acknowledged
                return
            if ack.get("ok"):
                acked.append(ack["event"]["data"]["piece"]["id"])
            n += 1

    worker = threading.Thread(target=keep_creating)
    worker.start()
    deadline = time.monotonic() + 20
    while len(acked) < 15 and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for the load to build up, not for an event
    a.kill()
    stop.set()
    worker.join()
    assert len(acked) >= 15
    # Anna's tablet reconnects (to the survivor) with what it had seen, and catches up
    back = BoardClient(b.url, on_a.token, mirror=on_a.mirror).connect(since=on_a.mirror.seq)
    board = b.snapshot(workshop["id"])
    stored = {p["id"] for p in board["pieces"]}
    assert set(acked) <= stored
    assert len(board["pieces"]) == len(stored)
    assert back.mirror.wait_for_seq(board["seq"])
    assert on_b.mirror.wait_for_seq(board["seq"])
    expected = {p["id"]: (p["domain_id"], p["position"]) for p in board["pieces"]}
    assert back.mirror.layout() == expected == on_b.mirror.layout()
    back.close()
    on_b.close()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_a_slow_database_call_does_not_hold_up_other_clients(make_live_server, async_mode):
    """A row lock held outside the server stalls one workshop's op; another workshop's clients
    on the same process keep getting their acks and events (psycopg2 yields to the hub)."""
    server = make_live_server("postgres", PLANNER_ASYNC_MODE=async_mode)
    slow, fast = server.create_workshop("Wolny"), server.create_workshop("Szybki")
    fast_group = server.add_group(fast["id"], "Stół")
    slow_client = BoardClient(server.url, server.staff_token, slow["id"]).connect()
    fast_client = seat(server, fast, fast_group["id"], "Jan")
    blocker = psycopg2.connect(server.env["PLANNER_DATABASE_URL"])
    try:
        with blocker.cursor() as cur:
            cur.execute("SELECT id FROM workshop WHERE id = %s FOR UPDATE", (slow["id"],))
            stalled: dict = {}
            thread = threading.Thread(
                target=lambda: stalled.update(
                    slow_client.op("piece.create", piece={"title": "czeka"})
                )
            )
            thread.start()
            started = time.monotonic()
            for n in range(5):
                assert fast_client.op("piece.create", piece={"title": f"x{n}"})["ok"]
            assert fast_client.mirror.wait_for_seq(6, timeout=5)  # group.create + 5
            elapsed = time.monotonic() - started
            assert not stalled, "the stalled op should still be waiting for the row lock"
        blocker.rollback()  # release: the stalled op goes through now
        thread.join(20)
        assert stalled.get("ok") is True
        assert elapsed < 3
    finally:
        blocker.close()
        slow_client.close()
        fast_client.close()


def test_healthz_reports_database_and_queue(cluster):
    a, _ = cluster
    body = requests.get(f"{a.url}/healthz", timeout=5).json()
    assert body == {"status": "ok", "database": "ok", "queue": "ok"}


def test_wrong_join_codes_are_counted_across_processes(cluster):
    a, b = cluster
    for _ in range(10):
        assert a.api("POST", "/api/join", {"code": "ZZZZZZZZ", "name": "x"}).status_code == 404
    assert b.api("POST", "/api/join", {"code": "ZZZZZZZZ", "name": "x"}).status_code == 429
