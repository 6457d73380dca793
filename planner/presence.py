"""Who is connected. Each process knows its own sockets; with a message queue the participants'
online state is shared through Redis, so every process's snapshot shows everyone online."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from planner import logs
from planner.board import Actor

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10
HEARTBEAT_TTL = 3 * HEARTBEAT_SECONDS  # a process silent this long is taken for dead
# The participants' list is sent at most once per PRESENCE_SECONDS per workshop: the first change
# at once, the changes after it together at the end of the interval. When the room's Wi-Fi drops,
# 200 tablets reconnect within seconds; a list of 200 (~20 KB) to 200 sockets per reconnect was
# 800 MB of the room's Wi-Fi and a second of this process's CPU (docs/performance.md, fix 21).
PRESENCE_SECONDS = 1.0


@dataclass
class Client:
    actor: Actor
    workshop_id: int
    holding: set[int] = field(default_factory=set)  # pieces this socket is dragging


class Presence:
    """The sockets of this process, and per workshop how many each participant has open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self._sockets: defaultdict[int, defaultdict[int, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self._list_sent: dict[int, float] = {}  # per workshop: when its list was last sent
        self._list_due: set[int] = set()  # workshops whose list will be sent later

    def add(self, sid: str, client: Client) -> None:
        with self._lock:
            self.clients[sid] = client
            if not client.actor.is_staff:
                self._sockets[client.workshop_id][client.actor.id] += 1
        if not client.actor.is_staff:
            self._shared_change(client, +1)

    def remove(self, sid: str) -> Client | None:
        with self._lock:
            client = self.clients.pop(sid, None)
            if client and not client.actor.is_staff:
                counts = self._sockets[client.workshop_id]
                counts[client.actor.id] -= 1
                if counts[client.actor.id] <= 0:
                    del counts[client.actor.id]
        if client and not client.actor.is_staff:
            self._shared_change(client, -1)
        return client

    def sids_of(self, workshop_id: int, participant_id: int) -> list[str]:
        with self._lock:
            return [
                sid
                for sid, c in self.clients.items()
                if not c.actor.is_staff
                and c.actor.id == participant_id
                and c.workshop_id == workshop_id
            ]

    def online(self, workshop_id: int) -> set[int]:
        with self._lock:
            return set(self._sockets.get(workshop_id, {}))

    def list_wait(self, workshop_id: int) -> float | None:
        """When to send the workshop's list after a change: 0 now, else in that many seconds;
        None when a list is already due (it will show this change too)."""
        now = time.monotonic()
        with self._lock:
            if workshop_id in self._list_due:
                return None
            wait = self._list_sent.get(workshop_id, -PRESENCE_SECONDS) + PRESENCE_SECONDS - now
            if wait > 0:
                self._list_due.add(workshop_id)
                return wait
            self._list_sent[workshop_id] = now
            return 0

    def list_sending(self, workshop_id: int) -> None:
        """The list that was due is being sent now."""
        with self._lock:
            self._list_due.discard(workshop_id)
            self._list_sent[workshop_id] = time.monotonic()

    def _shared_change(self, client: Client, delta: int) -> None:
        """Nothing to share in a single process."""


class RedisPresence(Presence):
    """Counts per (process, participant) in one Redis hash per workshop, plus a heartbeat key
    per process; entries of a process whose heartbeat expired (it died) are ignored."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        super().__init__()
        self.redis = redis.Redis.from_url(url, socket_timeout=5, decode_responses=True)
        self.prefix = prefix

    def _key(self, workshop_id: int) -> str:
        return f"{self.prefix}:presence:{workshop_id}"

    def _alive_key(self, process: str) -> str:
        return f"{self.prefix}:process:{process}"

    def heartbeat(self) -> None:
        self.redis.set(self._alive_key(logs.PROCESS), "1", ex=HEARTBEAT_TTL)

    def _shared_change(self, client: Client, delta: int) -> None:
        try:
            self.redis.hincrby(
                self._key(client.workshop_id), f"{logs.PROCESS}|{client.actor.id}", delta
            )
        except Exception:  # presence is a courtesy: a Redis hiccup must not break the socket
            log.warning("presence update failed", exc_info=True)

    def online(self, workshop_id: int) -> set[int]:
        try:
            entries: dict[str, Any] = self.redis.hgetall(self._key(workshop_id))
            processes = {field.rsplit("|", 1)[0] for field in entries}
            alive = {p for p in processes if self.redis.exists(self._alive_key(p))}
        except Exception:
            log.warning("presence read failed; showing this process only", exc_info=True)
            return super().online(workshop_id)
        online = super().online(workshop_id)
        for key, count in entries.items():
            process, participant = key.rsplit("|", 1)
            if process in alive and int(count) > 0:
                online.add(int(participant))
        return online


def make_presence(config: dict[str, Any]) -> Presence:
    queue = config.get("MESSAGE_QUEUE")
    if queue and queue.startswith(("redis://", "rediss://", "unix://")):
        return RedisPresence(queue, config["REDIS_PREFIX"])
    return Presence()
