"""``auditor validate``: check a boundary declaration without touching any cloud."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.base.exit_codes import ExitCode


@click.command(name="validate")
@click.argument("declaration", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object on stdout: valid, every error located, and a summary.",
)
def validate(declaration: Path, as_json: bool) -> None:
    """Check a boundary declaration; every error names file, line, column and field."""
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.commands._common import inert

    try:
        decl = load_declaration(declaration)
    except DeclarationError as exc:
        if as_json:
            errors = [
                {"line": e.line, "column": e.col, "field": e.where, "why": e.why}
                for e in exc.errors
            ]
            doc = {"declaration": str(declaration), "valid": False, "errors": errors}
            click.echo(json.dumps(doc, sort_keys=True, ensure_ascii=False))
        else:
            for e in exc.errors:
                click.echo(f"error: {inert(e.located(str(declaration)))}", err=True)
        sys.exit(ExitCode.INPUT)
    summary = {
        "name": decl.name,
        "pattern": decl.pattern.value,
        "parties": len(decl.parties),
        "accounts": sum(len(decl.accounts(c)) for c in ("aws", "azure", "gcp")),
        "regions": len(decl.regions),
        "waivers": len(decl.exceptions),
    }
    if as_json:
        doc = {"declaration": str(declaration), "valid": True, "errors": [], **summary}
        click.echo(json.dumps(doc, sort_keys=True, ensure_ascii=False))
        return
    click.echo(
        inert(
            f"{declaration}: valid ({decl.name}, {decl.pattern.value}, "
            f"{summary['parties']} parties, {summary['accounts']} accounts, "
            f"{summary['regions']} regions, {summary['waivers']} waivers)"
        )
    )


COMMAND = validate
