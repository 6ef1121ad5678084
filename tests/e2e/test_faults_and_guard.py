"""Faults in front of the fake AWS become gaps and INCONCLUSIVE verdicts; writes are refused."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from auditor.collect.aws_context import AwsContext, AwsService, Sink
from auditor.collect.readonly import MutatingCallRefused, is_read_operation
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Status
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import run_rules


@pytest.fixture
def proxy(moto_server: MotoServer, fake_aws: FakeAws) -> Iterator[FaultProxy]:
    p = FaultProxy(moto_server.endpoint)
    p.start()
    old = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = p.endpoint
    try:
        yield p
    finally:
        os.environ["AWS_ENDPOINT_URL"] = old
        p.stop()


def test_access_denied_service_is_a_gap(fake_aws: FakeAws, proxy: FaultProxy) -> None:
    proxy.inject(Fault(service="sts", operation="GetCallerIdentity", region="*"))
    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("sts",))
    assert [r for r in inv.resources if r.kind == "account"] == []
    codes = {(g.account, g.operation, g.error_code) for g in inv.gaps}
    assert (CUSTOMER, "GetCallerIdentity", "AccessDenied") in codes
    assert proxy.stats.injected >= 1


def test_a_cloud_error_that_echoes_a_secret_is_recorded_redacted(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    """Cloud error text reaches gaps, verdicts and reports: it is redacted like data."""
    secret = "AccountKey=c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
    proxy.inject(
        Fault(service="sts", operation="GetCallerIdentity", region="*", message=f"bad {secret}")
    )
    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("sts",))
    (gap,) = [g for g in inv.gaps if g.operation == "GetCallerIdentity"]
    assert "c2VjcmV0" not in gap.message and "REDACTED" in gap.message, gap.message


def test_failing_region_is_a_gap_and_verdicts_are_inconclusive(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    s3 = fake_aws.session(CUSTOMER).client("s3")
    s3.create_bucket(Bucket="kafka-log-primary")
    s3.put_bucket_tagging(
        Bucket="kafka-log-primary",
        Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]},
    )
    proxy.inject(Fault(region="us-west-2", status=401, code="AuthFailure"))
    services = tuple(s for s in ("sts", "s3", "ec2-compute", "msk") if _exists(s))
    inv = fake_aws.collect(
        accounts=(CUSTOMER,), regions=("us-east-1", "us-west-2"), services=services
    )
    assert any(g.region == "us-west-2" and g.error_code == "AuthFailure" for g in inv.gaps)
    verdicts = run_rules(inv, rules=["data.store-location"])
    west = [v for v in verdicts if v.resource == f"scope:aws/{CUSTOMER}/us-west-2"]
    assert west and all(v.status is Status.INCONCLUSIVE for v in west)
    assert not any(v.status is Status.PASS and "us-west-2" in v.resource for v in verdicts)


def test_unreachable_account_is_a_gap(fake_aws: FakeAws, proxy: FaultProxy) -> None:
    proxy.inject(Fault(service="sts", operation="AssumeRole"))
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), services=("sts",))
    gaps = [g for g in inv.gaps if g.account == CUSTOMER_2]
    assert gaps and gaps[0].service == "*" and gaps[0].operation == "AssumeRole"
    verdicts = run_rules(inv, rules=["data.store-location"])
    assert any(
        v.resource == f"scope:aws/{CUSTOMER_2}/*" and v.status is Status.INCONCLUSIVE
        for v in verdicts
    )


def _exists(service: str) -> bool:
    from auditor.collect.aws import services

    return any(s.name == service for s in services())


def test_mutating_call_is_refused_before_it_is_sent(fake_aws: FakeAws) -> None:
    creds = fake_aws.auditor((CUSTOMER,))
    import boto3

    session = boto3.Session(
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        region_name="us-east-1",
    )
    svc = AwsService(name="ec2-test", client="ec2", scope="regional", actions=(), collect=print)
    ctx = AwsContext(
        session=session,
        account=CUSTOMER,
        region="us-east-1",
        client_region="us-east-1",
        service=svc,
        sink=Sink(),
    )
    with pytest.raises(MutatingCallRefused, match="ec2:CreateVpc"):
        ctx.client().create_vpc(CidrBlock="10.99.0.0/16")
    vpcs = fake_aws.session(CUSTOMER).client("ec2").describe_vpcs()["Vpcs"]
    assert "10.99.0.0/16" not in {v["CidrBlock"] for v in vpcs}


@pytest.mark.parametrize(
    ("service", "op", "ok"),
    [
        ("ec2", "DescribeVpcs", True),
        ("s3", "GetBucketPolicy", True),
        ("sts", "AssumeRole", True),
        ("s3", "PutBucketPolicy", False),
        ("iam", "CreateRole", False),
        ("kms", "ScheduleKeyDeletion", False),
        ("ec2", "ModifySnapshotAttribute", False),
    ],
)
def test_read_verbs(service: str, op: str, ok: bool) -> None:
    assert is_read_operation(service, op) is ok


def test_every_declared_collector_action_is_a_read() -> None:
    from auditor.collect.aws import services

    for svc in services():
        for action in svc.actions:
            prefix, _, op = action.partition(":")
            assert is_read_operation(prefix, op), f"{svc.name} declares non-read {action}"
