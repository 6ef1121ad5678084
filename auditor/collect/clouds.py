"""One interface for collecting a cloud, whichever it is.

Each cloud has a module ``cloud_<name>.py`` here defining ``COLLECTOR``, a
:class:`CloudCollector`; :func:`cloud_collectors` finds them (a new cloud is one
new module, no central list). The pipeline calls every targeted cloud the same
way: its SDK is checked first (:meth:`CloudCollector.require_sdk`), then it
collects into the scan's :class:`~auditor.collect.runner.UnitSink` (the spool)
and answers with a :class:`CloudCollection`.

Below this interface every cloud plans its collection as
:class:`~auditor.collect.worker.WorkUnit` values (cloud, account, region,
service) and runs them through :func:`auditor.collect.units.run_wave`: the same
checkpoint and resume, scheduler, executor (threads; Dask for AWS units),
progress and record, gap and API-call accounting; each paces its requests from
:mod:`auditor.collect.pacing` (AWS_PACES, CLOUD_PACES).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from auditor.collect.progress import Progress
from auditor.collect.runner import CollectionResult, UnitSink
from auditor.model import RawRecord


@dataclass(frozen=True, kw_only=True)
class CloudCollection:
    """What collecting one cloud gave: the result, and the scope it covered."""

    cloud: str
    result: CollectionResult
    accounts: tuple[str, ...]
    """Accounts (subscriptions, projects) targeted: declared, plus discovered ones."""
    regions: tuple[str, ...]
    """Regions scanned (or, for a cloud collected in one piece, the declared ones)."""


class CloudCollector(Protocol):
    """Collects one cloud for a scan."""

    @property
    def cloud(self) -> str:
        """``aws``, ``azure``, ``gcp``: the cloud this collector reads."""
        ...

    def require_sdk(self) -> None:
        """Raise :class:`~auditor.extras.MissingExtra` when the cloud's SDK is absent."""
        ...

    def collect(
        self,
        options: Any,
        progress: Progress | None,
        sink: UnitSink,
        *,
        keep_records: bool,
        work_dir: Path,
        declared_regions: tuple[str, ...],
    ) -> CloudCollection:
        """Collect everything ``options`` targets into ``sink``; never raises for cloud errors.

        The result keeps the raw records only with ``keep_records``
        (``--keep-raw``); ``work_dir`` is private scratch space for this scan.
        """
        ...


class BatchesToSink:
    """Raw records handed over in batches: into the sink, and kept if asked."""

    def __init__(self, sink: UnitSink, keep: bool) -> None:
        self._sink, self._keep = sink, keep
        self.kept: list[RawRecord] = []

    def __call__(self, batch: Iterable[RawRecord]) -> None:
        batch = list(batch)
        self._sink.add(batch)
        if self._keep:
            self.kept.extend(batch)


@dataclass(frozen=True, kw_only=True)
class BatchedCollector:
    """A cloud whose collector hands its units' records over in batches (Azure, GCP).

    ``package`` (``auditor.collect.azure``) has ``require_sdk()`` and ``collect_fn``
    (``collect(options, progress, on_records=...)``); ``accounts`` names the
    options' field of targeted accounts; ``work_dir`` says whether the collector
    takes the scan's scratch folder.
    """

    cloud: str
    package: str
    collect_fn: str
    accounts: str
    work_dir: bool = False

    def require_sdk(self) -> None:
        importlib.import_module(self.package).require_sdk()

    def collect(
        self,
        options: Any,
        progress: Progress | None,
        sink: UnitSink,
        *,
        keep_records: bool,
        work_dir: Path,
        declared_regions: tuple[str, ...],
    ) -> CloudCollection:
        run = getattr(importlib.import_module(self.package), self.collect_fn)
        to_sink = BatchesToSink(sink, keep_records)
        extra = {"work_dir": work_dir} if self.work_dir else {}
        result: CollectionResult = run(options, progress, on_records=to_sink, **extra)
        result.records = to_sink.kept
        return CloudCollection(
            cloud=self.cloud,
            result=result,
            accounts=tuple(getattr(options, self.accounts)),
            regions=declared_regions,
        )


def cloud_collectors() -> dict[str, CloudCollector]:
    """Every cloud's collector, by cloud name, in name order (aws, azure, gcp)."""
    found: dict[str, CloudCollector] = {}
    package = importlib.import_module("auditor.collect")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("cloud_"):
            continue
        module = importlib.import_module(f"auditor.collect.{info.name}")
        collector = getattr(module, "COLLECTOR", None)
        if collector is not None:
            found[collector.cloud] = collector
    return dict(sorted(found.items()))
