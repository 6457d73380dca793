"""Two people dragging the same piece: each sees who holds it, the server's order decides, every
screen ends the same, and the one whose move lost is told."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    TABLET,
    join_through_page,
    login_through_page,
    piece_el,
    seed_pieces,
    touch_drag,
    wait_online,
    wait_piece_at,
    wait_sent,
    zone_order,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_both_drop_the_same_piece_the_first_wins_and_the_other_is_told(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    live_server.add_group(workshop["id"], "Stół 2")
    (piece,) = seed_pieces(live_server, workshop["id"], ["Wspólny bilet"])
    domains = live_server.snapshot(workshop["id"])["domains"]
    mobility, economy = domains[1]["id"], domains[3]["id"]
    anna = new_page(**TABLET)
    join_through_page(anna, live_server, workshop["code"], "Anna", "Stół 1")
    jan = new_page(**TABLET)
    join_through_page(jan, live_server, workshop["code"], "Jan", "Stół 2")
    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{workshop['id']}")
    wait_online(projector)

    def jan_drags_too() -> None:
        # Anna's finger is down over Mobility; Jan sees her holding the piece, then drags it too.
        piece_el(jan, piece["id"]).locator(".piece-held", has_text="Anna").wait_for()

        def anna_sees_jan() -> None:
            piece_el(anna, piece["id"]).locator(".piece-held", has_text="Jan").wait_for()

        touch_drag(
            jan,
            piece_el(jan, piece["id"]),
            jan.locator(f'[data-zone="{economy}"]'),
            before_release=anna_sees_jan,
        )
        # Jan lifted his finger first: his move is stored first.
        wait_sent(jan)

    touch_drag(
        anna,
        piece_el(anna, piece["id"]),
        anna.locator(f'[data-zone="{mobility}"]'),
        before_release=jan_drags_too,
    )

    # The server's order decides: Jan's drop. Anna's screen goes back to it, and she is told.
    notice = anna.locator(".notices .notice[data-code=conflict]")
    notice.wait_for()
    assert "Wspólny bilet" in notice.inner_text()
    for page in (anna, jan, projector):
        wait_piece_at(page, piece["id"], economy, 0)
        assert zone_order(page, mobility) == []
        assert zone_order(page, "tray") == []
    wait_sent(anna)
    board = live_server.snapshot(workshop["id"])
    assert (board["pieces"][0]["domain_id"], board["pieces"][0]["position"]) == (economy, 0)
    assert board["pieces"][0]["version"] == piece["version"] + 1
    assert jan.locator(".notices .notice").count() == 0
    for page in (anna, jan):
        piece_el(page, piece["id"]).locator(".piece-held").wait_for(state="hidden")
