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
def demo(out_dir: Path, estate: str) -> None:
    """Start embedded fake clouds (AWS, Azure, GCP), load a fixture estate, and scan it."""
    from auditor.commands._common import fail_with, scan_and_report
    from auditor.fakecloud.demo import DemoError, run_demo
    from auditor.pipeline import ScanError, ScanRequest

    def scan(request: ScanRequest) -> int:
        return scan_and_report(request, fail_on="high", strict=False)

    try:
        sys.exit(run_demo(estate=estate, out_dir=out_dir, scan=scan))
    except (DemoError, ScanError) as exc:
        fail_with(str(exc))


COMMAND = demo
