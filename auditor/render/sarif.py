"""report.sarif: SARIF 2.1.0, one result per FAIL, WAIVED or INCONCLUSIVE verdict.

- FAIL: ``kind: fail`` with ``level`` error (critical, high), warning (medium)
  or note (low, info). WAIVED: the same, with an accepted external suppression
  carrying the waiver's reason, approver and expiry (viewers show it dismissed).
- INCONCLUSIVE: ``kind: open`` (SARIF: "insufficient information to decide
  whether a problem exists") with ``level: none``, as SARIF requires for any
  kind other than ``fail``.
- Each result has a physical location, which GitHub code scanning requires: the
  bundle's ``declaration.yaml`` at the line of the clause judged (the waiver's entry
  for a waived verdict, else the rule's path section: ``data:``, ``control:``,
  ...), and a logical one, the resource id (``fullyQualifiedName``).
- ``partialFingerprints`` are stable per (rule, resource, aspect) so viewers track a
  result across scans; the root-cause finding id is a property.
- Rules carry a name (the id in PascalCase), ``help`` (rationale and remediation)
  and a GitHub ``security-severity``.
- ``informationUri`` (SARIF: an absolute URI) is the package's public page from its
  ``Project-URL`` metadata; a package that names none gets none rather than an
  invented one. Rules have no ``helpUri`` for the same reason: their help is
  embedded in ``help`` (GitHub shows it), there is no published page to link.

- Never more than GitHub code scanning accepts and stores (results per run, file
  size, ...): the most severe results are kept and the run's properties say how
  many were left out and why (:mod:`auditor.render.sarif_limits`).

Cloud-supplied strings only ever appear as JSON string values (escaped by the
JSON encoder) and in plain-text ``message.text``, never in Markdown fields.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from auditor.model import Severity, Status, Verdict
from auditor.render import ReportData
from auditor.render.sarif_limits import fit

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
        "name": rule_name(rule_id),
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


DECLARATION_ARTIFACT = "declaration.yaml"
"""The declaration as scanned, a file of the bundle: results are located in it."""


def rule_name(rule_id: str) -> str:
    """``data.key-rotation`` -> ``DataKeyRotation`` (SARIF: a name, not the id again)."""
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[.\-_]", rule_id) if p)


HOME_PAGE_LABELS = ("homepage", "documentation", "source", "repository")
"""``Project-URL`` labels that name the tool's public page, in order of preference."""


def home_page(project_urls: Iterable[str]) -> str:
    """The absolute http(s) URL of the first ``Project-URL`` (``label, url``) whose label
    names a home page, documentation or source; "" when there is none."""
    found: dict[str, str] = {}
    for entry in project_urls:
        label, _, url = entry.partition(",")
        key = re.sub(r"[^a-z]", "", label.lower())
        url = url.strip()
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc and key not in found:
            found[key] = url
    return next((found[k] for k in HOME_PAGE_LABELS if k in found), "")


def fingerprint(rule: str, resource: str, aspect: str = "") -> str:
    key = f"{rule}\x00{resource}" + (f"\x00{aspect}" if aspect else "")
    return hashlib.sha256(key.encode()).hexdigest()


def _clause_line(v: Verdict, report: ReportData) -> int:
    lines = report.declaration_lines
    clause = str((v.waiver or {}).get("clause", "")) or v.path.value
    return lines.get(clause) or lines.get(v.path.value) or 1


def _result(v: Verdict, index: int, report: ReportData) -> dict[str, Any]:
    failed = v.status in (Status.FAIL, Status.WAIVED)
    props: dict[str, Any] = {
        "status": v.status.value,
        "severity": v.severity.value,
        "path": v.path.value,
    }
    if v.finding:
        props["finding"] = v.finding
    if v.aspect:
        props["aspect"] = v.aspect
    out: dict[str, Any] = {
        "ruleId": v.rule,
        "ruleIndex": index,
        "kind": "fail" if failed else "open",
        "level": _LEVEL[v.severity] if failed else "none",
        "message": {"text": v.message or v.rule},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": DECLARATION_ARTIFACT},
                    "region": {"startLine": _clause_line(v, report)},
                },
                "logicalLocations": [{"fullyQualifiedName": v.resource, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {"boundaryVerdict/v1": fingerprint(v.rule, v.resource, v.aspect)},
        "properties": props,
    }
    if v.status is Status.WAIVED and v.waiver:
        w = v.waiver
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.get('reason', '')} (approved by "
                f"{w.get('approved_by', '')}, expires {w.get('expires', '')})",
            }
        ]
    return out


def sarif_document(report: ReportData) -> dict[str, Any]:
    """The SARIF log; within GitHub code scanning's limits (see :mod:`.sarif_limits`)."""
    shown = (Status.FAIL, Status.WAIVED, Status.INCONCLUSIVE)
    chosen = [v for v in report.verdicts if v.status in shown]
    every_rule = sorted({v.rule for v in chosen})
    built: dict[int, dict[str, Any]] = {}

    def result(i: int) -> dict[str, Any]:
        # a placeholder index with the most digits any final index can have
        if i not in built:
            built[i] = _result(chosen[i], len(every_rule), report)
        return built[i]

    base = len(_dump(_document(report, every_rule, [], {})))
    fitted = fit(chosen, result, base_bytes=base)
    rule_ids = sorted({chosen[i].rule for i in fitted.kept})
    index = {rid: i for i, rid in enumerate(rule_ids)}
    results = [result(i) for i in fitted.kept]
    for r in results:
        r["ruleIndex"] = index[r["ruleId"]]
    return _document(report, rule_ids, results, fitted.omitted)


def _document(
    report: ReportData,
    rule_ids: list[str],
    results: list[dict[str, Any]],
    omitted: dict[str, Any],
) -> dict[str, Any]:
    driver: dict[str, Any] = {
        "name": "boundary-auditor",
        "rules": [_rule(rid, report) for rid in rule_ids],
    }
    if report.tool_version:
        driver["version"] = report.tool_version
    if report.tool_uri:
        driver["informationUri"] = report.tool_uri
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "artifacts": [
                    {
                        "location": {"uri": DECLARATION_ARTIFACT},
                        "description": {"text": "the boundary declaration as scanned"},
                    }
                ],
                "automationDetails": {"id": f"boundary-auditor/{report.declaration_name}/"},
                "properties": {
                    "declaration": report.declaration_name,
                    "declarationSha256": report.declaration_hash,
                    "rulePack": report.pack,
                    "evaluatedOn": report.evaluated_on,
                    **omitted,
                },
                "results": results,
            }
        ],
    }


def _dump(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def render(report: ReportData) -> bytes:
    return _dump(sarif_document(report))
