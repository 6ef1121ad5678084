"""``auditor diff OLD NEW``: what changed between two evidence bundles.

OLD and NEW are bundle folders or packed ``.tar.gz`` files (see ``auditor
pack``); both are verified first (and their signatures checked with
``--public-key`` or ``$AUDITOR_TRUSTED_KEYS``), then read only from the
verified bytes. Shown: root-cause findings new and fixed (by their stable
id), verdicts that changed (new failures,
failures whose waiver expired, newly inconclusive, fixed, ...), zone crossings
and access paths (``control.can_assume`` / ``control.can_act_on``) added and
removed, resources added, removed and changed (attribute by
attribute), and relations added and removed. ``--json`` is ``--format json`` (the
flag the other commands take; asking for both JSON and another format is refused).
Exit 0 whatever changed; 2 when a bundle cannot be read or is not intact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from auditor.commands._bundle_options import public_key_option


def diff_loaded(a: Any, b: Any) -> Any:
    """The BundleDiff of two LoadedBundles, from their verified bytes; raises BundleError."""
    from auditor.evidence.diff import diff_bundles

    graphs = [a.graph(), b.graph()]
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
    default=None,
    help="Output format (default: text).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the diff as JSON (the same as --format json)."
)
@public_key_option("both bundles must carry a valid signature by it")
def diff(old: Path, new: Path, fmt: str | None, as_json: bool, public_key: Path | None) -> None:
    """Compare two evidence bundles: findings, verdicts, crossings, resources, relations."""
    from auditor.base.serialize import canonical_json
    from auditor.commands._common import fail_with, open_or_fail
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.diff import render_markdown, render_text

    if as_json and fmt not in (None, "json"):
        fail_with(f"--json and --format {fmt}: choose one output format")
    fmt = "json" if as_json else fmt or "text"
    a, b = open_or_fail(old, public_key), open_or_fail(new, public_key)
    try:
        result = diff_loaded(a, b)
    except BundleError as exc:
        fail_with(str(exc))
    if fmt == "json":
        click.echo(canonical_json(result.to_dict()).decode(), nl=False)
    elif fmt == "md":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(inert_text(render_text(result)), nl=False)


def inert_text(text: str) -> str:
    """Each line of ``text`` with its control characters escaped (ids come from bundles)."""
    from auditor.commands._common import inert

    return "\n".join(inert(line) for line in text.split("\n"))


COMMAND = diff
