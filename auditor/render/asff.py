"""asff.json: AWS Security Finding Format, for ``securityhub batch-import-findings``.

One finding per FAIL, WAIVED or INCONCLUSIVE verdict about a scanned AWS account: its
resource's, or (for a verdict on an outside principal) that of the resource whose
configuration must change. Security Hub holds findings of AWS accounts: Azure and GCP
verdicts are not in this file; they are in ocsf.jsonl and report.sarif.

Mapping: ``Compliance.Status`` FAILED (FAIL, WAIVED) or WARNING (INCONCLUSIVE, "no
result due to missing information"); a WAIVED verdict's ``Workflow.Status`` is
SUPPRESSED, with the waiver as a note; ``Severity.Label`` the rule pack's severity (INFO
... CRITICAL); ``ProductArn`` the account's own default product
(``product/<account>/default``, which needs no partner integration) in the region of the
resource, or of the first declared region for a global one. ``Id`` is stable per
(declaration, rule, resource, aspect), so a re-import updates the finding;
``CreatedAt``/``UpdatedAt`` are the evaluation date, so the same bundle gives the same
bytes. The shape is checked against botocore's own ``BatchImportFindings`` model in the
tests.
"""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.base.ids import locate_id
from auditor.base.serialize import canonical_json
from auditor.model import Resource, Status, Verdict
from auditor.render import ReportData

FILENAME = "asff.json"

SCHEMA_VERSION = "2018-10-08"
_COMPLIANCE = {
    Status.FAIL: "FAILED",
    Status.WAIVED: "FAILED",
    Status.INCONCLUSIVE: "WARNING",
}
_TYPE = "Software and Configuration Checks/Industry and Regulatory Standards/Boundary"
_MAX_TEXT = 1024
"""Security Hub's limit on Description (and on a note's Text)."""


def _location(rid: str, res: Resource | None, report: ReportData) -> tuple[str, str, str]:
    """(account, region, resource type) of a resource in a scanned AWS account; account ''
    otherwise (Security Hub takes a finding only into the account it is about)."""
    if res is not None:
        cloud, account, region, kind = res.cloud, res.account, res.region, res.kind
    else:
        cloud, account, region = locate_id(rid)
        kind = "Other"
    if cloud != "aws" or account not in report.inventory.scope.accounts:
        return "", "", ""
    if region in ("", "global"):
        region = next(iter(sorted(report.inventory.scope.regions)), "us-east-1")
    return account, region, kind


def _finding(
    v: Verdict, report: ReportData, account: str, region: str, kind: str
) -> dict[str, Any]:
    when = f"{report.evaluated_on}T00:00:00Z"
    uid = hashlib.sha256(
        "\x00".join((report.declaration_name, v.rule, v.resource, v.aspect)).encode()
    ).hexdigest()
    doc = report.rule_docs.get(v.rule, {})
    out: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"boundary-auditor/{uid}",
        "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"boundary-auditor/{v.rule}",
        "AwsAccountId": account,
        "Types": [_TYPE],
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": v.severity.value.upper()},
        "Title": report.rule_titles.get(v.rule, v.rule)[:256],
        "Description": (v.message or v.rule)[:_MAX_TEXT],
        "Resources": [
            {"Type": kind or "Other", "Id": v.resource, "Partition": "aws", "Region": region}
        ],
        "Compliance": {"Status": _COMPLIANCE[v.status]},
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "SUPPRESSED" if v.status is Status.WAIVED else "NEW"},
        "ProductFields": {
            "boundary/status": v.status.value,
            "boundary/path": v.path.value,
            "boundary/declaration": report.declaration_name,
            **({"boundary/finding": v.finding} if v.finding else {}),
            **({"boundary/aspect": v.aspect} if v.aspect else {}),
        },
    }
    if doc.get("remediation"):
        out["Remediation"] = {"Recommendation": {"Text": doc["remediation"][:512]}}
    if v.status is Status.WAIVED and v.waiver:
        w = v.waiver
        out["Note"] = {
            "Text": f"waived: {w.get('reason', '')} (expires {w.get('expires', '')})"[:_MAX_TEXT],
            "UpdatedBy": str(w.get("approved_by", "") or "waiver")[:512],
            "UpdatedAt": when,
        }
    return out


def asff_findings(report: ReportData) -> list[dict[str, Any]]:
    chosen = [v for v in report.verdicts if v.status in _COMPLIANCE]
    named = {rid for v in chosen for rid in (v.resource, *v.causes)}
    resources = {r.id: r for r in report.inventory.resources if r.id in named}
    out = []
    for v in chosen:
        # A verdict on an outside principal lands in the account of what must change.
        for rid in (v.resource, *v.causes):
            account, region, kind = _location(rid, resources.get(rid), report)
            if account:
                out.append(_finding(v, report, account, region, kind))
                break
    return out


def render(report: ReportData) -> bytes:
    return canonical_json(asff_findings(report))
