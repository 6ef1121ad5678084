"""One guarded, paced boto3 client per (account session, service, region) for a whole scan.

Building a client costs its generated class, one method per operation and its
hooks; one client per unit built 59 for the demo's two accounts and two regions,
where 42 (account, service, region) triples were used (the three EC2 units of an
account-region built an EC2 client each, its MSK units up to four Kafka clients).
boto3 clients are thread-safe once built, so a scan's :class:`AwsClients` (one per
process: clients cannot be pickled, so each Dask worker keeps its own) builds each
client once, under its session's lock, and every unit of that account and region
uses it.

What stays per unit is call counting: the client's ``before-call`` hook counts
into the unit that is calling, named by :func:`counted_by` in a context variable.
:class:`~auditor.collect.aws_context.AwsContext` sets it around its own calls and
pages, the worker around a unit's whole collector, and
:func:`~auditor.collect.threads.thread_pool` hands it to the threads a collector
starts. A call on a shared client that no unit claims is refused
(:class:`UnattributedCall`): it would be missing from the manifest's call counts.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from auditor.collect.readonly import guard_client

if TYPE_CHECKING:
    from auditor.collect.pacing import Pacer

Count = Callable[[str], None]
"""Counts one API call, named ``endpoint-prefix:Operation``, for one unit."""

_COUNTER: ContextVar[Count | None] = ContextVar("aws_unit_counter", default=None)


class UnattributedCall(RuntimeError):
    """A call on a scan-wide client outside any unit: nobody would count it."""


@contextmanager
def counted_by(count: Count) -> Iterator[None]:
    """Calls made on shared clients in this block (and threads it hands its context) count
    into ``count``."""
    token = _COUNTER.set(count)
    try:
        yield
    finally:
        _COUNTER.reset(token)


def _call_name(model: Any) -> str:
    return f"{model.service_model.endpoint_prefix}:{model.name}"


def _count_calling_unit(model: Any, **_: Any) -> None:
    count = _COUNTER.get()
    if count is None:
        raise UnattributedCall(
            f"{_call_name(model)} was called outside any collection unit: it would go uncounted"
        )
    count(_call_name(model))


_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def session_lock(session: Any) -> threading.Lock:
    """One lock per boto3 session: client creation from a shared session is not thread-safe."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(session)
        if lock is None:
            lock = _LOCKS[session] = threading.Lock()
        return lock


ClientKey = tuple[str, str, str]
"""(account, boto3 service name, region)."""


class AwsClients:
    """The clients of one scan in this process, built on first use and then shared.

    ``count``: every call of these clients counts there (one unit's own clients, as a
    context made outside a scan has); None: into the unit calling (see :func:`counted_by`).
    """

    def __init__(
        self, *, config: Any = None, limits: Pacer | None = None, count: Count | None = None
    ) -> None:
        self._config = config
        self._limits = limits
        self._count = count
        self._made: weakref.WeakKeyDictionary[Any, dict[ClientKey, Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._guard = threading.Lock()
        self.built: list[ClientKey] = []
        """Every client built, in order (one per key unless a session was replaced)."""

    def _of(self, session: Any) -> dict[ClientKey, Any]:
        with self._guard:
            mine = self._made.get(session)
            if mine is None:
                mine = self._made[session] = {}
            return mine

    def get(self, session: Any, *, account: str, service: str, region: str) -> Any:
        """The client of ``service`` in ``region`` on ``session`` (``account``'s), built once."""
        key = (account, service, region)
        mine = self._of(session)
        made = mine.get(key)
        if made is not None:
            return made
        with session_lock(session):  # boto3 sessions are not thread-safe
            made = mine.get(key)  # another unit's thread may have built it meanwhile
            if made is not None:
                return made
            started = time.perf_counter()
            c = session.client(service, region_name=region, config=self._config)
            built_in = time.perf_counter() - started
            guard_client(c)
            if self._count is None:
                c.meta.events.register("before-call.*.*", _count_calling_unit)
            else:
                own = self._count
                c.meta.events.register("before-call.*.*", lambda model, **_: own(_call_name(model)))
            if self._limits is not None:  # every attempt, retries included, draws a token
                self._limits.built(c, account=account, region=region, seconds=built_in)
                self._limits.attach(c, account=account, region=region)
            mine[key] = c
            with self._guard:
                self.built.append(key)
        return c
