"""``auditor failover-plan BUNDLE``: per region, what changes first and what is missing.

Offline: reads a verified evidence bundle, rebuilds the graph (with its derived
``failure.depends_on`` edges), and prints for each region that would take over
the ordered changes (the declared runbook, or the derived order: DNS, replication,
capacity, keys, consumers), what it needs from other regions, and the failure
path verdicts of the bundle that are not PASS.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="failover-plan")
@click.argument("bundle", type=click.Path(path_type=Path))
def failover_plan(bundle: Path) -> None:
    """Print, per region, what a failover changes first and what is missing (offline)."""
    from auditor.commands._common import fail_with
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.load import load_bundle

    try:
        loaded = load_bundle(bundle)
    except BundleError as exc:
        fail_with(str(exc))
    from auditor.render.failover_plan import plan_lines

    for line in plan_lines(loaded):
        click.echo(line)


COMMAND = failover_plan
