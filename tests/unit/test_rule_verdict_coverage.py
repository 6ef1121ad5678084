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
UNIT_ONLY = "only hand-built inventories or drill folders in tests/unit assert it"
PATTERN_FIXTURES = "judged in the failure-* pattern fixtures, which keep no golden verdict file"
"""tests/e2e/test_failure_patterns_e2e.py judges these rules per pattern, without golden."""

NO_FAIL_RECORDED: dict[str, str] = {
    "failure.compute-replaceable": PATTERN_FIXTURES,
    "failure.local-resolution": PATTERN_FIXTURES,
    "failure.replication-loops": PATTERN_FIXTURES,
    "failure.runbook-resources": PATTERN_FIXTURES,
    "failure.shared-storage-durability": PATTERN_FIXTURES,
    "failure.single-write-region": UNIT_ONLY,
    "failure.topic-ownership": PATTERN_FIXTURES,
}
"""Rules with no recorded FAIL in any golden or README table, and why."""

NO_PASS_RECORDED: dict[str, str] = {
    "failure.compute-replaceable": PATTERN_FIXTURES,
    "failure.drill-coverage": UNIT_ONLY,
    "failure.local-resolution": PATTERN_FIXTURES,
    "failure.replication-loops": PATTERN_FIXTURES,
    "failure.runbook-resources": PATTERN_FIXTURES,
    "failure.shared-storage-durability": PATTERN_FIXTURES,
    "failure.topic-ownership": PATTERN_FIXTURES,
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


_WHERE = {
    E2E_ONLY: "tests/e2e/test_*.py",
    UNIT_ONLY: "tests/unit/test_*.py",
    PATTERN_FIXTURES: "tests/e2e/test_failure_patterns_e2e.py",
}


def _asserted_in(rule_id: str, reason: str, status: Status) -> list[str]:
    """Test files that name ``rule_id`` and assert ``status`` (where the reason says)."""
    found = []
    for path in sorted(ROOT.glob(_WHERE[reason])):
        text = path.read_text(encoding="utf-8")
        if f'"{rule_id}"' in text and f"Status.{status.name}" in text:
            found.append(path.name)
    return found


def test_every_listed_reason_points_at_tests_that_name_the_rule() -> None:
    """A listed rule's reason is checked: the tests it points to name the rule and assert
    the status, so the lists cannot excuse a rule nothing tests."""
    unbacked = [
        f"{rule_id} ({status.value}): {reason}"
        for table, status in ((NO_FAIL_RECORDED, Status.FAIL), (NO_PASS_RECORDED, Status.PASS))
        for rule_id, reason in sorted(table.items())
        if not _asserted_in(rule_id, reason, status)
    ]
    assert unbacked == [], "no test names these rules with that status:\n" + "\n".join(unbacked)
