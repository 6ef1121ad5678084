"""Every rule has a recorded fixture where it FAILs and one where it PASSes.

The records are the fixture estates' golden verdict files (``tests/golden/*.verdicts.json``)
and the tables of the fixture READMEs (planted violations FAIL, clean twins PASS). A rule
that never FAILs anywhere could be a rule no estate can fail; one that never PASSes could
be a rule nothing satisfies. Rules without one are listed below with the reason, so the
lists can only shrink: a rule that gains its fixture must leave the list (the test says so).
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.checks import all_rules
from auditor.model import Status
from tests.estate_readme import CLEAN_TWINS, PLANTED, readme_table

ROOT = Path(__file__).resolve().parents[2]

E2E_ONLY = "only an e2e test over a moto estate without a golden verdict file asserts it"
"""The rule's FAIL is asserted in tests/e2e/test_rules_*_e2e.py, not recorded in a golden."""
UNIT_ONLY = "only hand-built inventories in tests/unit/test_rules_*.py assert it"
PATTERN_FIXTURES = "judged in the failure-* pattern fixtures, which keep no golden verdict file"
"""tests/e2e/test_failure_patterns_e2e.py judges these rules per pattern, without golden."""

NO_FAIL_RECORDED: dict[str, str] = {
    "control.audit-trail-multi-region": E2E_ONLY,
    "control.break-glass": E2E_ONLY,
    "control.declared-roles-exist": E2E_ONLY,
    "control.external-id-required": E2E_ONLY,
    "control.no-wildcard-trust": E2E_ONLY,
    "data.key-rotation": E2E_ONLY,
    "data.system-logs-separate": E2E_ONLY,
    "failure.compute-replaceable": PATTERN_FIXTURES,
    "failure.dns-failover-records": E2E_ONLY,
    "failure.local-resolution": PATTERN_FIXTURES,
    "failure.region-capacity": E2E_ONLY,
    "failure.replication-loops": PATTERN_FIXTURES,
    "failure.runbook-resources": PATTERN_FIXTURES,
    "failure.shared-storage-durability": PATTERN_FIXTURES,
    "failure.single-write-region": UNIT_ONLY,
    "failure.topic-ownership": PATTERN_FIXTURES,
    "network.k8s-endpoint-private": E2E_ONLY,
    "network.management-ports": E2E_ONLY,
    "network.observed-sources": E2E_ONLY,  # no golden estate is scanned with --flows-since
}
"""Rules with no recorded FAIL in any golden or README table, and why."""

NO_PASS_RECORDED: dict[str, str] = {
    "control.break-glass": E2E_ONLY,
    "failure.compute-replaceable": PATTERN_FIXTURES,
    "failure.drill-coverage": PATTERN_FIXTURES,
    "failure.local-resolution": PATTERN_FIXTURES,
    "failure.replication-loops": PATTERN_FIXTURES,
    "failure.runbook-resources": PATTERN_FIXTURES,
    "failure.shared-storage-durability": PATTERN_FIXTURES,
    "failure.topic-ownership": PATTERN_FIXTURES,
    "network.observed-sources": E2E_ONLY,  # no golden estate is scanned with --flows-since
}
"""Rules with no recorded PASS in any golden or README table, and why."""


def _recorded() -> set[tuple[str, Status]]:
    seen: set[tuple[str, Status]] = set()
    for golden in sorted((ROOT / "tests" / "golden").glob("*.verdicts.json")):
        for row in json.loads(golden.read_text(encoding="utf-8"))["verdicts"]:
            seen.add((row["rule"], Status(row["status"])))
    for readme in sorted((ROOT / "fixtures").glob("*/README.md")):
        text = readme.read_text(encoding="utf-8").splitlines()
        for heading in (PLANTED, CLEAN_TWINS):
            if heading in (line.strip() for line in text):
                seen.update((e.rule, e.status) for e in readme_table(readme, heading))
    return seen


def _lacking(status: Status) -> set[str]:
    seen = _recorded()
    return {r for r in all_rules() if (r, status) not in seen}


def test_rules_without_a_recorded_fail_are_listed_with_a_reason() -> None:
    lacking = _lacking(Status.FAIL)
    assert lacking - set(NO_FAIL_RECORDED) == set(), "add a FAIL fixture for these rules"
    assert set(NO_FAIL_RECORDED) - lacking == set(), "these now FAIL somewhere: unlist them"


def test_rules_without_a_recorded_pass_are_listed_with_a_reason() -> None:
    lacking = _lacking(Status.PASS)
    assert lacking - set(NO_PASS_RECORDED) == set(), "add a PASS fixture for these rules"
    assert set(NO_PASS_RECORDED) - lacking == set(), "these now PASS somewhere: unlist them"
