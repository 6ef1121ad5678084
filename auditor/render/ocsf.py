"""ocsf.jsonl: one OCSF 1.5 Compliance Finding (class_uid 2003) per verdict, JSON lines.

Mapping: ``activity_id`` 1 (Create); ``metadata.profiles`` ``["cloud"]`` and a
``cloud`` object on every event (provider, account, region: from the inventory row,
else read off the resource or scope id, else the scan's only cloud);
``compliance.control`` the rule id, ``compliance.standards`` the rule pack;
``compliance.status_id`` PASS 1, FAIL 3, INCONCLUSIVE 2 ("no result due to missing
information"), NOT_APPLICABLE 99 "Not applicable"; a WAIVED verdict keeps its
compliance status Fail and is ``status_id`` 3 (Suppressed) as a finding, with the
waiver under ``unmapped``; ``severity_id`` info 1 ... critical 5; ``remediation.desc``
the rule's remediation. ``finding_info.uid`` hashes declaration, rule, resource,
aspect, cloud, account and region, so it is unique in a bundle and the same across
scans; ``finding_info.uid_alt`` is the root-cause finding the verdict belongs to.

Account types: AWS accounts are ``type_id`` 10. OCSF 1.5 numbers Azure subscriptions
13 and GCP projects 11, but py-ocsf-models 0.10 (Prowler's parser) rejects any type id
above 10, so both are ``type_id`` 99 (Other) with ``type`` "Azure Subscription" /
"GCP Project": every consumer reads them. ``time`` is the evaluation date (midnight
UTC, epoch milliseconds) so the same bundle gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from auditor.base.serialize import text_chunks
from auditor.model import Resource, Severity, Status
from auditor.render import ReportData
from auditor.render._locate import only_cloud, resources_named, where

FILENAME = "ocsf.jsonl"

OCSF_VERSION = "1.5.0"
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
    Status.WAIVED: (3, "Fail"),  # still failing; the finding is suppressed, see below
    # OCSF: "did not yield a result due to missing information"
    Status.INCONCLUSIVE: (2, "Warning"),
    Status.NOT_APPLICABLE: (99, "Not applicable"),
}
FINDING_STATUS = {
    Status.FAIL: (1, "New"),
    Status.INCONCLUSIVE: (1, "New"),
    Status.WAIVED: (3, "Suppressed"),
}
"""The finding's own ``status_id``; judged-and-held verdicts carry none."""

_PROVIDERS = {"aws": "AWS", "azure": "Azure", "gcp": "GCP"}
_ACCOUNT_TYPES = {
    "aws": (10, "AWS Account"),
    "azure": (99, "Azure Subscription"),
    "gcp": (99, "GCP Project"),
}
"""OCSF ``account.type_id`` and ``type`` of each cloud's account (see the module doc)."""


def _epoch_ms(day: str) -> int:
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp()) * 1000


def finding_events(report: ReportData) -> list[dict[str, Any]]:
    return list(_events(report))


def _account(cloud: str, account: str) -> dict[str, Any]:
    type_id, type_name = _ACCOUNT_TYPES.get(cloud, (99, "Other"))
    return {"uid": account, "name": account, "type_id": type_id, "type": type_name}


def _resource_and_cloud(
    uid: str, res: Resource | None, cloud: str, account: str, region: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The event's ``resources[0]`` and ``cloud`` objects; the account owns the resource."""
    resource: dict[str, Any] = {"uid": uid}
    cloud_obj: dict[str, Any] = {"provider": _PROVIDERS.get(cloud, cloud or "Unknown")}
    if account:
        owner_account = _account(cloud, account)
        cloud_obj["account"] = owner_account
        resource["owner"] = {
            "uid": account,
            "name": account,
            "type_id": 99,
            "type": owner_account["type"],
            "account": owner_account,
        }
    if region:
        cloud_obj["region"] = region
        resource["region"] = region
    if res is not None:
        resource["type"] = res.kind
        if res.name:
            resource["name"] = res.name
    return resource, cloud_obj


def _events(report: ReportData) -> Iterator[dict[str, Any]]:
    """One event per verdict, made as asked for."""
    resources = resources_named(report, (v.resource for v in report.verdicts))
    fallback = only_cloud(report)
    time = _epoch_ms(report.evaluated_on)
    product: dict[str, Any] = {"name": "boundary-auditor", "vendor_name": "boundary-auditor"}
    if report.tool_version:
        product["version"] = report.tool_version
    for v in report.verdicts:
        res = resources.get(v.resource)
        cloud, account, region = where(v.resource, res, fallback)
        sev_id, sev = SEVERITY_ID[v.severity]
        st_id, st = COMPLIANCE_STATUS[v.status]
        uid = hashlib.sha256(
            "\x00".join(
                (report.declaration_name, v.rule, v.resource, v.aspect, cloud, account, region)
            ).encode()
        ).hexdigest()
        finding_info: dict[str, Any] = {
            "uid": uid,
            "title": report.rule_titles.get(v.rule, v.rule),
            "desc": v.message,
            "types": [f"boundary/{v.path.value}"],
        }
        if v.finding:
            finding_info["uid_alt"] = v.finding
        resource, cloud_obj = _resource_and_cloud(v.resource, res, cloud, account, region)
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
            "metadata": {"version": OCSF_VERSION, "product": product, "profiles": ["cloud"]},
            "cloud": cloud_obj,
            "finding_info": finding_info,
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
        if v.aspect:
            event["unmapped"]["aspect"] = v.aspect
        if v.status in FINDING_STATUS:
            event["status_id"], event["status"] = FINDING_STATUS[v.status]
        remediation = report.rule_docs.get(v.rule, {}).get("remediation", "")
        if remediation and v.status in (Status.FAIL, Status.WAIVED, Status.INCONCLUSIVE):
            event["remediation"] = {"desc": remediation}
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
