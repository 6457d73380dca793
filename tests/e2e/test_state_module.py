"""static/js/state.js in a real browser: seq order, the ordering rule, optimistic moves."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCENARIO = """
async () => {
  const { BoardState, TRAY } = await import("/static/js/state.js");
  const mk = (id, d, pos) => ({ id, title: "p" + id, domain_id: d, position: pos, version: 1 });
  const move = (seq, id, from, to, opId = null) => ({
    seq, type: "piece.move", op_id: opId,
    data: { piece: mk(id, to[0], to[1]), from: { domain_id: from[0], position: from[1] },
            to: { domain_id: to[0], position: to[1] } },
  });
  const s = new BoardState();
  const out = {};
  s.load({ domains: [{ id: 10, position: 0 }, { id: 11, position: 1 }],
           pieces: [mk(1, null, 0), mk(2, null, 1), mk(3, 10, 0)], seq: 1 });
  s.receive(move(3, 2, [null, 0], [10, 0]));           // arrives early: waits for seq 2
  out.waiting = [s.seq, s.hasGap, [...s.zoneIds(TRAY)]];
  s.receive({ seq: 2, type: "vote.add", data: {} });   // unknown type: counted, ignored
  out.applied = [s.seq, s.hasGap, [...s.zoneIds(TRAY)], [...s.zoneIds("10")]];
  s.receive(move(3, 1, [null, 0], [11, 0]));           // a seq already applied is ignored
  out.duplicate = [...s.zoneIds(TRAY)];
  s.receive({ seq: 4, type: "piece.create", data: { piece: mk(4, 10, 1) } });
  out.created = [...s.zoneIds("10")];
  s.moveOptimistic("op-a", 1, 10, 0);
  out.optimistic = [[...s.zoneIds(TRAY)], [...s.zoneIds("10")]];
  const from = { domain_id: 10, position: 1 };
  s.receive({ seq: 5, type: "piece.delete", data: { piece_id: 4, from } });
  out.underneath = [...s.zoneIds("10")];
  s.settle("op-a", { ok: false, error: { code: "locked", message: "no" } });
  out.rolledBack = [[...s.zoneIds(TRAY)], [...s.zoneIds("10")]];
  s.moveOptimistic("op-b", 1, 11, 0);
  s.settle("op-b", { ok: true, seq: 6, event: move(6, 1, [null, 0], [11, 0], "op-b") });
  out.confirmed = [[...s.zoneIds(TRAY)], [...s.zoneIds("11")], s.piece(1).domain_id];
  out.positions = [...s.pieces.values()].sort((a, b) => a.id - b.id).map((p) => [p.id, p.position]);
  return out;
}
"""


def test_board_state_applies_events_like_the_server(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/")
    out = page.evaluate(SCENARIO)
    assert out["waiting"] == [1, True, [1, 2]]
    assert out["applied"] == [3, False, [1], [2, 3]]
    assert out["duplicate"] == [1]
    assert out["created"] == [2, 4, 3]
    assert out["optimistic"] == [[], [1, 2, 4, 3]]
    assert out["underneath"] == [1, 2, 3]
    assert out["rolledBack"] == [[1], [2, 3]]
    assert out["confirmed"] == [[], [1], 11]
    assert out["positions"] == [[1, 0], [2, 0], [3, 1]]


PROPOSALS = """
async () => {
  const { BoardState, TRAY } = await import("/static/js/state.js");
  const s = new BoardState();
  s.me = { role: "participant", id: 7, group_id: 1 };
  const piece = (id, group) => ({ id, title: "p" + id, domain_id: null, position: 0, version: 1,
                                  group_id: group });
  s.load({ domains: [{ id: 10, position: 0 }], seq: 1,
           pieces: [{ ...piece(1, 1), domain_id: 10, comments: [{ id: 5 }], comment_count: 1 }] });
  const propose = (seq, id, group) => s.receive({
    seq, type: "piece.create", data: { inbox: { ...piece(id, group), inbox_state: "pending" } } });
  propose(2, 2, 1);
  propose(3, 3, 2);
  const inbox = s.facilitation.inbox.map((p) => p.id);
  const edited = { ...piece(2, 1), title: "new" };
  s.receive({ seq: 4, type: "piece.update", data: { piece: edited, changed: ["title"] } });
  const afterUpdate = [[...s.zoneIds(TRAY)], s.facilitation.inbox.map((p) => p.title)];
  s.receive({ seq: 5, type: "domain.delete", data: { domain_id: 10, pieces: [piece(1, 1)] } });
  const kept = s.piece(1).comment_count;
  return { inbox, afterUpdate, kept };
}
"""


def test_proposals_stay_off_the_board_and_comments_survive_a_domain_delete(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/")
    out = page.evaluate(PROPOSALS)
    assert out["inbox"] == [2]  # another group's proposal is not shown to this participant
    assert out["afterUpdate"] == [[], ["new"]]  # an edited proposal stays in the inbox
    assert out["kept"] == 1


SNAPSHOT_UNDER_PENDING = """
async () => {
  const { BoardState, TRAY } = await import("/static/js/state.js");
  const mk = (id, d, pos) => ({ id, title: "p" + id, domain_id: d, position: pos, version: 1 });
  const s = new BoardState();
  s.load({ domains: [{ id: 10, position: 0 }], pieces: [mk(1, null, 0), mk(2, null, 1)], seq: 3 });
  s.moveOptimistic("op-offline", 2, 10, 0);  // made offline, not yet sent
  // the server could not serve the gap: a fresh snapshot, where someone else added piece 3
  s.load({ domains: [{ id: 10, position: 0 }], seq: 9,
           pieces: [mk(1, null, 0), mk(2, null, 1), mk(3, 10, 0)] });
  const shown = [[...s.zoneIds(TRAY)], [...s.zoneIds("10")]];
  s.settle("op-offline", { ok: false, error: { code: "locked", message: "locked" } });
  const rolledBack = [[...s.zoneIds(TRAY)], [...s.zoneIds("10")]];
  return { shown, rolledBack };
}
"""


def test_a_fresh_snapshot_keeps_pending_changes_on_top(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/")
    out = page.evaluate(SNAPSHOT_UNDER_PENDING)
    assert out["shown"] == [[1], [2, 3]]
    assert out["rolledBack"] == [[1, 2], [3]]


COMPACT_MOVE = """
async () => {
  const { BoardState, TRAY } = await import("/static/js/state.js");
  const s = new BoardState();
  const whole = { id: 1, code: "MOB-01", title: "Bilet", description: "Jeden bilet",
                  domain_id: null, position: 0, version: 1, updated_at: "2027-01-01T10:00:00+00:00",
                  comment_count: 2 };
  s.load({ domains: [{ id: 10, position: 0 }], seq: 1,
           pieces: [whole, { ...whole, id: 2, code: "MOB-02", title: "Rower", position: 1 }] });
  s.receive({ seq: 2, type: "piece.move", data: {
    piece: { id: 1, domain_id: 10, position: 0, version: 2, updated_at: "2027-01-01T10:01Z" },
    from: { domain_id: null, position: 0 }, to: { domain_id: 10, position: 0 } } });
  const moved = { ...s.piece(1) };
  const zones = [[...s.zoneIds(TRAY)], [...s.zoneIds("10")], s.piece(2).position];
  const staleBefore = s.stale;
  s.receive({ seq: 3, type: "piece.move", data: {   // a piece this copy never had
    piece: { id: 9, domain_id: 10, position: 0, version: 4, updated_at: "2027-01-01T10:02Z" },
    from: { domain_id: null, position: 5 }, to: { domain_id: 10, position: 0 } } });
  const zonesAfter = [[...s.zoneIds(TRAY)], [...s.zoneIds("10")], s.seq];
  return { moved, zones, staleBefore, staleAfter: s.stale, zonesAfter };
}
"""


def test_a_compact_move_keeps_the_fields_it_leaves_out(live_server, new_page):
    page = new_page()
    page.goto(live_server.url + "/")
    out = page.evaluate(COMPACT_MOVE)
    assert out["moved"] == {
        "id": 1,
        "code": "MOB-01",
        "title": "Bilet",
        "description": "Jeden bilet",
        "domain_id": 10,
        "position": 0,
        "version": 2,
        "updated_at": "2027-01-01T10:01Z",
        "comment_count": 2,
    }
    assert out["zones"] == [[2], [1], 0]
    assert out["staleBefore"] is False
    assert out["staleAfter"] is True  # the page then asks for a fresh snapshot
    assert out["zonesAfter"] == [[2], [1], 3]  # nothing half-known is shown meanwhile
