"""REST fuzzing with schemathesis against /api/openapi.json, in-process through the WSGI app:
as staff, as a participant and anonymous. Never a 500; every error has the documented shape and
a documented code; a refused request changes nothing."""

from __future__ import annotations

import json
import zlib

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from planner.api.openapi import build_spec
from planner.board.errors import HTTP_STATUS
from planner.extensions import db
from planner.models import Event, Participant, Piece, StaffToken, StaffUser, Workshop
from tests.conftest import Room

COUNTED = (Workshop, Event, Piece, Participant, StaffUser, StaffToken)


@pytest.fixture
def api_room(room: Room):
    anna = room.participant("Anna")
    room.create(anna, "Akcja", domain_id=room.domains[0]["id"])
    room.anna_token = room.tokens[anna.id]
    return room


# The document the app serves (test_the_served_document_is_the_one_fuzzed checks they are equal),
# loaded once; each request then goes through the WSGI app of the test (schemathesis' lazy
# fixture loader does not work with pytest 9).
schema = schemathesis.openapi.from_dict(build_spec())


def test_huge_ids_in_urls_are_not_found(room: Room):
    """Found by fuzzing: /api/workshops/10051339017732616190/export/json overflowed SQLite (500)."""
    http = room.app.test_client()
    headers = {"Authorization": f"Bearer {room.staff_token}"}
    for path in ("/api/workshops/10051339017732616190/export/json", f"/board/{2**64}"):
        assert http.get(path, headers=headers).status_code == 404
    answer = http.get(f"/api/workshops/{room.id}/history?before_seq={2**64}", headers=headers)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "validation_error"


def test_the_served_document_is_the_one_fuzzed(app):
    served = app.test_client().get("/api/openapi.json")
    assert served.status_code == 200 and served.get_json() == build_spec()
    assert schemathesis.openapi.from_wsgi("/api/openapi.json", app).raw_schema == build_spec()


def _counts() -> dict[str, int]:
    db.session.expire_all()
    counts = {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED
    }
    db.session.rollback()
    return counts


def _boards(room: Room) -> str:
    db.session.expire_all()
    return json.dumps(
        [
            room.snapshot()["pieces"],
            [(w.id, w.title, w.code, w.phase) for w in db.session.scalars(sa.select(Workshop))],
        ],
        default=str,
    )


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_rest_api_never_fails_and_refuses_cleanly(case, api_room):
    room = api_room
    # half the time this workshop, else whatever the fuzzer made (others, nonexistent)
    made = json.dumps(case.path_parameters or {}, sort_keys=True, default=str).encode()
    if case.path.startswith("/workshops/{workshop_id}") and zlib.crc32(made) % 2:
        case.path_parameters["workshop_id"] = room.id
    for token in (room.staff_token, room.anna_token, None):  # staff, participant, nobody
        check(case, room, {"Authorization": f"Bearer {token}"} if token else {})


def check(case, room: Room, headers: dict[str, str]) -> None:
    before, boards = _counts(), _boards(room)
    response = case.call(app=room.app, base_url="http://localhost/api", headers=headers)
    where = (case.method, case.path, case.path_parameters, case.query, headers and "auth")
    assert response.status_code < 500, (*where, response.text[:500])
    documented = case.operation.definition.raw["responses"]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert set(error) <= {"code", "message", "fields"}, error
        assert (
            error["code"] in HTTP_STATUS and isinstance(error["message"], str) and error["message"]
        )
        if response.status_code == 405:  # a method the path does not have (documented as such)
            assert error["code"] == "not_found"
            assert case.method.lower() not in case.operation.schema.raw_schema["paths"][case.path]
        else:
            assert HTTP_STATUS[error["code"]] == response.status_code, (*where, body)
            assert str(response.status_code) in documented, (*where, body)
        assert _counts() == before, (*where, body)
        assert _boards(room) == boards, (*where, body)
    elif case.method.lower() in case.operation.schema.raw_schema["paths"][case.path]:
        assert str(response.status_code) in documented, where  # (not Flask's own OPTIONS)
