"""``auditor validate``: check a boundary declaration without touching any cloud."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="validate")
@click.argument("declaration", type=click.Path(dir_okay=False, path_type=Path))
def validate(declaration: Path) -> None:
    """Check a boundary declaration; errors name file, line, column and field."""
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.commands._common import fail_with

    try:
        decl = load_declaration(declaration)
    except DeclarationError as exc:
        fail_with(str(exc))
    accounts = sum(len(decl.accounts(c)) for c in ("aws", "azure", "gcp"))
    click.echo(
        f"{declaration}: valid ({decl.name}, {decl.pattern.value}, "
        f"{len(decl.parties)} parties, {accounts} accounts, {len(decl.regions)} regions, "
        f"{len(decl.exceptions)} waivers)"
    )


COMMAND = validate
