"""Pages: thin handlers that check who may see them and hand the templates what they show."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from planner import api, auth, durability
from planner.board import find_by_code
from planner.board.workshops import format_code, workshop_schema
from planner.extensions import db
from planner.js_strings import js_strings
from planner.models import Group, Workshop

bp = Blueprint("views", __name__)


@bp.app_context_processor
def _common() -> dict[str, Any]:
    return {"locale": str(get_locale() or "pl"), "identity": auth.current_actor()}


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.path.startswith("/api/"):
        return api.http_error(exc)
    return render_template("error.html", code=404, message=_("This page does not exist.")), 404


def _workshop_dict(workshop: Workshop) -> dict[str, Any]:
    data = workshop_schema.dump(workshop)
    data["code_display"] = format_code(workshop.code)
    return data


def _join_url(workshop: Workshop) -> str:
    return url_for("views.join", code=workshop.code, _external=True)


def _board_page(template: str, workshop_id: int, *, staff_only: bool = False):
    actor = auth.current_actor()
    if actor is None:
        return redirect(url_for("views.index", next=request.path))
    if staff_only and not actor.is_staff:
        abort(404)
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not actor.may_see(workshop_id):
        abort(404)
    qr_url = url_for("views.qr_code", workshop_id=workshop_id)
    page_data = {
        "workshop_id": workshop_id,
        "me": actor.to_dict(),
        "lang": str(get_locale() or "pl"),
        "strings": js_strings(),
        "join_url": _join_url(workshop),
        "qr_url": qr_url,
    }
    return render_template(
        template,
        workshop=_workshop_dict(workshop),
        join_url=_join_url(workshop),
        qr_url=qr_url,
        page_data=page_data,
    )


@bp.get("/")
def index():
    return render_template("index.html", needs_setup=not auth.staff_exists())


@bp.get("/setup/<token>")
def setup(token: str):
    if auth.staff_exists():
        return redirect(url_for("views.index"))
    return render_template("setup.html", token=token)


@bp.get("/join/<code>")
def join(code: str):
    workshop = find_by_code(code)
    if workshop is None:
        message = _("No workshop has this code. Check it on the projector.")
        return render_template("error.html", code=404, message=message), 404
    groups = db.session.scalars(
        sa.select(Group).where(Group.workshop_id == workshop.id).order_by(Group.id)
    )
    return render_template(
        "join.html",
        workshop=_workshop_dict(workshop),
        groups=[{"id": g.id, "name": g.name, "color": g.color} for g in groups],
    )


@bp.get("/workshops")
def workshops():
    actor = auth.current_actor()
    if actor is None or not actor.is_staff:
        return redirect(url_for("views.index", next=request.path))
    rows = db.session.scalars(
        sa.select(Workshop).order_by(Workshop.year.desc(), Workshop.id.desc())
    )
    return render_template("workshops.html", workshops=[_workshop_dict(w) for w in rows])


@bp.get("/board/<int:workshop_id>")
def board(workshop_id: int):
    return _board_page("board.html", workshop_id)


@bp.get("/screen/<int:workshop_id>")
def screen(workshop_id: int):
    return _board_page("screen.html", workshop_id, staff_only=True)


@bp.get("/console/<int:workshop_id>")
def console(workshop_id: int):
    return _board_page("console.html", workshop_id, staff_only=True)


@bp.get("/workshops/<int:workshop_id>/qr.svg")
def qr_code(workshop_id: int):
    actor = auth.current_actor()
    workshop = db.session.get(Workshop, workshop_id)
    if actor is None or workshop is None or not actor.may_see(workshop_id):
        abort(404)
    buffer = io.BytesIO()
    segno.make(_join_url(workshop), error="m").save(buffer, kind="svg", scale=8, border=2)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in ("pl", "en"):
        session["lang"] = code
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement (deklaracja dostępności), in the structure of the official
    template."""
    day = date(2026, 11, 27)
    return render_template("accessibility.html", published=day, updated=day, prepared=day)


@bp.get("/healthz")
def healthz():
    """For the load balancer and monitoring: 503 when the database or the queue is gone."""
    report = {"status": "ok", "database": "ok", "queue": "none"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        report.update(status="error", database="error")
    presence = current_app.extensions["planner.presence"]
    if redis_client := getattr(presence, "redis", None):
        try:
            redis_client.ping()
            report["queue"] = "ok"
        except Exception:
            report.update(status="error", queue="error")
    if (disk := durability.disk_report()) is not None:  # a slow disk lags, it is not down
        report["disk"] = disk
    return report, 200 if report["status"] == "ok" else 503
