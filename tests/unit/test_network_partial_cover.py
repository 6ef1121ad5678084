"""Path engine: a source set that a route, NACL entry or security group rule covers only
in part is split, and each part gets its own answer (issue #17, point 1).

Sources are the two subnets of VPC A (10.20.32.0/19 and 10.20.64.0/20, one route
table and NACL, so one origin); the target is a broker in peered VPC B. Before the
split, a reply route 10.20.32.0/20 -> pcx-1 made the whole path UNKNOWN ("covers part").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from auditor.analysis.derive import build_graph
from auditor.analysis.network import Reach
from auditor.analysis.network.addresses import carve, covers, parse_net
from auditor.analysis.network.path_model import Path
from auditor.analysis.network.paths import path_engine, verdict_of
from auditor.model import Resource
from tests.helpers import declaration
from tests.unit.netfixtures import (
    acl_entry,
    arn,
    inv,
    nacl,
    res,
    route,
    route_table,
    sg,
    sg_rule,
    subnet,
    vpc,
)

SOURCES = "10.20.0.0/16"
TARGET = arn("instance", "i-t")


def _peering() -> Resource:
    return res(
        "peering",
        arn("vpc-peering-connection", "pcx-1"),
        {
            "requester": {
                "account": "111111111111",
                "region": "us-east-1",
                "vpc_id": "vpc-a",
                "cidrs": ["10.20.0.0/16"],
            },
            "accepter": {
                "account": "111111111111",
                "region": "us-east-1",
                "vpc_id": "vpc-b",
                "cidrs": ["10.30.0.0/16"],
            },
            "status": "active",
        },
    )


def _broker() -> Resource:
    return res(
        "instance",
        TARGET,
        {
            "instance_id": "i-t",
            "state": "running",
            "vpc_id": "vpc-b",
            "subnet_id": "subnet-b",
            "public_ip": None,
            "private_ip": "10.30.1.10",
            "security_group_ids": ["sg-b"],
            "interface_ids": [],
        },
        tags={"platform": "orders-kafka"},
    )


def _estate(
    *,
    reply: tuple[str, ...] = ("10.20.32.0/20",),
    admits: tuple[str, ...] = ("10.0.0.0/8",),
    acl_b: list[dict[str, Any]] | None = None,
) -> list[Resource]:
    """VPC A (two source subnets) peered with VPC B (the broker); B's reply routes vary."""
    allow_all = [acl_entry(100, "allow"), {**acl_entry(100, "allow"), "egress": True}]
    return [
        vpc("vpc-a", "10.20.0.0/16"),
        subnet("subnet-a1", "vpc-a", "10.20.32.0/19"),
        subnet("subnet-a2", "vpc-a", "10.20.64.0/20"),
        route_table(
            "rtb-a", "vpc-a", [route("10.30.0.0/16", "peering", "pcx-1")], local="10.20.0.0/16"
        ),
        nacl("acl-a", "vpc-a", allow_all, subnet_ids=("subnet-a1", "subnet-a2")),
        vpc("vpc-b", "10.30.0.0/16"),
        subnet("subnet-b", "vpc-b", "10.30.1.0/24"),
        route_table(
            "rtb-b",
            "vpc-b",
            [route(c, "peering", "pcx-1") for c in reply],
            local="10.30.0.0/16",
        ),
        nacl("acl-b", "vpc-b", acl_b if acl_b is not None else allow_all, subnet_ids=("subnet-b",)),
        sg("sg-b", "vpc-b", [sg_rule(9092, *admits)]),
        _peering(),
        _broker(),
    ]


def _paths(estate: list[Resource]) -> list[Path]:
    graph = build_graph(inv(*estate), declaration())
    target = graph.get(TARGET)
    assert target is not None
    return [p for p in path_engine(graph).paths(SOURCES, target, 9092) if p.via]


def _parts(paths: list[Path]) -> dict[Reach, list[str]]:
    out: dict[Reach, list[str]] = {}
    for p in paths:
        out.setdefault(p.reach, []).extend(p.part)
    return {k: sorted(v) for k, v in out.items()}


