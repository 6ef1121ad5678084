"""``auditor drill``: record failover drill results into the evidence, print their schema.

``auditor drill record RESULT.json --boundary boundary.yaml`` validates the drill
file against the drill format (``docs/drill.schema.json``) and the declaration
(same platform, declared regions), then stores it, canonically formatted, as
``<failure.drills.path>/<id>.json`` next to the declaration. Every later scan reads
that folder into the inventory (resources of kind ``drill``). A bad file is one
located line on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group(name="drill")
def drill() -> None:
    """Record failover drill results; print the drill file schema."""


@drill.command(name="record")
@click.argument("result", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--boundary",
    "declaration",
    default="boundary.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The declaration whose drills folder receives the drill.",
)
def record(result: Path, declaration: Path) -> None:
    """Validate RESULT.json and add it to the declaration's drills folder."""
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.commands._common import fail_with
    from auditor.normalize.drills import (
        DrillError,
        drill_json,
        drills_folder,
        file_name_for,
        read_drill,
    )

    try:
        decl = load_declaration(declaration)
    except DeclarationError as exc:
        fail_with(str(exc))
    try:
        result_drill = read_drill(result)
    except DrillError as exc:
        fail_with(str(exc))
    if result_drill.platform != decl.name:
        fail_with(
            f"{result}: the drill is for platform {result_drill.platform!r}, the declaration "
            f"{declaration} is {decl.name!r}"
        )
    for side, key in (
        ("from_region", result_drill.from_region),
        ("to_region", result_drill.to_region),
    ):
        if key not in decl.regions:
            fail_with(
                f"{result}: {side} {key} is not a region of {declaration} "
                f"({', '.join(sorted(decl.regions))})"
            )
    folder = drills_folder(decl.failure.drills, declaration)
    target = folder / file_name_for(result_drill)
    text = drill_json(result_drill)
    if target.exists():
        try:
            old = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail_with(f"{target}: cannot read ({exc})")
        if old == text:
            click.echo(f"drill {result_drill.id} is already recorded in {target}")
            return
        fail_with(f"{target}: a different drill with id {result_drill.id!r} is already recorded")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        fail_with(f"cannot write {target}: {exc}")
    click.echo(
        f"recorded drill {result_drill.id} ({result_drill.from_region} -> "
        f"{result_drill.to_region}, {result_drill.outcome}): recovery "
        f"{result_drill.recovery_time():g}s, data loss {result_drill.data_loss():g}s -> {target}"
    )


@drill.command(name="schema")
def schema() -> None:
    """Print the JSON schema of a drill file (docs/drill.schema.json)."""
    from auditor.normalize.drills import drill_schema_text

    click.echo(drill_schema_text(), nl=False)


COMMAND = drill
