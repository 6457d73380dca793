"""Facilitation in real browsers: one timer for devices with different clocks, undo everywhere."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    TABLET,
    join_through_page,
    login_through_page,
    seed_pieces,
    touch_drag,
    wait_online,
    wait_piece_at,
    zone_order,
)
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TWO_HOURS_AHEAD = """
(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + 2 * 3600 * 1000;
})();
"""


def remaining(page) -> float:
    return float(page.locator("[data-timer]").get_attribute("data-remaining"))


def test_timer_shows_the_same_time_on_devices_whose_clocks_differ(live_server, new_page):
    workshop = live_server.create_workshop()
    live_server.add_group(workshop["id"], "Stół 1")
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Anna", "Stół 1")
    skewed = new_page(**PROJECTOR)
    skewed.context.add_init_script(TWO_HOURS_AHEAD)
    login_through_page(skewed, live_server, f"/screen/{workshop['id']}")
    wait_online(skewed)
    assert skewed.evaluate("Date.now() - new Date().getTime()") > 3600 * 1000  # really skewed

    staff = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        assert staff.op("timer.start", minutes=10)["ok"]
    finally:
        staff.close()
    for page in (tablet, skewed):
        page.locator("[data-timer][data-remaining]").wait_for()
    a, b = remaining(tablet), remaining(skewed)
    assert 590 < a <= 601 and 590 < b <= 601, (a, b)  # not 2 hours off
    assert abs(a - b) < 1.0, (a, b)
    assert tablet.locator("[data-timer]").inner_text() in ("10:01", "10:00", "09:59", "09:58")


def test_undo_shows_on_every_tablet(live_server, new_page):
    workshop = live_server.create_workshop()
    live_server.add_group(workshop["id"], "Stół 1")
    (piece,) = seed_pieces(live_server, workshop["id"], ["Wspólny bilet"])
    mobility = live_server.snapshot(workshop["id"])["domains"][1]
    anna = new_page(**TABLET)
    join_through_page(anna, live_server, workshop["code"], "Anna", "Stół 1")
    jan = new_page(**TABLET)
    join_through_page(jan, live_server, workshop["code"], "Jan", "Stół 1")

    touch_drag(
        anna,
        anna.locator(f'[data-piece-id="{piece["id"]}"]'),
        anna.locator(f'[data-zone="{mobility["id"]}"]'),
    )
    for page in (anna, jan):
        wait_piece_at(page, piece["id"], mobility["id"], 0)

    anna.locator("[data-undo]").click()
    for page in (anna, jan):
        wait_piece_at(page, piece["id"], "tray", 0)
        assert zone_order(page, mobility["id"]) == []
    board = live_server.snapshot(workshop["id"])
    assert [(p["id"], p["domain_id"]) for p in board["pieces"]] == [(piece["id"], None)]
    assert board["seq"] > 0
