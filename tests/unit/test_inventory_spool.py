"""Streaming normalisation: a spool of per-unit parts equals one pass over every record.

The records come from the benchmark estate generator (real raw-record shapes,
peering seen from both accounts, roles, buckets, keys), so merged resources are
exercised, not only single-record ones.
"""

from __future__ import annotations

import os
import random
import stat
from collections import Counter
from pathlib import Path

import pytest

from auditor.base.serialize import inventory_jsonl
from auditor.model import CollectionUnit, RawRecord, Relation, Resource, Scope
from auditor.normalize import Builder, NormalizationError, normalize, normalize_into
from auditor.normalize.spool import InventorySpool
from bench.estate import account_records, spec_for

SCOPE = Scope(accounts=("1",), regions=("us-east-1",))


@pytest.fixture(scope="module")
def records() -> list[RawRecord]:
    """The generated estate, plus each MSK cluster's policy (merged into the cluster)."""
    spec = spec_for(2000)
    out = [r for ai in range(spec.accounts) for r in account_records(spec, ai)]
    policies = [
        RawRecord(
            cloud="aws",
            account=r.account,
            region=r.region,
            service="kafka",
            type="msk:cluster_policy",
            data={"ClusterArn": r.data["ClusterArn"], "Policy": {}},
            operation="kafka:GetClusterPolicy",
        )
        for r in out
        if r.type == "msk:cluster"
    ]
    assert policies
    return out + policies


def _units(records: list[RawRecord]) -> dict[tuple[str, str, str], list[RawRecord]]:
    units: dict[tuple[str, str, str], list[RawRecord]] = {}
    for r in records:
        units.setdefault((r.account, r.region, r.service), []).append(r)
    return units


def test_some_resources_are_merged_from_several_records(records: list[RawRecord]) -> None:
    builder = Builder()
    normalize_into(builder, records)
    parts = Counter(p.resource.id for p in builder.parts())
    assert any(n > 1 for n in parts.values()), "the estate must exercise merging"
    clusters = [r for r in builder.resources() if r.kind == "kafka_cluster"]
    assert clusters and all(c.attributes["policy_read"] is True for c in clusters)
    # parts merge in the producing records' order (msk:cluster before its policy)
    assert {c.source for c in clusters} == {"kafka:ListClustersV2"}


def test_record_order_does_not_change_the_inventory(records: list[RawRecord]) -> None:
    one_pass = inventory_jsonl(normalize(records, scope=SCOPE))
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    assert inventory_jsonl(normalize(shuffled, scope=SCOPE)) == one_pass
    assert inventory_jsonl(normalize(reversed(records), scope=SCOPE)) == one_pass


def test_a_spool_of_units_in_any_order_equals_one_pass(records: list[RawRecord]) -> None:
    one_pass = inventory_jsonl(normalize(records, scope=SCOPE))
    units = list(_units(records).values())
    random.Random(3).shuffle(units)  # units finish in any order
    with InventorySpool() as spool:
        for batch in units:
            assert spool.add(
                batch, unit=CollectionUnit(cloud="aws", account="a", region="r", service="s")
            )
        assert spool.records == len(records) and spool.bytes > 0
        streamed = spool.inventory(scope=SCOPE)
    assert inventory_jsonl(streamed) == one_pass


def _part(attrs: dict[str, object], source: str, **kw: str) -> Resource:
    return Resource(
        id="vpc-1",
        cloud="aws",
        kind="vpc",
        account=kw.get("account", "111"),
        region="us-east-1",
        name=kw.get("name", ""),
        tags={"t": source},
        attributes=attrs,  # type: ignore[arg-type]
        source=source,
    )


