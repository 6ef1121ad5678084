"""Azure NAT gateways whose public IP prefixes the inventory cannot place, for the medium rule.

A NAT gateway leaving from a public IP prefix is a ``nat`` medium where the prefix was
collected (:func:`~auditor.analysis.movement_places_azure.nat_prefix_spots`). A prefix
the scan did not collect, or one with no range allocated, leaves its traffic placed
nowhere: replication through it cannot be told from a stranger, so a verdict that would
PASS on such records is INCONCLUSIVE, naming the gateway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.analysis.movement_places_azure import unplaced_nats as _unplaced
from auditor.checks import Judgement, RuleContext
from auditor.checks._observed_window import unplaced_public
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

UNPLACED_PREFIX = (
    "public IP prefixes of an Azure NAT gateway the scan did not collect or that hold no "
    "allocated range: the addresses it leaves from are placed nowhere"
)


def unplaced_nats(graph: BoundaryGraph, networks: Iterable[str]) -> list[Resource]:
    """NAT gateways serving ``networks`` (VNet ids) some of whose prefixes cannot be placed."""
    nets = {n.lower() for n in networks}
    pool = [*graph.of_kind(Kind.GATEWAY), *graph.of_kind(Kind.PUBLIC_IP)]
    served: dict[str, set[str]] = {}
    for s in graph.of_kind(Kind.SUBNET):
        if s.cloud == "azure" and s.attributes.get("nat_gateway_id"):
            vnet = str(s.attributes.get("vpc_id") or "").lower()
            served.setdefault(str(s.attributes["nat_gateway_id"]), set()).add(vnet)
    return [
        r
        for r in _unplaced(pool)
        if nets
        & ({str(v).lower() for v in r.attributes.get("vpc_ids") or []} | served.get(r.id, set()))
    ]


def undecided(
    ctx: RuleContext, rid: str, flows: Sequence[Resource], nats: Sequence[Resource]
) -> Judgement:
    """INCONCLUSIVE for ``rid``: records from public addresses nothing places reached it on a
    Kafka port while a platform VNet's NAT gateway leaves from prefixes not placed."""
    return unplaced_public(
        ctx,
        rid,
        flows,
        nats,
        leaves="NAT gateway {names} leaves from public IP prefixes the inventory does not place",
        unmodelled=UNPLACED_PREFIX,
    )
