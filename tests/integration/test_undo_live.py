"""Undo and revert reach every client as events, and every board ends up the same."""

from __future__ import annotations

import pytest

from tests.mirror import BoardClient

pytestmark = pytest.mark.slow


def test_undo_gives_every_client_the_same_board(live_server):
    server = live_server
    workshop = server.create_workshop()
    domains = [d["id"] for d in server.snapshot(workshop["id"])["domains"]]
    group = server.add_group(workshop["id"], "Stół 1")
    staff = BoardClient(server.url, server.staff_token, workshop["id"]).connect()
    tablets = [
        BoardClient(server.url, server.join(workshop["code"], name, group["id"])["token"]).connect()
        for name in ("Anna", "Jan")
    ]
    anna, jan = tablets
    ids = [
        anna.op("piece.create", piece={"title": f"A{n}"}, domain_id=domains[0])["event"]["data"][
            "piece"
        ]["id"]
        for n in range(4)
    ]
    assert anna.op("piece.move", piece_id=ids[0], domain_id=domains[1], position=0)["ok"]
    assert jan.op("piece.move", piece_id=ids[2], domain_id=domains[0], position=0)["ok"]
    deleted = staff.op("piece.delete", piece_id=ids[3])
    assert anna.op("undo")["ok"]  # her move of A0 goes back, shifting the others
    assert staff.op("undo")["ok"]  # the deleted piece comes back where it was
    reverted = staff.op("revert", seq=deleted["seq"])
    assert not reverted["ok"] and reverted["error"]["code"] == "conflict"

    final = server.snapshot(workshop["id"])
    expected = {p["id"]: (p["domain_id"], p["position"]) for p in final["pieces"]}
    assert expected[ids[0]] == (domains[0], 0)  # back at the index it had
    assert ids[3] in expected
    for client in (staff, *tablets):
        assert client.mirror.wait_for_seq(final["seq"])
        assert client.mirror.layout() == expected
        client.close()
