"""Rate limits for the public pages: per client address and per sought name.

Fixed windows counted in Redis when configured (shared by every worker and every
server), else in this process (then the service runs one worker: ``serve`` refuses more).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import redis

__all__ = ["MemoryRateLimiter", "RateLimiter", "RedisRateLimiter", "client_address"]


class RateLimiter(Protocol):
    """Counts hits on a key in fixed windows."""

    def hit(self, key: str, *, limit: int, window: float) -> float:
        """Count one hit; 0 when allowed, else the seconds until the window ends."""
        ...


class MemoryRateLimiter:
    """Counters in this process (for one worker)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, *, limit: int, window: float) -> float:
        now = self._clock()
        slot = int(now // window)
        with self._lock:
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == slot}
            old_slot, count = self._counts.get(key, (slot, 0))
            count = count + 1 if old_slot == slot else 1
            self._counts[key] = (slot, count)
        if count <= limit:
            return 0.0
        return (slot + 1) * window - now


class RedisRateLimiter:
    """Counters in Redis, shared by every worker."""

    def __init__(self, url: str, *, prefix: str = "powbureau:rl:", clock: Callable[[], float] = time.time):
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._clock = clock

    def ping(self) -> None:
        """Fail now if the server cannot be reached."""
        self._redis.ping()

    def hit(self, key: str, *, limit: int, window: float) -> float:
        now = self._clock()
        slot = int(now // window)
        name = f"{self._prefix}{key}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, math.ceil(window) + 1)
        count = int(pipe.execute()[0])
        if count <= limit:
            return 0.0
        return (slot + 1) * window - now


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy.

    Behind trusted proxies, ``X-Forwarded-For`` is read from the right and the first
    address that is not a trusted proxy is the client; anything a client wrote further
    left is ignored, so it cannot choose its own address.
    """
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not peer:
        return "unknown"
    if not trusted(peer) or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return hop
    return peer