def test_reply_route_covering_part_of_the_sources_splits_them() -> None:
    paths = _paths(_estate())
    assert _parts(paths) == {
        Reach.YES: ["10.20.32.0/20"],
        Reach.NO: ["10.20.48.0/20", "10.20.64.0/20"],
    }
    (yes,) = [p for p in paths if p.reach is Reach.YES]
    assert yes.sources == ("10.20.32.0/20",) and yes.via == ("peering",)
    (no,) = [p for p in paths if p.reach is Reach.NO]
    stop = no.blocked_at
    assert stop is not None and stop.node == arn("route-table", "rtb-b")
    assert "reply" in stop.detail  # the deciding hop: B's route back does not lead to A
    assert verdict_of(paths) is Reach.YES


def test_longest_prefix_wins_per_piece() -> None:
    # A /24 blackhole inside the /20 peering route: that /24 is dropped, the rest reaches.
    estate = _estate()
    estate = [
        replace(
            r,
            attributes={
                **r.attributes,
                "routes": [
                    *r.attributes["routes"],
                    route("10.20.33.0/24", "peering", "pcx-1", state="blackhole"),
                ],
            },
        )
        if r.id == arn("route-table", "rtb-b")
        else r
        for r in estate
    ]
    parts = _parts(_paths(estate))
    reach = [parse_net(c) for c in parts[Reach.YES]]
    assert covers([n for n in reach if n], [parse_net("10.20.32.0/24")])  # type: ignore[list-item]
    assert "10.20.33.0/24" in parts[Reach.NO]
    assert not any(
        n is not None and n.overlaps(parse_net("10.20.33.0/24"))  # type: ignore[arg-type]
        for n in reach
    )


def test_security_group_admitting_part_of_the_sources_splits_them() -> None:
    paths = _paths(_estate(reply=("10.20.0.0/16",), admits=("10.20.32.0/20",)))
    assert _parts(paths) == {
        Reach.YES: ["10.20.32.0/20"],
        Reach.NO: ["10.20.48.0/20", "10.20.64.0/20"],
    }
    (no,) = [p for p in paths if p.reach is Reach.NO]
    assert no.blocked_at is not None and no.blocked_at.what == "security group"


def test_nacl_entry_denying_part_of_the_sources_splits_them() -> None:
    acl_b = [
        acl_entry(50, "deny", "10.20.64.0/20"),
        acl_entry(100, "allow"),
        {**acl_entry(100, "allow"), "egress": True},
    ]
    paths = _paths(_estate(reply=("10.20.0.0/16",), acl_b=acl_b))
    assert _parts(paths) == {Reach.YES: ["10.20.32.0/19"], Reach.NO: ["10.20.64.0/20"]}
    (no,) = [p for p in paths if p.reach is Reach.NO]
    assert no.blocked_at is not None and no.blocked_at.what == "network ACL"
    assert "denies" in no.blocked_at.detail


def test_clean_twin_one_route_covering_every_source_keeps_one_path() -> None:
    paths = _paths(_estate(reply=("10.20.0.0/16",)))
    assert [(p.reach, p.part) for p in paths] == [(Reach.YES, ())]
    assert set(paths[0].sources) == {"10.20.32.0/19", "10.20.64.0/20"}


def test_no_reply_route_at_all_is_one_definite_no() -> None:
    paths = _paths(_estate(reply=()))
    assert [(p.reach, p.part) for p in paths] == [(Reach.NO, ())]


@pytest.mark.parametrize(
    ("dest", "cuts"),
    [
        ("10.20.32.0/19", ["10.20.32.0/20"]),
        ("10.20.32.0/19", ["10.20.32.0/20", "10.20.33.0/24", "10.0.0.0/8", "192.168.0.0/16"]),
        ("10.0.0.0/8", ["10.1.0.0/16", "10.1.2.0/24", "10.200.0.0/13"]),
        ("10.20.32.0/19", []),
    ],
)
def test_carve_partitions_the_set_so_every_cut_holds_or_misses_each_piece(
    dest: str, cuts: list[str]
) -> None:
    d = parse_net(dest)
    cs = [n for c in cuts if (n := parse_net(c)) is not None]
    assert d is not None
    pieces = carve(d, cs)
    # A partition: disjoint, and together exactly ``dest``.
    assert sum(p.num_addresses for p in pieces) == d.num_addresses
    assert all(p.subnet_of(d) for p in pieces)  # type: ignore[arg-type]
    assert covers(pieces, [d])
    # Each piece is wholly inside or wholly outside every cut.
    for p in pieces:
        for c in cs:
            assert not p.overlaps(c) or p.subnet_of(c)  # type: ignore[arg-type]


