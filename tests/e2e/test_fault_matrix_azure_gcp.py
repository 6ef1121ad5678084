"""The fault matrix for Azure and GCP: the same fault kinds as AWS's, through the real SDKs.

Azure (``ResourceManagementClient`` and ``ResourceGraphClient`` over HTTPS) and
GCP (``AssetServiceClient`` over REST) scan their fixture estates behind the
fakes' fault hooks. For each fault kind (HTTP 429, 5xx, 403, a malformed 2xx
body, a page token that repeats):

- once (transient), with the SDK's own retries on: the scan recovers, no gap
  and the very same verdicts as the clean scan;
- always (persistent): a gap naming the operation, every changed verdict
  INCONCLUSIVE and none PASS;
- no scan outlives :data:`BOUND` seconds (a repeating token or ``nextLink``
  ends in a gap, not a loop).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import Declaration, load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.azure_server import AzureFake, AzureFault, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Gap, Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.gcp_helpers import ESTATE as GCP_ESTATE
from tests.gcp_helpers import PROJECT
from tests.gcp_helpers import declaration as gcp_declaration

pytestmark = pytest.mark.e2e

BOUND = 60.0
TODAY = dt.date(2026, 11, 29)
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"


def _bounded(fn: Callable[[], Any]) -> Any:
    pool = ThreadPoolExecutor(max_workers=1)
    started = time.monotonic()
    try:
        result = pool.submit(fn).result(timeout=BOUND)
    finally:
        pool.shutdown(wait=False)
    assert time.monotonic() - started < BOUND
    return result


def _statuses(verdicts: list[Verdict]) -> dict[tuple[str, str], Status]:
    return {(v.rule, v.resource): v.status for v in verdicts}


def _check_gap_never_pass(
    gaps: list[Gap], operation: str, clean: list[Verdict], faulted: list[Verdict]
) -> None:
    assert operation in {g.operation for g in gaps}, [(g.operation, g.error_code) for g in gaps]
    before, after = _statuses(clean), _statuses(faulted)
    new_pass = [
        k for k, s in after.items() if s is Status.PASS and before.get(k) is not Status.PASS
    ]
    assert new_pass == [], [
        (k, before.get(k), [v.message for v in faulted if (v.rule, v.resource) == k])
        for k in new_pass
    ]
    changed = {k: s for k, s in after.items() if before.get(k) is not s}
    assert changed, "the verdicts that depend on the gap must change"
    assert set(changed.values()) == {Status.INCONCLUSIVE}


# ---- Azure ---------------------------------------------------------------------------------

AZURE_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka"
GRAPH_OP = "resources"
"""The operation name of the Resource Graph query for the ``resources`` table."""


@pytest.fixture(scope="module")
def azure_decl() -> Declaration:
    return load_declaration(AZURE_FIXTURE / "boundary.yaml")


@pytest.fixture(scope="module")
def azure() -> Iterator[AzureFake]:
    with AzureFake(load_estate(AZURE_FIXTURE / "estate.yaml"), page_size=5) as fake:
        yield fake


def _azure_scan(fake: AzureFake, decl: Declaration) -> tuple[list[Gap], list[Verdict]]:
    opts = AzureScanOptions(
        subscriptions=(S1, S2),
        base_url=fake.base_url,
        credential=fake.credential(),
        connection_verify=fake.ca_path,
        retry_total=2,
    )
    result = _bounded(lambda: collect_azure(opts))
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    return list(result.gaps), evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


@pytest.fixture(scope="module")
def azure_clean(azure: AzureFake, azure_decl: Declaration) -> list[Verdict]:
    azure.clear_faults()
    gaps, verdicts = _azure_scan(azure, azure_decl)
    assert gaps == []
    return verdicts


GRAPH = '"resources |'
AZURE_ROWS = [
    ("429", AzureFault(path="resourcegraph", status=429, code="RateLimiting", body_contains=GRAPH)),
    ("500", AzureFault(path="resourcegraph", status=500, body_contains=GRAPH)),
    (
        "503",
        AzureFault(
            path="resourcegraph", status=503, code="ServiceUnavailable", body_contains=GRAPH
        ),
    ),
    (
        "403",
        AzureFault(
            path="resourcegraph", status=403, code="AuthorizationFailed", body_contains=GRAPH
        ),
    ),
    (
        "malformed",
        AzureFault(path="resourcegraph", status=200, body=b"<html>oops {", body_contains=GRAPH),
    ),
]


@pytest.mark.parametrize(("name", "fault"), AZURE_ROWS, ids=[r[0] for r in AZURE_ROWS])
def test_azure_persistent_fault_is_a_gap_never_a_pass(
    azure: AzureFake,
    azure_decl: Declaration,
    azure_clean: list[Verdict],
    name: str,
    fault: AzureFault,
) -> None:
    azure.clear_faults()
    azure.add_fault(fault)
    try:
        gaps, verdicts = _azure_scan(azure, azure_decl)
    finally:
        azure.clear_faults()
    ops = {g.operation for g in gaps}
    op = next(o for o in ops if GRAPH_OP in o)
    _check_gap_never_pass(gaps, op, azure_clean, verdicts)


@pytest.mark.parametrize(
    ("name", "fault"),
    [r for r in AZURE_ROWS if r[0] in ("429", "500", "503")],
    ids=["429", "500", "503"],
)
def test_azure_transient_fault_is_retried_away(
    azure: AzureFake,
    azure_decl: Declaration,
    azure_clean: list[Verdict],
    name: str,
    fault: AzureFault,
) -> None:
    azure.clear_faults()
    azure.add_fault(AzureFault(**{**fault.__dict__, "times": 1}))
    try:
        gaps, verdicts = _azure_scan(azure, azure_decl)
    finally:
        azure.clear_faults()
    assert gaps == []
    assert _statuses(verdicts) == _statuses(azure_clean)


def test_azure_repeating_skip_token_ends_in_a_gap(
    azure: AzureFake, azure_decl: Declaration, azure_clean: list[Verdict]
) -> None:
    page = {
        "count": 1,
        "data": [],
        "$skipToken": "fault-token",
        "totalRecords": 99,
        "resultTruncated": "false",
    }
    azure.add_fault(
        AzureFault(
            path="resourcegraph", status=200, body=json.dumps(page).encode(), body_contains=GRAPH
        )
    )
    try:
        gaps, verdicts = _azure_scan(azure, azure_decl)
    finally:
        azure.clear_faults()
    assert "RepeatedPageToken" in {g.error_code for g in gaps}
    op = next(g.operation for g in gaps if g.error_code == "RepeatedPageToken")
    _check_gap_never_pass(gaps, op, azure_clean, verdicts)


def test_azure_repeating_next_link_ends_in_a_gap(azure: AzureFake, azure_decl: Declaration) -> None:
    link = f"{azure.base_url}/subscriptions/{S2}/resourcegroups?api-version=2022-09-01&$skiptoken=1"
    page = {"value": [], "nextLink": link}
    azure.add_fault(
        AzureFault(
            path=f"/subscriptions/{S2}/resourcegroups", status=200, body=json.dumps(page).encode()
        )
    )
    try:
        gaps, _ = _azure_scan(azure, azure_decl)
    finally:
        azure.clear_faults()
    assert ("ResourceGroups.List", S2) in {(g.operation, g.account) for g in gaps}


# ---- GCP -----------------------------------------------------------------------------------

RESOURCES = "contentType=1"
IAM = "contentType=2"


@pytest.fixture(scope="module")
def gcp() -> Iterator[GcpFake]:
    with GcpFake(GCP_ESTATE, page_size=4) as fake:
        yield fake


def _gcp_scan(fake: GcpFake, retry: Any) -> tuple[list[Gap], list[Verdict]]:
    opts = GcpScanOptions(
        projects=(PROJECT,),
        api_endpoint=fake.endpoint,
        credentials=fake.credentials(),
        timeout=10.0,
        page_size=4,
        max_workers=4,
        **({} if retry == "default" else {"retry": retry}),
    )
    result = _bounded(lambda: collect_gcp(opts))
    inv: Inventory = normalize(
        result.records,
        scope=Scope(accounts=(PROJECT,), regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )
    verdicts = evaluate_inventory(inv, gcp_declaration(), load_pack("default"), TODAY).verdicts
    return list(result.gaps), verdicts


def _fast_retry() -> Any:
    from google.api_core import exceptions, retry

    return retry.Retry(
        predicate=retry.if_exception_type(
            exceptions.TooManyRequests,
            exceptions.InternalServerError,
            exceptions.ServiceUnavailable,
        ),
        initial=0.05,
        maximum=0.2,
        timeout=10.0,
    )


@pytest.fixture(scope="module")
def gcp_clean(gcp: GcpFake) -> list[Verdict]:
    gcp.clear_faults()
    gaps, verdicts = _gcp_scan(gcp, None)
    assert gaps == []
    return verdicts


GCP_ROWS = [
    ("429", IAM, 429, None),
    ("500", IAM, 500, None),
    ("503", RESOURCES, 503, None),
    ("403", RESOURCES, 403, None),
    ("malformed", RESOURCES, 200, "{this is not json"),
]


@pytest.mark.parametrize(
    ("name", "match", "status", "body"), GCP_ROWS, ids=[r[0] for r in GCP_ROWS]
)
def test_gcp_persistent_fault_is_a_gap_never_a_pass(
    gcp: GcpFake, gcp_clean: list[Verdict], name: str, match: str, status: int, body: str | None
) -> None:
    gcp.clear_faults()
    gcp.fail(match, status=status, body=body)
    try:
        gaps, verdicts = _gcp_scan(gcp, _fast_retry())
    finally:
        gcp.clear_faults()
    op = "cloudasset.assets.listIamPolicy" if match == IAM else "cloudasset.assets.listResource"
    _check_gap_never_pass(gaps, op, gcp_clean, verdicts)


@pytest.mark.parametrize(
    ("name", "match", "status"), [("429", IAM, 429), ("500", IAM, 500), ("503", RESOURCES, 503)]
)
def test_gcp_transient_fault_is_retried_away(
    gcp: GcpFake, gcp_clean: list[Verdict], name: str, match: str, status: int
) -> None:
    gcp.clear_faults()
    gcp.fail(match, status=status, times=1)
    try:
        gaps, verdicts = _gcp_scan(gcp, _fast_retry())
    finally:
        gcp.clear_faults()
    assert gaps == []
    assert _statuses(verdicts) == _statuses(gcp_clean)


def test_gcp_repeating_page_token_ends_in_a_gap(gcp: GcpFake, gcp_clean: list[Verdict]) -> None:
    gcp.repeat_page_token(RESOURCES)
    try:
        gaps, verdicts = _gcp_scan(gcp, None)
    finally:
        gcp.clear_faults()
    assert {g.error_code for g in gaps} == {"RepeatedPageToken"}
    _check_gap_never_pass(gaps, "cloudasset.assets.listResource", gcp_clean, verdicts)
