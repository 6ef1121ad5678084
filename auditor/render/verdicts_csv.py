"""verdicts.csv: every verdict, one row each, in verdicts.json order, for spreadsheets.

Besides the verdict, each row says where its resource is (cloud, account, region: see
:mod:`auditor.render._locate`), the traffic class or other aspect judged, the
root-cause finding it belongs to, and the rule's remediation.
"""

from __future__ import annotations

from auditor.render import ReportData
from auditor.render._csv import csv_bytes
from auditor.render._locate import only_cloud, resources_named, where

FILENAME = "verdicts.csv"

HEADER = (
    "rule",
    "title",
    "path",
    "status",
    "severity",
    "resource",
    "aspect",
    "cloud",
    "account",
    "region",
    "message",
    "finding",
    "remediation",
    "waiver_reason",
    "waiver_approved_by",
    "waiver_expires",
    "waiver_expired",
)


def render(report: ReportData) -> bytes:
    resources = resources_named(report, (v.resource for v in report.verdicts))
    fallback = only_cloud(report)
    rows = []
    for v in report.verdicts:
        w = v.waiver or {}
        cloud, account, region = where(v.resource, resources.get(v.resource), fallback)
        rows.append(
            (
                v.rule,
                report.rule_titles.get(v.rule, ""),
                v.path.value,
                v.status.value,
                v.severity.value,
                v.resource,
                v.aspect,
                cloud,
                account,
                region,
                v.message,
                v.finding,
                report.rule_docs.get(v.rule, {}).get("remediation", ""),
                w.get("reason", ""),
                w.get("approved_by", ""),
                w.get("expires", ""),
                "true" if w.get("expired") == "true" else ("false" if w else ""),
            )
        )
    return csv_bytes(HEADER, rows)
