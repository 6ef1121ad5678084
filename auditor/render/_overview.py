"""The figures of a report's first page, computed once for report.md and report.html.

Scope and coverage per cloud come from the inventory (collection units that ran,
resources, gaps); the counts from the findings and verdicts; the rule groups
put each rule's remediation once beside its failing verdicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.model import Finding, Severity, Status, Verdict
from auditor.render import ReportData
from auditor.render.recovery import DnsRow

STATUSES = (Status.FAIL, Status.INCONCLUSIVE, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)
"""Verdict statuses, worst first: the order of every count and table."""

ACCOUNT_WORDS = {"aws": "accounts", "azure": "subscriptions", "gcp": "projects"}
RECORDED = "recorded"
"""The cloud column of resources that no cloud API returned (drill records)."""

EVIDENCE_NOTE = (
    "These are the SHA-256 digests SHA256SUMS lists for the two files this report "
    "describes (check them with: sha256sum -c SHA256SUMS). A file inside the bundle "
    "cannot hold the hash of the bundle that contains it; the signature file "
    "(SHA256SUMS.sig) covers SHA256SUMS, which covers every file, this report included."
)


@dataclass(frozen=True, kw_only=True)
class CloudCoverage:
    """What was read in one cloud, and what could not be."""

    cloud: str
    accounts: tuple[str, ...]
    """Accounts, subscriptions or projects the units ran in or the resources name."""
    regions: tuple[str, ...]
    units: int
    """Collection units (account, region, service) that ran."""
    services: tuple[str, ...]
    resources: int
    kinds: int
    gaps: int

    @property
    def account_word(self) -> str:
        return ACCOUNT_WORDS.get(self.cloud, "accounts")


def coverage(report: ReportData) -> list[CloudCoverage]:
    """One row per cloud the inventory names, in name order; drill records last."""
    inv = report.inventory
    clouds = (
        {u.cloud for u in inv.collected}
        | {r.cloud or RECORDED for r in inv.resources}
        | {g.cloud for g in report.gaps if g.cloud}
    )
    rows = []
    for cloud in sorted(clouds, key=lambda c: (c == RECORDED, c)):
        units = [u for u in inv.collected if u.cloud == cloud]
        res = [r for r in inv.resources if (r.cloud or RECORDED) == cloud]
        accounts = {u.account for u in units} | {r.account for r in res if r.account}
        regions = {u.region for u in units} | {r.region for r in res if r.region}
        rows.append(
            CloudCoverage(
                cloud=cloud,
                accounts=tuple(sorted(accounts)),
                regions=tuple(sorted(regions - {"global"}))
                + (("global",) if "global" in regions else ()),
                units=len(units),
                services=tuple(sorted({u.service for u in units})),
                resources=len(res),
                kinds=len({r.kind for r in res}),
                gaps=sum(1 for g in report.gaps if g.cloud == cloud),
            )
        )
    return rows


def verdict_counts(verdicts: Sequence[Verdict]) -> dict[Status, int]:
    c = Counter(v.status for v in verdicts)
    return {s: c.get(s, 0) for s in STATUSES}


def top_findings(report: ReportData) -> list[Finding]:
    """The findings most severe first (stable: the findings' own order within a severity)."""
    return sorted(report.findings, key=lambda f: -f.severity.rank)


def finding_counts(report: ReportData) -> dict[Severity, int]:
    """Findings per severity, most severe first (only severities that occur)."""
    c = Counter(f.severity for f in report.findings)
    return {s: c[s] for s in sorted(Severity, key=lambda s: -s.rank) if c.get(s)}


@dataclass(frozen=True, kw_only=True)
class RuleGroup:
    """The verdicts of one rule in one status, with what the rule says to do."""

    rule: str
    title: str
    severity: str
    remediation: str
    verdicts: tuple[Verdict, ...]


def by_rule(report: ReportData, status: Status) -> list[RuleGroup]:
    """Verdicts of ``status`` grouped by rule: most severe rule first, then by rule id."""
    groups: dict[str, list[Verdict]] = {}
    for v in report.verdicts:
        if v.status is status:
            groups.setdefault(v.rule, []).append(v)
    out = []
    for rule, vs in groups.items():
        docs = report.rule_docs.get(rule, {})
        worst = max((v.severity for v in vs), key=lambda s: s.rank)
        out.append(
            RuleGroup(
                rule=rule,
                title=docs.get("title") or report.rule_titles.get(rule, ""),
                severity=worst.value,
                remediation=" ".join(str(docs.get("remediation", "")).split()),
                verdicts=tuple(vs),
            )
        )
    return sorted(out, key=lambda g: (-Severity(g.severity).rank, g.rule))


def seconds(value: float | None) -> str:
    """A duration for a table: ``640 s (10m40s)``; ``not recorded`` for None."""
    if value is None:
        return "not recorded"
    n = round(value)
    text = f"{value:g} s"
    if n >= 60:
        m, s = divmod(n, 60)
        text += f" ({m}m{s:02d}s)" if s else f" ({m}m)"
    return text


def switch(row: DnsRow) -> str:
    """PRIMARY TTL + detection, or the detection alone as a lower bound when the TTL is unknown."""
    if row.switch_seconds is not None:
        return seconds(row.switch_seconds)
    if row.detection_seconds is not None:
        return f"at least {seconds(row.detection_seconds)} (TTL unknown)"
    return "not known"
