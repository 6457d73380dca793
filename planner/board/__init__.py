"""The board rules. They know nothing of Socket.IO or HTTP: they take who and what, and return
the stored event or raise a BoardError."""

from planner.board import groups, pieces  # noqa: F401  (registers the op types)
from planner.board.actor import Actor
from planner.board.engine import Applied, apply_batch, apply_op
from planner.board.errors import BoardError
from planner.board.workshops import create_workshop, events_since, find_by_code, snapshot

__all__ = [
    "Actor",
    "Applied",
    "BoardError",
    "apply_batch",
    "apply_op",
    "create_workshop",
    "events_since",
    "find_by_code",
    "snapshot",
]
