"""A thread pool that an interrupt does not wait on.

``with ThreadPoolExecutor()`` waits on exit for every queued call, so Ctrl-C
during collection would go on reading the cloud until the queue is empty.
:func:`thread_pool` waits only when its block ended normally; on an exception
(KeyboardInterrupt included) queued calls are cancelled and running ones left
to finish on their own while the exception propagates.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager


@contextmanager
def thread_pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A pool of ``max(1, workers)`` threads, shut down without waiting on an exception."""
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    ended = False
    try:
        yield pool
        ended = True
    finally:  # on any exception, Ctrl-C included, cancel the queue and wait for nothing
        pool.shutdown(wait=ended, cancel_futures=not ended)
