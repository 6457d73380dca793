"""Log in, log out, first-account setup, and participants joining with a code."""

from __future__ import annotations

from flask import current_app, jsonify, request, session
from flask_babel import gettext as _

from planner import auth
from planner.api import bp, load_body, require_staff
from planner.board import BoardError
from planner.schemas import JoinSchema, LoginSchema, ParticipantSchema, SetupSchema, StaffUserSchema

_login = LoginSchema()
_setup = SetupSchema()
_join = JoinSchema()
_user = StaffUserSchema()
_participant = ParticipantSchema()


@bp.post("/login")
def login():
    body = load_body(_login)
    token, user = auth.login(body["username"], body["password"])
    auth.remember_in_session(token)
    return jsonify({"token": token, "user": _user.dump(user)})


@bp.post("/logout")
def logout():
    require_staff()
    if token := auth.request_token():
        auth.logout(token)
    session.clear()
    return jsonify({"ok": True})


@bp.post("/setup")
def setup():
    body = load_body(_setup)
    if not auth.use_setup_token(body["token"]):
        raise BoardError("forbidden", _("This setup link is no longer valid."))
    user = auth.create_staff_user(body["username"], body["password"])
    token = auth.issue_staff_token(user)
    auth.remember_in_session(token)
    return jsonify({"token": token, "user": _user.dump(user)}), 201


@bp.post("/join")
def join():
    limiter = current_app.extensions["planner.join_failures"]
    address = request.remote_addr or "?"
    if limiter.exceeded(address):
        raise BoardError("rate_limited", _("Too many wrong codes. Wait a minute and try again."))
    body = load_body(_join)
    try:
        token, participant, workshop = auth.join(body["code"], body["name"], body.get("group_id"))
    except BoardError as err:
        if err.code == "not_found":
            limiter.hit(address)
        raise
    auth.remember_in_session(token)
    answer = {"token": token, "participant": _participant.dump(participant)}
    answer["workshop_id"] = workshop.id
    return jsonify(answer), 201
