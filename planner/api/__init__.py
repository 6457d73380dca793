"""REST adapters under /api: parse and validate, call the board, shape the answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request, session
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from planner.auth import current_actor
from planner.board import Actor, BoardError
from planner.extensions import db
from planner.models import Workshop

bp = Blueprint("api", __name__, url_prefix="/api")

_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
_HTTP_CODES |= {413: "too_large", 429: "rate_limited"}


def error_response(err: BoardError):
    return jsonify(err.to_dict()), err.status


@bp.errorhandler(BoardError)
def _board_error(err: BoardError):
    return error_response(err)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """HTTP errors under /api (routing ones included) get the wire error shape."""
    if not request.path.startswith("/api/"):
        return exc
    code = _HTTP_CODES.get(exc.code or 500, "not_found" if exc.code == 405 else "validation_error")
    body = {"error": {"code": code, "message": exc.description or exc.name}}
    return jsonify(body), exc.code


_SIGN_IN = frozenset({"api.login", "api.join", "api.setup"})


@bp.before_request
def _refuse_cross_site_writes() -> None:
    """CSRF defence in depth (the cookie is SameSite=Lax too): a write authenticated by the
    session cookie must come from one of our own pages; scripts and tools use a bearer token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or "token" not in session:
        return
    if request.endpoint in _SIGN_IN:  # these replace the session; they do not act with it
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if urlsplit(source).netloc != request.host:
        raise BoardError("forbidden", _("Cross-site request refused. Reload the page."))


def load_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON object loaded through a schema, or a BoardError naming the fields."""
    if (request.content_length or 0) > current_app.config["MAX_JSON_BYTES"]:
        raise BoardError("too_large", _("The request is too large."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BoardError("validation_error", _("Send a JSON object."))
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise BoardError.from_validation(exc, _("Some fields are not valid.")) from exc


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:
        raise BoardError("unauthorized", _("Log in or join a workshop first."))
    return actor


def require_staff() -> Actor:
    actor = require_actor()
    if not actor.is_staff:
        raise BoardError("forbidden", _("Only facilitators may do this."))
    return actor


def visible_workshop(actor: Actor, workshop_id: int) -> Workshop:
    """The workshop, if this actor may see it; another workshop is answered as not found."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not actor.may_see(workshop_id):
        raise BoardError("not_found", _("No such workshop."))
    return workshop


from planner.api import accounts, history, openapi, transfer, workshops  # noqa: E402, F401  (register routes)
