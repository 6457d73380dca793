"""The board without a mouse: Tab, the Move to… menu, Alt+arrows, Escape; focus is kept."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    TABLET,
    join_through_page,
    seed_pieces,
    wait_piece_at,
    wait_sent,
    zone_order,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def focused_piece(page) -> str | None:
    return page.evaluate("document.activeElement?.closest('[data-piece-id]')?.dataset.pieceId")


def tab_to_piece(page, piece_id: int, limit: int = 60) -> None:
    """Press Tab from the top of the page until the piece's main button has the focus."""
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        is_main = page.evaluate("document.activeElement?.classList.contains('piece-main')")
        if is_main and focused_piece(page) == str(piece_id):
            return
    raise AssertionError(f"piece {piece_id} is not reachable with Tab")


def test_keyboard_only_moves_a_piece_into_a_domain_reorders_it_and_back(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    mobility = live_server.snapshot(workshop["id"])["domains"][1]
    (ticket,) = seed_pieces(live_server, workshop["id"], ["Wspólny bilet"])
    (bike,) = seed_pieces(live_server, workshop["id"], ["Rower"], domain_id=mobility["id"])

    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Ewa", "Stół 1")
    tab_to_piece(tablet, ticket["id"])

    # "M" opens Move to…; Escape cancels and gives the focus back.
    tablet.keyboard.press("m")
    tablet.locator("#move-dialog[open]").wait_for()
    tablet.keyboard.press("Escape")
    tablet.locator("#move-dialog[open]").wait_for(state="detached")
    assert focused_piece(tablet) == str(ticket["id"])

    # Move to… → Mobilność, with arrow keys and Enter only.
    tablet.keyboard.press("m")
    tablet.locator("#move-dialog[open]").wait_for()
    for _ in range(10):
        label = tablet.evaluate("document.activeElement.dataset.moveZone")
        if label == str(mobility["id"]):
            break
        tablet.keyboard.press("Tab")
    tablet.keyboard.press("Enter")
    wait_piece_at(tablet, ticket["id"], mobility["id"], 1)
    status = tablet.locator("#status")
    status.filter(has_text=mobility["name"]).wait_for()
    assert focused_piece(tablet) == str(ticket["id"])

    # Alt+↑ moves it above the bike, within the domain; the focus stays on it.
    tablet.keyboard.press("Alt+ArrowUp")
    wait_piece_at(tablet, ticket["id"], mobility["id"], 0)
    assert zone_order(tablet, mobility["id"]) == [ticket["id"], bike["id"]]
    assert focused_piece(tablet) == str(ticket["id"])
    # ↓ goes to the next piece without moving anything.
    tablet.keyboard.press("ArrowDown")
    assert focused_piece(tablet) == str(bike["id"])
    tablet.keyboard.press("ArrowUp")
    assert focused_piece(tablet) == str(ticket["id"])

    # And back to the tray, through the piece's own "Move to…" button.
    tablet.keyboard.press("Tab")
    tablet.keyboard.press("Enter")
    tablet.locator("#move-dialog[open]").wait_for()
    tablet.locator('#move-dialog [data-move-zone="tray"]').focus()
    tablet.keyboard.press("Enter")
    wait_piece_at(tablet, ticket["id"], "tray", 0)
    wait_sent(tablet)
    board = {p["id"]: p for p in live_server.snapshot(workshop["id"])["pieces"]}
    assert (board[ticket["id"]]["domain_id"], board[ticket["id"]]["position"]) == (None, 0)
    assert (board[bike["id"]]["domain_id"], board[bike["id"]]["position"]) == (mobility["id"], 0)
    assert focused_piece(tablet) == str(ticket["id"])


def test_focus_stays_put_when_someone_else_changes_the_board(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    culture = live_server.snapshot(workshop["id"])["domains"][4]
    first, second, third = seed_pieces(live_server, workshop["id"], ["A", "B", "C"])

    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Jan", "Stół 1")
    other = new_page(**TABLET)
    join_through_page(other, live_server, workshop["code"], "Ola", "Stół 1")
    tab_to_piece(tablet, third["id"])

    # Ola moves the first piece away: the list re-renders under Jan's focus.
    other.locator(f'[data-piece-id="{first["id"]}"] .piece-move').click()
    other.locator(f'#move-dialog [data-move-zone="{culture["id"]}"]').click()
    wait_piece_at(tablet, first["id"], culture["id"], 0)
    assert focused_piece(tablet) == str(third["id"])
    # The polite live region tells Jan what happened (throttled, but it comes).
    tablet.locator("#status").filter(has_text=culture["name"]).wait_for()
    assert second["id"] in zone_order(tablet, "tray")


def test_escape_cancels_a_drag_in_progress(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    first, second = seed_pieces(live_server, workshop["id"], ["Pierwsze", "Drugie"])
    domain = live_server.snapshot(workshop["id"])["domains"][0]
    seq = live_server.snapshot(workshop["id"])["seq"]
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Ala", "Stół 1")
    piece = tablet.locator(f'[data-piece-id="{second["id"]}"]')
    target = tablet.locator(f'[data-zone="{domain["id"]}"]')
    start, end = piece.bounding_box(), target.bounding_box()
    tablet.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
    tablet.mouse.down()
    for i in range(1, 9):
        x = start["x"] + 20 + (end["x"] + end["width"] / 2 - start["x"] - 20) * i / 8
        y = (
            start["y"]
            + start["height"] / 2
            + (end["y"] + 20 - start["y"] - start["height"] / 2) * i / 8
        )
        tablet.mouse.move(x, y)
    tablet.locator(".is-dragging").wait_for()
    tablet.keyboard.press("Escape")
    tablet.locator(".is-dragging").wait_for(state="detached")
    tablet.mouse.up()
    assert zone_order(tablet, "tray") == [first["id"], second["id"]]
    assert zone_order(tablet, domain["id"]) == []
    tablet.locator("#status", has_text="anulowane").wait_for()
    assert live_server.snapshot(workshop["id"])["seq"] == seq  # no op was sent
