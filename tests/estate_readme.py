"""Helpers shared by the demo-estate tests: golden verdict files and the README's tables.

Each fixture estate's README lists, in tables, the verdicts it expects besides
PASS (planted violations, expected INCONCLUSIVE / NOT_APPLICABLE verdicts); its
golden file holds every (rule, resource, status) triple. These helpers read both
so each estate test states only its own estate, not the parsing and comparing.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.model import Inventory, Status, Verdict

PLANTED = "## Planted violations"
INCONCLUSIVE = "## Expected INCONCLUSIVE verdicts"
NOT_APPLICABLE = "## Expected NOT_APPLICABLE verdicts"
CLEAN_TWINS = "## Clean twins"

_ROW = re.compile(r"^\|\s*\d+\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|")


# --- golden verdict files --------------------------------------------------------------------


def verdict_rows(
    verdicts: Iterable[Verdict], mask: Callable[[str], str] = lambda rid: rid
) -> list[dict[str, str]]:
    """Sorted, de-duplicated (rule, resource, status) rows, ids passed through ``mask``."""
    rows = {(v.rule, mask(v.resource), v.status.value) for v in verdicts}
    return [{"rule": r, "resource": res, "status": s} for r, res, s in sorted(rows)]


def assert_matches_golden(
    golden: Path, rows: list[dict[str, str]], header: Mapping[str, Any]
) -> None:
    """Compare ``rows`` with the golden file; ``UPDATE_GOLDEN=1`` rewrites it instead.

    The golden is ``header`` followed by the per-status counts and the rows; a
    missing golden fails rather than being silently created.
    """
    if os.environ.get("UPDATE_GOLDEN") == "1":
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        doc = {**header, "counts": dict(sorted(counts.items())), "verdicts": rows}
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        return
    assert golden.exists(), f"{golden} is missing: run with UPDATE_GOLDEN=1 and review it"
    want = json.loads(golden.read_text(encoding="utf-8"))["verdicts"]
    got_set = {(r["rule"], r["resource"], r["status"]) for r in rows}
    want_set = {(r["rule"], r["resource"], r["status"]) for r in want}
    missing, extra = sorted(want_set - got_set), sorted(got_set - want_set)
    assert not missing and not extra, (
        "verdicts differ from the golden (UPDATE_GOLDEN=1 rewrites it):\n"
        + "".join(f"  - {m}\n" for m in missing)
        + "".join(f"  + {e}\n" for e in extra)
    )


# --- the README's tables ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Expected:
    """One README table row: ``rule`` judges what ``selector`` names as ``status``."""

    rule: str
    selector: str
    status: Status


def readme_table(readme: Path, heading: str) -> list[Expected]:
    """Rows ``| n | `rule` | `selector` | STATUS | ... |`` of the table under ``heading``."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        pytest.fail(f"{readme} has no heading {heading!r}")
    rows: list[Expected] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if m := _ROW.match(line):
            rows.append(Expected(rule=m.group(1), selector=m.group(2), status=Status(m.group(3))))
    assert rows, f"the table under {heading!r} in {readme} is empty"
    return rows


def targets(selector: str, inventory: Inventory) -> set[str]:
    """Resource ids (or id globs) a README selector names.

    ``kind:name`` names collected resources by kind and name (for resources whose
    cloud ids are random); anything else is a canonical id or a glob over ids.
    """
    kind, sep, name = selector.partition(":")
    if (
        sep
        and kind.isidentifier()
        and not selector.startswith(("arn:", "scope:", "dns:", "replication:"))
    ):
        ids = {r.id for r in inventory.resources if r.kind == kind and r.name == name}
        assert ids, f"no collected {kind} is named {name!r}"
        return ids
    return {selector}


def _matches(resource: str, ts: set[str]) -> bool:
    return any(resource == t or fnmatch.fnmatchcase(resource, t) for t in ts)


@dataclass(frozen=True, kw_only=True)
class EstateReadme:
    """A fixture README and the headings of its tables that explain non-PASS verdicts."""

    path: Path
    explained: tuple[str, ...] = (PLANTED, INCONCLUSIVE, NOT_APPLICABLE)
    only: Callable[[str], bool] | None = None
    """Keep only the rows whose selector (and the verdicts whose resource) this accepts,
    e.g. the Azure and GCP part of an estate when only their exports were imported."""

    def rows(self, heading: str) -> list[Expected]:
        """The table's rows that ``only`` keeps."""
        rows = readme_table(self.path, heading)
        return [e for e in rows if self.only is None or self.only(e.selector)]

    def hits(self, e: Expected, verdicts: list[Verdict], inventory: Inventory) -> list[Verdict]:
        """Verdicts of ``e.rule`` on the resources ``e.selector`` names."""
        ts = targets(e.selector, inventory)
        return [v for v in verdicts if v.rule == e.rule and _matches(v.resource, ts)]

    def uncaught(self, verdicts: list[Verdict], inventory: Inventory) -> list[str]:
        """Planted violations no verdict reports with the expected status.

        A rule may judge one resource more than once (e.g. per traffic class): the
        planted finding must be one of them.
        """
        problems = []
        for e in self.rows(PLANTED):
            found = self.hits(e, verdicts, inventory)
            if not any(v.status is e.status for v in found):
                got = ", ".join(f"{v.status.value} {v.resource}" for v in found) or "no verdict"
                problems.append(f"{e.rule} on {e.selector}: expected {e.status.value}, got {got}")
        return problems

    def stale(self, verdicts: list[Verdict], inventory: Inventory) -> list[str]:
        """Table rows that no verdict matches (the README is out of date)."""
        return [
            f"{e.status.value} {e.rule} {e.selector}"
            for heading in self.explained
            for e in self.rows(heading)
            if not any(v.status is e.status for v in self.hits(e, verdicts, inventory))
        ]

    def unexplained(self, verdicts: list[Verdict], inventory: Inventory) -> list[str]:
        """Non-PASS verdicts that no row of the explaining tables accounts for."""
        explained = [
            (e, targets(e.selector, inventory))
            for heading in self.explained
            for e in self.rows(heading)
        ]
        return [
            f"{v.status.value} {v.rule} {v.resource}: {v.message}"
            for v in verdicts
            if v.status is not Status.PASS
            and (self.only is None or self.only(v.resource))
            and not any(
                e.rule == v.rule and e.status is v.status and _matches(v.resource, ts)
                for e, ts in explained
            )
        ]

    def flagged_twins(self, verdicts: list[Verdict], inventory: Inventory) -> list[str]:
        """Clean twins (table ``## Clean twins``) the rule did not hold PASS, or also flagged.

        A twin must be judged (a PASS verdict of its rule on it) and never reported
        otherwise: NOT_APPLICABLE or INCONCLUSIVE means nothing was proved, and any
        FAIL on it means the rule cannot tell it from its planted sibling.
        """
        problems = []
        for e in self.rows(CLEAN_TWINS):
            found = self.hits(e, verdicts, inventory)
            bad = [v for v in found if v.status is not e.status]
            if bad or not found:
                got = ", ".join(f"{v.status.value} {v.resource}" for v in bad) or "no verdict"
                problems.append(f"{e.rule} on {e.selector}: expected {e.status.value}, got {got}")
        return problems
