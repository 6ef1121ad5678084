"""Resource kinds' declared attributes are checked where resources are built."""

from __future__ import annotations

import pytest

from auditor.base.kinds import STRICT_ENV, KindSchemaError, kind_schemas, strict, violations
from auditor.model import CollectionUnit, RawRecord, Resource, Scope
from auditor.normalize import Builder, normalize, normalizes
from auditor.normalize.spool import InventorySpool

SCOPE = Scope(accounts=("111111111111",), regions=("us-east-1",))
VPC = "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1"


@normalizes("aws", "test:schema-violation")
def _bad_vpc(rec: RawRecord, out: Builder) -> None:
    """A normaliser with a bug: a misspelt attribute and a number where a list belongs."""
    out.resource(
        id=VPC,
        cloud="aws",
        kind="network",
        account=rec.account,
        region=rec.region,
        attributes={"cidr_blocks": ["10.0.0.0/16"], "cidrs": 16, "is_default": False},
        source="ec2:DescribeVpcs",
    )


RECORD = RawRecord(
    cloud="aws",
    account="111111111111",
    region="us-east-1",
    service="ec2",
    type="test:schema-violation",
    data={},
    operation="ec2:DescribeVpcs",
)


def test_every_kind_of_the_model_is_declared() -> None:
    from auditor.model import Kind

    declared = {k.name for k in kind_schemas()}
    assert {k.value for k in Kind} <= declared


def test_a_conforming_resource_has_no_violation() -> None:
    res = Resource(
        id=VPC,
        cloud="aws",
        kind="network",
        account="1",
        region="r",
        attributes={"cidrs": ["10.0.0.0/16"], "is_default": None, "vpc_id": "vpc-1"},
    )
    assert violations(res) == []


def test_an_undeclared_kind_is_a_violation() -> None:
    res = Resource(id="x", cloud="aws", kind="vpc", account="1", region="r")
    (v,) = violations(res)
    assert "kind 'vpc' is not declared" in v.describe()


def test_strictness_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STRICT_ENV, "1")
    assert strict()
    monkeypatch.setenv(STRICT_ENV, "0")
    assert not strict()
    monkeypatch.delenv(STRICT_ENV)
    assert not strict()


def test_under_strictness_a_violation_names_kind_attribute_resource_and_normaliser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(KindSchemaError) as caught:
        normalize([RECORD], scope=SCOPE)
    text = str(caught.value)
    assert f"network {VPC}: attribute 'cidr_blocks' is not declared for the kind" in text
    assert "attribute 'cidrs' is integer, declared array (or null)" in text
    assert "tests.unit.test_kinds_schema._bad_vpc (aws:test:schema-violation)" in text
    assert "source ec2:DescribeVpcs" in text


def test_otherwise_a_violation_is_a_gap_on_the_resource_and_the_fact_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STRICT_ENV, "0")
    inv = normalize([RECORD], scope=SCOPE)
    (res,) = inv.resources
    assert res.attributes == {"cidrs": None, "is_default": False}
    gaps = sorted(inv.gaps, key=lambda g: g.message)
    assert [g.error_code for g in gaps] == ["SchemaViolation", "SchemaViolation"]
    assert {(g.resource, g.service, g.account, g.region) for g in gaps} == {
        (VPC, "*", "111111111111", "us-east-1")
    }
    assert "'cidr_blocks' is not declared" in gaps[0].message
    assert "'cidrs' is integer" in gaps[1].message
    assert all(
        g.covers(service="ec2", account="111111111111", region="us-east-1", resource=VPC)
        for g in gaps
    )


def test_a_spooled_scan_keeps_the_violation_gaps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STRICT_ENV, "0")
    unit = CollectionUnit(cloud="aws", account="111111111111", region="us-east-1", service="ec2")
    with InventorySpool() as spool:
        assert spool.add([RECORD], unit=unit)
        inv = spool.inventory(scope=SCOPE)
    assert inv == normalize([RECORD], scope=SCOPE)
    assert {g.error_code for g in inv.gaps} == {"SchemaViolation"}


def test_a_spooled_scan_raises_under_strictness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a MalformedResponse gap: our bug must not pass for an odd cloud answer."""
    monkeypatch.setenv(STRICT_ENV, "1")
    unit = CollectionUnit(cloud="aws", account="111111111111", region="us-east-1", service="ec2")
    with InventorySpool() as spool, pytest.raises(KindSchemaError):
        spool.add([RECORD], unit=unit)