def test_conflicting_parts_merge_the_same_way_in_any_order() -> None:
    """Parts merge in their records' order: later attributes win, first names win."""
    a = _part({"cidr": "10.0.0.0/16", "side": "requester"}, "ec2:A", name="first")
    b = _part({"side": "accepter", "peer": True}, "ec2:B", account="", name="second")
    rank_a = ("aws", "111", "us-east-1", "ec2:vpc_peering_connection")
    rank_b = ("aws", "222", "us-east-1", "ec2:vpc_peering_connection")
    merged = []
    for order in ([(a, rank_a), (b, rank_b)], [(b, rank_b), (a, rank_a)]):
        builder = Builder(check_schema=False)  # a made-up kind: merging alone
        for part, rank in order:
            builder.add(part, rank)
        merged.append(builder.resources())
    assert merged[0] == merged[1]
    (res,) = merged[0]
    assert res.attributes == {"cidr": "10.0.0.0/16", "side": "accepter", "peer": True}
    assert res.account == "111" and res.name == "first" and res.source == "ec2:A"
    assert res.tags == {"t": "ec2:B"}


def test_duplicate_relations_keep_the_same_one_in_any_order() -> None:
    def rel(attrs: dict[str, object]) -> Relation:
        return Relation(source="a", target="b", kind="peers_with", reason="r", attributes=attrs)  # type: ignore[arg-type]

    kept = []
    for order in ([rel({"x": 2}), rel({"x": 1})], [rel({"x": 1}), rel({"x": 2})]):
        builder = Builder()
        for r in order:
            builder.add_relation(r)
        kept.append(list(builder.relations()))
    assert kept[0] == kept[1] and len(kept[0]) == 1


def test_a_resource_cannot_be_two_kinds() -> None:
    builder = Builder(check_schema=False)  # a made-up kind: merging alone
    builder.add(_part({}, "ec2:A"))
    with pytest.raises(NormalizationError, match="both vpc and subnet"):
        builder.add(Resource(id="vpc-1", cloud="aws", kind="subnet", account="1", region="r"))


def test_an_unreadable_unit_is_a_gap_and_the_others_are_kept(records: list[RawRecord]) -> None:
    units = _units(records)
    (key, good), (bad_key, bad) = list(units.items())[:2]
    broken = [
        RawRecord(
            cloud=r.cloud,
            account=r.account,
            region=r.region,
            service=r.service,
            type=r.type,
            data={},  # an answer without the fields its normaliser needs
            operation="ec2:DescribeVpcs",
        )
        for r in bad
    ]
    unit = CollectionUnit(cloud="aws", account=bad_key[0], region=bad_key[1], service=bad_key[2])
    with InventorySpool() as spool:
        assert spool.add(
            good, unit=CollectionUnit(cloud="aws", account=key[0], region=key[1], service=key[2])
        )
        assert spool.add(broken, unit=unit) is False
        inv = spool.inventory(scope=SCOPE)
        with pytest.raises(NormalizationError):  # without a unit there is nobody to blame
            spool.add(broken)
    (gap,) = inv.gaps
    assert (gap.account, gap.region, gap.service) == bad_key
    assert gap.error_code == "MalformedResponse" and gap.operation == "DescribeVpcs"
    assert "cannot normalise" in gap.message
    assert inv.resources == normalize(good, scope=SCOPE).resources


def test_the_spool_is_private_and_removed(records: list[RawRecord], tmp_path: Path) -> None:
    with InventorySpool(tmp_path) as spool:
        folder = spool.folder
        spool.add(next(iter(_units(records).values())))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        files = list(folder.iterdir())
        assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert not folder.exists()


def test_a_new_spool_sweeps_the_spools_of_dead_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    from auditor.normalize.spool import OWNER, PREFIX

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale, live, unowned = (tmp_path / f"{PREFIX}{n}" for n in ("stale", "live", "unowned"))
    for folder in (stale, live, unowned):
        folder.mkdir(mode=0o700)
    (stale / OWNER).write_text(dead.stdout)
    (live / OWNER).write_text(f"{os.getppid()}\n")  # the process that started pytest
    with InventorySpool(tmp_path) as spool:
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [live.name, unowned.name, spool.folder.name]
        )
    assert not spool.folder.exists()


def test_a_spool_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    from auditor.normalize.spool import SpoolError

    with pytest.raises(SpoolError, match=r"cannot write the collection spool in .*missing.*TMPDIR"):
        InventorySpool(tmp_path / "missing")
