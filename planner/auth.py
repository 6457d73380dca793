"""Staff accounts, participants' joins and the bearer tokens both use (only hashes are stored)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from planner.board import Actor, BoardError, find_by_code
from planner.extensions import db
from planner.models import Group, Participant, StaffToken, StaffUser, Workshop, utcnow

# Compared against when the username is unknown, so a failed login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def issue_staff_token(user: StaffUser) -> str:
    token = _new_token()
    hours = current_app.config["STAFF_TOKEN_HOURS"]
    db.session.add(
        StaffToken(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    db.session.commit()
    return token


def login(username: str, password: str) -> tuple[str, StaffUser]:
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password) or not user:
        raise BoardError("unauthorized", _("Wrong user name or password."))
    return issue_staff_token(user), user


def logout(token: str) -> None:
    db.session.execute(sa.delete(StaffToken).where(StaffToken.token_hash == hash_token(token)))
    db.session.commit()


def create_staff_user(username: str, password: str) -> StaffUser:
    user = StaffUser(username=username, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def staff_exists() -> bool:
    return db.session.scalar(sa.select(StaffUser.id).limit(1)) is not None


def join(code: str, name: str, group_id: int | None) -> tuple[str, Participant, Workshop]:
    workshop = find_by_code(code)
    if workshop is None:
        msg = _("No workshop has this code. Check it on the projector.")
        raise BoardError("not_found", msg, {"code": [msg]})
    if group_id is not None:
        group = db.session.get(Group, group_id)
        if group is None or group.workshop_id != workshop.id:
            msg = _("No such group in this workshop.")
            raise BoardError("validation_error", msg, {"group_id": [msg]})
    token = _new_token()
    participant = Participant(
        workshop_id=workshop.id,
        group_id=group_id,
        name=name.strip(),
        role="participant",
        token_hash=hash_token(token),
    )
    db.session.add(participant)
    db.session.commit()
    return token, participant, workshop


def actor_for_token(token: str | None) -> Actor | None:
    """The actor a token stands for, or None (unknown, expired, or participant removed)."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    participant = db.session.scalar(
        sa.select(Participant).where(
            Participant.token_hash == digest, Participant.removed_at.is_(None)
        )
    )
    if participant is not None:
        return Actor(
            "participant",
            participant.id,
            participant.name,
            participant.group_id,
            participant.workshop_id,
        )
    row = db.session.execute(
        sa.select(StaffUser)
        .join(StaffToken, StaffToken.user_id == StaffUser.id)
        .where(StaffToken.token_hash == digest, StaffToken.expires_at > utcnow())
    ).scalar_one_or_none()
    if row is not None:
        return Actor("staff", row.id, row.username)
    return None


def request_token() -> str | None:
    """The bearer token of this request, else the one in the browser's session cookie."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    return session.get("token")


def current_actor() -> Actor | None:
    return actor_for_token(request_token())


def remember_in_session(token: str) -> None:
    session.clear()
    session["token"] = token
    session.permanent = True


def bootstrap_admin(app) -> str | None:
    """Create the environment's admin account, or return a one-time setup token to print."""
    with app.app_context():
        if staff_exists():
            return None
        user, password = app.config["ADMIN_USER"], app.config["ADMIN_PASSWORD"]
        if password:
            create_staff_user(user or "admin", password)
            return None
    token = secrets.token_urlsafe(24)
    app.extensions["planner.setup_token"] = hash_token(token)
    return token


def use_setup_token(token: str) -> bool:
    expected = current_app.extensions.get("planner.setup_token")
    if not expected or staff_exists():
        return False
    if not hmac.compare_digest(expected, hash_token(token)):
        return False
    current_app.extensions.pop("planner.setup_token", None)
    return True
