"""Workshops, their board snapshot and groups."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import jsonify

from planner import realtime
from planner.api import bp, load_body, require_actor, require_staff, visible_workshop
from planner.board import create_workshop, snapshot
from planner.board.workshops import workshop_schema
from planner.extensions import db
from planner.models import Workshop
from planner.schemas import GroupFieldsSchema, WorkshopCreateSchema

_create = WorkshopCreateSchema()
_group = GroupFieldsSchema()


@bp.get("/workshops")
def list_workshops():
    require_staff()
    rows = db.session.scalars(
        sa.select(Workshop).order_by(Workshop.year.desc(), Workshop.id.desc())
    )
    return jsonify({"workshops": workshop_schema.dump(rows, many=True)})


@bp.post("/workshops")
def new_workshop():
    actor = require_staff()
    body = load_body(_create)
    workshop = create_workshop(body["title"], body["year"], body["template"], actor.id)
    return jsonify({"workshop": workshop_schema.dump(workshop)}), 201


@bp.get("/workshops/<int:workshop_id>/board")
def board(workshop_id: int):
    actor = require_actor()
    workshop = visible_workshop(actor, workshop_id)
    return jsonify(snapshot(workshop, realtime.presence.online(workshop_id), actor))


@bp.post("/workshops/<int:workshop_id>/groups")
def new_group(workshop_id: int):
    actor = require_staff()
    visible_workshop(actor, workshop_id)
    fields = load_body(_group)
    op = {"op_id": f"rest-{uuid.uuid4()}", "type": "group.create", "group": fields}
    applied = realtime.submit(workshop_id, actor, op)
    return jsonify({"group": applied.event["data"]["group"]}), 201
