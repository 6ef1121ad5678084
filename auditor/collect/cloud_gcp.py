"""GCP behind the one cloud interface: Cloud Asset listings, assets on disk until read."""

from __future__ import annotations

from auditor.collect.clouds import BatchedCollector

COLLECTOR = BatchedCollector(
    cloud="gcp",
    package="auditor.collect.gcp",
    collect_fn="collect_gcp",
    accounts="projects",
    work_dir=True,
)
