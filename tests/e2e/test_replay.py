"""Replay on the projector: the board at an earlier seq, while the live board goes on."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    login_through_page,
    seed_pieces,
    wait_online,
    wait_piece_at,
    zone_order,
)
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_replay_shows_an_earlier_layout_without_touching_the_live_board(live_server, new_page):
    workshop = live_server.create_workshop()
    wid = workshop["id"]
    domains = live_server.snapshot(wid)["domains"]
    mobility, environment = domains[1]["id"], domains[2]["id"]
    first, second = seed_pieces(live_server, wid, ["Wspólny bilet", "Rower miejski"], mobility)
    before_move = live_server.snapshot(wid)["seq"]
    staff = BoardClient(live_server.url, live_server.staff_token, wid).connect()
    try:
        move = staff.op("piece.move", piece_id=first["id"], domain_id=environment, position=0)
        assert move["ok"], move

        projector = new_page(**PROJECTOR)
        login_through_page(projector, live_server, f"/screen/{wid}")
        wait_online(projector)
        wait_piece_at(projector, first["id"], environment, 0)

        toggle = projector.locator("[data-replay-toggle]")
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        slider = projector.get_by_label("Moment sesji")  # labelled, in the page's language
        slider.wait_for()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert slider.evaluate("el => el === document.activeElement")
        assert slider.get_attribute("max") == str(move["seq"])
        projector.locator(f'[data-board][data-replay-seq="{move["seq"]}"]').wait_for()

        # Back to before the move: both pieces in Mobility, nothing on Environment.
        slider.fill(str(before_move))
        projector.locator(f'[data-board][data-replay-seq="{before_move}"]').wait_for()
        assert zone_order(projector, mobility) == [first["id"], second["id"]]
        assert zone_order(projector, environment) == []
        assert str(before_move) in projector.locator("[data-replay-status]").inner_text()

        # The keyboard works the slider: Home is before the first event.
        slider.press("Home")
        projector.locator('[data-board][data-replay-seq="0"]').wait_for()
        assert zone_order(projector, mobility) == [] and zone_order(projector, environment) == []
        slider.press("ArrowRight")
        projector.locator('[data-board][data-replay-seq="1"]').wait_for()
        assert zone_order(projector, mobility) == [first["id"]]

        # The live board moves on meanwhile; the replay stays where it is.
        again = staff.op("piece.move", piece_id=second["id"], domain_id=environment, position=1)
        assert again["ok"], again
        projector.wait_for_function(
            "max => document.querySelector('[data-replay-range]').max === String(max)",
            arg=again["seq"],
        )
        assert zone_order(projector, mobility) == [first["id"]]
        live = live_server.snapshot(wid)
        assert {p["id"]: p["domain_id"] for p in live["pieces"]} == {
            first["id"]: environment,
            second["id"]: environment,
        }

        # Leaving the replay (Escape on the slider) shows the live layout again.
        slider.press("Escape")
        projector.locator("[data-replay-panel]").wait_for(state="hidden")
        wait_piece_at(projector, second["id"], environment, 1)
        assert zone_order(projector, environment) == [first["id"], second["id"]]
        assert zone_order(projector, mobility) == []
        assert projector.locator("[data-board]").get_attribute("data-replay-seq") is None
        assert toggle.evaluate("el => el === document.activeElement")
    finally:
        staff.close()
