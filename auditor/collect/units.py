"""The one way every cloud's collection units run: restored, scheduled, executed, saved.

A cloud plans :class:`~auditor.collect.worker.WorkUnit` values (AWS per account,
region and service; Azure per subscription and collector; GCP per project and
content type) and hands them to :func:`run_wave` with the :class:`UnitRun` of
its scan. Units finished by an earlier, interrupted scan are read back from the
checkpoint (a unit that hit gaps runs again), the rest go through the
:mod:`~auditor.collect.scheduler` on the chosen executor, and each finished unit
is handed to the cloud's ``take`` (the spool), checkpointed and shown as
progress. A cloud whose later units read what earlier ones found (Azure's
diagnostic settings read the resources its queries listed) runs several waves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.collect.checkpoint import Checkpoint, CheckpointBusy
from auditor.collect.executors import UnitRunner, make_executor
from auditor.collect.progress import Progress, ProgressUpdate
from auditor.collect.scheduler import Scheduler, run_all
from auditor.collect.worker import ClientSettings, UnitResult, WorkUnit

Take = Callable[[UnitResult], UnitResult]
"""What happens to a finished unit's records (normalised into the spool); returns the
result as kept (records dropped unless ``--keep-raw``)."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How hard a cloud's units push: workers, per-group cap, executor, client settings."""

    max_workers: int = 8
    per_key: int = 4
    """Units running at once in one (account, region) group."""
    executor: str = "threads"
    settings: ClientSettings = field(default_factory=ClientSettings)


@dataclass
class UnitRun:
    """One cloud's units in one scan: limits, checkpoint, progress, and what they gave."""

    limits: Limits
    take: Take
    run: UnitRunner | None = None
    """The cloud's unit function (None: AWS's, which Dask workers can run too)."""
    checkpoint: Checkpoint | None = None
    resume: bool = False
    progress: Progress | None = None
    notes: list[str] = field(default_factory=list)
    results: list[UnitResult] = field(default_factory=list)
    resumed: int = 0
    peak_global: int = 0
    peak_per_key: int = 0
    _clock: float = field(default_factory=time.monotonic)

    def saved(self, unit: WorkUnit) -> UnitResult | None:
        """The unit as a resumed scan's checkpoint holds it (None: absent, or it hit gaps)."""
        if not self.resume or self.checkpoint is None:
            return None
        saved = self.checkpoint.load(unit.key)
        if saved is None or saved.gaps:
            return None
        return UnitResult(
            unit=unit,
            records=saved.records,
            gaps=saved.gaps,
            calls=saved.calls,
            resumed=True,
            covered=saved.covered,
        )


def open_checkpoint(
    folder: Path | None,
    *,
    resume: bool,
    scope: dict[str, Any],
    started: dt.datetime,
    notes: list[str],
) -> tuple[Checkpoint | None, dt.datetime]:
    """The locked checkpoint in ``folder`` (None without one) and when the scan began.

    A resumed scan began when its checkpoint did. A checkpoint that is busy or
    cannot be written is a note, not a failure: the scan runs without one.
    """
    if folder is None:
        return None, started
    checkpoint = Checkpoint(folder.parent, folder.name)
    try:
        return checkpoint, checkpoint.start(resume=resume, scope=scope)
    except CheckpointBusy as exc:
        notes.append(f"not checkpointing: {exc}")
    except OSError as exc:
        notes.append(f"not checkpointing: cannot write {folder}: {exc}")
    return None, started


class _OnFinished:
    """Each finished unit: taken (spooled), checkpointed, shown as progress."""

    def __init__(self, run: UnitRun, units: list[WorkUnit], restored: int) -> None:
        self.run = run
        self.total = len(units)
        self.per_account = Counter(u.account for u in units)
        self.done_account: Counter[str] = Counter()
        self.done = 0
        self.restored = restored

    def __call__(self, result: UnitResult, *, quiet: bool = False) -> None:
        run = self.run
        if run.checkpoint is not None and result.ran and not result.resumed:
            try:
                run.checkpoint.save(
                    result.unit.key, result.records, result.gaps, result.calls, result.covered
                )
            except OSError as exc:
                run.notes.append(f"checkpointing stopped: {exc}")
                run.checkpoint = None
        run.results.append(run.take(result) if result.ran else result)
        acct = result.unit.account
        self.done_account[acct] += 1
        self.done += 1
        if run.progress is not None and not quiet:
            run.progress(
                ProgressUpdate(
                    label=result.unit.label,
                    account=acct,
                    account_done=self.done_account[acct],
                    account_total=self.per_account[acct],
                    done=self.done,
                    total=self.total,
                    resumed=self.restored,
                    elapsed=time.monotonic() - run._clock,
                )
            )


def run_wave(run: UnitRun, units: Iterable[WorkUnit]) -> list[UnitResult]:
    """Run ``units`` (restoring a resumed scan's finished ones); their results, in unit order.

    Ctrl-C stops the executor at once, without waiting on calls in flight, and releases
    the checkpoint's lock (its finished units stay for ``--resume``) before it propagates.
    """
    planned = sorted(units)
    on_finished = _OnFinished(run, planned, 0)
    first = len(run.results)
    done: set[tuple[str, str, str]] = set()
    for unit in planned:  # read back one at a time, each taken (spooled) before the next
        result = run.saved(unit)
        if result is not None:
            done.add(unit.key)
            on_finished(result, quiet=True)
    on_finished.restored = len(done)
    run.resumed += len(done)
    todo = [u for u in planned if u.key not in done]
    if todo:
        limits = run.limits
        scheduler = Scheduler(
            todo, per_key=max(1, limits.per_key), global_cap=max(1, limits.max_workers)
        )
        executor = make_executor(limits.executor, limits.settings, limits.max_workers, run.run)
        ended = False
        try:
            run_all(scheduler, executor, on_finished)
            ended = True
        finally:  # on any exception, Ctrl-C included: stop now, wait for no call in flight
            executor.close(wait=ended)
            if not ended and run.checkpoint is not None:
                run.checkpoint.close()  # the finished units stay checkpointed for --resume
        run.peak_global = max(run.peak_global, scheduler.peak_global)
        run.peak_per_key = max(run.peak_per_key, scheduler.peak_per_key)
    return sorted(run.results[first:], key=lambda r: r.unit)
