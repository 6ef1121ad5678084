"""``auditor who-can BUNDLE ACTION RESOURCE``: which principals may do an action on a resource.

Answered offline from a verified bundle: the graph is rebuilt from its
inventory and declaration, and every principal the access model knows (the
collected roles and users, the outside principals trusts name, and ``*``) is
evaluated with AWS policy semantics. For each principal that may, the
granting statements are printed, then the chains of role assumptions through
which others reach it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from auditor.commands._bundle_options import public_key_option


def who_can(bundle: Any, action: str, resource: str) -> dict[str, Any]:
    """The answer as a JSON-ready document (sorted, deterministic).

    ``bundle`` is a LoadedBundle, or a path (verified, no signature required).
    """
    from auditor.analysis.access import access_model, describe_chain
    from auditor.analysis.derive import build_graph
    from auditor.analysis.policy import ANYONE
    from auditor.evidence.load import LoadedBundle, load_bundle

    loaded = bundle if isinstance(bundle, LoadedBundle) else load_bundle(bundle)
    graph = build_graph(loaded.inventory, loaded.declaration)
    model = access_model(graph)
    candidates = sorted({*model.principals, *model.assume_graph().nodes, ANYONE})
    rows: list[dict[str, Any]] = []
    for pid in candidates:
        if pid.startswith("service:"):
            continue
        res = model.can(pid, action, resource)
        if not res.reachable:
            continue
        chains = model.chains_to(pid)
        rows.append(
            {
                "principal": pid,
                "party": model.party(pid),
                "decision": res.decision.value,
                "requires": list(res.requires),
                "notes": list(res.notes),
                "statements": [h.as_json() for h in res.allows],
                "reached_by": [
                    {"chain": chain, "text": describe_chain(model, chain)}
                    for _, chain in sorted(chains.items())
                ],
            }
        )
    return {"action": action, "resource": resource, "bundle": str(loaded.path), "principals": rows}


def render(doc: dict[str, Any]) -> str:
    lines = [f"who can {doc['action']} on {doc['resource']}:"]
    if not doc["principals"]:
        lines.append("  no principal (every known principal is denied or not allowed)")
    for row in doc["principals"]:
        lines.append(f"- {row['principal']} ({row['party']}): {row['decision'].upper()}")
        for st in row["statements"]:
            sid = st["statement"].get("Sid") or "-"
            lines.append(f"    granted by {st['layer']} {st['policy']} (Sid {sid})")
        for req in row["requires"]:
            lines.append(f"    requires {req}")
        for note in row["notes"]:
            lines.append(f"    note: {note}")
        for chain in row["reached_by"]:
            lines.append(f"    reached by: {chain['text']}")
    return "\n".join(lines)


@click.command("who-can")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.argument("action")
@click.argument("resource")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@public_key_option()
def command(
    bundle: Path, action: str, resource: str, as_json: bool, public_key: Path | None
) -> None:
    """Which principals may perform ACTION on RESOURCE, with chains and statements."""
    from auditor.commands._common import open_or_fail

    doc = who_can(open_or_fail(bundle, public_key), action, resource)
    click.echo(json.dumps(doc, indent=2, sort_keys=True) if as_json else inert_lines(render(doc)))


def inert_lines(text: str) -> str:
    """Each line of ``text`` with control characters escaped (names come from the bundle)."""
    from auditor.commands._common import inert

    return "\n".join(inert(line) for line in text.split("\n"))


COMMAND = command
