"""ocsf.jsonl: one OCSF Compliance Finding (class_uid 2003) per verdict, JSON lines.

Mapping (OCSF 1.1): ``activity_id`` 1 (Create); ``owner.account.type_id`` per
cloud (AWS Account 10, Azure Subscription 13, GCP Project 11); ``compliance.control``
the rule id, ``compliance.standards`` the rule pack; ``compliance.status_id`` PASS 1
(Pass), FAIL 3 (Fail), INCONCLUSIVE 2 (Warning: "no result due to missing
information"), WAIVED 99 (Other, status
"Waived"); ``severity_id`` info 1 ... critical 5. ``time`` is the evaluation
date (midnight UTC, epoch milliseconds) so the same bundle gives the same
bytes. The resource, its account and region come from the inventory when the
verdict names a collected resource.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from auditor.base.serialize import text_chunks
from auditor.model import Severity, Status
from auditor.render import ReportData

FILENAME = "ocsf.jsonl"

OCSF_VERSION = "1.1.0"
CLASS_UID = 2003
CATEGORY_UID = 2
ACTIVITY_CREATE = 1

SEVERITY_ID = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
COMPLIANCE_STATUS = {
    Status.PASS: (1, "Pass"),
    Status.FAIL: (3, "Fail"),
    Status.INCONCLUSIVE: (
        2,
        "Warning",
    ),  # OCSF: "did not yield a result due to missing information"
    Status.WAIVED: (99, "Waived"),
    Status.NOT_APPLICABLE: (99, "Not applicable"),
}

_ACCOUNT_TYPES = {
    "aws": (10, "AWS Account"),
    "azure": (13, "Azure Subscription"),
    "gcp": (11, "GCP Project"),
}
"""OCSF ``account.type_id`` of each cloud's account, subscription or project."""


def _epoch_ms(day: str) -> int:
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp()) * 1000


def finding_events(report: ReportData) -> list[dict[str, Any]]:
    return list(_events(report))


def _events(report: ReportData) -> Iterator[dict[str, Any]]:
    """One event per verdict, made as asked for."""
    named = {v.resource for v in report.verdicts}  # not a map of every resource of the estate
    resources = {r.id: r for r in report.inventory.resources if r.id in named}
    time = _epoch_ms(report.evaluated_on)
    product: dict[str, Any] = {"name": "boundary-auditor", "vendor_name": "boundary-auditor"}
    if report.tool_version:
        product["version"] = report.tool_version
    for v in report.verdicts:
        sev_id, sev = SEVERITY_ID[v.severity]
        st_id, st = COMPLIANCE_STATUS[v.status]
        uid = hashlib.sha256(
            f"{report.declaration_name}\x00{v.rule}\x00{v.resource}".encode()
        ).hexdigest()
        resource: dict[str, Any] = {"uid": v.resource}
        event: dict[str, Any] = {
            "activity_id": ACTIVITY_CREATE,
            "activity_name": "Create",
            "category_uid": CATEGORY_UID,
            "category_name": "Findings",
            "class_uid": CLASS_UID,
            "class_name": "Compliance Finding",
            "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
            "type_name": "Compliance Finding: Create",
            "time": time,
            "severity_id": sev_id,
            "severity": sev,
            "message": v.message,
            "metadata": {"version": OCSF_VERSION, "product": product},
            "finding_info": {
                "uid": uid,
                "title": report.rule_titles.get(v.rule, v.rule),
                "desc": v.message,
                "types": [f"boundary/{v.path.value}"],
            },
            "compliance": {
                "control": v.rule,
                "standards": [f"boundary-auditor:{report.pack}"],
                "status_id": st_id,
                "status": st,
            },
            "resources": [resource],
            "unmapped": {
                "auditor_status": v.status.value,
                "boundary_path": v.path.value,
                "declaration": report.declaration_name,
                "declaration_sha256": report.declaration_hash,
            },
        }
        res = resources.get(v.resource)
        if res is not None:
            resource["type"] = res.kind
            if res.name:
                resource["name"] = res.name
            if res.region and res.region != "global":
                resource["region"] = res.region
            kind = _ACCOUNT_TYPES.get(res.cloud, (99, "Other"))
            resource["owner"] = {
                "account": {"uid": res.account, "type_id": kind[0], "type": kind[1]}
            }
            event["cloud"] = {"provider": res.cloud.upper(), "account": {"uid": res.account}}
            if res.region and res.region != "global":
                event["cloud"]["region"] = res.region
        if v.waiver:
            event["unmapped"]["waiver"] = dict(v.waiver)
        yield event


def render(report: ReportData) -> bytes:
    return b"".join(render_chunks(report))


def render_chunks(report: ReportData) -> Iterator[bytes]:
    """The file as chunks, one event line made at a time (a line per verdict)."""
    return text_chunks(
        json.dumps(e, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
        for e in _events(report)
    )
