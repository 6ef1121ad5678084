"""No AWS call is made twice in a scan (issue #9: API calls made vs the minimum).

The demo estate (2 accounts, 2 regions, MSK clusters, IAM roles and users) is
scanned through the fault proxy, which logs every request it receives: its
account, region, service, operation and what it asked (method, path, body).
The same key twice is the same listing, or the same page of it, made twice.
The ``msk`` and ``msk-policy`` collectors both need the cluster listing: it
is made once per account-region, and its failure stays a gap of both; a
failed policy read stays a gap of ``msk-policy`` alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from auditor.fakecloud.fault_matrix import MatrixEstate, ScanOutcome, matrix_estate
from auditor.fakecloud.faults import Fault
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Kind

pytestmark = pytest.mark.e2e

Requests = Counter[tuple[str, str, str, str, str]]

KNOWN_REPEATS = {("sts", "GetCallerIdentity"): 2}
"""Calls still made twice, at most this often: the runner learns who the credentials
are, and the ``sts`` collector records the same identity in the caller's own
account (the runner does not hand its answer to the unit)."""


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[MatrixEstate]:
    moto_server.reset()
    with matrix_estate(moto_server.endpoint) as e:
        yield e


def _scan(estate: MatrixEstate, *faults: Fault) -> tuple[ScanOutcome, Requests]:
    """One scan with ``faults`` and the requests it sent."""
    before = Counter(estate.proxy.requests)
    outcome = estate.scan(faults)
    return outcome, estate.proxy.requests - before


def _places(outcome: ScanOutcome) -> set[tuple[str, str]]:
    return {
        (a, r) for a in outcome.inventory.scope.accounts for r in outcome.inventory.scope.regions
    }


@pytest.fixture(scope="module")
def clean(estate: MatrixEstate) -> tuple[ScanOutcome, Requests]:
    return _scan(estate)


def test_no_request_is_sent_twice(clean: tuple[ScanOutcome, Requests]) -> None:
    outcome, sent = clean
    assert outcome.inventory.gaps == ()
    repeated = sorted(
        f"{n}x {a}/{r} {s}:{op} {asked[:120]}"
        for (a, r, s, op, asked), n in sent.items()
        if n > KNOWN_REPEATS.get((s, op), 1)
    )
    assert repeated == []


def test_one_listing_per_account_region(clean: tuple[ScanOutcome, Requests]) -> None:
    outcome, sent = clean
    places = _places(outcome)
    calls = outcome.inventory.api_calls
    assert len(places) == 4
    # No cluster listing has a second page here: one call per account-region.
    assert calls["kafka:ListClustersV2"] == len(places)
    listed = Counter((a, r) for (a, r, s, op, _) in sent if op == "ListClustersV2")
    assert listed == Counter(dict.fromkeys(places, 1))
    # One GetAccountAuthorizationDetails listing per account, every entity type at once.
    accounts = set(outcome.inventory.scope.accounts)
    assert calls["iam:GetAccountAuthorizationDetails"] == len(accounts)
    assert outcome.manifest["api_calls"]["iam:GetAccountAuthorizationDetails"] == len(accounts)
    # Both MSK collectors ran everywhere and read what they read before.
    for service in ("msk", "msk-policy"):
        assert all(outcome.inventory.was_collected(service, a, r) for a, r in places)
    clusters = [r for r in outcome.inventory.resources if r.kind == Kind.KAFKA_CLUSTER]
    assert clusters and all(r.attributes.get("policy_read") for r in clusters)
    assert sum(1 for k in sent if k[3] == "GetClusterPolicy") == len(clusters)


def test_a_failed_cluster_listing_is_a_gap_of_both_msk_collectors(
    estate: MatrixEstate, clean: tuple[ScanOutcome, Requests]
) -> None:
    outcome, sent = _scan(estate, Fault(service="kafka", operation="ListClustersV2"))
    gaps = {(g.account, g.region, g.service, g.operation) for g in outcome.inventory.gaps}
    assert gaps == {
        (a, r, s, "ListClustersV2")
        for a, r in _places(outcome)
        for s in ("msk", "msk-config", "msk-policy")
    }
    # Still one (refused) listing per account-region: the failure is shared, not retried.
    listed = Counter((a, r) for (a, r, s, op, _) in sent if op == "ListClustersV2")
    assert listed == Counter(dict.fromkeys(_places(outcome), 1))
    assert not [r for r in outcome.inventory.resources if r.kind == Kind.KAFKA_CLUSTER]


def test_a_failed_policy_read_is_a_gap_of_msk_policy_alone(
    estate: MatrixEstate, clean: tuple[ScanOutcome, Requests]
) -> None:
    outcome, _ = _scan(estate, Fault(service="kafka", operation="GetClusterPolicy"))
    assert outcome.inventory.gaps
    assert {(g.service, g.operation) for g in outcome.inventory.gaps} == {
        ("msk-policy", "GetClusterPolicy")
    }
    before = {r.id: r for r in clean[0].inventory.resources if r.kind == Kind.KAFKA_CLUSTER}
    after = {r.id: r for r in outcome.inventory.resources if r.kind == Kind.KAFKA_CLUSTER}
    assert sorted(after) == sorted(before)
    for rid, cluster in after.items():
        assert "policy_read" not in cluster.attributes  # unknown, not "no policy"
        expected = {
            k: v for k, v in before[rid].attributes.items() if k not in ("policy", "policy_read")
        }
        assert dict(cluster.attributes) == expected
