"""GCP behind the one cloud interface: Cloud Asset listings, assets on disk until read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collect.clouds import BatchesToSink, CloudCollection
from auditor.collect.progress import Progress
from auditor.collect.runner import UnitSink


@dataclass(frozen=True)
class GcpCollector:
    cloud: str = "gcp"

    def require_sdk(self) -> None:
        from auditor.collect.gcp import require_sdk

        require_sdk()

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
        from auditor.collect.gcp import collect_gcp

        to_sink = BatchesToSink(sink, keep_records)
        result = collect_gcp(options, progress, on_records=to_sink, work_dir=work_dir)
        result.records = to_sink.kept
        return CloudCollection(
            result=result, accounts=tuple(options.projects), regions=declared_regions
        )


COLLECTOR = GcpCollector()
