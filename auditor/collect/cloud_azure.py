"""Azure behind the one cloud interface: Resource Graph, a page of rows at a time."""

from __future__ import annotations

from auditor.collect.clouds import BatchedCollector

COLLECTOR = BatchedCollector(
    cloud="azure",
    package="auditor.collect.azure",
    collect_fn="collect_azure",
    accounts="subscriptions",
)
