"""``auditor docs``: generate the reference docs from the code."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="docs")
@click.option(
    "--out",
    "out_dir",
    default="docs/reference",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
def docs(out_dir: Path) -> None:
    """Generate reference docs (rules, edge and resource kinds, declaration) from the code."""
    from auditor.reference import write_reference

    for path in write_reference(out_dir):
        click.echo(f"wrote {path}")


COMMAND = docs
