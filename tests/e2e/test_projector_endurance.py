"""The projector runs for hours: it comes back by itself after a restart, and a long stream of
remote moves does not make its memory grow."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    login_through_page,
    seed_pieces,
    wait_online,
    wait_piece_at,
)
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _heap_after_gc(page) -> float:
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")
    cdp.send("HeapProfiler.collectGarbage")
    used = page.evaluate("performance.memory.usedJSHeapSize")
    cdp.detach()
    return used / 1e6


def test_projector_survives_a_restart_and_keeps_its_memory(live_server, new_page, page_errors):
    page_errors.allow("ERR_CONNECTION_REFUSED")
    workshop = live_server.create_workshop("Program prac 2027")
    pieces = seed_pieces(live_server, workshop["id"], [f"Działanie {n}" for n in range(40)])
    domains = [d["id"] for d in live_server.snapshot(workshop["id"])["domains"]]
    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{workshop['id']}")
    wait_online(projector)

    live_server.kill()
    projector.locator(
        '#conn-status:is([data-state="reconnecting"], [data-state="offline"])'
    ).wait_for()
    live_server.start()
    projector.locator('#conn-status[data-state="online"]').wait_for()

    staff = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()

    def stream(rounds: int) -> dict:
        last = None
        for n in range(rounds):
            piece = pieces[n % len(pieces)]
            last = staff.op(
                "piece.move", piece_id=piece["id"], domain_id=domains[n % 7], position=0
            )
            assert last["ok"], last
        return last

    last = stream(150)  # warm up: every code path and cache has run once
    wait_piece_at(
        projector, last["event"]["data"]["piece"]["id"], last["event"]["data"]["to"]["domain_id"], 0
    )
    before = _heap_after_gc(projector)
    last = stream(600)
    wait_piece_at(
        projector, last["event"]["data"]["piece"]["id"], last["event"]["data"]["to"]["domain_id"], 0
    )
    after = _heap_after_gc(projector)
    staff.close()
    assert after - before < 2.0, f"heap grew from {before:.1f} MB to {after:.1f} MB over 600 moves"
    board = live_server.snapshot(workshop["id"])
    for piece in board["pieces"][:10]:
        wait_piece_at(projector, piece["id"], piece["domain_id"] or "tray", piece["position"])
