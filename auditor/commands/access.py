"""``auditor access BUNDLE PRINCIPAL``: what one principal can reach and do.

Answered offline from a verified bundle: the roles the principal can assume
(with the chain to each), then every boundary capability (data read/write,
decrypt, key/bucket/cluster policy change, replication, network and IAM
change, trail tampering) it or any of those roles holds on the boundary's
resources, with the granting statements.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def access(bundle: Path, principal: str) -> dict[str, Any]:
    """The answer as a JSON-ready document (sorted, deterministic)."""
    from auditor.analysis.access import access_model, describe_chain
    from auditor.analysis.derive import build_graph
    from auditor.evidence.load import load_bundle
    from auditor.model import Resource

    loaded = load_bundle(bundle)
    graph = build_graph(loaded.inventory, loaded.declaration)
    model = access_model(graph)
    chains = model.chains_from(principal)
    hops, chain_of = model.hops_from(principal)
    # Each target is tried only with the hops that may act on it (see ActorIndex).
    targets_of: dict[str, list[Resource]] = {}
    for t in model.boundary_targets():
        for node in hops.candidates(t):
            targets_of.setdefault(node, []).append(t)
    grants: list[dict[str, Any]] = []
    for node in hops.principals:  # shortest chains first, as the answer lists them
        chain = chain_of[node]
        for t in targets_of.get(node, []):
            for g in model.grants(node, t):
                grants.append(
                    {
                        "as": node,
                        "chain": chain,
                        "chain_text": describe_chain(model, chain),
                        "resource": t.id,
                        "kind": t.kind,
                        **g.attributes(),
                    }
                )
    p = model.principal(principal)
    return {
        "principal": principal,
        "party": model.party(principal),
        "collected": p.collected,
        "bundle": str(bundle),
        "can_assume": [
            {"role": r, "chain": c, "text": describe_chain(model, c)} for r, c in chains.items()
        ],
        "capabilities": grants,
    }


def render(doc: dict[str, Any]) -> str:
    state = "collected" if doc["collected"] else "not collected: its owner controls its policies"
    lines = [f"{doc['principal']} ({doc['party']}, {state})"]
    lines.append(f"can assume {len(doc['can_assume'])} role(s):")
    for row in doc["can_assume"]:
        lines.append(f"  {row['text']}")
    lines.append(f"boundary capabilities ({len(doc['capabilities'])}):")
    for g in doc["capabilities"]:
        sids = ", ".join(
            f"{s['layer']} {s['policy']} (Sid {s['statement'].get('Sid') or '-'})"
            for s in g["statements"]
        )
        flag = "" if g["decision"] == "allowed" else f" [{g['decision']}]"
        lines.append(f"  {g['capability']} on {g['resource']}: {g['action']}{flag}")
        lines.append(f"    as {g['chain_text']}")
        if sids:
            lines.append(f"    granted by {sids}")
        for note in g["notes"]:
            lines.append(f"    note: {note}")
    return "\n".join(lines)


@click.command("access")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.argument("principal")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def command(bundle: Path, principal: str, as_json: bool) -> None:
    """What PRINCIPAL can assume and do to the boundary's resources, with chains."""
    from auditor.commands._common import fail_with
    from auditor.evidence.bundle import BundleError

    try:
        doc = access(bundle, principal)
    except BundleError as exc:
        fail_with(str(exc))
    click.echo(json.dumps(doc, indent=2, sort_keys=True) if as_json else render(doc))


COMMAND = command
