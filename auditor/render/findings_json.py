"""findings.json: the root-cause findings, most severe first, for tools that track them.

Each finding's id is stable across scans of the same estate (see
:mod:`auditor.checks.findings`), so a tracker can follow one misconfiguration
from scan to scan; ``verdicts.json`` names the finding of each verdict.
"""

from __future__ import annotations

from auditor.base.serialize import canonical_json, finding_to_dict
from auditor.render import ReportData

FILENAME = "findings.json"


def render(report: ReportData) -> bytes:
    return canonical_json([finding_to_dict(f) for f in report.findings])
