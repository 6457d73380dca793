"""Offline tablets: changes made without a connection are shown at once, survive a reload, are
sent with their op_ids when the connection returns (each applied exactly once), and a change the
server refuses meanwhile is rolled back with its reason."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.e2e.conftest import (
    TABLET,
    join_through_page,
    seed_pieces,
    wait_online,
    wait_piece_at,
    wait_sent,
    zone_order,
)
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The Socket.IO endpoint only (not the vendored client under /static/vendor/socket.io/).
SOCKET = re.compile(r"^(http|ws)://[^/]+/socket\.io/")


class Cut:
    """Keeps a page's Socket.IO traffic (websocket and polling) away from the server at will."""

    def __init__(self, page) -> None:
        self.blocked = False
        page.route(SOCKET, self._http)
        page.route_web_socket(SOCKET, self._ws)

    def _http(self, route) -> None:
        if self.blocked:
            route.abort()
        else:
            route.continue_()

    def _ws(self, ws) -> None:
        server = ws.connect_to_server()
        if self.blocked:
            # Closing both ends makes the page see a failed connection at once (and retry).
            server.close()
            ws.close()


def allow_connection_errors(page_errors) -> None:
    for fragment in ("ERR_CONNECTION_REFUSED", "ERR_FAILED", "WebSocket", "socket.io"):
        page_errors.allow(fragment)


def wait_disconnected(page) -> None:
    page.locator('#conn-status:is([data-state="reconnecting"], [data-state="offline"])').wait_for()


def move_with_menu(page, piece_id: int, zone) -> None:
    page.locator(f'[data-piece-id="{piece_id}"] .piece-move').click()
    page.locator(f'#move-dialog [data-move-zone="{zone}"]').click()


def test_changes_made_offline_survive_a_reload_and_are_applied_once(
    live_server, new_page, page_errors
):
    allow_connection_errors(page_errors)
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    ticket, bike, fair = seed_pieces(
        live_server, workshop["id"], ["Wspólny bilet", "Rower metropolitalny", "Targi pracy"]
    )
    domains = live_server.snapshot(workshop["id"])["domains"]
    mobility, economy = domains[1]["id"], domains[3]["id"]
    tablet = new_page(**TABLET)
    cut = Cut(tablet)
    join_through_page(tablet, live_server, workshop["code"], "Anna", "Stół 1")

    # The connection goes for real: the server is gone.
    live_server.kill()
    wait_disconnected(tablet)
    move_with_menu(tablet, bike["id"], mobility)
    move_with_menu(tablet, fair["id"], economy)
    tablet.locator(".add-piece summary").click()
    tablet.locator("#add-title").fill("Dodane bez sieci")
    tablet.locator("#add-piece-form [type=submit]").click()

    # Shown at once, marked as waiting, and counted.
    wait_piece_at(tablet, bike["id"], mobility, 0)
    wait_piece_at(tablet, fair["id"], economy, 0)
    new = tablet.locator('[data-zone="tray"] > .piece.is-new', has_text="Dodane bez sieci")
    new.wait_for()
    status = tablet.locator('#conn-status[data-waiting="3"]')
    status.wait_for()
    assert "3" in status.inner_text()
    assert tablet.locator(f'[data-piece-id="{bike["id"]}"].is-pending').count() == 1

    # A reload while still offline (the server is back, but not reachable for this tablet).
    cut.blocked = True
    live_server.restart()
    tablet.reload()
    tablet.locator("[data-board][aria-busy=false]").wait_for()
    wait_piece_at(tablet, bike["id"], mobility, 0)
    wait_piece_at(tablet, fair["id"], economy, 0)
    new.wait_for()
    tablet.locator('#conn-status[data-waiting="3"]').wait_for()
    assert tablet.locator("#conn-status").get_attribute("data-state") != "online"

    # The connection returns: everything is sent, the count goes to zero.
    cut.blocked = False
    wait_online(tablet)
    wait_sent(tablet)
    tablet.locator(".piece.is-new").wait_for(state="detached")
    tablet.locator(".piece.is-pending").first.wait_for(state="detached")

    board = live_server.snapshot(workshop["id"])
    titles = Counter(p["title"] for p in board["pieces"])
    assert titles == Counter(
        ["Wspólny bilet", "Rower metropolitalny", "Targi pracy", "Dodane bez sieci"]
    )
    placed = {p["id"]: (p["domain_id"], p["position"]) for p in board["pieces"]}
    assert placed[bike["id"]] == (mobility, 0)
    assert placed[fair["id"]] == (economy, 0)
    history = live_server.api(
        "GET", f"/api/workshops/{workshop['id']}/history?limit=500", token=live_server.staff_token
    ).json()["events"]
    kinds = Counter(e["type"] for e in history if e["type"].startswith("piece."))
    assert kinds == Counter({"piece.create": 4, "piece.move": 2})
    added = next(p for p in board["pieces"] if p["title"] == "Dodane bez sieci")
    wait_piece_at(tablet, added["id"], "tray", 1)

    # A second tablet sees the same board.
    other = new_page(**TABLET)
    join_through_page(other, live_server, workshop["code"], "Jan", "Stół 1")
    for zone in ("tray", mobility, economy):
        assert zone_order(other, zone) == zone_order(tablet, zone)
    assert zone_order(other, "tray") == [ticket["id"], added["id"]]


