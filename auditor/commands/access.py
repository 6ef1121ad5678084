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

from auditor.commands._bundle_options import public_key_option


def access(bundle: Any, principal: str) -> dict[str, Any]:
    """The answer as a JSON-ready document (sorted, deterministic).

    ``bundle`` is a LoadedBundle, or a path (verified, no signature required).
    """
    from auditor.analysis.access import access_model, describe_chain
    from auditor.analysis.derive import build_graph
    from auditor.evidence.load import LoadedBundle, load_bundle
    from auditor.model import Resource

    loaded = bundle if isinstance(bundle, LoadedBundle) else load_bundle(bundle)
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
        "bundle": str(loaded.path),
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
@public_key_option()
def command(bundle: Path, principal: str, as_json: bool, public_key: Path | None) -> None:
    """What PRINCIPAL can assume and do to the boundary's resources, with chains."""
    from auditor.commands._common import open_or_fail

    doc = access(open_or_fail(bundle, public_key), principal)
    click.echo(json.dumps(doc, indent=2, sort_keys=True) if as_json else inert_lines(render(doc)))


def inert_lines(text: str) -> str:
    """Each line of ``text`` with control characters escaped (names come from the bundle)."""
    from auditor.commands._common import inert

    return "\n".join(inert(line) for line in text.split("\n"))


COMMAND = command
