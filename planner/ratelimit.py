"""Sliding-window counters in process memory, e.g. unknown join codes per address."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def exceeded(self, key: str) -> bool:
        with self._lock:
            hits = self._trim(key, time.monotonic())
            if not hits:
                self._hits.pop(key, None)
            return len(hits) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())

    def forget(self, key: str) -> None:
        """Drop a key's hits (a socket that closed), so keys do not pile up."""
        with self._lock:
            self._hits.pop(key, None)


class RedisWindow:
    """The same limit shared by every process (through Redis), counted per minute."""

    def __init__(self, url: str, prefix: str, limit: int, seconds: int) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=5)
        self.prefix = prefix
        self.limit = limit
        self.seconds = seconds

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}:{int(time.time()) // self.seconds}"

    def exceeded(self, key: str) -> bool:
        return int(self.redis.get(self._key(key)) or 0) >= self.limit

    def hit(self, key: str) -> None:
        name = self._key(key)
        with self.redis.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, self.seconds * 2)
            pipe.execute()


def make_window(config: dict, name: str, limit: int, seconds: int) -> SlidingWindow | RedisWindow:
    queue = config.get("MESSAGE_QUEUE")
    if queue and queue.startswith(("redis://", "rediss://", "unix://")):
        return RedisWindow(queue, f"{config['REDIS_PREFIX']}:limit:{name}", limit, seconds)
    return SlidingWindow(limit, seconds)
