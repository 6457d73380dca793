"""REST adapters: authentication, roles, bodies, and the error shape."""

from __future__ import annotations

import pytest

from planner.extensions import db
from planner.models import Participant, Workshop
from tests.conftest import Room


@pytest.fixture
def http(app):
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_login_and_token(room: Room, http):
    answer = http.post(
        "/api/login", json={"username": "facilitator", "password": "a-long-password"}
    )
    assert answer.status_code == 200
    token = answer.get_json()["token"]
    assert answer.get_json()["user"]["username"] == "facilitator"
    assert http.get("/api/workshops", headers=bearer(token)).status_code == 200
    assert_error(
        http.post("/api/login", json={"username": "facilitator", "password": "wrong"}),
        401,
        "unauthorized",
    )
    assert_error(
        http.post("/api/login", json={"username": "nobody", "password": "wrong"}),
        401,
        "unauthorized",
    )


def test_login_sets_the_session_cookie(room: Room, http):
    http.post("/api/login", json={"username": "facilitator", "password": "a-long-password"})
    assert http.get("/api/workshops").status_code == 200
    cookie = http.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_create_workshop_from_template(room: Room, http):
    answer = http.post(
        "/api/workshops", json={"title": "RPP 2028", "year": 2028}, headers=bearer(room.staff_token)
    )
    assert answer.status_code == 201
    workshop = answer.get_json()["workshop"]
    assert (
        len(workshop["code"]) == 8
        and workshop["phase"] == "placing"
        and workshop["locked"] is False
    )
    board = http.get(
        f"/api/workshops/{workshop['id']}/board", headers=bearer(room.staff_token)
    ).get_json()
    assert [d["name"] for d in board["domains"]] == [
        "Inteligentne zarządzanie",
        "Mobilność",
        "Środowisko i przestrzeń",
        "Gospodarka",
        "Kultura czasu wolnego",
        "Edukacja",
        "Usługi społeczne",
    ]
    assert board["partners"][0]["name"] == "Kraków" and len(board["partners"]) == 15
    assert board["seq"] == 0 and board["pieces"] == []
    blank = http.post(
        "/api/workshops",
        json={"title": "Pusty", "year": 2028, "template": "blank"},
        headers=bearer(room.staff_token),
    )
    blank_board = http.get(
        f"/api/workshops/{blank.get_json()['workshop']['id']}/board",
        headers=bearer(room.staff_token),
    ).get_json()
    assert blank_board["domains"] == [] and blank_board["partners"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "year": "2028"}, "year"),
        ({"title": "", "year": 2028}, "title"),
        ({"title": "x" * 201, "year": 2028}, "title"),
        ({"title": "x", "year": 2028, "template": "other"}, "template"),
        ({"title": "x", "year": 2028, "admin": True}, "admin"),
        ({"year": 2028}, "title"),
    ],
)
def test_bad_workshop_bodies(room: Room, http, body, field):
    count = db.session.query(Workshop).count()
    error = assert_error(
        http.post("/api/workshops", json=body, headers=bearer(room.staff_token)),
        400,
        "validation_error",
    )
    assert field in error["fields"]
    assert db.session.query(Workshop).count() == count


def test_non_json_bodies(room: Room, http):
    assert_error(
        http.post("/api/login", data="x", content_type="text/plain"), 400, "validation_error"
    )
    assert_error(http.post("/api/login", json=[1, 2]), 400, "validation_error")
    big = {"username": "a", "password": "b" * 70_000}
    assert_error(http.post("/api/login", json=big), 413, "too_large")


