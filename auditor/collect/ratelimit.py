"""A thread-safe token bucket: the unit of client-side pacing (see collect/pacing.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
        """Take a token, waiting for it if none is saved.

        A caller reserves its token at once (the count may go below zero) and sleeps
        until it is due: callers are served in order, and a wait is computed once,
        never re-polled (no busy loop on rounding).
        """
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            self.waited += wait
        if wait > 0:
            self._sleep(wait)
