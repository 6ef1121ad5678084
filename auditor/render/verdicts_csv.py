"""verdicts.csv: every verdict, one row each, in verdicts.json order, for spreadsheets."""

from __future__ import annotations

from auditor.render import ReportData
from auditor.render._csv import csv_bytes

FILENAME = "verdicts.csv"

HEADER = (
    "rule",
    "title",
    "path",
    "status",
    "severity",
    "resource",
    "message",
    "waiver_reason",
    "waiver_approved_by",
    "waiver_expires",
    "waiver_expired",
)


def render(report: ReportData) -> bytes:
    rows = []
    for v in report.verdicts:
        w = v.waiver or {}
        rows.append(
            (
                v.rule,
                report.rule_titles.get(v.rule, ""),
                v.path.value,
                v.status.value,
                v.severity.value,
                v.resource,
                v.message,
                w.get("reason", ""),
                w.get("approved_by", ""),
                w.get("expires", ""),
                "true" if w.get("expired") == "true" else ("false" if w else ""),
            )
        )
    return csv_bytes(HEADER, rows)
