"""Collection progress: per account, with counts and an ETA.

The runner calls a :data:`Progress` function with a :class:`ProgressUpdate`
after each finished unit. :class:`RichProgress` draws bars on a terminal (one
overall, one per account still running); :class:`LogProgress` writes plain
lines (CI logs, files), at most one every few seconds plus one per finished
account.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from auditor.base.text import inert


@dataclass(frozen=True, kw_only=True)
class ProgressUpdate:
    label: str
    """``account/region/service`` of the unit that just finished."""
    account: str
    account_done: int
    account_total: int
    done: int
    total: int
    resumed: int
    """Units of ``done`` read back from a checkpoint (they took no time)."""
    elapsed: float
    """Seconds since collection started."""

    @property
    def eta(self) -> float | None:
        """Seconds left at this run's pace (None before anything was collected)."""
        ran = self.done - self.resumed
        if ran <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed / ran * (self.total - self.done)


Progress = Callable[[ProgressUpdate], None]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class LogProgress:
    """Plain progress lines for logs: ``collect 12/60 (20%) eta 0:00:41; account X 5/30``."""

    def __init__(
        self, stream: TextIO, interval: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._last = float("-inf")

    def __call__(self, u: ProgressUpdate) -> None:
        now = self._clock()
        account_finished = u.account_done == u.account_total
        if not (account_finished or u.done == u.total or now - self._last >= self._interval):
            return
        self._last = now
        pct = 100 * u.done // max(1, u.total)
        line = f"collect {u.done}/{u.total} ({pct}%) eta {_clock(u.eta)}"
        line += f"; account {inert(u.account)} {u.account_done}/{u.account_total}"
        if account_finished:
            line += " done"
        self._stream.write(line + "\n")
        self._stream.flush()


class RichProgress:
    """Rich bars: overall (count, ETA) and one per account with units still to run."""

    MAX_ROWS = 8

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._overall = self._bar.add_task("collecting", total=None)
        self._accounts: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def __call__(self, u: ProgressUpdate) -> None:
        self._bar.update(self._overall, total=u.total, completed=u.done, description="collecting")
        task = self._accounts.get(u.account)
        if u.account_done >= u.account_total:
            if task is not None:
                self._bar.remove_task(task)
                del self._accounts[u.account]
            return
        if task is None:
            if len(self._accounts) >= self.MAX_ROWS:
                return
            task = self._bar.add_task(f"  {inert(u.account)}", total=u.account_total)
            self._accounts[u.account] = task
        self._bar.update(task, completed=u.account_done)
