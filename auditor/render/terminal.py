"""What a scan prints on the terminal: the summary table, failures, gaps, notes.

Cloud-supplied strings are printed as rich ``Text``, never read as markup, and
passed through :func:`inert` first: a name holding a line break, a carriage
return or an ANSI escape prints as visible escapes, never as a line of its own,
a moved cursor or an overwritten line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.base.text import inert
from auditor.boundary import Declaration
from auditor.checks.findings import findings_of
from auditor.model import Finding, Inventory, PathName, Severity, Status, Verdict
from auditor.render.sarif_limits import omission_note

SARIF_FILE = "report.sarif"

SUMMARY_FAILS = 15
"""Findings listed on the terminal; the rest are in report.md."""


UNCUT_WIDTH = 1000
"""Columns a table may take when the output is not a terminal (a pipe, a file, CI)."""


def make_console(stderr: bool = False) -> Any:
    """A rich console (stdout, or stderr) that never reads cloud strings as markup.

    Not on a terminal, tables are as wide as their content: a piped ``auditor rules``
    never cuts a rule id at 80 columns.
    """
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=False, soft_wrap=True, width=UNCUT_WIDTH)
    return console


def print_summary(
    console: Any,
    decl: Declaration,
    inventory: Inventory,
    verdicts: Sequence[Verdict],
    bundle: Path,
    findings: Sequence[Finding] | None = None,
) -> None:
    """Scope, verdicts by path and status, the worst root-cause findings, gaps, the bundle.

    ``findings`` defaults to those of ``verdicts`` (the same ids; no fix text is shown).
    """
    from rich.table import Table
    from rich.text import Text

    scope = inventory.scope
    console.print(
        Text(
            inert(
                f"{decl.name}: scanned {len(scope.accounts)} account(s) "
                f"[{', '.join(scope.accounts)}] in {', '.join(scope.regions)}; "
                f"{len(inventory.resources)} resources, "
                f"{sum(inventory.api_calls.values())} API calls"
            )
        )
    )
    table = Table(title="Verdicts by path")
    table.add_column("path")
    for s in Status:
        table.add_column(s.value, justify="right")
    for p in PathName:
        table.add_row(
            p.value,
            *(str(sum(1 for v in verdicts if v.path is p and v.status is s)) for s in Status),
        )
    console.print(table)
    found = list(findings_of(verdicts) if findings is None else findings)
    failing = [f for f in found if f.status is Status.FAIL]
    fail_verdicts = sum(1 for v in verdicts if v.status is Status.FAIL)
    by_severity = ", ".join(
        f"{n} {sev.value}"
        for sev in reversed(Severity)
        if (n := sum(1 for f in failing if f.severity is sev))
    )
    console.print(
        Text(
            f"{len(failing)} failing finding(s) (root causes)"
            + (f": {by_severity}" if by_severity else "")
            + f", from {fail_verdicts} FAIL verdict(s); "
            f"{len(found) - len(failing)} waived finding(s)"
        )
    )
    if failing:
        shown = Table(title=f"Findings ({len(failing)})", show_lines=False)
        for col in ("severity", "finding", "verdicts", "summary"):
            shown.add_column(col)
        for f in failing[:SUMMARY_FAILS]:
            shown.add_row(
                Text(inert(f.severity.value)),
                Text(inert(f.id)),
                Text(str(len(f.verdicts))),
                Text(inert(f.summary)),
            )
        console.print(shown)
        if len(failing) > SUMMARY_FAILS:
            console.print(Text(f"... and {len(failing) - SUMMARY_FAILS} more in report.md"))
    if inventory.gaps:
        console.print(
            Text(
                f"{len(inventory.gaps)} collection gap(s): dependent verdicts are "
                "INCONCLUSIVE (see report.md)"
            )
        )
    else:
        console.print(Text("collection complete: no gaps"))
    console.print(Text(inert(f"evidence bundle: {bundle}")))
    note = omission_note(bundle / SARIF_FILE)
    if note is not None:
        console.print(Text(inert(note)))


def collection_notes(result: Any) -> list[str]:
    """One line each on what organisation discovery and resuming did (an AWS result)."""
    notes = []
    org = result.organization
    if org is not None:
        notes.append(
            f"organization {org.id}: {len(org.accounts)} account(s), {len(org.active())} "
            f"ACTIVE, {len(org.units)} OU(s); scanning {len(result.accounts)} account(s)"
        )
    if result.resumed_units:
        notes.append(f"resumed {result.resumed_units} finished unit(s) from the checkpoint")
    return [inert(line) for line in [*notes, *result.notes]]
