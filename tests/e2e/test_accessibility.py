"""axe-core (bundled by axe-playwright-python, runs offline) on every page: zero violations."""

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

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"viewport": {"width": 1440, "height": 900}}


def axe_clean(page, what: str) -> None:
    """Run every axe rule (WCAG 2.1 A/AA and best practices) on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_the_check_fails_on_a_violation(new_page):
    page = new_page()
    page.set_content('<html lang="pl"><body><main><img src="x.png"></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        axe_clean(page, "a page with an image without a text alternative")


@pytest.fixture
def workshop(live_server):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    domains = live_server.snapshot(workshop["id"])["domains"]
    seed_pieces(live_server, workshop["id"], ["Wspólny bilet metropolitalny", "Rower miejski"])
    seed_pieces(live_server, workshop["id"], ["Plan adaptacji"], domain_id=domains[2]["id"])
    return workshop


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_public_pages_have_no_violations(live_server, workshop, new_page, page_errors, lang):
    page_errors.allow("404 (NOT FOUND)")  # the error page is served with its status
    page = new_page(**TABLET)
    page.goto(f"{live_server.url}/lang/{lang}?next=/")
    axe_clean(page, "start page (join and log in)")
    page.goto(f"{live_server.url}/join/{workshop['code']}")
    axe_clean(page, "join page")
    page.goto(f"{live_server.url}/accessibility")
    assert page.locator("h1").inner_text()
    axe_clean(page, "accessibility statement")
    page.goto(f"{live_server.url}/no-such-page")
    axe_clean(page, "error page")


def test_tablet_with_editor_and_move_menu_has_no_violations(live_server, workshop, new_page):
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Anna", "Stół 1")
    axe_clean(tablet, "tablet board")
    tablet.locator(".add-piece > summary").click()
    axe_clean(tablet, "tablet with the add form open")
    tablet.locator("[data-piece-id] .piece-main").first.click()
    tablet.locator("#piece-editor[open]").wait_for()
    axe_clean(tablet, "tablet with the piece editor open")
    tablet.keyboard.press("Escape")
    tablet.locator("#piece-editor[open]").wait_for(state="detached")
    tablet.locator("[data-piece-id] .piece-move").first.click()
    tablet.locator("#move-dialog[open]").wait_for()
    axe_clean(tablet, "tablet with the Move to… menu open")
    tablet.keyboard.press("Escape")
    tablet.locator("#tray-filter-q").fill("bilet")
    axe_clean(tablet, "tablet with the tray filtered")


def test_staff_pages_have_no_violations(live_server, workshop, new_page):
    console = new_page(**LAPTOP)
    login_through_page(console, live_server)
    axe_clean(console, "workshop list")
    console.goto(f"{live_server.url}/console/{workshop['id']}")
    wait_online(console)
    axe_clean(console, "console")
    console.goto(f"{live_server.url}/export/{workshop['id']}")
    console.locator("h1").wait_for()
    axe_clean(console, "export page")

    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{workshop['id']}")
    wait_online(projector)
    axe_clean(projector, "projector")
    projector.locator('[data-view-link="coverage"]').click()
    projector.locator(".coverage-table").wait_for()
    axe_clean(projector, "projector coverage view")