def test_join_with_code(room: Room, http):
    code = room.workshop.code
    answer = http.post(
        "/api/join",
        json={
            "code": f"{code[:4].lower()}-{code[4:]}",
            "name": "Ewa",
            "group_id": room.groups[1]["id"],
        },
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["workshop_id"] == room.id
    assert body["participant"] == {
        "id": body["participant"]["id"],
        "name": "Ewa",
        "group_id": room.groups[1]["id"],
        "role": "participant",
    }
    board = http.get(f"/api/workshops/{room.id}/board", headers=bearer(body["token"]))
    assert board.status_code == 200
    # the cookie set by join works too (a reload keeps the tablet in)
    assert http.get(f"/api/workshops/{room.id}/board").status_code == 200


def test_join_errors(room: Room, http):
    count = db.session.query(Participant).count()
    assert_error(http.post("/api/join", json={"code": "ZZZZZZZZ", "name": "Ewa"}), 404, "not_found")
    error = assert_error(
        http.post("/api/join", json={"code": room.workshop.code, "name": ""}),
        400,
        "validation_error",
    )
    assert "name" in error["fields"]
    error = assert_error(
        http.post("/api/join", json={"code": room.workshop.code, "name": "Ewa", "group_id": 99999}),
        400,
        "validation_error",
    )
    assert "group_id" in error["fields"]
    assert db.session.query(Participant).count() == count


def test_unknown_codes_are_rate_limited_per_address_but_joins_are_not(room: Room, http):
    for _ in range(30):
        assert (
            http.post("/api/join", json={"code": room.workshop.code, "name": "Ok"}).status_code
            == 201
        )
    for _ in range(10):
        assert_error(
            http.post("/api/join", json={"code": "ZZZZZZZZ", "name": "x"}), 404, "not_found"
        )
    assert_error(
        http.post("/api/join", json={"code": "ZZZZZZZZ", "name": "x"}), 429, "rate_limited"
    )
    # even the right code waits now: guessing must not be able to tell
    assert_error(
        http.post("/api/join", json={"code": room.workshop.code, "name": "x"}), 429, "rate_limited"
    )
    other = room.app.test_client()
    answer = other.post(
        "/api/join",
        json={"code": room.workshop.code, "name": "x"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert answer.status_code == 201


def test_roles_on_rest(room: Room, http):
    anna = room.participant("Anna")
    token = room.tokens[anna.id]
    assert_error(http.get("/api/workshops", headers=bearer(token)), 403, "forbidden")
    assert_error(
        http.post("/api/workshops", json={"title": "x", "year": 2027}, headers=bearer(token)),
        403,
        "forbidden",
    )
    assert_error(
        http.post(f"/api/workshops/{room.id}/groups", json={"name": "x"}, headers=bearer(token)),
        403,
        "forbidden",
    )
    assert_error(http.get("/api/workshops"), 401, "unauthorized")
    assert_error(http.get("/api/workshops", headers=bearer("garbage")), 401, "unauthorized")


def test_other_workshop_is_not_found_for_a_participant(room: Room, http):
    from planner.board import create_workshop

    other = create_workshop("Inny", 2027, "blank", None)
    anna = room.participant("Anna")
    assert_error(
        http.get(f"/api/workshops/{other.id}/board", headers=bearer(room.tokens[anna.id])),
        404,
        "not_found",
    )
    assert_error(
        http.get("/api/workshops/99999/board", headers=bearer(room.staff_token)), 404, "not_found"
    )


def test_groups_via_rest_reach_the_socket(room: Room, http):
    socket = room.socket()
    socket.get_received()
    answer = http.post(
        f"/api/workshops/{room.id}/groups",
        json={"name": "Stół 3", "color": "#112233"},
        headers=bearer(room.staff_token),
    )
    assert answer.status_code == 201
    group = answer.get_json()["group"]
    events = [m["args"][0] for m in socket.get_received() if m["name"] == "event"]
    assert events[0]["type"] == "group.create" and events[0]["data"]["group"] == group
    error = assert_error(
        http.post(
            f"/api/workshops/{room.id}/groups",
            json={"name": "x", "color": "red"},
            headers=bearer(room.staff_token),
        ),
        400,
        "validation_error",
    )
    assert "color" in error["fields"]


def test_staff_tokens_expire(room: Room, http):
    from datetime import timedelta

    from planner.models import StaffToken, utcnow

    for row in db.session.query(StaffToken):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_error(http.get("/api/workshops", headers=bearer(room.staff_token)), 401, "unauthorized")


def test_openapi_document(http):
    spec = http.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/login", "/join", "/workshops", "/workshops/{workshop_id}/board"} <= set(spec["paths"])
    assert "Error" in spec["components"]["schemas"]


def test_unknown_api_path_has_the_error_shape(http):
    assert_error(http.get("/api/nothing"), 404, "not_found")
    assert_error(http.delete("/api/login"), 405, "not_found")


def test_healthz(http):
    assert http.get("/healthz").get_json() == {"status": "ok", "database": "ok", "queue": "none"}


def test_cookie_writes_must_come_from_our_own_pages(room: Room, http):
    http.post("/api/login", json={"username": "facilitator", "password": "a-long-password"})
    body = {"name": "Stół 9"}
    path = f"/api/workshops/{room.id}/groups"
    assert_error(http.post(path, json=body), 403, "forbidden")  # no Origin: not from a page
    assert_error(
        http.post(path, json=body, headers={"Origin": "https://evil.example"}), 403, "forbidden"
    )
    assert http.post(path, json=body, headers={"Origin": "http://localhost"}).status_code == 201
    # a bearer token is not sent by browsers on their own, so it needs no origin
    assert (
        http.post(path, json={"name": "Stół 10"}, headers=bearer(room.staff_token)).status_code
        == 201
    )


def test_security_headers(http):
    response = http.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
