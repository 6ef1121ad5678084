"""A checkpointed unit is written record by record, as the same JSON document."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

from auditor.collect.checkpoint import Checkpoint
from auditor.model import CollectionUnit, Gap, RawRecord


def _records(n: int) -> Iterator[RawRecord]:
    for i in range(n):
        yield RawRecord(
            cloud="gcp",
            account="p",
            region="global",
            service="cloudasset-resource",
            type="cloudasset.asset",
            data={"name": f"a{i}", "nested": {"x": [i, "é"]}},
            operation="cloudasset:ListAssets",
        )


def test_a_streamed_unit_is_the_document_and_reads_back(tmp_path: Path) -> None:
    cp = Checkpoint(tmp_path, "k")
    cp.start(resume=False, scope={"cloud": "gcp"})
    key = ("projects/p", "global", "cloudasset-resource")
    gap = Gap(cloud="gcp", account="p", region="*", service="*", operation="o", error_code="E")
    covered = (CollectionUnit(cloud="gcp", account="p", region="global", service="x"),)
    for records, cov in ((list(_records(3)), covered), ([], None)):
        cp.save(key, iter(records), [gap], {"b": 2, "a": 1}, cov)
        doc = {
            "format": 1,
            "unit": list(key),
            "records": [dataclasses.asdict(r) for r in records],
            "gaps": [dataclasses.asdict(gap)],
            "calls": {"a": 1, "b": 2},
        }
        if cov is not None:
            doc["covered"] = [dataclasses.asdict(u) for u in cov]
        (written,) = cp.units_dir.iterdir()
        assert written.read_bytes() == json.dumps(doc, sort_keys=True).encode()
        saved = cp.load(key)
        assert saved is not None and list(saved.records) == records
        assert saved.gaps == (gap,) and saved.covered == cov
    cp.close()
