"""The README check behind "each planted misconfiguration is exactly one finding".

A small README and hand-made verdicts grouped by the real grouping
(:func:`auditor.checks.findings.assign_findings`): the check must pass when the
findings match the README's ``## Findings`` table, and say why when they do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.checks.findings import assign_findings
from auditor.model import Inventory, PathName, Scope, Severity, Status, Verdict
from tests.estate_readme import EstateReadme, assert_one_finding_per_misconfiguration

README = """# estate

## Planted violations

| # | rule | resource | expected | why |
|---|---|---|---|---|
| 1 | `r.a` | `role/x` | FAIL | grants too much |
| 2 | `r.b` | `key/k` | FAIL | same grant, seen from the key |
| 3 | `r.c` | `bucket/b` | FAIL | public |

## Clean twins

| # | rule | resource | expected | why |
|---|---|---|---|---|
| 1 | `r.c` | `bucket/twin` | PASS | private |

## Findings

| finding | planted rows | what must change |
|---|---|---|
| `grant` | 1-2 | the role's policy |
| `public-bucket` | 3 | the bucket |
"""

INVENTORY = Inventory(scope=Scope(accounts=(), regions=()), resources=(), relations=(), gaps=())


def _v(
    rule: str, resource: str, status: Status = Status.FAIL, causes: tuple[str, ...] = ()
) -> Verdict:
    return Verdict(
        rule=rule,
        path=PathName.CONTROL,
        status=status,
        resource=resource,
        severity=Severity.HIGH,
        message="m",
        causes=causes,
    )


@pytest.fixture
def readme(tmp_path: Path) -> EstateReadme:
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    return EstateReadme(path=path)


def test_attributed_plants_are_one_finding_each(readme: EstateReadme) -> None:
    verdicts = assign_findings(
        [
            _v("r.a", "role/x"),
            _v("r.b", "key/k", causes=("role/x",)),
            _v("r.c", "bucket/b"),
            _v("r.c", "bucket/twin", Status.PASS),
        ]
    )
    assert readme.finding_problems(verdicts, INVENTORY) == ({}, [])
    assert_one_finding_per_misconfiguration(readme, verdicts, INVENTORY)


def test_a_plant_without_its_cause_is_split(readme: EstateReadme) -> None:
    verdicts = assign_findings([_v("r.a", "role/x"), _v("r.b", "key/k"), _v("r.c", "bucket/b")])
    split, other = readme.finding_problems(verdicts, INVENTORY)
    assert list(split) == ["grant"] and "2 findings" in split["grant"] and not other
    with pytest.raises(AssertionError, match="split: grant"):
        assert_one_finding_per_misconfiguration(readme, verdicts, INVENTORY)
    whole = assign_findings(
        [_v("r.a", "role/x"), _v("r.b", "key/k", causes=("role/x",)), _v("r.c", "bucket/b")]
    )
    assert_one_finding_per_misconfiguration(readme, whole, INVENTORY)


def test_two_plants_in_one_finding_and_a_blamed_twin_are_reported(readme: EstateReadme) -> None:
    merged = assign_findings(
        [
            _v("r.a", "role/x"),
            _v("r.b", "key/k", causes=("role/x",)),
            _v("r.c", "bucket/b", causes=("role/x", "bucket/twin")),
        ]
    )
    _, other = readme.finding_problems(merged, INVENTORY)
    assert any("grant, public-bucket are one finding" in line for line in other), other
    assert any("clean twin bucket/twin" in line for line in other), other


def test_every_planted_row_must_be_listed(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README.replace("| `grant` | 1-2 |", "| `grant` | 1 |"), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"unlisted \[2\]"):
        EstateReadme(path=path).finding_problems([], INVENTORY)
