"""The AWS fault matrix: every fault kind against a full scan of the demo estate.

The demo estate (2 accounts, 2 regions) sits behind the fault proxy; each row of
:data:`auditor.fakecloud.fault_matrix.ROWS` injects one fault kind aimed at a
service, operation, region or account, and the scan runs as ``auditor scan
--strict`` does (collect with real boto3, drills, rules, bundle, summary, exit
code). Against the clean scan of the same estate:

- a transient fault (throttling, 5xx, a slow, cut or garbled answer, fewer
  times than the attempts) is retried away: no gap and the very same verdicts;
- a persistent fault records a gap naming the operation; every verdict that
  changed became INCONCLUSIVE (none became PASS); the manifest says incomplete,
  the summary counts the gaps, and ``--strict`` exits 3;
- no scan outlives :data:`~auditor.fakecloud.fault_matrix.ROW_BOUND` (nothing
  loops: repeating and cycling page tokens end in a gap).

The transient rows share one scan (bar the slow answer, which needs a short
read timeout); ``bench/fault_matrix.py`` runs every row alone and prints the
figures quoted in docs/security.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import EXIT_INCOMPLETE, main
from auditor.fakecloud.fault_matrix import (
    FAIL_ON,
    READ_TIMEOUT,
    ROW_BOUND,
    ROWS,
    MatrixEstate,
    Row,
    ScanOutcome,
    judge,
    matrix_estate,
)
from auditor.fakecloud.faults import Fault
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Status

pytestmark = pytest.mark.e2e

TRANSIENT = [r for r in ROWS if r.recovers]
PERSISTENT = [r for r in ROWS if not r.recovers]


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[MatrixEstate]:
    moto_server.reset()
    with matrix_estate(moto_server.endpoint) as e:
        yield e


@pytest.fixture(scope="module")
def clean(estate: MatrixEstate) -> ScanOutcome:
    return estate.scan()


def _statuses(outcome: ScanOutcome) -> dict[tuple[str, str], Status]:
    return {(v.rule, v.resource): v.status for v in outcome.verdicts}


def test_the_clean_scan_is_complete(clean: ScanOutcome) -> None:
    assert clean.inventory.gaps == ()
    assert clean.manifest["complete"] is True
    assert "collection complete: no gaps" in clean.summary
    statuses = set(_statuses(clean).values())
    assert {Status.PASS, Status.FAIL} <= statuses and Status.INCONCLUSIVE not in statuses
    assert clean.exit_code == 0  # no FAIL at or above FAIL_ON, no gap: --strict is satisfied


def test_the_matrix_covers_every_fault_kind() -> None:
    kinds = {f.kind for r in ROWS for f in r.faults}
    assert kinds == {
        "error",
        "delay",
        "truncate",
        "malformed",
        "empty",
        "repeat-token",
        "cycle-token",
        "drop-field",
    }
    codes = {f.code for r in ROWS for f in r.faults if f.kind == "error"}
    assert {
        "TooManyRequestsException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalError",
        "ServiceUnavailable",
        "AccessDenied",
        "ExpiredToken",
    } <= codes
    assert any(f.status == 429 for r in ROWS for f in r.faults)
    targets = [f for r in ROWS for f in r.faults]
    assert any(f.region != "*" for f in targets) and any(f.account != "*" for f in targets)
    assert {r.recovers for r in ROWS} == {True, False}


def test_transient_faults_are_retried_away(estate: MatrixEstate, clean: ScanOutcome) -> None:
    faults = tuple(f for r in TRANSIENT if r.read_timeout == READ_TIMEOUT for f in r.faults)
    assert len(faults) >= 6
    out = estate.scan(faults)
    assert out.injected >= len(faults)
    assert out.inventory.gaps == ()
    assert _statuses(out) == _statuses(clean)
    assert out.exit_code == clean.exit_code
    assert out.manifest["complete"] is True
    assert out.seconds < ROW_BOUND


@pytest.mark.parametrize(
    "row", [r for r in TRANSIENT if r.read_timeout != READ_TIMEOUT], ids=lambda r: r.id
)
def test_a_slow_answer_once_is_retried_away(
    estate: MatrixEstate, clean: ScanOutcome, row: Row
) -> None:
    out = estate.scan(row.faults, row.read_timeout)
    assert out.injected >= 1
    assert out.inventory.gaps == ()
    assert _statuses(out) == _statuses(clean)


@pytest.mark.parametrize("row", PERSISTENT, ids=lambda r: r.id)
def test_a_persistent_fault_is_a_gap_and_never_a_pass(
    estate: MatrixEstate, clean: ScanOutcome, row: Row
) -> None:
    out = estate.scan(row.faults, row.read_timeout)
    assert out.seconds < ROW_BOUND
    assert out.injected >= 1
    gaps = out.inventory.gaps
    assert gaps, "a persistent fault must leave a recorded gap"
    assert all(g.operation for g in gaps)
    if row.operation:
        assert row.operation in {g.operation for g in gaps}
    for fault in row.faults:  # the gaps stay where the fault was aimed
        if fault.account != "*":
            assert {g.account for g in gaps} == {fault.account}
        if fault.region != "*":
            assert {g.region for g in gaps} == {fault.region}
    result = judge(row, clean, out)
    assert result.false_pass == (), "a fault produced a PASS the clean scan did not give"
    assert result.not_inconclusive == (), "a changed verdict must become INCONCLUSIVE"
    assert result.became_inconclusive > 0, "the verdicts that depend on the gap"
    assert out.manifest["complete"] is False
    assert len(out.manifest["gaps"]) == len(gaps)
    assert f"{len(gaps)} collection gap(s)" in out.summary
    assert out.exit_code == EXIT_INCOMPLETE


def test_strict_scan_through_the_cli_exits_3_on_a_fault(
    estate: MatrixEstate, tmp_path: Path
) -> None:
    """The same wiring through ``auditor scan --strict``: summary and exit code."""
    estate.proxy.inject(Fault(service="s3", operation="GetBucketPolicy"))
    env = {
        "AWS_ENDPOINT_URL": estate.proxy.endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        **estate.credentials.env(),
    }
    try:
        result = CliRunner().invoke(
            main,
            [
                "scan",
                "--boundary",
                str(estate.declaration_path),
                "--rules",
                str(estate.pack_path),
                "--assume-role",
                AUDITOR_ROLE,
                "--out",
                str(tmp_path),
                "--strict",
                "--fail-on",
                FAIL_ON,
            ],
            env=env,
        )
    finally:
        estate.proxy.inject()
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    assert "collection gap(s)" in result.output
    assert "Traceback" not in result.output


def test_an_answer_that_cannot_be_normalised_leaves_its_unit_uncovered(
    estate: MatrixEstate, clean: ScanOutcome
) -> None:
    """The unit is a gap and not "collected": no rule may read it as "read and found none"."""
    row = next(r for r in ROWS if r.id == "answer-without-a-field")
    out = estate.scan(row.faults)
    gaps = [g for g in out.inventory.gaps if g.error_code == "MalformedResponse"]
    assert gaps and {g.region for g in gaps} == {"us-west-2"}
    for g in gaps:
        unit = (g.account, g.region, g.service)
        assert unit in {(u.account, u.region, u.service) for u in clean.inventory.collected}
        assert unit not in {(u.account, u.region, u.service) for u in out.inventory.collected}
    assert len(out.inventory.collected) == len(clean.inventory.collected) - len(gaps)

    def west_networks(o: ScanOutcome) -> list[str]:
        return [
            r.id for r in o.inventory.resources if r.kind == "network" and r.region == "us-west-2"
        ]

    assert west_networks(clean) and not west_networks(out)
