"""Token buckets, one per client: short bursts pass, a sustained flood is slowed down."""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Past this many clients, buckets that have refilled completely are forgotten: a full
# bucket is exactly what a new client gets, so forgetting it changes nothing.
_PRUNE_ABOVE = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` requests a minute per client, ``per_minute`` of them at once."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._refill_per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._capacity > 0

    def acquire(self, client: str) -> int:
        """Take a token for ``client``: 0 if it may go ahead, else whole seconds to wait (≥ 1)."""
        return self._take(client, take=True)

    def wait(self, client: str) -> int:
        """Whole seconds until ``client`` has a token (0: it has one now); takes nothing."""
        return self._take(client, take=False)

    def _take(self, client: str, take: bool) -> int:
        if not self.enabled:
            return 0
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(client)
            if bucket is None:
                if not take:
                    return 0
                if len(self._buckets) >= _PRUNE_ABOVE:
                    self._forget_full_buckets(now)
                bucket = self._buckets[client] = _Bucket(self._capacity, now)
            bucket.tokens = min(
                self._capacity, bucket.tokens + (now - bucket.updated) * self._refill_per_second
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                if take:
                    bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / self._refill_per_second))

    def _forget_full_buckets(self, now: float) -> None:
        full_after = self._capacity / self._refill_per_second
        self._buckets = {
            client: bucket
            for client, bucket in self._buckets.items()
            if now - bucket.updated < full_after
        }
