"""Staff-only settings ops: domains, groups, partners, workshop, join code, participants."""

from __future__ import annotations

import pytest

from planner import auth
from planner.board import BoardError, find_by_code
from tests.board.test_rules import refused
from tests.conftest import Room


def positions(items: list[dict]) -> list[int]:
    return [item["position"] for item in items]


def test_participants_may_change_no_settings_and_nothing_changes(room: Room):
    anna = room.participant("Anna")
    domain = room.domains[0]
    piece = room.create(title="A", domain_id=domain["id"])
    for type_, fields in [
        ("domain.create", {"domain": {"name": "Nowa"}}),
        ("domain.update", {"domain_id": domain["id"], "changes": {"name": "X"}}),
        ("domain.move", {"domain_id": domain["id"], "position": 3}),
        ("domain.delete", {"domain_id": domain["id"]}),
        ("group.update", {"group_id": room.groups[0]["id"], "changes": {"name": "X"}}),
        ("group.delete", {"group_id": room.groups[1]["id"]}),
        ("partners.set", {"partners": ["Kraków"]}),
        ("workshop.update", {"changes": {"title": "X"}}),
        ("workshop.new_code", {}),
        ("participant.remove", {"participant_id": anna.id}),
        ("domain.delete", {"garbage": True}),  # role before fields
    ]:
        refused(room, anna, "forbidden", type_, **fields)
    assert room.zones()[domain["id"]] == [piece["id"]]


def test_domain_create_inserts_at_a_position_and_keeps_positions_gapless(room: Room):
    event = room.op(room.staff, "domain.create", domain={"name": "Sport i zdrowie"}, position=2)
    created = event["data"]["domain"]
    assert created["position"] == 2 and created["key"] == "sport-i-zdrowie"
    assert created["color"].startswith("#")
    domains = room.domains
    assert positions(domains) == list(range(8))
    assert domains[2]["id"] == created["id"]
    again = room.op(room.staff, "domain.create", domain={"name": "Sport i zdrowie"}, position=99)
    assert again["data"]["domain"]["key"] == "sport-i-zdrowie-2"
    assert again["data"]["domain"]["position"] == 8


def test_domain_update_renames_and_recolours(room: Room):
    domain = room.domains[1]
    event = room.op(
        room.staff,
        "domain.update",
        domain_id=domain["id"],
        changes={"name": " Transport ", "color": "#123456"},
    )
    assert event["data"]["changed"] == ["name", "color"]
    assert room.domains[1] | {} == {**domain, "name": "Transport", "color": "#123456"}
    refused(
        room,
        room.staff,
        "validation_error",
        "domain.update",
        domain_id=domain["id"],
        changes={"color": "red"},
    )
    refused(
        room,
        room.staff,
        "validation_error",
        "domain.update",
        domain_id=domain["id"],
        changes={"name": "  "},
    )


def test_domain_move_reorders_gaplessly(room: Room):
    before = [d["id"] for d in room.domains]
    event = room.op(room.staff, "domain.move", domain_id=before[0], position=4)
    assert (event["data"]["from"], event["data"]["to"]) == (0, 4)
    after = room.domains
    assert [d["id"] for d in after] == [*before[1:5], before[0], *before[5:]]
    assert positions(after) == list(range(7))
    room.op(room.staff, "domain.move", domain_id=before[0], position=-5)
    assert [d["id"] for d in room.domains] == before


def test_domain_delete_puts_its_pieces_at_the_end_of_the_tray_in_order(room: Room):
    domain, other = room.domains[0], room.domains[1]
    tray = [room.create(title=f"T{n}") for n in range(2)]
    inside = [room.create(title=f"D{n}", domain_id=domain["id"]) for n in range(3)]
    room.create(title="O", domain_id=other["id"])
    event = room.op(room.staff, "domain.delete", domain_id=domain["id"])
    data = event["data"]
    assert data["domain_id"] == domain["id"] and data["from"] == 0
    assert [(p["id"], p["domain_id"], p["position"]) for p in data["pieces"]] == [
        (p["id"], None, 2 + n) for n, p in enumerate(inside)
    ]
    zones = room.zones()
    assert zones[None] == [p["id"] for p in tray + inside]
    assert domain["id"] not in zones
    assert positions(room.domains) == list(range(6))
    refused(room, room.staff, "not_found", "domain.delete", domain_id=domain["id"])


def test_group_update_and_delete(room: Room):
    first, second = room.groups
    event = room.op(room.staff, "group.update", group_id=first["id"], changes={"name": "Stół A"})
    assert event["data"]["group"]["name"] == "Stół A"
    anna = room.participant("Anna", group=1)
    piece = room.create(anna, title="Mój")
    refused(room, room.staff, "conflict", "group.delete", group_id=second["id"])
    room.op(room.staff, "participant.remove", participant_id=anna.id)
    event = room.op(room.staff, "group.delete", group_id=second["id"])
    assert event["data"] == {"group_id": second["id"], "pieces": [piece["id"]]}
    snap = room.snapshot()
    assert [g["id"] for g in snap["groups"]] == [first["id"]]
    assert next(p for p in snap["pieces"] if p["id"] == piece["id"])["group_id"] is None


def test_partners_set_replaces_the_list(room: Room):
    event = room.op(room.staff, "partners.set", partners=["Kraków", " Biuro SMK "])
    assert [p["name"] for p in event["data"]["partners"]] == ["Kraków", "Biuro SMK"]
    assert [p["name"] for p in room.snapshot()["partners"]] == ["Kraków", "Biuro SMK"]
    refused(room, room.staff, "validation_error", "partners.set", partners=["A", "a"])
    refused(room, room.staff, "validation_error", "partners.set", partners=[""])


def test_workshop_update_and_new_code(room: Room):
    old_code = room.workshop.code
    event = room.op(room.staff, "workshop.update", changes={"title": "RPP 2028", "year": 2028})
    assert event["data"]["changed"] == ["title", "year"]
    assert (room.snapshot()["workshop"]["title"], room.snapshot()["workshop"]["year"]) == (
        "RPP 2028",
        2028,
    )
    refused(room, room.staff, "validation_error", "workshop.update", changes={"year": 1999})
    event = room.op(room.staff, "workshop.new_code")
    new = event["data"]["workshop"]["code"]
    assert new != old_code
    assert find_by_code(old_code) is None and find_by_code(new).id == room.id
    with pytest.raises(BoardError) as refused_join:
        auth.join(old_code, "Late", None)
    assert refused_join.value.code == "not_found"
    auth.join(new, "Late", None)


def test_participant_remove_refuses_the_token_at_once(room: Room, app):
    anna = room.participant("Anna")
    token = room.tokens[anna.id]
    assert auth.actor_for_token(token) is not None
    event = room.op(room.staff, "participant.remove", participant_id=anna.id)
    assert event["data"] == {"participant_id": anna.id}
    assert auth.actor_for_token(token) is None
    assert [p["id"] for p in room.snapshot()["participants"]] == []
    answer = app.test_client().get(
        f"/api/workshops/{room.id}/board", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401
    refused(room, room.staff, "not_found", "participant.remove", participant_id=anna.id)
