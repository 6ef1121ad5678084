"""The one scheduler every collection work unit goes through.

Units are grouped by (account, region) because AWS rate limits are per account
and region: at most ``per_key`` units of one group run at once, at most
``global_cap`` in all. Groups take turns (round robin), so a hundred accounts
progress together instead of one after another, and one slow region does not
hold the others. Where a unit runs is the executor's business (threads here,
or a Dask cluster); the scheduler only decides what to start next.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from auditor.collect.worker import UnitResult, WorkUnit


class Handle(Protocol):
    """A started unit (a concurrent.futures or Dask future)."""

    def result(self) -> UnitResult: ...


class Executor(Protocol):
    """Where units run: start one, and wait until at least one started unit is done."""

    def start(self, unit: WorkUnit) -> Handle: ...

    def wait(self, running: list[Handle]) -> list[Handle]:
        """The finished subset of ``running`` (blocks until it is not empty)."""
        ...

    def finish(self, handle: Handle, unit: WorkUnit) -> UnitResult:
        """The unit's result; an executor failure becomes a gap result, never a crash."""
        ...


def group_key(unit: WorkUnit) -> tuple[str, str]:
    return (unit.account, unit.region)


class Scheduler:
    """Round-robin dispatch over (account, region) groups with per-group and global caps."""

    def __init__(self, units: Iterable[WorkUnit], *, per_key: int, global_cap: int) -> None:
        if per_key < 1 or global_cap < 1:
            raise ValueError("concurrency caps must be at least 1")
        self.per_key = per_key
        self.global_cap = global_cap
        self._queues: OrderedDict[tuple[str, str], deque[WorkUnit]] = OrderedDict()
        for unit in sorted(units):
            self._queues.setdefault(group_key(unit), deque()).append(unit)
        self._running: dict[tuple[str, str], int] = {}
        self.total = sum(len(q) for q in self._queues.values())
        self.peak_per_key = 0
        self.peak_global = 0

    @property
    def running(self) -> int:
        return sum(self._running.values())

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def ready(self) -> Iterator[WorkUnit]:
        """Units that may start now, taking one per group in turn until a cap is hit."""
        progressed = True
        while progressed and self.running < self.global_cap:
            progressed = False
            for key in list(self._queues):
                if self.running >= self.global_cap:
                    return
                queue = self._queues[key]
                if not queue or self._running.get(key, 0) >= self.per_key:
                    continue
                unit = queue.popleft()
                if not queue:
                    del self._queues[key]
                else:  # this group goes to the back of the line
                    self._queues.move_to_end(key)
                self._running[key] = self._running.get(key, 0) + 1
                self.peak_per_key = max(self.peak_per_key, self._running[key])
                self.peak_global = max(self.peak_global, self.running)
                progressed = True
                yield unit

    def done(self, unit: WorkUnit) -> None:
        key = group_key(unit)
        self._running[key] -= 1
        if not self._running[key]:
            del self._running[key]


def run_all(
    scheduler: Scheduler,
    executor: Executor,
    on_result: Callable[[UnitResult], None],
) -> None:
    """Start units as the caps allow until every unit has a result."""
    running: dict[Any, WorkUnit] = {}  # handle -> unit (futures hash by identity or key)
    while scheduler.pending or running:
        for unit in scheduler.ready():
            running[executor.start(unit)] = unit
        for handle in executor.wait(list(running)):
            unit = running.pop(handle)
            scheduler.done(unit)
            on_result(executor.finish(handle, unit))
