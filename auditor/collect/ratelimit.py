"""Client-side rate limit: one token bucket per (account, region), shared by every service.

AWS throttles per account and region, so every request the auditor sends to one
account-region draws from the same bucket whatever collector sends it. Buckets
live in the process that sends the requests (the coordinator with the thread
executor, each worker process with Dask), so on a cluster the limit applies
per worker process. Retries draw tokens too (the hook runs before every send).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved; :meth:`acquire` waits for one."""

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0
        """Seconds callers spent waiting (for progress and benchmarks)."""

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
                self.waited += wait
            self._sleep(wait)


class RateLimits:
    """Buckets by (account, region), made on first use; ``rate=None`` means no limit."""

    def __init__(self, rate: float | None, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate or 1.0)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, account: str, region: str) -> TokenBucket | None:
        if self.rate is None:
            return None
        key = (account, region)
        with self._lock:
            if key not in self._buckets:
                self._buckets[key] = TokenBucket(self.rate, self.burst)
            return self._buckets[key]

    def hook(self, account: str, region: str) -> Callable[..., None] | None:
        """A botocore ``before-send`` handler drawing from that bucket (None: unlimited)."""
        bucket = self.bucket(account, region)
        if bucket is None:
            return None

        def before_send(**_: Any) -> None:
            bucket.acquire()  # returns None: botocore then sends the request itself

        return before_send
