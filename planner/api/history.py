"""The activity history of a workshop (the feed, and one piece's history)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from planner.api import bp, require_actor, require_staff, visible_workshop
from planner.board import BoardError
from planner.board.history import history
from planner.exports.report import build_report
from planner.schemas import HistoryQuerySchema

_query = HistoryQuerySchema()


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
    """The workshop report (staff): groups, counts per phase, the vote and the timeline."""
    workshop = visible_workshop(require_staff(), workshop_id)
    return jsonify(build_report(workshop))
