"""The OpenAPI document of the REST part, generated from the same marshmallow schemas."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from planner import schemas
from planner.api import bp

_ERRORS = {
    "400": "validation_error",
    "401": "unauthorized",
    "403": "forbidden",
    "404": "not_found",
    "413": "too_large",
    "429": "rate_limited",
}

# path, method, summary, request schema, success status, response description, auth, errors
_OPERATIONS = [
    ("/login", "post", "Staff log in", "LoginSchema", "200", "token and user", False, "400 401"),
    ("/logout", "post", "Staff log out", None, "200", "ok", True, "401 403"),
    (
        "/setup",
        "post",
        "Create the first staff account",
        "SetupSchema",
        "201",
        "token",
        False,
        "400 403",
    ),
    (
        "/join",
        "post",
        "Join a workshop with its code",
        "JoinSchema",
        "201",
        "token, participant and workshop_id",
        False,
        "400 404 429",
    ),
    ("/workshops", "get", "List workshops", None, "200", "workshops", True, "401 403"),
    (
        "/workshops",
        "post",
        "Create a workshop",
        "WorkshopCreateSchema",
        "201",
        "workshop",
        True,
        "400 401 403",
    ),
    (
        "/workshops/{workshop_id}/board",
        "get",
        "The board snapshot",
        None,
        "200",
        "snapshot",
        True,
        "401 404",
    ),
    (
        "/workshops/{workshop_id}/history",
        "get",
        "The activity history, newest first: ?piece_id=&before_seq=&limit= (1–500)",
        None,
        "200",
        "events, more, now",
        True,
        "400 401 404",
    ),
    (
        "/workshops/{workshop_id}/events",
        "get",
        "The whole event log for replay, oldest first: ?after=&limit= (1–5000), staff",
        None,
        "200",
        "events, more, base (the board before the first event)",
        True,
        "400 401 403 404",
    ),
    (
        "/workshops/{workshop_id}/report",
        "get",
        "The workshop report: ?format=json|docx|html&lang=pl|en",
        None,
        "200",
        "the report",
        True,
        "400 401 403 404",
    ),
    (
        "/workshops/{workshop_id}/groups",
        "post",
        "Add a group",
        "GroupFieldsSchema",
        "201",
        "group",
        True,
        "400 401 403 404",
    ),
    *(
        (
            f"/workshops/{{workshop_id}}/export/{fmt}",
            "get",
            f"Export the draft programme as {fmt.upper()}; ?lang=pl|en",
            None,
            "200",
            "the file"
            + (" (format ukladanka.workshop: a complete backup)" if fmt == "json" else ""),
            True,
            "400 401 403 404",
        )
        for fmt in ("docx", "xlsx", "csv", "json", "html")
    ),
    *(
        (
            f"/exports/programme/{fmt}",
            "get",
            f"One programme ({fmt.upper()}) from workshops of one year: ?workshops=1,2,3&lang=",
            None,
            "200",
            "the file; codes found in more than one workshop are flagged",
            True,
            "400 401 403 404",
        )
        for fmt in ("docx", "xlsx", "csv", "json", "html")
    ),
    (
        "/workshops/{workshop_id}/import",
        "post",
        "Import candidate actions (multipart file: .csv, .xlsx or .json), all or nothing; "
        "?dry_run=1 only checks",
        None,
        "200",
        "created, updated, unchanged, errors [] and ignored_columns (dry run: also preview); "
        "a file with errors: 400 validation_error with fields.rows [{row, column, message}]",
        True,
        "400 401 403 404 413",
    ),
    (
        "/workshops/restore",
        "post",
        "Restore a JSON backup (multipart file) as a new workshop",
        None,
        "201",
        "workshop",
        True,
        "400 401 403 413",
    ),
    (
        "/workshops/{workshop_id}/next-year",
        "post",
        "Start next year from this programme: body {title?, year?}",
        None,
        "201",
        "workshop (its tray holds this workshop's placed actions)",
        True,
        "400 401 403 404",
    ),
]


def build_spec() -> dict:
    spec = APISpec(
        title="Układanka API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "REST part of the wire contract; see docs/protocol.md."},
        servers=[{"url": "/api"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    for name in {op[3] for op in _OPERATIONS if op[3]}:
        spec.components.schema(name.removesuffix("Schema"), schema=getattr(schemas, name))
    paths: dict[str, dict] = {}
    for path, method, summary, body, status, answer, secured, errors in _OPERATIONS:
        operation: dict = {
            "summary": summary,
            "responses": {status: {"description": answer}},
        }
        if "{workshop_id}" in path:
            operation["parameters"] = [
                {
                    "name": "workshop_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**53},
                }
            ]
        if body:
            ref = {"$ref": f"#/components/schemas/{body.removesuffix('Schema')}"}
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref}},
            }
        if secured:
            operation["security"] = [{"bearer": []}]
        for code in errors.split():
            operation["responses"][code] = {
                "description": _ERRORS[code],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        paths.setdefault(path, {})[method] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
