"""Azure behind the one cloud interface: Resource Graph, a page of rows at a time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collect.clouds import BatchesToSink, CloudCollection
from auditor.collect.progress import Progress
from auditor.collect.runner import UnitSink


@dataclass(frozen=True)
class AzureCollector:
    cloud: str = "azure"

    def require_sdk(self) -> None:
        from auditor.collect.azure import require_sdk

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
        from auditor.collect.azure import collect_azure

        to_sink = BatchesToSink(sink, keep_records)
        result = collect_azure(options, progress, on_records=to_sink)
        result.records = to_sink.kept
        return CloudCollection(
            result=result, accounts=tuple(options.subscriptions), regions=declared_regions
        )


COLLECTOR = AzureCollector()
