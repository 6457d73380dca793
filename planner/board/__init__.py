"""The board rules. They know nothing of Socket.IO or HTTP: they take who and what, and return
the stored event or raise a BoardError."""

# Importing the rule modules registers their op types.
from planner.board import (  # noqa: F401
    comments,
    domains,
    facilitation,
    groups,
    history,
    inbox,
    pieces,
    settings,
    voting,
)
from planner.board.actor import Actor
from planner.board.engine import COMBINABLE, Applied, apply_batch, apply_each, apply_op
from planner.board.errors import BoardError
from planner.board.workshops import create_workshop, events_since, find_by_code, snapshot

__all__ = [
    "COMBINABLE",
    "Actor",
    "Applied",
    "BoardError",
    "apply_batch",
    "apply_each",
    "apply_op",
    "create_workshop",
    "events_since",
    "find_by_code",
    "snapshot",
]
