"""The board in real browsers: touch and mouse drags, adding and editing pieces, live updates."""

from __future__ import annotations

import threading

import pytest

from tests.e2e.conftest import (
    PROJECTOR,
    TABLET,
    join_through_page,
    login_through_page,
    piece_el,
    seed_pieces,
    touch_drag,
    wait_online,
    wait_piece_at,
    wait_sent,
    zone_order,
)
from tests.mirror import BoardClient
from tests.support import op_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_touch_drag_into_a_domain_shows_on_every_screen(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    first, second = seed_pieces(
        live_server, workshop["id"], ["Wspólny bilet", "Rower metropolitalny"]
    )
    mobility = live_server.snapshot(workshop["id"])["domains"][1]

    anna = new_page(**TABLET)
    join_through_page(anna, live_server, workshop["code"], "Anna", "Stół 1")
    jan = new_page(**TABLET)
    join_through_page(jan, live_server, workshop["code"], "Jan", "Stół 1")
    projector = new_page(**PROJECTOR)
    login_through_page(projector, live_server, f"/screen/{workshop['id']}")
    wait_online(projector)
    assert zone_order(jan, "tray") == [first["id"], second["id"]]

    def others_see_it_held() -> None:
        piece_el(jan, second["id"]).locator(".piece-held", has_text="Anna").wait_for()

    touch_drag(
        anna,
        piece_el(anna, second["id"]),
        anna.locator(f'[data-zone="{mobility["id"]}"]'),
        before_release=others_see_it_held,
    )

    for page in (anna, jan, projector):
        wait_piece_at(page, second["id"], mobility["id"], 0)
        assert zone_order(page, "tray") == [first["id"]]
    piece_el(jan, second["id"]).locator(".piece-held").wait_for(state="hidden")
    board = live_server.snapshot(workshop["id"])
    moved = next(p for p in board["pieces"] if p["id"] == second["id"])
    assert (moved["domain_id"], moved["position"]) == (mobility["id"], 0)
    # Nobody reloaded: the projector still counts what it was sent live.
    count = (
        projector.locator(f'[data-zone="{mobility["id"]}"]')
        .locator("xpath=..")
        .locator(".zone-count")
    )
    assert count.inner_text().strip().endswith("1")


def test_mouse_drag_reorders_a_domain_for_everyone(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    domain = live_server.snapshot(workshop["id"])["domains"][0]
    a, b, c = seed_pieces(live_server, workshop["id"], ["A", "B", "C"], domain_id=domain["id"])

    console = new_page(viewport={"width": 1440, "height": 900})
    login_through_page(console, live_server, f"/console/{workshop['id']}")
    wait_online(console)
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Ewa", "Stół 1")

    piece_el(console, c["id"]).scroll_into_view_if_needed()
    source = piece_el(console, c["id"]).bounding_box()
    target = piece_el(console, a["id"]).bounding_box()
    console.mouse.move(source["x"] + 20, source["y"] + source["height"] / 2)
    console.mouse.down()
    steps = 10
    for i in range(1, steps + 1):
        y = (
            source["y"]
            + source["height"] / 2
            + (target["y"] + 4 - source["y"] - source["height"] / 2) * i / steps
        )
        console.mouse.move(source["x"] + 20, y)
    console.mouse.up()

    for page in (console, tablet):
        wait_piece_at(page, c["id"], domain["id"], 0)
        assert zone_order(page, domain["id"]) == [c["id"], a["id"], b["id"]]
    pieces = {p["id"]: p for p in live_server.snapshot(workshop["id"])["pieces"]}
    assert [pieces[i]["position"] for i in (c["id"], a["id"], b["id"])] == [0, 1, 2]


def test_add_a_piece_then_edit_it(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 2")
    domain = live_server.snapshot(workshop["id"])["domains"][2]

    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Ola", "Stół 2")
    other = new_page(**TABLET)
    join_through_page(other, live_server, workshop["code"], "Piotr", "Stół 2")

    tablet.locator(".add-piece > summary").click()
    tablet.locator("#add-title").fill("Plan adaptacji do zmian klimatu")
    tablet.locator("#add-zone").select_option(str(domain["id"]))
    tablet.locator("#add-piece-form [type=submit]").click()
    created = tablet.locator(f'[data-zone="{domain["id"]}"] > [data-piece-id]')
    created.first.wait_for()  # shown at once, with a temporary id until the server stores it
    wait_sent(tablet)
    piece_id = int(created.first.get_attribute("data-piece-id"))
    assert piece_id > 0
    wait_piece_at(other, piece_id, domain["id"], 0)

    tablet.locator(f'[data-piece-id="{piece_id}"] .piece-main').click()
    editor = tablet.locator("#piece-editor")
    editor.wait_for()
    # An empty title is refused next to the field, before anything is sent.
    editor.locator("#pe-title").fill("")
    editor.locator("[data-pe-save]").click()
    assert editor.locator("#pe-title-error").inner_text()
    assert editor.locator("#pe-title").get_attribute("aria-invalid") == "true"

    editor.locator("#pe-title").fill("Plan adaptacji gmin do zmian klimatu")
    editor.locator("#pe-description").fill("Wspólne opracowanie dla 15 gmin.")
    editor.locator("#pe-lead").fill("Biuro SMK")
    editor.locator("#pe-partner-input").fill("Wieliczka")
    editor.locator("[data-pe-partner-add]").click()
    editor.locator("#pe-partner-input").fill("Skawina")
    editor.locator("#pe-partner-input").press("Enter")
    editor.locator('input[name="quarters"][value="2"]').check()
    editor.locator("#pe-cost").fill("12500.5")
    assert editor.locator("#pe-status").is_disabled()  # only facilitators set the status
    editor.locator("[data-pe-save]").click()
    editor.wait_for(state="hidden")

    other.locator(f'[data-piece-id="{piece_id}"] .piece-title', has_text="gmin do zmian").wait_for()
    piece = next(p for p in live_server.snapshot(workshop["id"])["pieces"] if p["id"] == piece_id)
    assert piece["title"] == "Plan adaptacji gmin do zmian klimatu"
    assert piece["description"] == "Wspólne opracowanie dla 15 gmin."
    assert piece["lead"] == "Biuro SMK"
    assert piece["partners"] == ["Wieliczka", "Skawina"]
    assert piece["quarters"] == [2]
    assert piece["cost_pln"] == 12500.5
    assert piece["status"] == "proposed"


def test_move_to_menu_moves_a_piece_without_dragging(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    (piece,) = seed_pieces(live_server, workshop["id"], ["Karta mieszkańca"])
    culture = live_server.snapshot(workshop["id"])["domains"][4]

    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Kasia", "Stół 1")
    tablet.locator(f'[data-piece-id="{piece["id"]}"] .piece-main').focus()
    tablet.keyboard.press("Tab")
    tablet.keyboard.press("Enter")
    tablet.locator(f'#move-dialog [data-move-zone="{culture["id"]}"]').click()

    wait_piece_at(tablet, piece["id"], culture["id"], 0)
    focused = tablet.evaluate("document.activeElement.closest('[data-piece-id]')?.dataset.pieceId")
    assert focused == str(piece["id"])


def test_tablet_reconnects_after_a_server_restart_and_catches_up(
    live_server, new_page, page_errors
):
    page_errors.allow("ERR_CONNECTION_REFUSED")
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    seed_pieces(live_server, workshop["id"], ["Przed przerwą"])
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Marek", "Stół 1")

    live_server.kill()
    tablet.locator(
        '#conn-status:is([data-state="reconnecting"], [data-state="offline"])'
    ).wait_for()
    live_server.start()
    (later,) = seed_pieces(live_server, workshop["id"], ["Po przerwie"])

    tablet.locator('#conn-status[data-state="online"]').wait_for()
    wait_piece_at(tablet, later["id"], "tray", 1)


def test_console_adds_a_group_and_lists_who_is_online(live_server, new_page):
    workshop = live_server.create_workshop("Program prac 2027")
    console = new_page(viewport={"width": 1440, "height": 900})
    login_through_page(console, live_server, f"/console/{workshop['id']}")
    wait_online(console)

    console.locator("#group-name").fill("Stół Wieliczka")
    console.locator("#add-group-form [type=submit]").click()
    console.locator("[data-groups] li", has_text="Stół Wieliczka").wait_for()

    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Zofia", "Stół Wieliczka")
    console.locator("[data-participants] .is-online", has_text="Zofia").wait_for()
    tablet.close()
    console.locator("[data-participants] .is-offline", has_text="Zofia").wait_for()


def test_tray_filter_lists_a_new_lead_and_a_move_leaves_its_lists_alone(live_server, new_page):
    """The lead list follows other devices' edits; a move (most events) rebuilds neither list —
    on a 2 000-piece board rebuilding them per event cost more than the move (issue 8)."""
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    piece, other = seed_pieces(live_server, workshop["id"], ["Wspólny bilet", "Rower"])
    tablet = new_page(**TABLET)
    join_through_page(tablet, live_server, workshop["code"], "Ala", "Stół 1")
    wait_online(tablet)
    tablet.evaluate("window.__leadOption = document.querySelector('#tray-filter-lead option')")
    client = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        mobility = live_server.snapshot(workshop["id"])["domains"][1]
        ack = client.op("piece.move", piece_id=other["id"], domain_id=mobility["id"], position=0)
        assert ack["ok"], ack
        wait_piece_at(tablet, other["id"], mobility["id"], 0)
        assert tablet.evaluate("document.contains(window.__leadOption)")
        ack = client.op("piece.update", piece_id=piece["id"], changes={"lead": "Wieliczka"})
        assert ack["ok"], ack
        tablet.locator('#tray-filter-lead option[value="Wieliczka"]').wait_for(state="attached")
    finally:
        client.close()


def test_a_burst_of_moves_from_other_tablets_shows_in_order(live_server, new_page):
    """Moves that reach the server together are stored together and reach a compact page as
    one `events` message (docs/protocol.md); the page shows the zone as the server has it."""
    workshop = live_server.create_workshop("Program prac 2027")
    live_server.add_group(workshop["id"], "Stół 1")
    pieces = seed_pieces(live_server, workshop["id"], [f"Akcja {n}" for n in range(6)])
    mobility = live_server.snapshot(workshop["id"])["domains"][1]["id"]
    tablet = new_page(**TABLET)
    batches: list[str] = []  # the live `events` messages the page's socket received
    tablet.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda frame: batches.append(frame) if str(frame).startswith('42["events",') else None,
        ),
    )
    join_through_page(tablet, live_server, workshop["code"], "Ola", "Stół 1")
    other = BoardClient(live_server.url, live_server.staff_token, workshop["id"]).connect()
    try:
        acks: list = []
        done = threading.Event()

        def answered(ack):
            acks.append(ack)
            if len(acks) == len(pieces):
                done.set()

        for piece in pieces:  # not waiting for acks: they arrive at the server together
            payload = {"op_id": op_id(), "type": "piece.move", "piece_id": piece["id"],
                       "domain_id": mobility, "position": 0}  # fmt: skip
            other.sio.emit("op", payload, callback=answered)
        assert done.wait(20) and all(a["ok"] for a in acks), acks
    finally:
        other.close()
    expected = [p["id"] for p in sorted(
        (p for p in live_server.snapshot(workshop["id"])["pieces"] if p["domain_id"] == mobility),
        key=lambda p: p["position"],
    )]  # fmt: skip
    assert expected == [p["id"] for p in reversed(pieces)]
    for index, piece_id in enumerate(expected):
        wait_piece_at(tablet, piece_id, mobility, index)
    assert zone_order(tablet, mobility) == expected
    # the burst is read in one turn of the server's loop (six frames in its socket's buffer)
    assert batches, "the moves reached the page one by one: nothing was gathered"
