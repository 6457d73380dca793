"""GET /api/workshops/<id>/events: the whole log for replay, with the board before seq 1."""

from __future__ import annotations

from typing import Any

from planner.board.restore import carry_over
from tests.conftest import Room


def forward(base: dict[str, Any], events: list[dict[str, Any]]) -> dict:
    """Apply events on the base as clients do: {zone: [codes]} and the domain names in order."""
    zones: dict[Any, list[int]] = {None: []}
    domains = [(d["id"], d["name"]) for d in sorted(base["domains"], key=lambda d: d["position"])]
    for d_id, _ in domains:
        zones[d_id] = []
    codes: dict[int, str] = {}
    for p in sorted(base["pieces"], key=lambda p: p["position"]):
        zones.setdefault(p["domain_id"], []).append(p["id"])
        codes[p["id"]] = p["code"]

    def take(piece_id):
        for ids in zones.values():
            if piece_id in ids:
                ids.remove(piece_id)

    def apply(kind, data):
        if kind in ("undo", "revert"):
            apply(data["apply"]["type"], data["apply"]["data"])
        elif kind in ("piece.create", "inbox.accept") and "piece" in data:
            take(data["piece"]["id"])
            zone = zones.setdefault(data["piece"]["domain_id"], [])
            zone.insert(data["piece"]["position"], data["piece"]["id"])
            codes[data["piece"]["id"]] = data["piece"]["code"]
        elif kind == "piece.move":
            take(data["piece"]["id"])
            zones.setdefault(data["to"]["domain_id"], []).insert(
                data["to"]["position"], data["piece"]["id"]
            )
        elif kind == "piece.delete" and data.get("from"):
            take(data["piece_id"])
        elif kind == "domain.create":
            domains.insert(
                data["domain"]["position"], (data["domain"]["id"], data["domain"]["name"])
            )
            zones[data["domain"]["id"]] = []
        elif kind == "domain.delete":
            domains[:] = [d for d in domains if d[0] != data["domain_id"]]
            for piece in data["pieces"]:
                take(piece["id"])
                zones[None].append(piece["id"])
            zones.pop(data["domain_id"], None)

    for event in events:
        apply(event["type"], event["data"])
    return {
        "domains": [name for _, name in domains],
        "zones": {name: [codes[i] for i in zones.get(d_id, [])] for d_id, name in domains}
        | {"tray": [codes[i] for i in zones[None]]},
    }


def now(room: Room) -> dict:
    board = room.snapshot()
    names = {d["id"]: d["name"] for d in board["domains"]}
    zones: dict[str, list] = {names[d["id"]]: [] for d in board["domains"]} | {"tray": []}
    for p in sorted(board["pieces"], key=lambda p: p["position"]):
        zones[names.get(p["domain_id"], "tray")].append(p["code"])
    return {"domains": [d["name"] for d in board["domains"]], "zones": zones}


def get_events(room: Room, **params) -> Any:
    client = room.app.test_client()
    return client.get(
        f"/api/workshops/{room.id}/events",
        query_string=params,
        headers={"Authorization": f"Bearer {room.staff_token}"},
    )


def test_base_plus_every_event_is_the_board_at_every_seq(room: Room):
    mob = next(d["id"] for d in room.domains if d["key"] == "mobilnosc")
    a = room.create(title="A", code="A-1", domain_id=mob)
    b = room.create(title="B", code="B-1", domain_id=mob, position=0)
    c = room.create(title="C", code="C-1")
    room.op(room.staff, "piece.move", piece_id=c["id"], domain_id=mob, position=1)
    new = room.op(room.staff, "domain.create", domain={"name": "Sport"})["data"]["domain"]
    room.op(room.staff, "piece.move", piece_id=a["id"], domain_id=new["id"], position=0)
    room.op(room.staff, "piece.delete", piece_id=b["id"])
    room.op(room.staff, "revert", seq=room.snapshot()["seq"])
    room.op(room.staff, "domain.delete", domain_id=mob)
    room.op(room.staff, "piece.update", piece_id=c["id"], changes={"title": "C2"})

    answer = get_events(room)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["seq"] == room.snapshot()["seq"] and body["more"] is False
    assert [e["seq"] for e in body["events"]] == list(range(1, body["seq"] + 1))
    base = body["base"]
    assert base["seq"] == 0 and base["pieces"] == []
    assert [d["name"] for d in base["domains"]][1] == "Mobilność"  # deleted later, there at 0
    assert len(base["domains"]) == 7 and "participants" not in base
    assert forward(base, body["events"]) == now(room)
    # After the moves, before the Sport domain existed: C sits between B and A in Mobilność.
    first_move = next(i for i, e in enumerate(body["events"]) if e["type"] == "piece.move")
    at = forward(base, body["events"][: first_move + 1])
    assert at["zones"]["Mobilność"] == ["B-1", "C-1", "A-1"] and "Sport" not in at["domains"]


def test_pages_and_a_carried_over_board(room: Room):
    mob = next(d["id"] for d in room.domains if d["key"] == "mobilnosc")
    for n in range(3):
        room.create(title=f"P{n}", code=f"P-{n}", domain_id=mob)
    nxt = carry_over(room.workshop, None, None, room.staff_user.id)
    room.workshop, room.id = nxt, nxt.id  # pieces there were not made by events
    mob = next(d["id"] for d in room.domains if d["key"] == "mobilnosc")
    tray = room.snapshot()["pieces"]
    for piece_id, domain_id, position in ((tray[2]["id"], mob, 0), (tray[0]["id"], None, 5)):
        event = room.op(
            room.staff, "piece.move", piece_id=piece_id, domain_id=domain_id, position=position
        )
        assert "error" not in event, event

    first = get_events(room, after=0, limit=1).get_json()
    assert first["more"] is True and [e["seq"] for e in first["events"]] == [1]
    assert [p["code"] for p in sorted(first["base"]["pieces"], key=lambda p: p["position"])] == [
        "P-0",
        "P-1",
        "P-2",
    ]
    second = get_events(room, after=1, limit=5000).get_json()
    assert second["more"] is False and "base" not in second
    assert forward(first["base"], first["events"] + second["events"]) == now(room)
    assert get_events(room, limit=5001).status_code == 400


def test_events_are_for_staff_only(room: Room):
    anna = room.participant("Anna")
    client = room.app.test_client()
    answer = client.get(
        f"/api/workshops/{room.id}/events",
        headers={"Authorization": f"Bearer {room.tokens[anna.id]}"},
    )
    assert answer.status_code == 403
