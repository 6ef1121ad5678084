"""Path engine: a subnet split by a finer route or NACL entry keeps per-address answers.

Targets in one subnet that nothing splits share a computed leg; a subnet whose
CIDR some entry splits must not, even when another account reuses its CIDR.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.analysis.network import Reach
from auditor.analysis.network.paths import path_engine, verdict_of
from auditor.model import Resource
from tests.helpers import CUSTOMER_2, declaration
from tests.unit.netfixtures import (
    acl_entry,
    arn,
    instance,
    inv,
    nacl,
    route_table,
    sg,
    sg_rule,
    subnet,
    vpc,
)


def _host(iid: str, sid: str, ip: str, sgs: tuple[str, ...]) -> Resource:
    r = instance(iid, sid=sid, public_ip=None, sgs=sgs)
    return replace(r, attributes={**r.attributes, "private_ip": ip})


def _out(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "egress": True}


def _estate(*, reuse_cidr_elsewhere: bool) -> list[Resource]:
    """Two brokers in subnet-1; the outbound NACL of the shared ACL denies one address."""
    estate = [
        vpc(),
        subnet("subnet-1", cidr="10.1.0.0/24"),
        subnet("subnet-2", cidr="10.1.1.0/24"),
        route_table(),
        sg(ingress=[sg_rule(9092, "10.0.0.0/8")]),
        nacl(
            entries=[
                _out(acl_entry(50, "deny", "10.1.0.5/32")),
                _out(acl_entry(100, "allow")),
                acl_entry(100, "allow"),
            ],
            subnet_ids=("subnet-1", "subnet-2"),
        ),
        _host("i-1", "subnet-1", "10.1.0.5", ("sg-1",)),
        _host("i-2", "subnet-1", "10.1.0.10", ("sg-1",)),
        _host("i-src", "subnet-2", "10.1.1.7", ()),
    ]
    if reuse_cidr_elsewhere:
        # Another account's subnet with the same CIDR (listed after ours by id).
        estate += [
            vpc("vpc-9", account=CUSTOMER_2),
            subnet("subnet-9", "vpc-9", "10.1.0.0/24", account=CUSTOMER_2),
        ]
    return estate


def _verdicts(reuse_cidr_elsewhere: bool) -> list[Reach]:
    graph = build_graph(inv(*_estate(reuse_cidr_elsewhere=reuse_cidr_elsewhere)), declaration())
    engine = path_engine(graph)
    out = []
    for iid in ("i-1", "i-2"):
        target = graph.get(arn("instance", iid))
        assert target is not None
        out.append(verdict_of(engine.paths(arn("instance", "i-src"), target, 9092)))
    return out


def test_denied_address_and_its_neighbour_get_their_own_answers() -> None:
    assert _verdicts(reuse_cidr_elsewhere=False) == [Reach.NO, Reach.YES]


def test_a_cidr_reused_in_another_account_does_not_hide_the_split() -> None:
    assert _verdicts(reuse_cidr_elsewhere=True) == [Reach.NO, Reach.YES]
