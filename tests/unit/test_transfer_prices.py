"""Per-cloud price tables: each crossing is priced with its sending cloud's table (a crossing
to another cloud as the sender's internet egress), a price holds only where its table says,
and a class with no published figure is "not priced" in the map and the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from auditor.analysis.data_movement import MovementMap, movement_map
from auditor.analysis.transfer_prices import load, tables
from auditor.model import JSONValue, Resource
from auditor.render import _movement

READ = Resource(
    id="arn:aws:ec2:us-east-1:111111111111:flow_read/r",
    kind="flow_read",
    cloud="aws",
    account="111111111111",
    region="us-east-1",
    name="r",
    attributes={"status": "read", "since": "2026-12-07T00:00:00Z", "until": "2026-12-07T01:00:00Z"},
)
# (cloud, account, region, zone, range): one subnet each, every address private.
SUBNETS = {
    "aws-east-a": ("aws", "111111111111", "us-east-1", "us-east-1a", "10.0.1.0/24"),
    "aws-ireland": ("aws", "111111111111", "eu-west-1", "eu-west-1a", "10.0.9.0/24"),
    "az-west": ("azure", "sub-1", "westeurope", "", "10.5.1.0/24"),
    "az-north": ("azure", "sub-1", "northeurope", "", "10.6.1.0/24"),
    "az-east-us": ("azure", "sub-1", "eastus", "", "10.7.1.0/24"),
    "gcp-b": ("gcp", "p1", "europe-west1", "europe-west1-b", "10.8.1.0/24"),
    "gcp-c": ("gcp", "p1", "europe-west1", "europe-west1-c", "10.8.2.0/24"),
}


def _subnet(name: str) -> Resource:
    cloud, account, region, az, cidr = SUBNETS[name]
    return Resource(
        id=f"{cloud}:{account}:{region}:subnet/{name}",
        kind="subnet",
        cloud=cloud,
        account=account,
        region=region,
        name=name,
        attributes={"vpc_id": f"net-{name}", "subnet_id": name, "cidr": cidr, "az": az},
    )


def _flow(n: int, src: str, dst: str, nbytes: int) -> Resource:
    attrs: dict[str, JSONValue] = {
        "src": src,
        "dst": dst,
        "dst_port": 443,
        "protocol": 6,
        "action": "ACCEPT",
        "bytes": nbytes,
    }
    return Resource(
        id=f"flow/{n}",
        kind="observed_flow",
        cloud="aws",
        account="111111111111",
        region="us-east-1",
        name=f"f{n}",
        attributes=attrs,
    )


def _map(*flows: Resource) -> MovementMap:
    m = movement_map([READ, *(_subnet(n) for n in SUBNETS), *flows])
    assert m is not None
    return m


def _costs(m: MovementMap) -> dict[tuple[str, str], tuple[str, str, float | None]]:
    return {(c.source, c.target): (c.payer, c.cost_class, c.cost) for c in m.crossings}


GB, GIB = 10**9, 2**30


def test_each_crossing_is_priced_with_its_sending_clouds_table() -> None:
    m = _map(
        _flow(1, "10.0.1.5", "10.5.1.5", 3 * GB),  # AWS -> Azure: AWS internet egress
        _flow(2, "10.5.1.5", "10.6.1.5", 5 * GB),  # Azure region to region, within Europe
        _flow(3, "10.8.1.5", "10.8.2.5", 4 * GIB),  # GCP zone b -> c, priced per GiB
        _flow(4, "10.5.1.6", "10.0.1.6", 2 * GB),  # Azure -> AWS: Azure's egress, unpriced
    )
    got = _costs(m)
    aws, azw, azn = (
        "aws/111111111111/us-east-1",
        "azure/sub-1/westeurope",
        "azure/sub-1/northeurope",
    )
    gcp = "gcp/p1/europe-west1"
    assert got[(aws, azw)] == ("aws", "internet-egress", 0.27)  # 3 GB at 0.09
    assert got[(azw, azn)] == ("azure", "inter-region", 0.1)  # 5 GB at 0.02
    assert got[(gcp, gcp)] == ("gcp", "inter-az", 0.04)  # 4 GiB at 0.01 per GiB
    assert got[(azw, aws)] == ("azure", "internet-egress", None)
    t = tables()
    assert m.prices == tuple((c, t[c].as_of, t[c].unit) for c in ("aws", "azure", "gcp"))
    assert (t["aws"].unit, t["gcp"].unit) == ("GB", "GiB")


def test_a_price_holds_only_in_the_regions_its_table_names() -> None:
    got = _costs(
        _map(
            _flow(1, "10.0.9.5", "198.51.100.9", GB),  # AWS Ireland: the table is US only
            _flow(2, "10.0.1.5", "198.51.100.9", GB),  # AWS US East: priced
            _flow(3, "10.5.1.5", "10.7.1.5", GB),  # Azure Europe -> US: not within one place
            _flow(4, "10.7.1.5", "198.51.100.9", 2 * GB),  # Azure East US: priced
            _flow(5, "10.5.1.5", "198.51.100.9", GB),  # Azure West Europe: not priced
        )
    )
    assert got[("azure/sub-1/eastus", "internet")] == ("azure", "internet-egress", 0.174)
    assert got[("azure/sub-1/westeurope", "internet")] == ("azure", "internet-egress", None)
    assert got[("aws/111111111111/eu-west-1", "internet")] == ("aws", "internet-egress", None)
    assert got[("aws/111111111111/us-east-1", "internet")] == ("aws", "internet-egress", 0.09)
    assert got[("azure/sub-1/westeurope", "azure/sub-1/eastus")] == (
        "azure",
        "inter-region",
        None,
    )


def test_ingress_is_priced_by_the_receiving_cloud() -> None:
    got = _costs(_map(_flow(1, "198.51.100.9", "10.8.1.5", GB)))
    assert got[("internet", "gcp/p1/europe-west1")] == ("gcp", "ingress", 0.0)


def test_a_missing_price_renders_as_not_priced_and_a_priced_one_as_its_cost() -> None:
    m = _map(_flow(1, "10.8.1.5", "198.51.100.9", GB), _flow(2, "10.0.1.5", "10.0.9.5", GB))
    cells = {(r[1], r[2]): r[7] for r in _movement.rows(m)}
    assert cells[("gcp/p1/europe-west1", "internet")] == "not priced"
    assert cells[("aws/111111111111/us-east-1", "aws/111111111111/eu-west-1")] == "0.0200 USD"
    text = _movement.intro(m)
    for cloud, as_of, unit in m.prices:
        assert f"{cloud} as of {as_of}, USD per {unit}" in text
    assert "sender's internet egress" in text


def test_every_table_is_dated_sourced_and_names_every_cost_class() -> None:
    classes = {"inter-az", "inter-region", "nat-processing", "internet-egress", "privatelink"}
    assert set(tables()) == {"aws", "azure", "gcp"}
    for t in tables().values():
        assert dt.date.fromisoformat(t.as_of) <= dt.date(2026, 12, 31)
        assert "https://" in t.source
        assert classes | {"ingress", "same-zone"} <= set(t.classes)
        for c in t.classes.values():
            assert c.note  # an unpriced class says why, a priced one what it covers


def _write(tmp_path: Path, body: dict[str, JSONValue]) -> Path:
    p = tmp_path / "x.json"
    p.write_text(json.dumps(body), encoding="utf-8")
    return p


def test_a_bad_table_is_refused_naming_the_file_and_why(tmp_path: Path) -> None:
    good: dict[str, JSONValue] = {
        "cloud": "x",
        "as_of": "2026-12-07",
        "currency": "USD",
        "unit": "GB",
        "source": "https://example.invalid/",
        "classes": {"inter-az": {"price": 0.01, "note": "n"}},
    }
    assert load(_write(tmp_path, good)).classes["inter-az"].price == 0.01
    for bad, why in (
        ({**good, "unit": "TB"}, "unit must be one of"),
        ({**good, "classes": {"inter-az": {"price": "0.01", "note": "n"}}}, "number or null"),
        ({**good, "classes": {"inter-az": {"price": None}}}, "needs a note"),
        ({**good, "classes": {"inter-az": {"price": 1, "note": "n", "from": ["eu"]}}}, "unknown"),
    ):
        with pytest.raises(ValueError, match=why) as e:
            load(_write(tmp_path, bad))
        assert str(tmp_path / "x.json") in str(e.value)
