"""Helpers shared by the demo-estate tests: golden verdict files and the README's tables.

Each fixture estate's README lists, in tables, the verdicts it expects besides
PASS (planted violations, expected INCONCLUSIVE / NOT_APPLICABLE verdicts); its
golden file holds every (rule, resource, status) triple. Its ``## Findings``
table names each misconfiguration and the planted rows that are its verdicts:
those rows must be one root-cause finding. These helpers read both so each
estate test states only its own estate, not the parsing and comparing.
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
FINDINGS = "## Findings"

_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|")
_FINDING_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([\d\s,-]+?)\s*\|")


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
    number: int = 0
    """The row's ``#`` in its table."""
    aspects: frozenset[str] | None = None
    """``rule[aspect]`` or ``rule[a,b]`` in the table: only the verdicts of those aspects
    (traffic classes, or a sink's ``writers`` apart from its ``retention``); none: any."""

    def judges(self, v: Verdict) -> bool:
        """Whether ``v`` is of this row's rule and aspect (its resource aside)."""
        return v.rule == self.rule and (self.aspects is None or v.aspect in self.aspects)


def _table_lines(readme: Path, heading: str) -> list[str]:
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        pytest.fail(f"{readme} has no heading {heading!r}")
    out: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        out.append(line)
    return out


def readme_table(readme: Path, heading: str) -> list[Expected]:
    """Rows ``| n | `rule` | `selector` | STATUS | ... |`` of the table under ``heading``."""
    rows: list[Expected] = []
    for line in _table_lines(readme, heading):
        if m := _ROW.match(line):
            rule, _, aspect = m.group(2).partition("[")
            rows.append(
                Expected(
                    rule=rule,
                    aspects=frozenset(a.strip() for a in aspect.rstrip("]").split(","))
                    if aspect
                    else None,
                    selector=m.group(3),
                    status=Status(m.group(4)),
                    number=int(m.group(1)),
                )
            )
    assert rows, f"the table under {heading!r} in {readme} is empty"
    return rows


def _numbers(spec: str, where: str) -> tuple[int, ...]:
    """``1-3, 7`` -> (1, 2, 3, 7)."""
    out: list[int] = []
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            pytest.fail(f"{where}: bad row list {spec!r}")
        out += range(int(first), int(last or first) + 1)
    return tuple(out)


