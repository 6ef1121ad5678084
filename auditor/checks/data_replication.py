"""data.replication-in-boundary: replicas of log data stay in customer accounts and regions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from auditor.analysis.boundary_scope import data_stores, is_declared_region
from auditor.base.edges import REPLICATES_TO
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.model import JSONValue, Kind, PathName, Resource, Severity


def _account_of_key_arn(ref: str) -> str | None:
    parts = ref.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    return None


@rule(
    id="data.replication-in-boundary",
    path=PathName.DATA,
    severity=Severity.HIGH,
    title="Replicas of log data stay inside the boundary",
    rationale=(
        "A replication rule copies every object to its destination: a destination in an "
        "undeclared region or another party's account moves log data out of the boundary."
    ),
    remediation=(
        "Point replication at a bucket in a customer account and a declared region, "
        "encrypted with a customer key; remove rules that leave the boundary."
    ),
    requires=("s3",),
)
def replication_in_boundary(ctx: RuleContext) -> Iterator[Judgement]:
    graph = ctx.graph
    stores = data_stores(graph)
    if not stores:
        yield no_stores(ctx)
        return
    buckets = [s for s in stores if s.kind == Kind.BUCKET]
    if not buckets:
        yield ctx.nothing_to_judge(
            "scope:aws/*/*",
            f"none of the {len(stores)} data store(s) is a bucket, so no S3 replication "
            "can copy log data",
            nodes=[s.id for s in stores],
            attributes={"kinds": sorted({s.kind for s in stores})},
        )
        return
    for b in buckets:
        yield _judge_bucket(ctx, b)


def _judge_bucket(ctx: RuleContext, b: Resource) -> Judgement:
    """Whether every enabled replication destination of bucket ``b`` is inside the boundary."""
    if "replication" not in b.attributes:
        return ctx.inconclusive(b.id, f"the replication of bucket {b.name} was not collected")
    repl: Any = b.attributes.get("replication")
    if repl is None and b.cloud != "aws":
        # On AWS null is "no configuration" (a failed read carries its own gap);
        # elsewhere the normaliser writes null only when it cannot tell.
        return ctx.inconclusive(b.id, f"where bucket {b.name} replicates to is unknown")
    edges = {rel.target: rel for rel in ctx.graph.out_edges(b.id, REPLICATES_TO)}
    destinations, disabled = _destinations(repl, sorted(edges))
    if not destinations:
        return ctx.passed(
            b.id,
            f"bucket {b.name} replicates to no other bucket"
            + (f" (disabled rules: {', '.join(disabled)})" if disabled else ""),
            attributes={"replication": repl},
        )
    placed = _Placement()
    for dest_id, r in sorted(destinations.items()):
        _place(ctx, b, dest_id, r, placed)
    common: dict[str, Any] = {
        "nodes": sorted(destinations),
        "edges": [(b.id, t, REPLICATES_TO) for t in sorted(edges)],
        "attributes": {"destinations": placed.seen, "disabled_rules": disabled},
        "depends_on": sorted(d for d in destinations if d),
    }
    if placed.problems:
        return ctx.failed(
            b.id,
            f"bucket {b.name} replicates outside the boundary: " + "; ".join(placed.problems),
            definite=placed.definite,
            **common,
        )
    if placed.unknown:
        return ctx.inconclusive(
            b.id,
            f"cannot place every replica of bucket {b.name}: " + "; ".join(placed.unknown),
            **common,
        )
    return ctx.passed(
        b.id,
        f"bucket {b.name} replicates only to customer accounts in declared regions "
        f"({len(destinations)} destination(s))",
        **common,
    )


def _destinations(
    repl: Any, edge_targets: list[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(rule per destination, ids of disabled rules): enabled rules' and edges' destinations."""
    rules: list[dict[str, Any]] = list((repl or {}).get("rules") or [])
    destinations: dict[str, dict[str, Any]] = {}
    disabled: list[str] = []
    for r in sorted(rules, key=lambda r: (str(r.get("id")), str(r.get("destination_bucket")))):
        if str(r.get("status", "Enabled")).lower() != "enabled":
            disabled.append(str(r.get("id")))
            continue
        dest_arn = str(r.get("destination_bucket") or "")
        destinations.setdefault(dest_arn, r)
    for target in edge_targets:
        destinations.setdefault(target, {"destination_bucket": target})
    return destinations, disabled


@dataclass
class _Placement:
    """Where a bucket's replicas go: problems, unknowns, and each destination as seen."""

    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    definite: bool = True
    seen: list[dict[str, JSONValue]] = field(default_factory=list)


def _place(
    ctx: RuleContext, b: Resource, dest_id: str, r: dict[str, Any], placed: _Placement
) -> None:
    """Place one destination: its party, its region, and the party of its replica key."""
    decl = ctx.declaration
    found = ctx.graph.get(dest_id)
    dest = None if found is None or found.attributes.get("stub") else found
    collected = dest is not None
    account = (dest.account if dest else None) or r.get("destination_account")
    region = dest.region if dest else None
    placed.seen.append(
        {
            "destination": dest_id,
            "rule_id": r.get("id"),
            "account": account,
            "region": region,
            "collected": collected,
            "replica_kms_key_id": r.get("replica_kms_key_id"),
        }
    )
    name = dest_id.rsplit(":", 1)[-1]
    proof = None if collected or not dest_id else _outside_customer(ctx, b.cloud)
    party = decl.party_of(b.cloud, str(account)) if account else None
    if not dest_id:
        placed.problems.append(f"rule {r.get('id')} names no destination bucket")
        placed.definite = False
    elif party is not None and party != "customer":
        placed.problems.append(f"destination {name} is in account {account} ({party})")
    elif proof is not None:
        placed.problems.append(f"destination {name} is in no customer account ({proof})")
    elif not account:
        placed.problems.append(f"the account of destination {name} is not known")
        placed.definite = False
    elif region is None:
        placed.unknown.append(f"destination {name} was not collected, so its region is unknown")
    elif not is_declared_region(decl, b.cloud, region):
        placed.problems.append(f"destination {name} is in undeclared region {region}")
    key = r.get("replica_kms_key_id")
    key_account = _account_of_key_arn(str(key)) if key else None
    if key_account and decl.party_of(b.cloud, key_account) != "customer":
        placed.problems.append(
            f"replicas to {name} are encrypted with key {key} of account {key_account}"
        )


def _outside_customer(ctx: RuleContext, cloud: str) -> str | None:
    """Why an uncollected destination bucket is outside the customer (closed world), or None."""
    from auditor.analysis.scanned import BUCKET_UNITS, closed_world

    return closed_world(ctx.graph.inventory, ctx.declaration, cloud, BUCKET_UNITS.get(cloud))
