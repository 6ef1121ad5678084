"""``auditor failover-plan BUNDLE``: per region, what changes first and what is missing.

Offline: reads a verified evidence bundle, rebuilds the graph (with its derived
``failure.depends_on`` edges), and prints for each region that would take over
the ordered changes (the declared runbook, or the derived order: DNS, replication,
capacity, keys, consumers), what it needs from other regions, and the failure
path verdicts of the bundle that are not PASS. ``--json``: the same plan as one
JSON object (regions in the same order, each verdict with status, rule, resource
and message).
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands._bundle_options import public_key_option


@click.command(name="failover-plan")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@public_key_option()
def failover_plan(bundle: Path, as_json: bool, public_key: Path | None) -> None:
    """Print, per region, what a failover changes first and what is missing (offline)."""
    import json

    from auditor.commands._common import inert, open_or_fail
    from auditor.render.failover_plan import plan, plan_lines

    loaded = open_or_fail(bundle, public_key)
    if as_json:
        click.echo(json.dumps(plan(loaded), indent=2, sort_keys=True, ensure_ascii=True))
        return
    for line in plan_lines(loaded):
        click.echo(inert(line))


COMMAND = failover_plan