def readme_findings(readme: Path) -> dict[str, tuple[int, ...]]:
    """The ``## Findings`` table: a misconfiguration's name -> its planted rows' numbers.

    Rows ``| `name` | 1-3, 7 | ... |``. Every planted row must be listed; a row listed
    under more than one name is one verdict that reports several misconfigurations.
    """
    found: dict[str, tuple[int, ...]] = {}
    for line in _table_lines(readme, FINDINGS):
        if m := _FINDING_ROW.match(line):
            name = m.group(1)
            assert name not in found, f"{readme}: finding {name!r} is listed twice"
            found[name] = _numbers(m.group(2), f"{readme}: finding {name!r}")
    assert found, f"the table under {FINDINGS!r} in {readme} is empty"
    planted = {e.number for e in readme_table(readme, PLANTED)}
    listed = {n for rows in found.values() for n in rows}
    assert listed == planted, (
        f"{readme}: the findings table must list every planted row and no other: "
        f"unlisted {sorted(planted - listed)}, unknown {sorted(listed - planted)}"
    )
    return found


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
        return [v for v in verdicts if e.judges(v) and _matches(v.resource, ts)]

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
                e.judges(v) and e.status is v.status and _matches(v.resource, ts)
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

    def finding_problems(
        self, verdicts: list[Verdict], inventory: Inventory
    ) -> tuple[dict[str, str], list[str]]:
        """(split, other): how the scan's root-cause findings disagree with the README.

        ``split``: misconfiguration name -> why its planted rows are not exactly one
        finding. ``other``: two misconfigurations in one finding, a row's verdict in
        none, or a clean twin blamed as a cause by a finding of its own rule.
        """
        planted = {e.number: e for e in self.rows(PLANTED)}
        groups = {
            name: tuple(n for n in rows if n in planted)
            for name, rows in readme_findings(self.path).items()
        }
        groups = {name: rows for name, rows in groups.items() if rows}
        owners: dict[int, list[str]] = {}
        for name, rows in groups.items():
            for n in rows:
                owners.setdefault(n, []).append(name)

        def ids_of(n: int) -> dict[str, str]:
            e = planted[n]
            return {
                v.finding: v.resource
                for v in self.hits(e, verdicts, inventory)
                if v.status is e.status
            }

        split: dict[str, str] = {}
        other: list[str] = []
        finding_of: dict[str, str] = {}
        for name, rows in groups.items():
            ids: dict[str, list[int]] = {}
            for n in rows:
                if len(owners[n]) == 1:
                    for fid in ids_of(n):
                        ids.setdefault(fid, []).append(n)
            if "" in ids:
                other.append(f"{name}: rows {ids['']} have a verdict in no finding")
            elif len(ids) == 1:
                finding_of[name] = next(iter(ids))
            elif ids:
                split[name] = f"{len(ids)} findings: " + "; ".join(
                    f"{fid} (rows {', '.join(map(str, ns))})" for fid, ns in sorted(ids.items())
                )
        by_finding: dict[str, list[str]] = {}
        for name, fid in finding_of.items():
            by_finding.setdefault(fid, []).append(name)
        other += [
            f"{', '.join(names)} are one finding {fid}: distinct misconfigurations"
            for fid, names in sorted(by_finding.items())
            if len(names) > 1
        ]
        for n, names in sorted(owners.items()):
            if len(names) < 2:
                continue
            if not all(name in finding_of for name in names):
                continue  # a split misconfiguration is reported as such
            known = {finding_of[name] for name in names}
            for fid, resource in sorted(ids_of(n).items()):
                if fid not in known:
                    other.append(f"row {n} ({resource}): finding {fid} is none of {names}")
        twins = [(e.rule, targets(e.selector, inventory)) for e in self._twin_rows()]
        for v in verdicts:
            if not v.finding:
                continue
            for cause in v.causes or (v.resource,):
                if any(rule == v.rule and _matches(cause, ts) for rule, ts in twins):
                    other.append(f"clean twin {cause} is a cause of {v.rule}'s finding {v.finding}")
        return split, other

    def _twin_rows(self) -> list[Expected]:
        text = self.path.read_text(encoding="utf-8")
        return self.rows(CLEAN_TWINS) if CLEAN_TWINS in text.splitlines() else []


def assert_one_finding_per_misconfiguration(
    readme: EstateReadme, verdicts: list[Verdict], inventory: Inventory
) -> None:
    """Each misconfiguration of the README's ``## Findings`` table is exactly one finding,
    no two share one, and no clean twin is a cause (issue #17's "done when")."""
    split, other = readme.finding_problems(verdicts, inventory)
    problems = [*other, *(f"split: {name}: {why}" for name, why in sorted(split.items()))]
    assert not problems, "findings disagree with the README:\n" + "\n".join(problems)


def assert_readme_holds(
    readme: EstateReadme, verdicts: list[Verdict], inventory: Inventory
) -> None:
    """The whole contract of a fixture's README: read without gaps, every planted row
    FAILs, every clean twin PASSes, nothing else is flagged, no row is stale, and each
    misconfiguration is one finding."""
    assert inventory.gaps == ()
    assert readme.uncaught(verdicts, inventory) == []
    assert readme.flagged_twins(verdicts, inventory) == []
    assert readme.unexplained(verdicts, inventory) == []
    assert readme.stale(verdicts, inventory) == []
    assert_one_finding_per_misconfiguration(readme, verdicts, inventory)
