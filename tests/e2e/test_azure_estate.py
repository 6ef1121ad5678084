"""End to end: the azure-kafka estate scanned through the real Azure SDKs, held to its README.

The estate (``fixtures/azure-kafka/estate.yaml``) is served by the fake Azure
over HTTPS and collected by ``collect_azure`` (ResourceManagementClient and
ResourceGraphClient, small pages); every rule of the default pack judges it
against ``fixtures/azure-kafka/boundary.yaml``.

- Every planted violation in the README table yields its expected verdict.
- No verdict is anything but PASS unless a README table (planted violations,
  expected INCONCLUSIVE, expected NOT_APPLICABLE) explains it.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_server import AzureFake
from auditor.model import Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka"
README = ESTATE / "README.md"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def verdicts() -> list[Verdict]:
    with AzureFake(ESTATE / "estate.yaml", page_size=7) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1, S2),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
    assert result.gaps == []
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    decl = load_declaration(ESTATE / "boundary.yaml")
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


@dataclass(frozen=True)
class Expected:
    rule: str
    selector: str
    status: Status


_ROW = re.compile(r"^\|\s*\d+\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|")


def _table(heading: str) -> list[Expected]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    assert start is not None, f"{README} has no heading {heading!r}"
    rows: list[Expected] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if m := _ROW.match(line):
            rows.append(Expected(m.group(1), m.group(2), Status(m.group(3))))
    assert rows, f"the table under {heading!r} in {README} is empty"
    return rows


def _hits(e: Expected, vs: list[Verdict]) -> list[Verdict]:
    return [v for v in vs if v.rule == e.rule and fnmatch.fnmatchcase(v.resource, e.selector)]


PLANTED = "## Planted violations"
EXPLAINED = (PLANTED, "## Expected INCONCLUSIVE verdicts", "## Expected NOT_APPLICABLE verdicts")


def test_planted_violations_are_caught(verdicts: list[Verdict]) -> None:
    problems = []
    for e in _table(PLANTED):
        found = _hits(e, verdicts)
        if not any(v.status is e.status for v in found):
            got = ", ".join(f"{v.status.value} {v.resource}" for v in found) or "no verdict"
            problems.append(f"{e.rule} on {e.selector}: expected {e.status.value}, got {got}")
    assert not problems, "planted violations not caught:\n" + "\n".join(problems)


def test_every_table_row_matches_a_verdict(verdicts: list[Verdict]) -> None:
    stale = [
        f"{e.status.value} {e.rule} {e.selector}"
        for heading in EXPLAINED
        for e in _table(heading)
        if not any(v.status is e.status for v in _hits(e, verdicts))
    ]
    assert not stale, "README rows no verdict matches (remove or fix them):\n" + "\n".join(stale)


def test_everything_else_passes(verdicts: list[Verdict]) -> None:
    expected = [e for heading in EXPLAINED for e in _table(heading)]
    unexplained = [
        f"{v.status.value} {v.rule} {v.resource}: {v.message}"
        for v in verdicts
        if v.status is not Status.PASS
        and not any(
            e.rule == v.rule
            and e.status is v.status
            and fnmatch.fnmatchcase(v.resource, e.selector)
            for e in expected
        )
    ]
    assert not unexplained, "verdicts the README does not explain:\n" + "\n".join(unexplained)


def test_no_scope_wide_pass_speaks_for_an_azure_subscription_as_aws(
    verdicts: list[Verdict],
) -> None:
    wrong = [
        f"{v.rule} {v.resource}"
        for v in verdicts
        if v.status is Status.PASS and re.match(rf"scope:aws/({S1}|{S2})/", v.resource)
    ]
    assert not wrong
