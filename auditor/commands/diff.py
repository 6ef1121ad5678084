"""``auditor diff OLD NEW``: what changed between two evidence bundles.

OLD and NEW are bundle folders or packed ``.tar.gz`` files (see ``auditor
pack``); both are verified first. Shown: verdicts that changed (new failures,
failures whose waiver expired, newly inconclusive, fixed, ...), zone crossings
and access paths (``control.can_assume`` / ``control.can_act_on``) added and
removed, resources added, removed and changed (attribute by
attribute), and relations added and removed. Exit 0 whatever changed; 2 when a
bundle cannot be read or is not intact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def diff_paths(old: Path, new: Path) -> Any:
    """Load, verify and diff two bundles (a BundleDiff); raises BundleError."""
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.diff import diff_bundles
    from auditor.evidence.load import load_bundle

    a, b = load_bundle(old), load_bundle(new)
    graphs = []
    for loaded in (a, b):
        try:
            graphs.append(json.loads((loaded.path / "graph.json").read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BundleError(f"{loaded.path / 'graph.json'}: cannot read ({exc})") from None
    return diff_bundles(
        old_name=a.path.name,
        new_name=b.path.name,
        old_resources=a.inventory.resources,
        new_resources=b.inventory.resources,
        old_relations=a.inventory.relations,
        new_relations=b.inventory.relations,
        old_graph=graphs[0],
        new_graph=graphs[1],
        old_verdicts=a.verdicts,
        new_verdicts=b.verdicts,
    )


@click.command(name="diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "md"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def diff(old: Path, new: Path, fmt: str) -> None:
    """Compare two evidence bundles: verdicts, crossings, resources and relations."""
    from auditor.base.serialize import canonical_json
    from auditor.commands._common import fail_with
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.diff import render_markdown, render_text

    try:
        result = diff_paths(old, new)
    except BundleError as exc:
        fail_with(str(exc))
    if fmt == "json":
        click.echo(canonical_json(result.to_dict()).decode(), nl=False)
    elif fmt == "md":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result), nl=False)


COMMAND = diff
