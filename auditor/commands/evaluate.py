"""``auditor evaluate``: re-run the rules on a bundle's inventory, offline.

With the bundle's own declaration, rule pack and evaluation date, the new
``verdicts.json`` is byte for byte the old one: evidence can be replayed by
anyone holding the bundle. With ``--boundary NEW.yaml`` the same inventory is
judged against a changed declaration (what-if for a design review). ``--json``:
stdout holds only scan's summary object (the human summary goes to stderr).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from auditor.commands._bundle_options import public_key_option


@click.command(name="evaluate")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--boundary",
    "declaration",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Judge against this declaration instead of the bundle's own.",
)
@click.option("--rules", default=None, help="Rule pack (default: the one the bundle used).")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Evaluation date for waiver expiry (default: the bundle's).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the new bundle is written under.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON summary on stdout (the object scan --json prints); the human "
    "summary goes to stderr.",
)
@public_key_option()
def evaluate(
    bundle: Path,
    declaration: Path | None,
    rules: str | None,
    as_of: dt.datetime | None,
    out_dir: Path,
    as_json: bool,
    public_key: Path | None,
) -> None:
    """Re-evaluate a bundle's inventory offline and write a new bundle."""
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.checks import all_rules
    from auditor.checks.pack import PackError, load_pack
    from auditor.commands._common import (
        bundle_summary,
        fail_with,
        make_console,
        open_or_fail,
        print_summary,
    )
    from auditor.evidence.bundle import sha256
    from auditor.pipeline import ScanError, judge_and_write

    loaded = open_or_fail(bundle, public_key)
    try:
        decl, text = loaded.declaration, loaded.declaration_text
        if declaration is not None:
            decl = load_declaration(declaration)
            text = declaration.read_text(encoding="utf-8")
        pack = load_pack(rules or str(loaded.manifest.get("rules", {}).get("pack", "default")))
        pack.entries(all_rules())
    except (DeclarationError, PackError) as exc:
        fail_with(str(exc))
    today = as_of.date() if as_of else dt.date.fromisoformat(loaded.manifest["evaluated_on"])
    provenance = {
        "replay_of": loaded.path.name,
        "replay_of_sha256sums": sha256(loaded.trusted.sums),
    }
    try:
        ev, written = judge_and_write(
            loaded.inventory,
            decl=decl,
            decl_text=text,
            pack=pack,
            out_dir=out_dir,
            started=_time(loaded.manifest["started"]),
            finished=_time(loaded.manifest["finished"]),
            evaluated_on=today,
            provenance=provenance,
        )
    except ScanError as exc:
        fail_with(str(exc))
    print_summary(make_console(stderr=as_json), decl, loaded.inventory, ev.verdicts, written)
    if as_json:
        click.echo(bundle_summary(written, ev, loaded.inventory, 0, []))


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


COMMAND = evaluate
