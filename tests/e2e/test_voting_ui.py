"""Dot voting through the pages: tablets never see totals before the reveal; the console does."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    TABLET,
    join_through_page,
    login_through_page,
    seed_pieces,
    wait_online,
)
from tests.e2e.test_accessibility import LAPTOP

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def vote(page, piece_id: int, times: int) -> None:
    """Press + on a piece, waiting each time until the tablet shows the vote as its own."""
    for _ in range(times):
        mine = int(
            page.locator(f'[data-vote-piece="{piece_id}"] [data-my-votes]').get_attribute(
                "data-my-votes"
            )
        )
        page.locator(f'[data-vote-add="{piece_id}"]').click()
        page.locator(f'[data-vote-piece="{piece_id}"] [data-my-votes="{mine + 1}"]').wait_for()


def totals_on(page) -> list[str]:
    return page.locator(".badge-votes").all_inner_texts()


def test_a_round_with_three_votes_from_two_tablets(live_server, new_page):
    workshop = live_server.create_workshop()
    wid = workshop["id"]
    live_server.add_group(wid, "Stół 1")
    live_server.add_group(wid, "Stół 2")
    mobility = live_server.snapshot(wid)["domains"][1]["id"]
    a, b, c = seed_pieces(live_server, wid, ["Aaa bilet", "Bbb rower", "Ccc parking"], mobility)

    console = new_page(**LAPTOP)
    login_through_page(console, live_server, f"/console/{wid}")
    wait_online(console)
    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{wid}")
    wait_online(projector)
    anna = new_page(**TABLET)
    join_through_page(anna, live_server, workshop["code"], "Anna Nowak", "Stół 1")
    jan = new_page(**TABLET)
    join_through_page(jan, live_server, workshop["code"], "Jan Kowalski", "Stół 2")

    console.locator("[data-phase-select]").select_option("voting")
    for page in (console, projector, anna, jan):
        page.locator('[data-phase="voting"]').wait_for()
    console.get_by_label("Liczba głosów").fill("3")
    console.locator("[data-voting-open]").click()
    for page in (anna, jan):
        page.locator('[data-votes-left="3"]').wait_for()

    vote(anna, b["id"], 2)
    vote(anna, a["id"], 1)
    anna.locator('[data-votes-left="0"]').wait_for()
    assert anna.locator(f'[data-vote-add="{c["id"]}"]').is_disabled()  # the budget is spent
    vote(jan, b["id"], 1)
    vote(jan, a["id"], 1)
    vote(jan, c["id"], 1)

    # The console sees the running totals on its board...
    console.wait_for_function(
        """([b, a, c]) => {
            const votes = (id) =>
                document.querySelector(`[data-piece-id="${id}"] .badge-votes`)?.textContent;
            return votes(b) === "3" && votes(a) === "2" && votes(c) === "1";
        }""",
        arg=[b["id"], a["id"], c["id"]],
    )
    # ...the tablets only their own votes: no totals, no ranking anywhere in their DOM.
    for page, mine in (
        (anna, {a["id"]: "1", b["id"]: "2", c["id"]: "0"}),
        (jan, {a["id"]: "1", b["id"]: "1", c["id"]: "1"}),
    ):
        assert totals_on(page) == []
        assert page.locator("[data-ranking]").is_hidden()
        assert page.locator("[data-rank-piece]").count() == 0
        for piece_id, count in mine.items():
            shown = page.locator(f'[data-vote-piece="{piece_id}"] [data-my-votes]')
            assert shown.get_attribute("data-my-votes") == count
        labels = page.eval_on_selector_all(
            "[data-piece-id] .piece-main", "els => els.map(e => e.getAttribute('aria-label'))"
        )
        assert labels and not any("głos" in (label or "") for label in labels), labels
        assert (
            page.evaluate("() => [...window.document.querySelectorAll('[data-piece-id]')].length")
            >= 3
        )
    # The projector keeps the counts to itself until the reveal.
    assert projector.locator("[data-ranking]").is_hidden()

    console.locator("[data-voting-reveal]").click()
    projector.locator("[data-ranking]:not([hidden]) [data-rank-piece]").first.wait_for()
    ranking = projector.eval_on_selector_all(
        "[data-rank-piece]", "els => els.map(e => Number(e.dataset.rankPiece))"
    )
    assert ranking == [b["id"], a["id"], c["id"]]
    texts = projector.locator("[data-rank-piece]").all_inner_texts()
    assert texts[0].startswith("Bbb rower") and "3" in texts[0]
    # After the reveal the tablets see the results too.
    for page in (anna, jan):
        page.locator("[data-ranking]:not([hidden]) [data-rank-piece]").first.wait_for()
        page.locator(f'[data-piece-id="{b["id"]}"] .badge-votes').wait_for()
        assert page.locator(f'[data-piece-id="{b["id"]}"] .badge-votes').inner_text() == "3"
