"""What GitHub code scanning accepts in one SARIF upload, and fitting report.sarif to it.

GitHub's limits ("SARIF results exceed limit", "SARIF results file is too large"):

- runs per file: 20 (report.sarif has one run);
- results per run: 25,000 rejected, and only 5,000 stored (the rest dropped without a
  word in the file): a run keeps at most :data:`MAX_RESULTS` results;
- rules per run: 25,000 (our rules are those of the kept results, at most 5,000);
- locations per result: 1,000 rejected, 100 shown (ours: one physical, one logical);
- tags per rule: 20 rejected, 10 shown (ours: at most three);
- file size: 10 MB gzip-compressed. The writer holds the uncompressed bytes to it,
  which is stricter and needs no compressor to be judged.

When the results would not fit, the most severe are kept (:func:`priority`: FAIL
before INCONCLUSIVE before WAIVED, then by severity, then by rule, resource and
aspect, so the choice is deterministic), the kept ones stay in the report's order,
and the run's ``properties`` say how many were left out, of which status, and why.
Every verdict stays in ``verdicts.json`` and the other reports. (The SARIF
multitool's GH1004 still checks the old Developer Security Portal display limits,
1000 results per run: a log of over 1000 results trips it though GitHub stores it.)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.model import Severity, Status, Verdict

MAX_RUNS_PER_FILE = 20
MAX_RESULTS = 5_000
"""Results GitHub stores per run (it rejects a run of more than 25,000)."""
MAX_RULES_PER_RUN = 25_000
MAX_LOCATIONS_PER_RESULT = 100
"""Locations GitHub shows per result (it rejects more than 1,000)."""
MAX_TAGS_PER_RULE = 10
"""Tags GitHub shows per rule (it rejects more than 20)."""
MAX_FILE_BYTES = 10 * 1024 * 1024
"""GitHub's upload limit (on the gzip-compressed file; held here on the plain bytes)."""

_STATUS_RANK = {Status.FAIL: 0, Status.INCONCLUSIVE: 1, Status.WAIVED: 2}
"""A failure first; an open question before an accepted waiver (which needs no action)."""
_SEVERITY_RANK = {s: i for i, s in enumerate(reversed(Severity))}


def priority(v: Verdict) -> tuple[int, int, str, str, str]:
    """The sort key of a result when some must be left out: most severe first."""
    return (_STATUS_RANK.get(v.status, 3), _SEVERITY_RANK[v.severity], v.rule, v.resource, v.aspect)


@dataclass(frozen=True, kw_only=True)
class Fitted:
    """The positions (in the report's order) of the results kept, and the omission note."""

    kept: tuple[int, ...]
    omitted: dict[str, Any]
    """The run properties saying what was left out; empty when nothing was."""


SLACK_BYTES = 1024
"""Room for the brackets around the results list and the run's omission note."""


def fit(
    verdicts: Sequence[Verdict],
    result: Callable[[int], dict[str, Any]],
    *,
    base_bytes: int,
) -> Fitted:
    """Which results (one per verdict; ``result(i)`` builds the i-th) fit GitHub's limits.

    ``base_bytes``: the rendered size of the document without any result (with the
    rules of every verdict, so an overestimate). Each result's share is measured as
    rendered (at its indentation in the run, with its separator). Only the results
    that may be kept are built.
    """
    order = sorted(range(len(verdicts)), key=lambda i: priority(verdicts[i]))
    by_count = order[:MAX_RESULTS]
    budget = MAX_FILE_BYTES - base_bytes - SLACK_BYTES
    kept: list[int] = []
    for i in by_count:
        budget -= result_bytes(result(i))
        if budget < 0:
            break
        kept.append(i)
    return Fitted(kept=tuple(sorted(kept)), omitted=_omitted(verdicts, order, len(kept), by_count))


RESULT_INDENT = 8
"""Spaces before each line of a result in report.sarif (``runs[0].results[n]``)."""


def result_bytes(result: dict[str, Any]) -> int:
    """The bytes one result adds to report.sarif (indented, with ``,\\n``)."""
    text = json.dumps(result, indent=2, ensure_ascii=False)
    return len(text.encode()) + RESULT_INDENT * (text.count("\n") + 1) + 2


def _omitted(
    verdicts: Sequence[Verdict], order: list[int], kept: int, by_count: list[int]
) -> dict[str, Any]:
    left_out = order[kept:]
    if not left_out:
        return {}
    reasons = []
    if len(order) > MAX_RESULTS:
        reasons.append(
            f"GitHub code scanning stores at most {MAX_RESULTS} results per run "
            f"({len(order)} verdicts to report)"
        )
    if kept < len(by_count):
        reasons.append(
            f"GitHub code scanning refuses a SARIF file over {MAX_FILE_BYTES} bytes "
            f"({len(by_count) - kept} more results would pass it)"
        )
    by_status = Counter(verdicts[i].status.value for i in left_out)
    return {
        "omittedResults": len(left_out),
        "omittedByStatus": dict(sorted(by_status.items())),
        "omittedReason": "; ".join(reasons)
        + ": the least severe were left out (FAIL before INCONCLUSIVE before WAIVED, "
        "then by severity); every verdict is in verdicts.json and report.md",
    }


def omission_note(sarif: Path) -> str | None:
    """One line for the terminal when ``sarif`` (a written report.sarif) left results out."""
    if not sarif.is_file():
        return None
    runs = json.loads(sarif.read_bytes()).get("runs", [])
    props = runs[0].get("properties", {}) if runs else {}
    count = props.get("omittedResults")
    if not count:
        return None
    return f"report.sarif: {count} result(s) left out: {props.get('omittedReason', '')}"
