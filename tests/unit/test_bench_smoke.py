"""The benchmark scripts at a tiny size, so that they cannot rot (figures are not checked)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from auditor.base.serialize import read_inventory_jsonl
from auditor.boundary import load_declaration
from auditor.model import Scope
from bench.collection import minimum_calls
from bench.estate import Spec, account_records, write_declaration, write_inventory
from bench.evaluation import _child, measure

SPEC = Spec(accounts=2, app_vpcs=1, app_instances=2, brokers=3, app_roles=1)


def _estate(tmp_path: Path) -> Path:
    write_inventory(SPEC, tmp_path / "inventory.jsonl")
    write_declaration(SPEC, tmp_path / "boundary.yaml")
    return tmp_path


def test_generated_inventory_loads_with_the_declared_shape(tmp_path: Path) -> None:
    written = write_inventory(SPEC, tmp_path / "inventory.jsonl")
    write_declaration(SPEC, tmp_path / "boundary.yaml")
    decl = load_declaration(tmp_path / "boundary.yaml")
    assert decl.accounts("aws", "customer") == SPEC.account_ids()
    inv = read_inventory_jsonl(
        (tmp_path / "inventory.jsonl").read_text(encoding="utf-8"),
        scope=Scope(accounts=tuple(SPEC.account_ids()), regions=SPEC.regions),
    )
    assert len(inv.resources) == written.resources
    assert len(inv.relations) == written.relations > 0
    kinds = Counter(r.kind for r in inv.resources)
    per_region = SPEC.brokers + SPEC.app_vpcs * SPEC.app_instances
    assert kinds["instance"] == kinds["volume"] == SPEC.accounts * len(SPEC.regions) * per_region
    assert kinds["network"] == SPEC.accounts * len(SPEC.regions) * (SPEC.app_vpcs + 1)
    assert kinds["peering"] == SPEC.accounts * len(SPEC.regions)  # seen from both sides
    assert len({r.id for r in inv.resources}) == len(inv.resources)
    # Same spec, same bytes.
    again = tmp_path / "again.jsonl"
    write_inventory(SPEC, again)
    assert again.read_bytes() == (tmp_path / "inventory.jsonl").read_bytes()


def test_evaluation_runs_every_rule_and_judges_both_ways(tmp_path: Path) -> None:
    folder = _estate(tmp_path)
    got = _child(folder, per_rule=3, exclude=[])
    assert got["resources"] > 0 and got["edges"] > 0 and got["verdicts"] > 0
    assert len(got["slowest"]) == 3
    for stage in ("load_s", "build_s", "rules_s"):
        assert got[stage] >= 0


def test_evaluation_bundle_is_written_and_removed(tmp_path: Path) -> None:
    folder = _estate(tmp_path)
    got = _child(folder, per_rule=0, exclude=["network.traffic-class"], bundle=True)
    names = [name for name, _ in got["bundle_largest"]]
    assert got["bundle_mib"] > 0 and "inventory.jsonl" in names
    assert not list(folder.parent.glob("bundle-*"))  # the temporary folder is gone


def test_measure_reports_the_child_peak_rss(tmp_path: Path) -> None:
    got = measure(_estate(tmp_path), exclude=("network.traffic-class",))
    assert got["peak_rss_mib"] > 20  # a Python process with the auditor loaded
    assert got["verdicts"] > 0


def test_minimum_calls_counts_pages_and_per_resource_reads() -> None:
    records = [r for ai in range(SPEC.accounts) for r in account_records(SPEC, ai)]
    least = minimum_calls(records, SPEC.account_ids(), SPEC.regions, SPEC.account_ids()[0])
    buckets = sum(1 for r in records if r.type == "s3:bucket")
    assert least["s3:GetBucketLocation"] == buckets == SPEC.accounts * len(SPEC.regions) * 2
    assert least["ec2:DescribeVpcs"] == SPEC.accounts * len(SPEC.regions)
    assert least["sts:AssumeRole"] == SPEC.accounts - 1
    assert least["iam:GetAccountAuthorizationDetails"] == SPEC.accounts


def test_streaming_bench_gives_the_same_inventory_both_ways() -> None:
    from bench.streaming import MODES
    from bench.streaming import measure as measure_streaming

    got = {mode: measure_streaming(mode, 1000, 1) for mode in MODES}
    assert got["held"]["sha256"] == got["streamed"]["sha256"]
    assert got["held"]["records"] == got["streamed"]["records"] > 0
    assert got["streamed"]["spool_mib"] > 0 and got["held"]["peak_rss_mib"] > 20
