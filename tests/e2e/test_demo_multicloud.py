"""End to end: the kafka-byoc-multicloud demo estate (AWS + Azure + GCP) against a golden.

``auditor demo`` scans this estate by default. Here the same three fakes serve it:
moto (``aws.yaml``, which includes the kafka-byoc-aws estate), ``AzureFake``
(``azure.yaml``) and ``GcpFake`` (``gcp.yaml``); one ``collect_inventory`` reads
all three through the real boto3, Azure and Google clients, and every rule judges
the result against ``fixtures/kafka-byoc-multicloud/boundary.yaml``.

- The (rule, resource, status) triples must equal
  ``tests/golden/kafka-byoc-multicloud.verdicts.json`` (moto ids seeded, MSK ids
  masked as in ``test_demo_estate``); ``UPDATE_GOLDEN=1`` rewrites it, a missing
  golden fails.
- Every README table row matches a verdict, and no verdict but PASS goes
  unexplained by the README's tables.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.collect.azure import AzureScanOptions
from auditor.collect.gcp import GcpScanOptions
from auditor.collect.runner import AwsScanOptions
from auditor.evidence.drills import with_drills
from auditor.fakecloud.azure_server import AzureFake
from auditor.fakecloud.demo import estate_files
from auditor.fakecloud.estate import apply_estate, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, Status, Verdict
from auditor.pipeline import ScanTargets, collect_inventory
from tests.conftest import FakeAws
from tests.e2e.test_demo_estate import ACCOUNTS, AS_OF, REGIONS, SEED, _mask, _warm_up
from tests.helpers import run_rules

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "kafka-byoc-multicloud"
README = ESTATE / "README.md"
GOLDEN = ROOT / "tests" / "golden" / "kafka-byoc-multicloud.verdicts.json"
SUBSCRIPTIONS = ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222")
PROJECTS = ("orders-prod",)


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan(fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> Scan:
    """Apply, collect all three clouds and evaluate once per session."""
    if "scan" not in _SCAN:
        _warm_up(fake_aws)
        req = urllib.request.Request(
            f"{fake_aws.server.endpoint}/moto-api/seed?a={SEED}", method="POST"
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
        apply_estate(ESTATE / "aws.yaml")
        for key, value in fake_aws.auditor(ACCOUNTS).env().items():
            monkeypatch.setenv(key, value)
        decl_path = ESTATE / "boundary.yaml"
        decl = load_declaration(decl_path)
        with (
            AzureFake(ESTATE / "azure.yaml", page_size=50) as azure,
            GcpFake(ESTATE / "gcp.yaml", page_size=50) as gcp,
        ):
            targets = ScanTargets(
                aws=AwsScanOptions(
                    accounts=ACCOUNTS,
                    regions=REGIONS,
                    assume_role=AUDITOR_ROLE,
                    max_attempts=1,
                    max_workers=8,
                ),
                azure=AzureScanOptions(
                    subscriptions=SUBSCRIPTIONS,
                    base_url=azure.base_url,
                    credential=azure.credential(),
                    connection_verify=azure.ca_path,
                    retry_total=0,
                ),
                gcp=GcpScanOptions(
                    projects=PROJECTS,
                    api_endpoint=gcp.endpoint,
                    credentials=gcp.credentials(),
                    retry=None,
                ),
                regions={c: tuple(sorted(decl.regions_of(c))) for c in ("azure", "gcp")},
            )
            inventory = collect_inventory(targets)
        inventory = with_drills(inventory, decl, decl_path, AS_OF)
        _SCAN["scan"] = Scan(
            inventory=inventory, verdicts=run_rules(inventory, decl, today=AS_OF.date())
        )
    return _SCAN["scan"]


def test_the_fixture_names_its_fakes_and_reuses_the_aws_estate() -> None:
    files = estate_files(ESTATE, load_declaration(ESTATE / "boundary.yaml"))
    assert files == {c: ESTATE / f"{c}.yaml" for c in ("aws", "azure", "gcp")}
    aws_only = load_estate(ROOT / "fixtures" / "kafka-byoc-aws" / "estate.yaml")
    assert load_estate(ESTATE / "aws.yaml") == aws_only


def test_collection_is_complete(scan: Scan) -> None:
    assert not scan.inventory.gaps, scan.inventory.gaps
    assert scan.inventory.scope.cloud == "aws+azure+gcp"


def test_the_scan_holds_all_three_clouds(scan: Scan) -> None:
    clouds = {r.cloud for r in scan.inventory.resources if not r.attributes.get("stub")}
    assert {"aws", "azure", "gcp"} <= clouds
    clusters = {r.cloud for r in scan.inventory.resources if r.kind == "kafka_cluster"}
    assert clusters == {"aws", "azure", "gcp"}  # MSK, Event Hubs, Managed Kafka


def _triples(verdicts: list[Verdict]) -> list[dict[str, str]]:
    rows = {(v.rule, _mask(v.resource), v.status.value) for v in verdicts}
    return [{"rule": r, "resource": res, "status": s} for r, res, s in sorted(rows)]


def _render(rows: list[dict[str, str]]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    doc = {
        "estate": "kafka-byoc-multicloud",
        "declaration": "fixtures/kafka-byoc-multicloud/boundary.yaml",
        "accounts": [*ACCOUNTS, *SUBSCRIPTIONS, *PROJECTS],
        "counts": dict(sorted(counts.items())),
        "verdicts": rows,
    }
    return json.dumps(doc, indent=2) + "\n"


def test_verdicts_match_golden(scan: Scan) -> None:
    rows = _triples(scan.verdicts)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(_render(rows), encoding="utf-8")
        return
    assert GOLDEN.exists(), f"{GOLDEN} is missing: run with UPDATE_GOLDEN=1 and review it"
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))["verdicts"]
    got_set = {(r["rule"], r["resource"], r["status"]) for r in rows}
    want_set = {(r["rule"], r["resource"], r["status"]) for r in want}
    missing, extra = sorted(want_set - got_set), sorted(got_set - want_set)
    assert not missing and not extra, (
        "verdicts differ from the golden (UPDATE_GOLDEN=1 rewrites it):\n"
        + "".join(f"  - {m}\n" for m in missing)
        + "".join(f"  + {e}\n" for e in extra)
    )


# --- the README's tables ------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    rule: str
    selector: str
    status: Status


_ROW = re.compile(r"^\|\s*\d+\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|")
PLANTED = "## Planted violations"
EXPLAINED = (PLANTED, "## Expected INCONCLUSIVE verdicts", "## Expected NOT_APPLICABLE verdicts")


def _table(heading: str) -> list[Expected]:
    """Rows ``| n | `rule` | `selector` | STATUS | ... |`` under ``heading``."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    assert start is not None, f"{README} has no heading {heading!r}"
    rows: list[Expected] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if m := _ROW.match(line):
            rows.append(Expected(m.group(1), m.group(2), Status(m.group(3))))
    assert rows, f"the table under {heading!r} in {README} is empty"
    return rows


