"""A thread pool that an interrupt does not wait on, and whose tasks keep their caller's context.

``with ThreadPoolExecutor()`` waits on exit for every queued call, so Ctrl-C
during collection would go on reading the cloud until the queue is empty.
:func:`thread_pool` waits only when its block ended normally; on an exception
(KeyboardInterrupt included) queued calls are cancelled and running ones left
to finish on their own while the exception propagates.

Each task runs in a copy of the context it was submitted from, so the threads a
collector starts count their calls as its unit's (see
:func:`~auditor.collect.aws_clients.counted_by`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class _ContextPool(ThreadPoolExecutor):
    """Runs every task (``map``'s too) in a copy of its submitter's context."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        run: Callable[..., Any] = contextvars.copy_context().run
        return super().submit(run, fn, *args, **kwargs)


@contextmanager
def thread_pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A pool of ``max(1, workers)`` threads, shut down without waiting on an exception."""
    pool = _ContextPool(max_workers=max(1, workers))
    ended = False
    try:
        yield pool
        ended = True
    finally:  # on any exception, Ctrl-C included, cancel the queue and wait for nothing
        pool.shutdown(wait=ended, cancel_futures=not ended)
