"""The console's facilitation controls: lock and spotlight one domain or piece, edit the phases."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login_through_page, seed_pieces, wait_online
from tests.e2e.test_accessibility import LAPTOP

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def wait_server(live_server, wid, check) -> dict:
    """Poll the server's board until `check(board)` holds (the op is acknowledged by then)."""
    import time

    deadline = time.monotonic() + 15
    while True:
        board = live_server.snapshot(wid)
        if check(board) or time.monotonic() > deadline:
            return board
        time.sleep(0.05)  # polling the REST API, not synchronising on the page


def test_lock_and_spotlight_a_domain_and_a_piece_and_edit_the_phases(live_server, new_page):
    workshop = live_server.create_workshop()
    wid = workshop["id"]
    domains = live_server.snapshot(wid)["domains"]
    mobility = domains[1]
    (piece,) = seed_pieces(live_server, wid, ["Wspólny bilet"], mobility["id"])
    console = new_page(**LAPTOP)
    login_through_page(console, live_server, f"/console/{wid}")
    wait_online(console)

    # A domain, by keyboard: choose it, then Enter on the labelled buttons.
    domain_select = console.get_by_role("combobox", name="Dziedzina", exact=True)
    domain_select.select_option(str(mobility["id"]))
    lock = console.locator('[data-target-lock="domain"]')
    assert lock.inner_text() == "Zablokuj dziedzinę"
    lock.focus()
    console.keyboard.press("Enter")
    console.locator('[data-target-lock="domain"][aria-pressed="true"]').wait_for()
    assert lock.inner_text() == "Odblokuj dziedzinę"
    board = live_server.snapshot(wid)
    assert next(d for d in board["domains"] if d["id"] == mobility["id"])["locked"] is True
    console.locator(f'[data-zone="{mobility["id"]}"].zone-locked').wait_for()
    console.locator('[data-target-spotlight="domain"]').click()
    console.locator("[data-spotlight-banner]:not([hidden])").wait_for()
    assert "Mobilność" in console.locator("[data-spotlight-banner]").inner_text()
    assert live_server.snapshot(wid)["spotlight"] == {"domain_id": mobility["id"]}
    lock.click()
    console.locator('[data-target-lock="domain"][aria-pressed="false"]').wait_for()
    board = live_server.snapshot(wid)
    assert next(d for d in board["domains"] if d["id"] == mobility["id"])["locked"] is False

    # A piece.
    console.get_by_role("combobox", name="Element", exact=True).select_option(str(piece["id"]))
    console.locator('[data-target-lock="piece"]').click()
    console.locator('[data-target-lock="piece"][aria-pressed="true"]').wait_for()
    assert live_server.snapshot(wid)["pieces"][0]["locked"] is True
    console.locator('[data-target-spotlight="piece"]').click()
    console.locator(f'[data-piece-id="{piece["id"]}"].is-spotlit').wait_for()
    assert live_server.snapshot(wid)["spotlight"] == {"piece_id": piece["id"]}
    console.locator("[data-spotlight-clear]").click()
    console.locator("[data-spotlight-banner][hidden]").wait_for(state="attached")
    assert live_server.snapshot(wid)["spotlight"] is None

    # The phase list: add a discussion phase where participants may only comment.
    console.locator("[data-phase-editor] > summary").click()
    rows = console.locator("[data-phase-row]")
    rows.nth(5).wait_for()
    assert rows.count() == 6
    console.locator("[data-phase-add]").click()
    assert rows.count() == 7
    new_row = rows.nth(6)
    assert new_row.locator("[data-phase-key]").evaluate("el => el === document.activeElement")
    new_row.get_by_label("Klucz").fill("dyskusja")
    new_row.get_by_label("Wyświetlana nazwa").fill("Dyskusja przy stołach")
    new_row.get_by_label("komentować").check()
    rows.nth(0).locator("[data-phase-remove]").click()  # drop "preparation"
    console.locator("[data-phase-save]").click()
    board = wait_server(
        live_server, wid, lambda b: len(b["phases"]) == 6 and b["phases"][-1]["key"] == "dyskusja"
    )
    assert [p["key"] for p in board["phases"]] == [
        "proposing",
        "placing",
        "voting",
        "review",
        "closed",
        "dyskusja",
    ]
    assert board["phases"][-1] == {
        "key": "dyskusja",
        "name": "Dyskusja przy stołach",
        "rights": ["comment"],
    }
    console.locator('[data-phase-select] option[value="dyskusja"]').wait_for(state="attached")
    console.locator("[data-phase-select]").select_option("dyskusja")
    console.locator('[data-phase="dyskusja"]').wait_for()
    assert "Dyskusja przy stołach" in console.locator("[data-phase]").inner_text()
