"""static/js/state.js applies the settings events exactly as the server stored them."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import seed_pieces
from tests.mirror import BoardClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPLAY = """
async ([snapshot, events]) => {
  const { BoardState, TRAY } = await import("/static/js/state.js");
  const s = new BoardState();
  s.load(snapshot);
  s.receiveMany(events);
  const zones = {};
  for (const key of s.zoneKeys()) zones[key] = [...s.zoneIds(key)];
  return {
    seq: s.seq,
    domains: s.domains.map((d) => [d.id, d.name, d.color, d.position]),
    groups: s.groups.map((g) => [g.id, g.name]),
    partners: s.partners.map((p) => p.name),
    title: s.workshop.title, code: s.workshop.code,
    participants: s.participants.map((p) => p.id),
    zones,
    groupOf: Object.fromEntries([...s.pieces.values()].map((p) => [p.id, p.group_id])),
  };
}
"""


def test_settings_events_replayed_in_the_browser_match_the_server(live_server, new_page):
    workshop = live_server.create_workshop("Program")
    wid = workshop["id"]
    group = live_server.add_group(wid, "Stół 1")
    person = live_server.join(workshop["code"], "Ola", group["id"])
    before = live_server.snapshot(wid)
    domains = before["domains"]
    seed_pieces(live_server, wid, ["T1", "T2"])
    seed_pieces(live_server, wid, ["D1", "D2", "D3"], domain_id=domains[2]["id"])
    ola = BoardClient(live_server.url, person["token"]).connect()
    ack = ola.op("piece.create", piece={"title": "Ola's"}, domain_id=domains[0]["id"])
    assert ack["ok"], ack
    ola.close()
    staff = BoardClient(live_server.url, live_server.staff_token, wid).connect()
    try:
        for type_, fields in [
            ("domain.create", {"domain": {"name": "Sport"}, "position": 1}),
            ("domain.update", {"domain_id": domains[1]["id"], "changes": {"color": "#224466"}}),
            ("domain.move", {"domain_id": domains[0]["id"], "position": 5}),
            ("domain.delete", {"domain_id": domains[2]["id"]}),
            ("group.update", {"group_id": group["id"], "changes": {"name": "Stół A"}}),
            ("participant.remove", {"participant_id": person["participant"]["id"]}),
            ("group.delete", {"group_id": group["id"]}),
            ("partners.set", {"partners": ["Kraków", "Biuro SMK"]}),
            ("workshop.update", {"changes": {"title": "Nowy tytuł"}}),
            ("workshop.new_code", {}),
        ]:
            ack = staff.op(type_, **fields)
            assert ack["ok"], (type_, ack)
    finally:
        staff.close()
    after = live_server.snapshot(wid)
    missed = _events_after(live_server, wid, before["seq"], after["seq"])
    page = new_page()
    page.goto(live_server.url + "/")
    out = page.evaluate(REPLAY, [before, missed])
    assert out["seq"] == after["seq"]
    assert out["domains"] == [
        [d["id"], d["name"], d["color"], d["position"]] for d in after["domains"]
    ]
    assert out["groups"] == [[g["id"], g["name"]] for g in after["groups"]]
    assert out["partners"] == ["Kraków", "Biuro SMK"]
    assert (out["title"], out["code"]) == ("Nowy tytuł", after["workshop"]["code"])
    assert out["participants"] == [p["id"] for p in after["participants"]]
    expected: dict[str, list[int]] = {"tray": []}
    for d in after["domains"]:
        expected[str(d["id"])] = []
    for p in sorted(after["pieces"], key=lambda p: p["position"]):
        expected["tray" if p["domain_id"] is None else str(p["domain_id"])].append(p["id"])
    assert out["zones"] == expected
    assert out["groupOf"] == {str(p["id"]): p["group_id"] for p in after["pieces"]}


def _events_after(server, workshop_id: int, since: int, last: int) -> list[dict]:
    client = BoardClient(server.url, server.staff_token, workshop_id).connect()
    try:
        events = client.sio.call("sync", {"since": since}, timeout=20)["events"]
        assert events[-1]["seq"] == last
        return events
    finally:
        client.close()
