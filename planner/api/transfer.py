"""Documents in and out: exports of the draft programme, imports, restore and next year."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from planner import imports
from planner.api import bp, load_body, require_staff, visible_workshop
from planner.board import BoardError
from planner.board.restore import carry_over, restore_workshop
from planner.board.workshops import workshop_schema
from planner.exports import (
    FORMATS,
    LANGUAGES,
    Programme,
    build,
    csv_export,
    docx,
    html,
    json_export,
    workshop_snapshot,
    xlsx,
)
from planner.schemas import Text

MAX_COMBINED = 20

_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}


class NextYearSchema(Schema):
    title = Text(200, minimum=1)
    year = fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100))


_next_year = NextYearSchema()


def _renderers() -> dict[str, Callable[[list[dict[str, Any]], Programme], bytes]]:
    return {
        "docx": lambda boards, p: docx.render(p),
        "xlsx": lambda boards, p: xlsx.render(p),
        "csv": lambda boards, p: csv_export.render(p),
        "json": json_export.render,
        "html": lambda boards, p: html.render(p),
    }


def _lang() -> str:
    lang = request.args.get("lang", "pl")
    if lang not in LANGUAGES:
        msg = _("Choose the language pl or en.")
        raise BoardError("validation_error", msg, {"lang": [msg]})
    return lang


def _document(fmt: str, boards: list[dict[str, Any]], name: str) -> Response:
    if fmt not in FORMATS:
        raise BoardError("not_found", _("No such export format."))
    programme = build(boards, _lang())
    body = _renderers()[fmt](boards, programme)
    response = Response(body, mimetype=_MIME[fmt].split(";")[0], content_type=_MIME[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/workshops/<int:workshop_id>/export/<fmt>")
def export(workshop_id: int, fmt: str):
    workshop = visible_workshop(require_staff(), workshop_id)
    return _document(fmt, [workshop_snapshot(workshop)], f"rpp-{workshop.year}-{workshop.id}")


@bp.get("/exports/programme/<fmt>")
def export_programme(fmt: str):
    """Several workshops of one year as one programme (?workshops=1,2,3 or repeated)."""
    actor = require_staff()
    ids: list[int] = []
    for value in request.args.getlist("workshops"):
        for part in value.split(","):
            if not part.strip().isdigit():
                msg = _("List workshop ids, e.g. 1,2,3.")
                raise BoardError("validation_error", msg, {"workshops": [msg]})
            if int(part) not in ids:
                ids.append(int(part))
    if not ids or len(ids) > MAX_COMBINED:
        msg = _("Choose between 1 and %(n)s workshops.", n=MAX_COMBINED)
        raise BoardError("validation_error", msg, {"workshops": [msg]})
    workshops = [visible_workshop(actor, wid) for wid in ids]
    if len({w.year for w in workshops}) > 1:
        msg = _("Combine workshops of one programme year only.")
        raise BoardError("validation_error", msg, {"workshops": [msg]})
    boards = [workshop_snapshot(w) for w in workshops]
    return _document(fmt, boards, f"rpp-{workshops[0].year}-" + "-".join(map(str, ids)))


def _upload() -> tuple[str, bytes]:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or imports.MAX_BYTES
    if (request.content_length or 0) > limit:  # refuse before parsing into temporary files
        raise BoardError("too_large", _("The file is larger than 8 MiB."))
    upload = request.files.get("file")
    if upload is None:
        msg = _("Choose a file.")
        raise BoardError("validation_error", msg, {"file": [msg]})
    data = upload.read(imports.MAX_BYTES + 1)
    if len(data) > imports.MAX_BYTES:
        raise BoardError("too_large", _("The file is larger than 8 MiB."))
    return upload.filename or "", data


@bp.post("/workshops/<int:workshop_id>/import")
def import_file(workshop_id: int):
    actor = require_staff()
    workshop = visible_workshop(actor, workshop_id)
    filename, data = _upload()
    dry_run = request.args.get("dry_run", "") in ("1", "true", "yes")
    return jsonify(imports.import_file(workshop, actor, filename, data, dry_run=dry_run))


@bp.post("/workshops/restore")
def restore():
    actor = require_staff()
    _filename, data = _upload()
    try:
        backup = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BoardError("validation_error", _("The file is not valid JSON.")) from exc
    workshop = restore_workshop(backup, actor.id)
    return jsonify({"workshop": workshop_schema.dump(workshop)}), 201


@bp.post("/workshops/<int:workshop_id>/next-year")
def next_year(workshop_id: int):
    actor = require_staff()
    source = visible_workshop(actor, workshop_id)
    body = load_body(_next_year) if request.content_length else {}
    workshop = carry_over(source, body.get("title"), body.get("year"), actor.id)
    return jsonify({"workshop": workshop_schema.dump(workshop)}), 201
