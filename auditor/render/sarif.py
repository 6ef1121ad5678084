"""report.sarif: SARIF 2.1.0, one result per FAIL or INCONCLUSIVE verdict.

- FAIL: ``kind: fail`` with ``level`` error (critical, high), warning (medium)
  or note (low, info).
- INCONCLUSIVE: ``kind: open`` (SARIF: "insufficient information to decide
  whether a problem exists") with ``level: none``, as SARIF requires for any
  kind other than ``fail``.
- Each result's location is logical: the resource id (``fullyQualifiedName``).
  ``partialFingerprints`` are stable per (rule, resource) so viewers can track
  a finding across scans.
- Rules carry ``help`` (rationale and remediation) and a GitHub
  ``security-severity``.

Cloud-supplied strings only ever appear as JSON string values (escaped by the
JSON encoder) and in plain-text ``message.text``, never in Markdown fields.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.model import Severity, Status
from auditor.render import ReportData

FILENAME = "report.sarif"

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def _rule(rule_id: str, report: ReportData) -> dict[str, Any]:
    doc = report.rule_docs.get(rule_id, {})
    title = doc.get("title") or report.rule_titles.get(rule_id, rule_id)
    rationale = doc.get("rationale", "")
    remediation = doc.get("remediation", "")
    out: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": title},
        "help": {
            "text": f"{rationale}\n\nRemediation: {remediation}".strip(),
            "markdown": f"{rationale}\n\n**Remediation:** {remediation}".strip(),
        },
    }
    if rationale:
        out["fullDescription"] = {"text": rationale}
    severity = doc.get("severity")
    props: dict[str, Any] = {"tags": ["security", "cloud-boundary"]}
    if doc.get("path"):
        props["tags"].append(f"path:{doc['path']}")
    if severity:
        out["defaultConfiguration"] = {"level": _LEVEL[Severity(severity)]}
        props["security-severity"] = SECURITY_SEVERITY[severity]
    out["properties"] = props
    return out


def fingerprint(rule: str, resource: str) -> str:
    return hashlib.sha256(f"{rule}\x00{resource}".encode()).hexdigest()


def sarif_document(report: ReportData) -> dict[str, Any]:
    chosen = [v for v in report.verdicts if v.status in (Status.FAIL, Status.INCONCLUSIVE)]
    rule_ids = sorted({v.rule for v in chosen})
    index = {rid: i for i, rid in enumerate(rule_ids)}
    results = []
    for v in chosen:
        failed = v.status is Status.FAIL
        results.append(
            {
                "ruleId": v.rule,
                "ruleIndex": index[v.rule],
                "kind": "fail" if failed else "open",
                "level": _LEVEL[v.severity] if failed else "none",
                "message": {"text": v.message or v.rule},
                "locations": [
                    {"logicalLocations": [{"fullyQualifiedName": v.resource, "kind": "resource"}]}
                ],
                "partialFingerprints": {"boundaryVerdict/v1": fingerprint(v.rule, v.resource)},
                "properties": {
                    "status": v.status.value,
                    "severity": v.severity.value,
                    "path": v.path.value,
                },
            }
        )
    driver: dict[str, Any] = {
        "name": "boundary-auditor",
        "rules": [_rule(rid, report) for rid in rule_ids],
    }
    if report.tool_version:
        driver["version"] = report.tool_version
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"boundary-auditor/{report.declaration_name}/"},
                "properties": {
                    "declaration": report.declaration_name,
                    "declarationSha256": report.declaration_hash,
                    "rulePack": report.pack,
                    "evaluatedOn": report.evaluated_on,
                },
                "results": results,
            }
        ],
    }


def render(report: ReportData) -> bytes:
    return (json.dumps(sarif_document(report), indent=2, ensure_ascii=False) + "\n").encode()
