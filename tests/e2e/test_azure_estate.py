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
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_server import AzureFake
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.estate_readme import EstateReadme, assert_one_finding_per_misconfiguration

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka"
README = ESTATE / "README.md"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)


@dataclass(frozen=True, kw_only=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


@pytest.fixture(scope="module")
def scan() -> Scan:
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
    return Scan(
        inventory=inv, verdicts=evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts
    )


TABLES = EstateReadme(path=README)


def test_planted_violations_are_caught(scan: Scan) -> None:
    problems = TABLES.uncaught(scan.verdicts, scan.inventory)
    assert not problems, "planted violations not caught:\n" + "\n".join(problems)


def test_every_table_row_matches_a_verdict(scan: Scan) -> None:
    stale = TABLES.stale(scan.verdicts, scan.inventory)
    assert not stale, "README rows no verdict matches (remove or fix them):\n" + "\n".join(stale)


def test_everything_else_passes(scan: Scan) -> None:
    unexplained = TABLES.unexplained(scan.verdicts, scan.inventory)
    assert not unexplained, "verdicts the README does not explain:\n" + "\n".join(unexplained)


def test_each_planted_misconfiguration_is_one_finding(scan: Scan) -> None:
    assert_one_finding_per_misconfiguration(TABLES, scan.verdicts, scan.inventory)


def test_no_scope_wide_pass_speaks_for_an_azure_subscription_as_aws(scan: Scan) -> None:
    wrong = [
        f"{v.rule} {v.resource}"
        for v in scan.verdicts
        if v.status is Status.PASS and re.match(rf"scope:aws/({S1}|{S2})/", v.resource)
    ]
    assert not wrong
