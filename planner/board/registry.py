"""The op types: each names its schema, the participants' right it needs, and its rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from marshmallow import Schema

from planner.board import compiled
from planner.board.actor import Actor
from planner.models import Workshop


@dataclass
class Context:
    session: so.Session
    workshop_id: int
    actor: Actor
    # Shared by the ops of one batch (an import of 2 000 rows): e.g. domains looked up once.
    cache: dict[Any, Any] = field(default_factory=dict)
    # Shared by a run of consecutive piece.create ops (zone sizes, the codes in use); the
    # engine empties it before any other rule, which may change them.
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def workshop(self) -> Workshop:
        """The workshop as an object, loaded when a rule first needs it (the engine locked and
        read its row; a move needs nothing more than its id)."""
        return self.session.get(Workshop, self.workshop_id)

    def execute(self, statement: sa.Executable, params: dict[str, Any]) -> compiled.Rows:
        """A Core statement on the transaction's connection, after flushing what the rules
        added as objects (as `session.execute` would). Built once (module level or cached):
        it is compiled once per database, then runs on the DBAPI cursor (board/compiled.py)."""
        self.session.flush()
        return compiled.execute(self.session.connection(), statement, params)


# The event's data; a rule in engine._DEFERRED may return it as a function called after a flush.
Rule = Callable[[Context, dict[str, Any]], dict[str, Any] | Callable[[], dict[str, Any]]]


@dataclass(frozen=True)
class OpSpec:
    type: str
    schema: Schema
    right: str | None  # the participants' right it needs; None = staff only
    rule: Rule
    blocked_by_lock: bool = True


OPS: dict[str, OpSpec] = {}


def op(type_: str, schema: Schema, right: str | None, *, blocked_by_lock: bool = True):
    """Register a rule for an op type; the rule returns the event's data."""

    def register(rule: Rule) -> Rule:
        OPS[type_] = OpSpec(type_, schema, right, rule, blocked_by_lock)
        return rule

    return register