def test_a_change_refused_meanwhile_is_rolled_back_with_the_reason(
    live_server, new_page, page_errors
):
    allow_connection_errors(page_errors)
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    (piece,) = seed_pieces(live_server, workshop["id"], ["Wspólny bilet"])
    mobility = live_server.snapshot(workshop["id"])["domains"][1]["id"]
    tablet = new_page(**TABLET)
    cut = Cut(tablet)
    join_through_page(tablet, live_server, workshop["code"], "Anna", "Stół 1")

    # The connection goes; when the server is back (still out of this tablet's reach), the
    # facilitator locks the board.
    live_server.kill()
    wait_disconnected(tablet)
    move_with_menu(tablet, piece["id"], mobility)
    wait_piece_at(tablet, piece["id"], mobility, 0)
    tablet.locator('#conn-status[data-waiting="1"]').wait_for()
    cut.blocked = True
    live_server.restart()
    staff = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        assert staff.op("board.lock", locked=True)["ok"]
    finally:
        staff.close()

    cut.blocked = False
    wait_online(tablet)
    wait_sent(tablet)
    wait_piece_at(tablet, piece["id"], "tray", 0)
    notice = tablet.locator(".notices .notice[data-code=locked]")
    notice.wait_for()
    assert "Wspólny bilet" in notice.inner_text()
    board = live_server.snapshot(workshop["id"])
    assert board["pieces"][0]["domain_id"] is None
    assert tablet.locator(".piece.is-pending").count() == 0


# Runs before the page's scripts on every load: the saved board loses the piece titled "Rower".
DAMAGE_SAVED_BOARD = """
for (const key of Object.keys(localStorage)) {
  if (!key.startsWith("planner.board.")) continue;
  const saved = JSON.parse(localStorage.getItem(key));
  saved.pieces = saved.pieces.filter((p) => p.title !== "Rower");
  localStorage.setItem(key, JSON.stringify(saved));
}
"""


def test_a_compact_move_of_a_piece_the_saved_board_lacks_brings_a_fresh_snapshot(
    live_server, new_page
):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    ticket, bike = seed_pieces(live_server, workshop["id"], ["Bilet", "Rower"])
    mobility = live_server.snapshot(workshop["id"])["domains"][1]["id"]
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Anna", "Stół 1")
    wait_piece_at(tablet, bike["id"], "tray", 1)
    tablet.context.add_init_script(DAMAGE_SAVED_BOARD)
    tablet.reload()  # the page saves its board as it goes, and the script damages the copy
    wait_online(tablet)  # caught up with `since`: nothing missed, so the gap stays unseen
    assert zone_order(tablet, "tray") == [ticket["id"]]

    staff = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        ack = staff.op("piece.move", piece_id=bike["id"], domain_id=mobility, position=0)
        assert ack["ok"], ack
    finally:
        staff.close()
    moved = tablet.locator(f'[data-zone="{mobility}"] > [data-piece-id="{bike["id"]}"]')
    moved.filter(has_text="Rower").wait_for()  # the whole piece, from the fresh snapshot
    assert zone_order(tablet, "tray") == [ticket["id"]]
