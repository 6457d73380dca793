"""Ops of one workshop are applied one at a time.

Inside one process a lock per workshop keeps handlers that Socket.IO runs concurrently in line;
across processes the workshop row is locked (SELECT … FOR UPDATE) inside the op's transaction.
SQLite has one writer for the whole file, so there a single lock serves every workshop.
"""

from __future__ import annotations

import threading
from collections import defaultdict

_guard = threading.Lock()
_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_SQLITE = -1


def write_lock(workshop_id: int, dialect: str) -> threading.Lock:
    key = _SQLITE if dialect == "sqlite" else workshop_id
    with _guard:
        return _locks[key]