def _targets(selector: str, inventory: Inventory) -> set[str]:
    """``kind:name`` names collected resources by kind and name; else an id or a glob."""
    kind, sep, name = selector.partition(":")
    if sep and kind.isidentifier() and not selector.startswith(("arn:", "scope:", "dns:")):
        ids = {r.id for r in inventory.resources if r.kind == kind and r.name == name}
        assert ids, f"no collected {kind} is named {name!r}"
        return ids
    return {selector}


def _hits(e: Expected, scan: Scan) -> list[Verdict]:
    targets = _targets(e.selector, scan.inventory)
    return [
        v
        for v in scan.verdicts
        if v.rule == e.rule and any(fnmatch.fnmatchcase(v.resource, t) for t in targets)
    ]


def test_planted_violations_are_caught(scan: Scan) -> None:
    problems = []
    for e in _table(PLANTED):
        found = _hits(e, scan)
        if not any(v.status is e.status for v in found):
            got = ", ".join(f"{v.status.value} {v.resource}" for v in found) or "no verdict"
            problems.append(f"{e.rule} on {e.selector}: expected {e.status.value}, got {got}")
    assert not problems, "planted violations not caught:\n" + "\n".join(problems)


def test_every_table_row_matches_a_verdict(scan: Scan) -> None:
    stale = [
        f"{e.status.value} {e.rule} {e.selector}"
        for heading in EXPLAINED
        for e in _table(heading)
        if not any(v.status is e.status for v in _hits(e, scan))
    ]
    assert not stale, "README rows no verdict matches (remove or fix them):\n" + "\n".join(stale)


def test_everything_else_passes(scan: Scan) -> None:
    explained = [(e, _targets(e.selector, scan.inventory)) for h in EXPLAINED for e in _table(h)]
    unexplained = [
        f"{v.status.value} {v.rule} {v.resource}: {v.message}"
        for v in scan.verdicts
        if v.status is not Status.PASS
        and not any(
            e.rule == v.rule
            and e.status is v.status
            and any(fnmatch.fnmatchcase(v.resource, t) for t in ts)
            for e, ts in explained
        )
    ]
    assert not unexplained, "verdicts the README does not explain:\n" + "\n".join(unexplained)
