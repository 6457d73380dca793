"""axe on the facilitation UI: voting and comments on the tablet, the console's controls, the
projector's replay, and the report buttons of the export page."""

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
from tests.e2e.test_accessibility import LAPTOP, axe_clean
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def workshop(live_server):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    domains = live_server.snapshot(workshop["id"])["domains"]
    seed_pieces(live_server, workshop["id"], ["Wspólny bilet", "Rower miejski"], domains[1]["id"])
    seed_pieces(live_server, workshop["id"], ["Plan adaptacji"])
    return workshop


def test_tablet_with_voting_and_comments_open(live_server, workshop, new_page):
    staff = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        assert staff.op("phase.set", phase="voting")["ok"]
        assert staff.op("voting.open", votes=3)["ok"]
    finally:
        staff.close()
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Anna", "Stół 1")
    tablet.locator('[data-votes-left="3"]').wait_for()
    tablet.locator("[data-vote-add]").first.click()
    tablet.locator('[data-votes-left="2"]').wait_for()
    tablet.locator("[data-comments] > summary").click()
    tablet.locator("[data-comments][open] textarea").wait_for()
    axe_clean(tablet, "tablet with the voting list and the comments panel open")


def test_console_with_the_facilitation_controls(live_server, workshop, new_page):
    console = new_page(**LAPTOP)
    login_through_page(console, live_server, f"/console/{workshop['id']}")
    wait_online(console)
    console.locator("[data-phase-editor] > summary").click()
    console.locator("[data-phase-row]").first.wait_for()
    console.locator('[data-target-lock="domain"]').click()
    console.locator('[data-target-lock="domain"][aria-pressed="true"]').wait_for()
    axe_clean(console, "console with the phase editor and the lock controls")


def test_projector_in_replay_mode(live_server, workshop, new_page):
    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{workshop['id']}")
    wait_online(projector)
    projector.locator("[data-replay-toggle]").click()
    projector.locator("[data-replay-range]").wait_for()
    projector.locator("[data-replay-range]").fill("1")
    projector.locator('[data-board][data-replay-seq="1"]').wait_for()
    axe_clean(projector, "projector replaying the session")


def test_export_page_offers_the_report(live_server, workshop, new_page):
    page = new_page(**LAPTOP)
    login_through_page(page, live_server, f"/export/{workshop['id']}")
    axe_clean(page, "export page with the report buttons")
    with page.expect_download() as download:
        page.locator('[data-report="docx"]').click()
    assert download.value.suggested_filename == f"raport-2027-{workshop['id']}.docx"