def _tgw_estate(tgw_routes: list[tuple[str, str]]) -> list[Resource]:
    """VPC A and VPC B joined by a transit gateway whose one route table decides both ways.

    Both VPC route tables send the other VPC's CIDR to the TGW; ``tgw_routes`` are the
    TGW route table's (destination, attachment) pairs.
    """
    allow_all = [acl_entry(100, "allow"), {**acl_entry(100, "allow"), "egress": True}]

    def att(aid: str, vid: str) -> Resource:
        return res(
            "transit_attachment",
            arn("transit-gateway-attachment", aid),
            {
                "tgw_id": "tgw-1",
                "resource_type": "vpc",
                "resource_id": vid,
                "resource_owner": "111111111111",
                "state": "available",
                "association_route_table_id": "tgw-rtb-1",
            },
        )

    return [
        vpc("vpc-a", "10.20.0.0/16"),
        subnet("subnet-a1", "vpc-a", "10.20.32.0/19"),
        subnet("subnet-a2", "vpc-a", "10.20.64.0/20"),
        route_table(
            "rtb-a", "vpc-a", [route("10.30.0.0/16", "tgw", "tgw-1")], local="10.20.0.0/16"
        ),
        nacl("acl-a", "vpc-a", allow_all, subnet_ids=("subnet-a1", "subnet-a2")),
        vpc("vpc-b", "10.30.0.0/16"),
        subnet("subnet-b", "vpc-b", "10.30.1.0/24"),
        route_table(
            "rtb-b", "vpc-b", [route("10.20.0.0/16", "tgw", "tgw-1")], local="10.30.0.0/16"
        ),
        nacl("acl-b", "vpc-b", allow_all, subnet_ids=("subnet-b",)),
        sg("sg-b", "vpc-b", [sg_rule(9092, "10.0.0.0/8")]),
        res(
            "transit_gateway",
            arn("transit-gateway", "tgw-1"),
            {"tgw_id": "tgw-1", "owner": "111111111111", "state": "available"},
        ),
        att("tgw-attach-a", "vpc-a"),
        att("tgw-attach-b", "vpc-b"),
        res(
            "transit_route_table",
            arn("transit-gateway-route-table", "tgw-rtb-1"),
            {
                "tgw_id": "tgw-1",
                "associations": ["tgw-attach-a", "tgw-attach-b"],
                "propagations": [],
                "routes": [
                    {"destination": d, "attachment_ids": [a], "state": "active", "type": "static"}
                    for d, a in tgw_routes
                ],
            },
        ),
        _broker(),
    ]


def test_tgw_route_covering_part_of_the_sources_splits_them() -> None:
    paths = _paths(
        _tgw_estate([("10.30.0.0/16", "tgw-attach-b"), ("10.20.32.0/20", "tgw-attach-a")])
    )
    assert _parts(paths) == {
        Reach.YES: ["10.20.32.0/20"],
        Reach.NO: ["10.20.48.0/20", "10.20.64.0/20"],
    }
    (no,) = [p for p in paths if p.reach is Reach.NO]
    assert no.blocked_at is not None and no.blocked_at.node == arn("route-table", "rtb-b")
    assert "TGW route table tgw-rtb-1 has no route for 10.20.48.0/20, 10.20.64.0/20" in no.reason
    assert all(p.via == ("transit-gateway",) for p in paths)


def test_tgw_clean_twin_one_route_for_every_source() -> None:
    paths = _paths(
        _tgw_estate([("10.30.0.0/16", "tgw-attach-b"), ("10.20.0.0/16", "tgw-attach-a")])
    )
    assert [(p.reach, p.part) for p in paths] == [(Reach.YES, ())]
