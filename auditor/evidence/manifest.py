"""manifest.json: what was scanned, by which tool and rules, when, and what it found."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.base.serialize import gap_to_dict
from auditor.boundary import Declaration, declaration_hash
from auditor.checks import Rule
from auditor.checks.pack import RulePack
from auditor.model import Finding, Inventory, PathName, Severity, Status, Verdict

BUNDLE_FORMAT = 1


def summary_counts(verdicts: Sequence[Verdict]) -> dict[str, dict[str, int]]:
    """Verdicts by path and status, every cell present."""
    c = Counter((v.path.value, v.status.value) for v in verdicts)
    return {p.value: {s.value: c.get((p.value, s.value), 0) for s in Status} for p in PathName}


def finding_counts(findings: Sequence[Finding]) -> dict[str, dict[str, int]]:
    """Findings by status (FAIL, WAIVED) and severity, every cell present."""
    c = Counter((f.status.value, f.severity.value) for f in findings)
    return {
        s.value: {sev.value: c.get((s.value, sev.value), 0) for sev in Severity}
        for s in (Status.FAIL, Status.WAIVED)
    }


def manifest_document(
    *,
    decl: Declaration,
    decl_text: str,
    inventory: Inventory,
    pack: RulePack,
    rules: Mapping[str, Rule],
    verdicts: Sequence[Verdict],
    findings: Sequence[Finding],
    evaluated_on: dt.date,
    crossings: int,
    started: str,
    finished: str,
    tool: Mapping[str, str],
) -> dict[str, Any]:
    """The manifest's fields (a replay's provenance, raw files and collection are added
    by the pipeline)."""
    inv = inventory
    used = [e.id for e in pack.entries(dict(rules))]
    return {
        "format": BUNDLE_FORMAT,
        "tool": dict(tool),
        "declaration": {"name": decl.name, "sha256": declaration_hash(decl_text)},
        "rules": {"pack": pack.name, "pack_version": pack.version, "ids": used},
        "scope": {
            "cloud": inv.scope.cloud,
            "accounts": list(inv.scope.accounts),
            "regions": list(inv.scope.regions),
        },
        "started": started,
        "finished": finished,
        "evaluated_on": evaluated_on.isoformat(),
        "api_calls": dict(inv.api_calls),
        "api_calls_total": sum(inv.api_calls.values()),
        "resources": len(inv.resources),
        "relations": len(inv.relations),
        "crossings": crossings,
        "gaps": [gap_to_dict(g) for g in inv.gaps],
        "complete": not inv.gaps,
        "verdicts": summary_counts(verdicts),
        "findings": finding_counts(findings),
    }
