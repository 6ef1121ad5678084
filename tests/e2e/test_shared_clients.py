"""One SDK client per (account, service, region) for a whole scan, with calls still counted
per unit: the demo's AWS estate scanned over moto through a recording proxy."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.collect.aws import services
from auditor.collect.aws.msk import LISTING
from auditor.collect.aws_clients import AwsClients, UnattributedCall, counted_by
from auditor.collect.aws_context import Sink
from auditor.collect.runner import AwsScanOptions, CollectionResult, collect_aws
from auditor.collect.threads import thread_pool
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.faults import FaultProxy
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from auditor.fakecloud.moto_server import MotoServer
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "kafka-byoc-aws" / "estate.yaml"
ACCOUNTS = (CUSTOMER, CUSTOMER_2)
REGIONS = ("us-east-1", "us-west-2")
SHARED = f"kafka:{LISTING}"
"""The one listing several units of an account-region make once (counted by whichever
unit made it): compared summed over the account-region."""

UnitCalls = dict[tuple[str, str, str], Counter[str]]


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    p = FaultProxy(moto_server.endpoint)
    p.start()
    old = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = p.endpoint
    try:
        yield p
    finally:
        os.environ["AWS_ENDPOINT_URL"] = old
        p.stop()


def _scan(
    creds: AuditorCredentials, proxy: FaultProxy, folder: Path, workers: int
) -> tuple[CollectionResult, UnitCalls, Counter[tuple[str, str, str]]]:
    """Scan the estate; its result, each unit's calls (from its checkpoint file) and the
    requests the proxy saw per (account, signing name, region)."""
    proxy.learn(creds.access_key_id, creds.account)
    proxy.requests.clear()
    old = {k: os.environ.get(k) for k in creds.env()}
    os.environ.update(creds.env())
    try:
        result = collect_aws(
            AwsScanOptions(
                accounts=ACCOUNTS,
                regions=REGIONS,
                assume_role=AUDITOR_ROLE,
                max_attempts=1,
                max_workers=workers,
                per_region_workers=min(4, workers),
                checkpoint=folder,
            ),
            keep_records=False,
        )
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert result.checkpoint is not None
    per_unit: UnitCalls = {}
    for u in result.units:
        saved = result.checkpoint.load((u.account, u.region, u.service))
        assert saved is not None, u
        per_unit[(u.account, u.region, u.service)] = Counter(saved.calls)
    result.checkpoint.remove()
    wire: Counter[tuple[str, str, str]] = Counter()
    for (account, region, service, _, _), n in proxy.requests.items():
        wire[(account, service, region)] += n
    return result, per_unit, wire


def _signing_names() -> dict[str, str]:
    """Endpoint prefix (as clients are counted) -> SigV4 signing name (as the wire shows)."""
    import botocore.session

    session = botocore.session.get_session()
    out: dict[str, str] = {}
    for name in {s.client for s in services()} | {"sts"}:
        model = session.get_service_model(name)
        out[model.endpoint_prefix] = model.signing_name or model.endpoint_prefix
    return out


def _folded(per_unit: UnitCalls) -> Counter[tuple[str, ...]]:
    """Every unit's calls, the shared listing's summed over its account-region."""
    out: Counter[tuple[str, ...]] = Counter()
    for (account, region, service), calls in per_unit.items():
        for op, n in calls.items():
            out[(account, region, op) if op == SHARED else (account, region, service, op)] += n
    return out


def test_one_client_per_account_service_region_and_calls_counted_per_unit(
    fake_aws: FakeAws, proxy: FaultProxy, tmp_path: Path
) -> None:
    apply_estate(ESTATE)
    creds = fake_aws.auditor(ACCOUNTS)
    result, per_unit, wire = _scan(creds, proxy, tmp_path / "shared", workers=16)
    assert not result.gaps, result.gaps
    assert len(result.units) > 30  # every collector in both accounts and regions ran

    # One client per (account, service, region), and only for triples the scan used.
    built = result.pacer.clients
    assert all(len(seconds) == 1 for seconds in built.values()), built
    signing = _signing_names()
    built_triples = {(a, signing[prefix], r) for a, r, prefix in built}
    assert len(built) == len(built_triples) == len(set(wire)), (built_triples, set(wire))
    assert built_triples == set(wire)

    # Every request on the wire is counted once: the units' counts plus the runner's own.
    counted: Counter[str] = Counter(result.api_calls)
    on_wire: Counter[str] = Counter()
    for (_, _, service, operation, _), n in proxy.requests.items():
        prefix = next(p for p, s in signing.items() if s == service)
        on_wire[f"{prefix}:{operation}"] += n
    assert counted == on_wire

    # Each unit counts only calls to the services its collector declares actions on
    # (and the AssumeRole that entered its account, when it was the first to need it).
    declared = {s.name: {a.split(":")[0] for a in s.actions} for s in services()}
    for (_, _, service), calls in per_unit.items():
        foreign = {
            op
            for op in calls
            if op.split(":")[0] not in declared[service] and op != "sts:AssumeRole"
        }
        assert not foreign, (service, foreign)

    # The same scan with one unit at a time (nothing shares a client while it calls)
    # counts every unit's calls alike.
    _, alone, _ = _scan(creds, proxy, tmp_path / "alone", workers=1)
    assert _folded(alone) == _folded(per_unit)


def test_a_shared_client_counts_into_the_unit_calling_and_refuses_an_unclaimed_call(
    fake_aws: FakeAws,
) -> None:
    clients = AwsClients()
    session = fake_aws.session(CUSTOMER)
    ec2 = clients.get(session, account=CUSTOMER, service="ec2", region="us-east-1")
    assert clients.get(session, account=CUSTOMER, service="ec2", region="us-east-1") is ec2
    first, second = Sink(), Sink()
    with pytest.raises(UnattributedCall, match="ec2:DescribeVpcs"):
        ec2.describe_vpcs()
    with counted_by(first.count):
        ec2.describe_vpcs()
        with thread_pool(4) as pool:  # threads a unit starts count as the unit
            list(pool.map(lambda _: ec2.describe_subnets(), range(3)))
        with counted_by(second.count):
            ec2.describe_vpcs()
        ec2.describe_vpcs()
    assert first.calls == Counter({"ec2:DescribeVpcs": 2, "ec2:DescribeSubnets": 3})
    assert second.calls == Counter({"ec2:DescribeVpcs": 1})
    assert clients.built == [(CUSTOMER, "ec2", "us-east-1")]
