"""AWS behind the one cloud interface: the unit runner (accounts, regions, services)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collect.clouds import CloudCollection
from auditor.collect.progress import Progress
from auditor.collect.runner import AwsScanOptions, UnitSink, collect_aws


@dataclass(frozen=True)
class AwsCollector:
    cloud: str = "aws"

    def require_sdk(self) -> None:
        """boto3 is a core dependency: always there."""

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
        """Each unit goes to ``sink`` as it finishes; with ``all_regions`` the scope is the
        union of every account's enabled regions."""
        assert isinstance(options, AwsScanOptions)
        result = collect_aws(options, progress, spool=sink, keep_records=keep_records)
        regions = options.regions
        if options.all_regions:
            regions = tuple(sorted({r for rs in result.regions.values() for r in rs})) or regions
        return CloudCollection(
            cloud=self.cloud,
            result=result,
            accounts=tuple(result.accounts or options.accounts),
            regions=regions,
        )


COLLECTOR = AwsCollector()
