"""The activity history of a workshop (the feed, and one piece's history)."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from planner.api import bp, require_actor, require_staff, visible_workshop
from planner.board import BoardError
from planner.board.history import history
from planner.board.replay import MAX_LIMIT, events_page
from planner.exports import LANGUAGES
from planner.exports.report import build_report
from planner.exports.report_docx import render_docx, render_html, report_document
from planner.schemas import HistoryQuerySchema

_query = HistoryQuerySchema()


class EventsQuerySchema(Schema):
    """`GET /events`: the log oldest first, for replay (`since` is an alias of `after`)."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**53))
    since = fields.Integer(validate=validate.Range(min=0, max=2**53))
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=MAX_LIMIT))


_events_query = EventsQuerySchema()


@bp.get("/workshops/<int:workshop_id>/history")
def workshop_history(workshop_id: int):
    actor = require_actor()
    workshop = visible_workshop(actor, workshop_id)
    try:
        args = _query.load(request.args.to_dict())
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("Some fields are not valid.")) from exc
    return jsonify(history(workshop, actor, **args))


@bp.get("/workshops/<int:workshop_id>/report")
def workshop_report(workshop_id: int):
    """The workshop report (staff): groups, counts per phase, the vote and the timeline.

    `?format=json` (default), `docx` or `html` (the print view); `?lang=pl|en` for the documents.
    """
    workshop = visible_workshop(require_staff(), workshop_id)
    fmt = request.args.get("format", "json")
    lang = request.args.get("lang", "pl")
    if fmt not in _REPORT_MIME:
        msg = _("Choose the format json, docx or html.")
        raise BoardError("validation_error", msg, {"format": [msg]})
    if lang not in LANGUAGES:
        msg = _("Choose the language pl or en.")
        raise BoardError("validation_error", msg, {"lang": [msg]})
    if fmt == "json":
        return jsonify(build_report(workshop))
    doc = report_document(workshop, lang)
    body = render_docx(doc) if fmt == "docx" else render_html(doc)
    response = Response(body, content_type=_REPORT_MIME[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    name = f"raport-{workshop.year}-{workshop.id}.{fmt}"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


_REPORT_MIME = {
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}


@bp.get("/workshops/<int:workshop_id>/events")
def workshop_events(workshop_id: int):
    """The whole event log for the projector's replay (staff): pages of `limit` after `after`."""
    workshop = visible_workshop(require_staff(), workshop_id)
    try:
        args = _events_query.load(request.args.to_dict())
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("Some fields are not valid.")) from exc
    after = args.get("since", args["after"])
    return jsonify(events_page(workshop, after=after, limit=args["limit"]))
