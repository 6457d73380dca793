"""The vote budget holds when two tablets vote at once on the real server."""

from __future__ import annotations

import threading

import pytest

from tests.mirror import BoardClient

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_group_budget_holds_under_concurrent_votes(make_live_server, database):
    server = make_live_server(database)
    workshop = server.create_workshop()
    group = server.add_group(workshop["id"], "Stół 1")
    staff = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    pieces = [
        staff.op("piece.create", piece={"title": f"Akcja {n}"})["event"]["data"]["piece"]["id"]
        for n in range(4)
    ]
    assert staff.op("phase.set", phase="voting")["ok"]
    assert staff.op("voting.open", votes=5, per="group")["ok"]
    tablets = [
        BoardClient(server.url, server.join(workshop["code"], name, group["id"])["token"]).connect()
        for name in ("Anna", "Jan")
    ]
    start = threading.Barrier(len(tablets))
    answers: list[list[dict]] = [[] for _ in tablets]

    def vote(index: int) -> None:
        start.wait()
        for n in range(8):
            answers[index].append(tablets[index].op("vote.add", piece_id=pieces[n % 4]))

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(len(tablets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    accepted = [a for per_tablet in answers for a in per_tablet if a["ok"]]
    refused = [a for per_tablet in answers for a in per_tablet if not a["ok"]]
    assert len(accepted) == 5, answers
    assert {a["error"]["code"] for a in refused} == {"conflict"}
    assert all(a["event"]["data"]["used"] <= 5 for a in accepted)
    board = server.snapshot(workshop["id"])  # as staff: the counts
    assert sum(p["votes"] for p in board["pieces"]) == 5
    # both tablets got their own votes' events, and no totals
    for tablet in tablets:
        assert tablet.mirror.wait_for_seq(board["seq"])
        assert all("votes" not in e["data"] for e in tablet.events)
    for client in (staff, *tablets):
        client.close()
