"""Script and HTML typed into every field show as text — on the tablet, the projector, the
console and in every export — and never run."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    TABLET,
    join_through_page,
    login_through_page,
    wait_online,
    wait_sent,
)
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
SHORT = '<img src=x onerror="window.__pwned=1">'  # for names with a short limit
FIELDS = ["objective", "lead", "funding", "result", "indicator"]


def text(field: str) -> str:
    return f"{SCRIPT} {field}"


def assert_inert(page, *expected: str) -> None:
    """The texts are on the page as text; nothing ran, and no <img>/<script> was made of them."""
    page.wait_for_function(
        "texts => texts.every((t) => document.body.textContent.includes(t))", arg=list(expected)
    )
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    # Page data travels in <script type="application/json"> (never run), with "<" escaped.
    scripts = page.evaluate(
        "[...document.scripts].map((s) => [s.type, s.textContent.includes('</script')])"
    )
    assert all(kind == "application/json" or kind == "module" for kind, _ in scripts)
    assert not any(closes for _, closes in scripts)


def test_script_in_every_field_is_shown_as_text_everywhere(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    wid = workshop["id"]
    group = live_server.add_group(wid, f"Stół {SHORT}")
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], SHORT, group["name"])

    # The add form: title and description.
    tablet.locator(".add-piece summary").click()
    tablet.locator("#add-title").fill(text("title"))
    tablet.locator("#add-description").fill(text("description"))
    tablet.locator("#add-piece-form [type=submit]").click()
    wait_sent(tablet)
    (piece,) = live_server.snapshot(wid)["pieces"]
    assert piece["title"] == text("title")

    # The editor: every other text field, and a partner.
    tablet.locator(f'[data-piece-id="{piece["id"]}"] .piece-main').click()
    editor = tablet.locator("#piece-editor[open]")
    editor.wait_for()
    for field in FIELDS:
        editor.locator(f'[name="{field}"]').fill(text(field))
    editor.locator("[data-pe-partner-input]").fill(text("partner"))
    editor.locator("[data-pe-partner-add]").click()
    editor.locator("[data-pe-save]").click()
    editor.wait_for(state="hidden")
    wait_sent(tablet)

    # The facilitator names a domain and comments on the piece (the console's ops).
    domain = live_server.snapshot(wid)["domains"][0]
    staff = BoardClient(live_server.url, live_server.staff_token, wid).connect()
    try:
        renamed = staff.op("domain.update", domain_id=domain["id"], changes={"name": text("d")})
        assert renamed["ok"], renamed
        moved = staff.op("piece.move", piece_id=piece["id"], domain_id=domain["id"], position=0)
        assert moved["ok"], moved
        comment = staff.op("comment.add", piece_id=piece["id"], text=text("comment"))
        assert comment["ok"], comment
    finally:
        staff.close()

    stored = next(p for p in live_server.snapshot(wid)["pieces"] if p["id"] == piece["id"])
    for field in ["title", "description", *FIELDS]:
        assert stored[field] == text(field)
    assert stored["partners"] == [text("partner")]

    tablet.locator(f'[data-zone="{domain["id"]}"] > [data-piece-id="{piece["id"]}"]').wait_for()
    title = tablet.locator(f'[data-piece-id="{piece["id"]}"] .piece-title')
    assert title.text_content() == text("title")
    assert_inert(tablet, text("title"), text("d"), text("lead"), text("comment"))
    # The editor shows each field's value as typed.
    tablet.locator(f'[data-piece-id="{piece["id"]}"] .piece-main').click()
    editor.wait_for()
    for field in ["title", "description", *FIELDS]:
        assert editor.locator(f'[name="{field}"]').input_value() == text(field)
    assert editor.locator("[data-pe-partners]").text_content() == text("partner")
    assert_inert(tablet)

    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{wid}")
    wait_online(projector)
    assert_inert(projector, text("title"), text("d"))

    console = new_page(**TABLET)
    login_through_page(console, live_server, f"/console/{wid}")
    wait_online(console)
    assert_inert(console, text("title"), text("d"), SHORT, group["name"])

    printed = new_page()
    # The print view is a standalone file without an icon: the browser asking for one is no error.
    printed.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    login_through_page(printed, live_server)
    printed.goto(f"{live_server.url}/api/workshops/{wid}/export/html")
    assert_inert(printed, *(text(f) for f in ["title", "description", *FIELDS, "d"]))

    # The files keep the exact text (escaped as their format requires, never interpreted).
    def download(fmt: str) -> bytes:
        answer = live_server.api(
            "GET", f"/api/workshops/{wid}/export/{fmt}", token=live_server.staff_token
        )
        assert answer.status_code == 200, answer.text
        return answer.content

    exported = json.loads(download("json"))
    flat = json.dumps(exported, ensure_ascii=False)
    for field in ["title", "description", *FIELDS, "partner", "d"]:
        assert json.dumps(text(field), ensure_ascii=False) in flat

    rows = list(csv.reader(io.StringIO(download("csv").decode("utf-8-sig"))))
    cells = {cell for row in rows for cell in row}
    for field in ["title", "description", *FIELDS, "d"]:
        assert any(text(field) in cell for cell in cells), field

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(download("xlsx")))
    values = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    for field in ["title", "description", *FIELDS, "d"]:
        assert any(text(field) in v for v in values), field

    from docx import Document

    doc = Document(io.BytesIO(download("docx")))
    words = [p.text for p in doc.paragraphs]
    words += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for field in ["title", "description", "d"]:
        assert any(text(field) in w for w in words), field
