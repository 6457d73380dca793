"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), plus page helpers.

Absent Chromium or Playwright skips these tests loudly here; with CI=true it fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.mirror import BoardClient
from tests.support import need

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True, "is_mobile": False}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
TIMEOUT_MS = 15000


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the Python package playwright is not installed")
    need(os.path.exists(CHROMIUM), f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class PageErrors:
    """Collects script errors, console errors and CSP violations of the pages it watches."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """Accept errors containing `fragment` (e.g. refused connections during a restart)."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def watch(self, page: Any) -> Any:
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: msg.type == "error" and self.errors.append(f"{page.url}: {msg.text}"),
        )
        return page


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    """Fails the test if any watched page logged an error (CSP violations included)."""
    errors = PageErrors()
    yield errors
    unexpected = errors.unexpected()
    assert not unexpected, "\n".join(unexpected)


@pytest.fixture
def new_page(browser, page_errors) -> Iterator[Any]:
    """Open a page in a fresh browser context (own cookies): new_page(**context_options)."""
    contexts: list[Any] = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(locale="pl-PL", **options)
        contexts.append(context)
        return page_errors.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


def join_through_page(page: Any, server: Any, code: str, name: str, group: str) -> None:
    """Type the code on the start page, then join with a name and a table."""
    page.goto(server.url + "/")
    page.locator("#join-code").fill(code.lower())
    page.locator("#join-code-form [type=submit]").click()
    page.wait_for_url("**/join/**")
    page.locator("#join-name").fill(name)
    page.locator("#join-group").select_option(label=group)
    page.locator("#join-form [type=submit]").click()
    page.wait_for_url("**/board/**")
    wait_online(page)


def login_through_page(page: Any, server: Any, next_path: str | None = None) -> None:
    """Log in as the staff account on the start page (optionally coming from next_path)."""
    page.goto(server.url + (f"/?next={next_path}" if next_path else "/"))
    page.locator("#login-username").fill(server.ADMIN[0])
    page.locator("#login-password").fill(server.ADMIN[1])
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(server.url + (next_path or "/workshops"))


def wait_online(page: Any) -> None:
    page.locator('#conn-status[data-state="online"]').wait_for()
    page.locator("[data-board][aria-busy=false]").wait_for()


def wait_sent(page: Any) -> None:
    """Wait until the page has no change waiting for the server's answer (its outbox is empty)."""
    page.locator('#conn-status[data-waiting="0"]').wait_for()


def seed_pieces(server: Any, workshop_id: int, titles: list[str], domain_id=None) -> list[dict]:
    """Create pieces over the socket as staff; returns the created pieces."""
    client = BoardClient(server.url, server.staff_token, workshop_id).connect()
    try:
        pieces = []
        for title in titles:
            fields: dict[str, Any] = {"piece": {"title": title}}
            if domain_id is not None:
                fields["domain_id"] = domain_id
            ack = client.op("piece.create", **fields)
            assert ack["ok"], ack
            pieces.append(ack["event"]["data"]["piece"])
        return pieces
    finally:
        client.close()


def piece_el(page: Any, piece_id: int) -> Any:
    """The element of a piece, as every board-like page marks it."""
    return page.locator(f'[data-piece-id="{piece_id}"]')


def zone_order(page: Any, zone: Any) -> list[int]:
    """Piece ids of a zone as the page shows them, top to bottom."""
    return page.eval_on_selector_all(
        f'[data-zone="{zone}"] > [data-piece-id]', "els => els.map(e => Number(e.dataset.pieceId))"
    )


def wait_piece_at(page: Any, piece_id: int, zone: Any, index: int) -> None:
    """Wait (no sleeping) until the page shows the piece in that zone at that index."""
    page.wait_for_function(
        """([id, zone, index]) => {
            const items = [...document.querySelectorAll(`[data-zone="${zone}"] > [data-piece-id]`)];
            return items.findIndex((el) => el.dataset.pieceId === String(id)) === index;
        }""",
        arg=[piece_id, str(zone), index],
    )


def touch_drag(page: Any, source: Any, target: Any, steps: int = 8, before_release=None) -> None:
    """Drag with real touch events (CDP Input.dispatchTouchEvent): press, hold, slide, lift.

    `before_release()`, if given, runs while the finger is still down over the target.
    """
    cdp = page.context.new_cdp_session(page)
    start = source.bounding_box()
    end = target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    # The drag begins after a short press (a quicker slide scrolls instead): wait for it to begin.
    source.and_(page.locator(".sortable-chosen")).wait_for()
    for i in range(1, steps + 1):
        x = x0 + (x1 - x0) * i / steps
        y = y0 + (y1 - y0) * i / steps
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    if before_release is not None:
        before_release()
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
