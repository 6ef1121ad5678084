"""A Config snapshot's customer-managed prefix lists decide routes and rules as a scan's do.

The estate of :mod:`tests.e2e.test_prefix_lists_aws_e2e` (a route to the AWS-managed S3
list through a gateway endpoint, a broker admitting port 9092 from the customer list
``kafka-clients``) is collected from moto; its Config snapshot is written from the
collectors' answers by ``tests/aws_config_export.py`` and read by the importer. With the
``AWS::EC2::PrefixList`` item the broker's rule is decided, without it UNKNOWN; the
AWS-managed list, which Config never records, stays undecided and a gap names it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.analysis.derive import build_graph
from auditor.analysis.network.addresses import nets_of
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cross_traffic import admits
from auditor.analysis.network.outbound import outbound
from auditor.analysis.network.outbound_model import Dest
from auditor.importers import ExportFormatError
from auditor.importers.aws_config import read
from auditor.model import Inventory, RawRecord, Scope, Status
from auditor.normalize import normalize
from tests.aws_config_export import snapshot
from tests.conftest import CUSTOMER, FakeAws
from tests.e2e.test_network_paths_e2e import E1
from tests.e2e.test_prefix_lists_aws_e2e import SERVICES, _estate
from tests.helpers import declaration, run_rules

pytestmark = pytest.mark.e2e

PL_TYPE = "AWS::EC2::PrefixList"


def _arn(kind: str, local: str) -> str:
    return f"arn:aws:ec2:{E1}:{CUSTOMER}:{kind}/{local}"


def _snapshot(fake: FakeAws) -> tuple[dict[str, str], list[RawRecord], dict[str, object]]:
    ids = _estate(fake)
    raw: list[RawRecord] = []
    live = fake.collect(regions=(E1,), services=SERVICES, raw=raw)
    scanned = {r.name: r for r in live.resources if r.kind == "prefix_list"}
    ids["s3"] = str(scanned[f"com.amazonaws.{E1}.s3"].attributes["prefix_list_id"])
    return ids, raw, snapshot(raw, [(CUSTOMER, E1)])


def _import(doc: dict[str, object], folder: Path) -> Inventory:
    path = folder / "config-snapshot.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    got = read(path)
    return normalize(
        got.records,
        scope=Scope(accounts=(CUSTOMER,), regions=(E1,)),
        gaps=got.gaps,
        collected=got.units,
    )


def _without_lists(doc: dict[str, object]) -> dict[str, object]:
    items = doc["configurationItems"]
    assert isinstance(items, list)
    return {**doc, "configurationItems": [i for i in items if i["resourceType"] != PL_TYPE]}


def test_the_customer_list_is_the_scans_and_decides_the_rule(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    ids, _, doc = _snapshot(fake_aws)
    live = fake_aws.collect(regions=(E1,), services=SERVICES)
    inv = _import(doc, tmp_path)
    want = next(r for r in live.resources if r.id == _arn("prefix-list", ids["clients"]))
    have = next(r for r in inv.resources if r.id == want.id)
    for field in ("kind", "account", "region", "name", "tags", "source"):
        assert getattr(have, field) == getattr(want, field), field
    assert {**want.attributes, "state": None} == {**have.attributes, "state": None}
    assert have.attributes["cidrs"] == ["10.99.4.0/24"]
    state = [g for g in inv.gaps if g.resource == want.id]
    assert [g.operation for g in state] == ["DescribeManagedPrefixLists"], state
    g = build_graph(inv, declaration())
    broker = g.resource(_arn("instance", ids["instance"]))
    inside, why, _ = admits(g, broker, 9092, nets_of(["10.99.4.7/32"]))
    assert inside is Reach.YES and ids["sg"] in why, why
    outside, why, _ = admits(g, broker, 9092, nets_of(["10.99.5.7/32"]))
    assert outside is Reach.NO, why


def test_without_the_config_item_the_rule_is_unknown_naming_the_list(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    ids, _, doc = _snapshot(fake_aws)
    inv = _import(_without_lists(doc), tmp_path)
    assert not [r for r in inv.resources if r.kind == "prefix_list"]
    g = build_graph(inv, declaration())
    broker = g.resource(_arn("instance", ids["instance"]))
    reach, why, _ = admits(g, broker, 9092, nets_of(["10.99.4.7/32"]))
    assert reach is Reach.UNKNOWN and ids["clients"] in why, why
    (gap,) = [g for g in inv.gaps if g.resource == _arn("prefix-list", ids["clients"])]
    assert f"no {PL_TYPE} item for {ids['clients']}" in gap.message, gap.message


def test_an_aws_managed_list_stays_undecided_with_the_reason(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    ids, _, doc = _snapshot(fake_aws)
    inv = _import(doc, tmp_path)
    assert not [r for r in inv.resources if r.kind == "prefix_list" and r.attributes["aws_managed"]]
    (gap,) = [g for g in inv.gaps if g.resource == _arn("prefix-list", ids["s3"])]
    assert gap.error_code == "NotInExport"
    assert "AWS Config does not record AWS-managed prefix lists" in gap.message, gap.message
    assert ids["s3"] in gap.message
    g = build_graph(inv, declaration())
    paths = outbound(g, Dest(label="s3", nets=nets_of(["52.216.0.0/15"])), 443)
    assert paths and all(p.reach is Reach.UNKNOWN for p in paths), [p.reason for p in paths]
    assert all(ids["s3"] in p.reason for p in paths), [p.reason for p in paths]
    vs = run_rules(
        inv,
        declaration(network={"egress": {"via": ["nat"], "to": ["203.0.113.0/24"]}}),
        rules=("network.traffic-class",),
    )
    (egr,) = [v for v in vs if v.aspect == "egress" and v.resource == _arn("vpc", ids["vpc"])]
    assert egr.status is Status.INCONCLUSIVE, egr.message
    assert ids["s3"] in egr.message, egr.message
    # the verdict's evidence names the import gap whose message is the reason above
    assert any(
        "GetManagedPrefixListEntries NotInExport" in g and ids["s3"] in g for g in egr.evidence.gaps
    ), egr.evidence


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"Entries": "10.0.0.0/8"}, "'Entries' must be a list"),
        ({"PrefixListId": "sg-1234"}, "must be a prefix list id"),
    ],
)
def test_a_malformed_item_is_one_clear_error(
    fake_aws: FakeAws, tmp_path: Path, change: dict[str, object], why: str
) -> None:
    _, _, doc = _snapshot(fake_aws)
    items = doc["configurationItems"]
    assert isinstance(items, list)
    (i, item) = next((n, x) for n, x in enumerate(items) if x["resourceType"] == PL_TYPE)
    item["configuration"].update(change)
    with pytest.raises(ExportFormatError) as err:
        _import(doc, tmp_path)
    line = str(err.value)
    assert "\n" not in line and f"configurationItems[{i}]" in line and why in line, line
    assert not (tmp_path / "reports").exists()
