"""The real server (run.py as a subprocess), real websocket clients, SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading

import pytest
import socketio

from tests.mirror import BoardClient

pytestmark = pytest.mark.slow


@pytest.fixture(
    params=[
        ("sqlite", "eventlet"),
        ("postgres", "eventlet"),
        ("sqlite", "gevent"),
        ("postgres", "gevent"),
    ],
    ids=lambda p: "-".join(p),
)
def server(request, make_live_server):
    database, async_mode = request.param
    return make_live_server(database, PLANNER_ASYNC_MODE=async_mode)


def seat(server, workshop: dict, names: list[str]) -> list[BoardClient]:
    group = server.add_group(workshop["id"], "Stół 1")
    clients = []
    for name in names:
        joined = server.join(workshop["code"], name, group["id"])
        clients.append(BoardClient(server.url, joined["token"]).connect())
    return clients


def test_concurrent_moves_converge_and_catch_up(server):
    workshop = server.create_workshop()
    snapshot = server.snapshot(workshop["id"])
    domains = [d["id"] for d in snapshot["domains"]]
    clients = seat(server, workshop, ["Anna", "Jan", "Ewa"])
    pieces = [
        clients[0].op("piece.create", piece={"title": f"Akcja {n}"})["event"]["data"]["piece"]["id"]
        for n in range(12)
    ]

    def mover(client: BoardClient, seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(25):
            zone = rnd.choice([None, *domains])
            ack = client.op(
                "piece.move",
                piece_id=rnd.choice(pieces),
                domain_id=zone,
                position=rnd.randint(0, 6),
            )
            assert ack["ok"], ack

    threads = [threading.Thread(target=mover, args=(c, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    final = server.snapshot(workshop["id"])
    expected = {p["id"]: (p["domain_id"], p["position"]) for p in final["pieces"]}
    for client in clients:
        assert client.mirror.wait_for_seq(final["seq"])
        assert client.mirror.layout() == expected
        # every live event arrived once, in one order shared by all
        seqs = [e["seq"] for e in client.events]
        assert seqs == sorted(set(seqs))
    first_order = [(e["seq"], e["op_id"]) for e in clients[0].events]
    for client in clients[1:]:
        assert [(e["seq"], e["op_id"]) for e in client.events] == first_order
    assert clients[0].mirror.seen == list(range(clients[0].mirror.seen[0], final["seq"] + 1))

    # one tablet drops out; the others go on; it comes back with `since`
    away = clients[2]
    last_seen = away.mirror.seq
    away.close()
    for n in range(5):
        clients[n % 2].op("piece.move", piece_id=pieces[n], domain_id=domains[n], position=0)
    back = BoardClient(server.url, away.token, mirror=away.mirror).connect(since=last_seen)
    now = server.snapshot(workshop["id"])
    assert back.mirror.wait_for_seq(now["seq"])
    assert "events" in back.catch_ups[0] and "snapshot" not in back.catch_ups[0]
    assert [e["seq"] for e in back.catch_ups[0]["events"]] == list(
        range(last_seen + 1, now["seq"] + 1)
    )
    assert back.mirror.layout() == {p["id"]: (p["domain_id"], p["position"]) for p in now["pieces"]}
    for client in (clients[0], clients[1], back):
        client.close()


def test_refused_connections_name_the_reason(live_server):
    workshop = live_server.create_workshop()
    for auth, reason in (
        ({"token": "nope"}, "unauthorized"),
        ({"token": live_server.staff_token, "workshop_id": 999_999}, "forbidden"),
    ):
        client = socketio.Client(reconnection=False)
        errors: list = []
        client.on("connect_error", errors.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(live_server.url, auth=auth, transports=["websocket"], wait_timeout=5)
        assert errors and errors[0] == {"message": reason}
    assert workshop["id"]
