"""``auditor rules``: list the rules, or those of one pack."""

from __future__ import annotations

import click


@click.command(name="rules")
@click.option("--pack", default=None, help="Show only the rules of this pack.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print every rule's metadata as a JSON list (id, path, severity, title, "
    "rationale, remediation, collectors it needs, parameters).",
)
def list_rules(pack: str | None, as_json: bool) -> None:
    """List the rules: id, path, severity and rationale."""
    from rich.table import Table

    from auditor.checks import all_rules
    from auditor.checks.pack import PackError, load_pack
    from auditor.commands._common import fail_with, make_console

    rules = all_rules()
    chosen = list(rules)
    if pack:
        try:
            chosen = [e.id for e in load_pack(pack).entries(rules)]
        except PackError as exc:
            fail_with(str(exc))
    if as_json:
        import json

        doc = [
            {
                "id": rules[rid].id,
                "path": rules[rid].path.value,
                "severity": rules[rid].severity.value,
                "title": rules[rid].title,
                "rationale": rules[rid].rationale,
                "remediation": rules[rid].remediation,
                "requires": list(rules[rid].requires),
                "params": dict(rules[rid].params),
            }
            for rid in chosen
        ]
        click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
        return
    table = Table(show_lines=False)
    for col in ("id", "path", "severity", "rationale"):
        table.add_column(col)
    for rid in chosen:
        r = rules[rid]
        table.add_row(r.id, r.path.value, r.severity.value, r.rationale.splitlines()[0])
    make_console().print(table)


COMMAND = list_rules
