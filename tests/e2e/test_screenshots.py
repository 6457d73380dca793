"""Screenshots of every screen, saved into docs/screenshots/ (docs/screens.md shows them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    TABLET,
    join_through_page,
    login_through_page,
    wait_online,
)
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# A believable board: actions of the SMK 2030 domains with leads and partners.
PIECES = [
    (
        "mobilnosc",
        "Wspólny bilet metropolitalny",
        "Kraków",
        ["Wieliczka", "Skawina"],
        [1, 2],
        250000,
    ),
    (
        "mobilnosc",
        "Sieć tras rowerowych łączących gminy",
        "Zielonki",
        ["Michałowice"],
        [2, 3],
        120000,
    ),
    (
        "srodowisko",
        "Wspólny program wymiany pieców",
        "Skawina",
        ["Liszki", "Czernichów"],
        [1],
        None,
    ),
    ("srodowisko", "Plan adaptacji do zmian klimatu", "Biuro SMK", ["Niepołomice"], [3, 4], 80000),
    (
        "zarzadzanie",
        "Otwarte dane gmin metropolii",
        "Biuro SMK",
        ["Kraków", "Zabierzów"],
        [4],
        40000,
    ),
    ("gospodarka", "Metropolitalna strefa inwestycyjna", "Niepołomice", ["Biskupice"], [2], None),
    (
        "kultura",
        "Karta mieszkańca metropolii",
        "Wieliczka",
        ["Mogilany", "Świątniki Górne"],
        [3],
        30000,
    ),
    (
        "edukacja",
        "Doradztwo zawodowe dla szkół",
        "Igołomia-Wawrzeńczyce",
        ["Kocmyrzów-Luborzyca"],
        [1, 2, 3, 4],
        15000,
    ),
    ("uslugi", "Teleopieka dla seniorów", "Wielka Wieś", ["Kraków"], [2], 60000),
    (None, "Wspólne zakupy energii", "Zabierzów", ["Zielonki", "Liszki"], [1], 12500),
    (
        None,
        "Metropolitalny budżet obywatelski — pilotaż w trzech gminach",
        "Michałowice",
        [],
        [],
        None,
    ),
    (None, "Szkolenia z dostępności cyfrowej dla urzędników", "Biuro SMK", ["Kraków"], [2], 9000),
]


def shoot(page, name: str) -> None:
    page.evaluate("document.activeElement?.blur()")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
    assert (SHOTS / f"{name}.png").stat().st_size > 10_000


@pytest.fixture
def board(live_server):
    workshop = live_server.create_workshop("Roczny Program Prac 2027")
    live_server.add_group(workshop["id"], "Stół 1 — Południe")
    live_server.add_group(workshop["id"], "Stół 2 — Północ")
    domains = {d["key"]: d["id"] for d in live_server.snapshot(workshop["id"])["domains"]}
    client = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        for key, title, lead, partners, quarters, cost in PIECES:
            piece = {"title": title, "lead": lead, "partners": partners, "quarters": quarters}
            if cost is not None:
                piece["cost_pln"] = cost
            fields = {"piece": piece}
            if key:
                fields["domain_id"] = domains[key]
            assert client.op("piece.create", **fields)["ok"]
    finally:
        client.close()
    return workshop


def test_screenshots_of_every_screen(live_server, board, new_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    sizes = {
        "tablet-landscape": TABLET,
        "tablet-portrait": {**TABLET, "viewport": {"width": 768, "height": 1024}},
        "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
    }
    for name, options in sizes.items():
        page = new_page(**options)
        join_through_page(page, live_server, board["code"], "Anna", "Stół 1 — Południe")
        shoot(page, name)
    page.locator("[data-piece-id] .piece-main").first.click()
    page.locator("#piece-editor[open]").wait_for()
    shoot(page, "phone-editor")

    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, board["code"], "Jan", "Stół 2 — Północ")
    tablet.locator(".zone-domain [data-piece-id] .piece-main").first.click()
    tablet.locator("#piece-editor[open]").wait_for()
    shoot(tablet, "tablet-editor")
    tablet.keyboard.press("Escape")
    tablet.locator("[data-piece-id] .piece-move").first.click()
    tablet.locator("#move-dialog[open]").wait_for()
    shoot(tablet, "tablet-move-menu")

    console = new_page(viewport={"width": 1440, "height": 900})
    login_through_page(console, live_server, f"/console/{board['id']}")
    wait_online(console)
    shoot(console, "console")
    console.locator(".console-grid").scroll_into_view_if_needed()
    console.evaluate("document.querySelector('.console-grid').scrollIntoView()")
    shoot(console, "console-settings")

    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{board['id']}")
    wait_online(projector)
    shoot(projector, "projector")
    projector.locator('[data-view-link="coverage"]').click()
    projector.locator(".coverage-table").wait_for()
    shoot(projector, "projector-coverage")
