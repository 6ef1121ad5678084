"""The engine is fail-closed: gaps turn PASS into INCONCLUSIVE; waivers apply and expire."""

from __future__ import annotations

import datetime as dt

from auditor.model import Gap, Inventory, Resource, Scope, Status
from tests.helpers import CUSTOMER, PRIMARY, VENDOR, declaration, run_rules, status_of

SCOPE = Scope(accounts=(CUSTOMER,), regions=(PRIMARY,))


def bucket(name: str, account: str = CUSTOMER, region: str = PRIMARY) -> Resource:
    return Resource(
        id=f"arn:aws:s3:::{name}",
        cloud="aws",
        kind="bucket",
        account=account,
        region=region,
        name=name,
        tags={"data-class": "kafka-log"},
    )


def inv(*resources: Resource, gaps: tuple[Gap, ...] = ()) -> Inventory:
    return Inventory(scope=SCOPE, resources=resources, relations=(), gaps=gaps)


def test_location_pass_and_fail() -> None:
    v = run_rules(
        inv(bucket("ok"), bucket("far", region="eu-west-1"), bucket("theirs", VENDOR)),
        rules=["data.store-location"],
    )
    assert status_of(v, "data.store-location", "arn:aws:s3:::ok") is Status.PASS
    assert status_of(v, "data.store-location", "arn:aws:s3:::far") is Status.FAIL
    assert status_of(v, "data.store-location", "arn:aws:s3:::theirs") is Status.FAIL


def test_gap_turns_pass_into_inconclusive_and_adds_a_scope_verdict() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region="global",
        service="s3",
        operation="ListBuckets",
        error_code="AccessDenied",
    )
    v = run_rules(inv(bucket("ok"), gaps=(gap,)), rules=["data.store-location"])
    assert status_of(v, "data.store-location", "arn:aws:s3:::ok") is Status.INCONCLUSIVE
    assert status_of(v, "data.store-location", f"scope:aws/{CUSTOMER}/global") is (
        Status.INCONCLUSIVE
    )
    assert not any(x.status is Status.PASS for x in v)


def test_per_resource_gap_only_touches_that_resource() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=PRIMARY,
        service="s3",
        operation="GetBucketPolicy",
        error_code="AccessDenied",
        resource="arn:aws:s3:::a",
    )
    v = run_rules(inv(bucket("a"), bucket("b"), gaps=(gap,)), rules=["data.store-location"])
    assert status_of(v, "data.store-location", "arn:aws:s3:::a") is Status.INCONCLUSIVE
    assert status_of(v, "data.store-location", "arn:aws:s3:::b") is Status.PASS


def test_nothing_selected_is_inconclusive_not_pass() -> None:
    v = run_rules(inv(), rules=["data.store-location"])
    assert [x.status for x in v] == [Status.INCONCLUSIVE]


def test_waiver_applies_until_it_expires() -> None:
    waiver = {
        "rule": "data.store-location",
        "resource": "arn:aws:s3:::far",
        "reason": "migration",
        "approved_by": "secops",
        "expires": "2027-01-31",
    }
    decl = declaration(exceptions=[waiver])
    far = inv(bucket("far", region="eu-west-1"))
    v = run_rules(far, decl, rules=["data.store-location"])
    assert status_of(v, "data.store-location", "arn:aws:s3:::far") is Status.WAIVED
    later = run_rules(far, decl, rules=["data.store-location"], today=dt.date(2027, 2, 1))
    (verdict,) = later
    assert verdict.status is Status.FAIL
    assert "waiver expired on 2027-01-31" in verdict.message


def test_waiver_may_name_a_resource_in_the_evidence() -> None:
    from auditor.checks import Judgement
    from auditor.checks.engine import _waive
    from auditor.model import Evidence

    decl = declaration(
        exceptions=[
            {
                "rule": "network.public-ingress",
                "resource": "arn:aws:ec2:us-east-1:111111111111:security-group/sg-0abc",
                "reason": "migration listener",
                "approved_by": "secops",
                "expires": "2027-01-31",
            }
        ]
    )
    from auditor.checks import all_rules

    rule = all_rules()["network.public-ingress"]
    f = Judgement(
        resource="arn:aws:ec2:us-east-1:111111111111:instance/i-1",
        status=Status.FAIL,
        message="exposed",
        evidence=Evidence(nodes=("arn:aws:ec2:us-east-1:111111111111:security-group/sg-0abc",)),
    )
    status, _, waiver = _waive(f, rule, decl.exceptions, dt.date(2026, 12, 1))
    assert status is Status.WAIVED and waiver is not None
    other = Judgement(
        resource="arn:aws:ec2:us-east-1:111111111111:instance/i-2",
        status=Status.FAIL,
        message="exposed",
    )
    assert _waive(other, rule, decl.exceptions, dt.date(2026, 12, 1))[0] is Status.FAIL
