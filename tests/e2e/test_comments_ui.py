"""Comments through the pages: another tablet sees the count and the text, by group name."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TABLET, join_through_page, seed_pieces

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_comments(page, piece_id: int) -> None:
    page.locator("[data-comments] > summary").click()
    page.get_by_label("Element do skomentowania").select_option(str(piece_id))


def test_a_comment_shows_on_another_tablet_with_the_group_name(live_server, new_page):
    workshop = live_server.create_workshop()
    wid = workshop["id"]
    live_server.add_group(wid, "Stół Wieliczka")
    live_server.add_group(wid, "Stół Skawina")
    mobility = live_server.snapshot(wid)["domains"][1]["id"]
    first, piece = seed_pieces(live_server, wid, ["Aaa bilet", "Bbb rower"], mobility)
    anna = new_page(**TABLET)
    join_through_page(anna, live_server, workshop["code"], "Anna Nowak", "Stół Wieliczka")
    jan = new_page(**TABLET)
    join_through_page(jan, live_server, workshop["code"], "Jan Kowalski", "Stół Skawina")
    assert jan.locator(f'[data-piece-id="{piece["id"]}"] .badge-comments').count() == 0

    open_comments(anna, piece["id"])
    anna.get_by_label("Państwa komentarz").fill("Warto dodać Skawinę jako partnera.")
    anna.locator(".facil-comment-form [type=submit]").click()
    anna.locator("[data-comment-id]").first.wait_for()

    # Jan's board counts it on the piece, and his comment list names the piece's count.
    badge = jan.locator(f'[data-piece-id="{piece["id"]}"] .badge-comments')
    badge.wait_for()
    assert badge.inner_text() == "1"
    assert jan.locator(f'[data-piece-id="{first["id"]}"] .badge-comments').count() == 0
    label = jan.locator(f'[data-piece-id="{piece["id"]}"] .piece-main').get_attribute("aria-label")
    assert "komentarze: 1" in label, label
    open_comments(jan, piece["id"])
    option = jan.locator(f'[data-comments] select option[value="{piece["id"]}"]').inner_text()
    assert option == "Bbb rower (1)"
    comment = jan.locator("[data-comment-id]")
    comment.wait_for()
    assert comment.inner_text() == "Stół Wieliczka: Warto dodać Skawinę jako partnera."
    panel = jan.locator("[data-comments]").inner_text()
    assert "Anna" not in panel and "Nowak" not in panel
