"""The graph builder writes networkx's adjacency directly: it must equal ``add_edge``'s graph."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import networkx as nx

from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph, zone_of
from auditor.graph.stubs import stub_for
from auditor.model import INTERNET_ID, Inventory, Kind, Relation, Resource, Scope
from tests.helpers import CUSTOMER, CUSTOMER_2, PRIMARY, declaration

SECONDARY = "us-west-2"


def _instance(account: str, region: str, n: int) -> Resource:
    rid = f"arn:aws:ec2:{region}:{account}:instance/i-{n}"
    return Resource(id=rid, cloud="aws", kind="instance", account=account, region=region)


A, B, C = (
    _instance(CUSTOMER, PRIMARY, 1),
    _instance(CUSTOMER, SECONDARY, 2),
    _instance(CUSTOMER_2, PRIMARY, 3),
)
INTERNET = Resource(id=INTERNET_ID, cloud="", kind=Kind.INTERNET, account="", region="")
VENDOR_ROLE = "arn:aws:iam::999999999999:role/vendor"  # never collected: a stub


def _rel(source: str, target: str, kind: str, reason: str, **attributes: Any) -> Relation:
    return Relation(source=source, target=target, kind=kind, reason=reason, attributes=attributes)


RELATIONS = (
    _rel(A.id, B.id, "data.replicates_to", "b"),
    _rel(A.id, B.id, "network.attached_to", "a"),  # a parallel edge of another kind
    _rel(A.id, B.id, "data.replicates_to", "a"),  # same kind, other reason
    _rel(A.id, A.id, "failure.depends_on", "itself"),  # a self-loop
    _rel(C.id, VENDOR_ROLE, "control.can_assume", "trust"),  # a stub target
    _rel(VENDOR_ROLE, A.id, "control.can_act_on", "grant"),
    _rel(INTERNET_ID, C.id, "network.reaches", "open"),
    _rel(A.id, B.id, "data.replicates_to", "b", again=True),  # the same edge again: last wins
    _rel(B.id, "arn:aws:s3:::logs", "data.writes_to", "logs"),  # a stub source-less bucket
)
DERIVED = (
    _rel(B.id, A.id, "failure.depends_on", "derived"),
    _rel(A.id, B.id, "data.replicates_to", "b"),  # replaces the collected edge, as add_edge does
    _rel(C.id, "arn:aws:kms:us-east-1:999999999999:key/k", "data.encrypted_by", "key"),
)


def _reference(inv: Inventory, decl: Declaration, derived: Iterable[Relation]) -> Any:
    """The graph built through networkx's public ``add_node``/``add_edge``."""
    g = nx.MultiDiGraph()
    for res in inv.resources:
        g.add_node(res.id, resource=res, zone=zone_of(res, decl))
    batches = (
        (inv.relations, False),
        (sorted(derived, key=lambda r: (r.source, r.kind, r.target, r.reason)), True),
    )
    for relations, is_derived in batches:
        for rel in relations:
            for end in (rel.source, rel.target):
                if end not in g:
                    stub = stub_for(end)
                    g.add_node(end, resource=stub, zone=zone_of(stub, decl))
            g.add_edge(
                rel.source,
                rel.target,
                key=(rel.kind, rel.reason),
                kind=rel.kind,
                relation=rel,
                crossing=g.nodes[rel.source]["zone"] != g.nodes[rel.target]["zone"],
                derived=is_derived,
            )
    return g


def test_direct_adjacency_equals_add_edge_graph() -> None:
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY, SECONDARY)),
        resources=(A, B, C, INTERNET, replace(B, name="seen again")),  # the last one counts
        relations=RELATIONS,
        gaps=(),
    )
    decl = declaration()
    built = BoundaryGraph(inv, decl, [lambda _graph: DERIVED]).g
    ref = _reference(inv, decl, DERIVED)

    assert list(built.nodes(data=True)) == list(ref.nodes(data=True))
    assert list(built.edges(keys=True, data=True)) == list(ref.edges(keys=True, data=True))
    assert list(built.in_edges(keys=True, data=True)) == list(ref.in_edges(keys=True, data=True))
    for node in ref:  # neighbour order both ways, and one key dict shared by both views
        assert list(built.succ[node]) == list(ref.succ[node])
        assert list(built.pred[node]) == list(ref.pred[node])
        for other in built.succ[node]:
            assert built._succ[node][other] is built._pred[other][node]
    assert built.number_of_edges() == ref.number_of_edges() == 10
    assert built.edges[A.id, B.id, ("data.replicates_to", "b")]["derived"] is True
    crossings = {(u, v) for u, v, d in built.edges(data=True) if d["crossing"]}
    assert {(A.id, B.id), (C.id, VENDOR_ROLE)} <= crossings  # another region, another party
    assert (A.id, A.id) not in crossings
