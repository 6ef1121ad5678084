"""``auditor demo``: start embedded fake clouds, load a fixture estate, and scan it."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command(name="demo")
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--estate",
    default="kafka-byoc-multicloud",
    show_default=True,
    help="Fixture estate under fixtures/ (kafka-byoc-aws: AWS only).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the scan's JSON summary on stdout (as scan --json); the demo's own lines "
    "and the human summary go to stderr.",
)
def demo(out_dir: Path, estate: str, as_json: bool) -> None:
    """Start embedded fake clouds (AWS, Azure, GCP), load a fixture estate, and scan it."""
    from auditor.commands._common import fail_with, scan_and_report
    from auditor.fakecloud.demo import DemoError, run_demo
    from auditor.pipeline import ScanError, ScanRequest

    def scan(request: ScanRequest) -> int:
        return scan_and_report(request, fail_on="high", strict=False, as_json=as_json)

    try:
        sys.exit(run_demo(estate=estate, out_dir=out_dir, scan=scan, lines_to_stderr=as_json))
    except (DemoError, ScanError) as exc:
        fail_with(str(exc))


COMMAND = demo
