"""Reachability analysis: route lookup, internet exposure, VPC-to-VPC connectivity."""

from __future__ import annotations

from typing import Any

from auditor.analysis.derive import build_graph
from auditor.analysis.network import (
    Reach,
    acl_inbound,
    cidr_within,
    internet_routed,
    is_internet_cidr,
    lookup,
    network_view,
    parse_net,
)
from auditor.model import Resource
from tests.helpers import PRIMARY, SECONDARY, declaration
from tests.unit.netfixtures import (
    acl_entry,
    arn,
    inv,
    nacl,
    public_estate,
    res,
    route,
    route_table,
    sg_rule,
    subnet,
    vpc,
)

I1 = arn("instance", "i-1")


def expose(resources: list[Resource], rid: str = I1, port: int = 9092) -> Any:
    graph = build_graph(inv(*resources), declaration())
    view = network_view(graph)
    r = graph.get(rid)
    assert r is not None
    return view.exposure(r, port)


def test_lookup_is_longest_prefix_and_returns_blackholes() -> None:
    t = route_table(
        routes=[
            route("0.0.0.0/0", "igw", "igw-1"),
            route("10.2.0.0/16", "peering", "pcx-1"),
            route("10.2.3.0/24", "tgw", "tgw-1", "blackhole"),
        ]
    )
    assert lookup(t, "8.8.8.8") is not None and lookup(t, "8.8.8.8").target_id == "igw-1"  # type: ignore[union-attr]
    assert lookup(t, "10.1.2.3").target_type == "local"  # type: ignore[union-attr]
    assert lookup(t, "10.2.0.0/16").target_id == "pcx-1"  # type: ignore[union-attr]
    hole = lookup(t, "10.2.3.4")
    assert hole is not None and hole.target_id == "tgw-1" and not hole.active
    assert lookup(route_table(routes=[]), "8.8.8.8") is None


def test_internet_routed_set_excludes_blackholed_halves() -> None:
    t = route_table(
        routes=[
            route("0.0.0.0/0", "igw", "igw-1"),
            route("0.0.0.0/1", "other", "x", "blackhole"),
            route("128.0.0.0/1", "other", "x", "blackhole"),
        ]
    )
    nets, used = internet_routed(t)
    assert nets == () and used == []
    partial = route_table(
        routes=[route("0.0.0.0/0", "igw", "igw-1"), route("0.0.0.0/1", "nat", "n")]
    )
    nets, _ = internet_routed(partial)
    assert nets and all(str(n) >= "128." for n in nets)


def test_cidr_helpers() -> None:
    assert is_internet_cidr("0.0.0.0/0") and is_internet_cidr("::/0")
    assert is_internet_cidr("203.0.113.0/24")
    assert not is_internet_cidr("10.0.0.0/8") and not is_internet_cidr("192.168.1.0/24")
    assert cidr_within("10.1.0.0/16", ["10.0.0.0/8"])
    assert not cidr_within("0.0.0.0/0", ["10.0.0.0/8"])
    assert not cidr_within("::/0", ["10.0.0.0/8"])


def test_nacl_first_match_wins_per_address() -> None:
    acl = nacl(
        entries=[
            acl_entry(50, "deny", "0.0.0.0/0", 9092),
            acl_entry(100, "allow"),
        ]
    )
    d = acl_inbound(acl, [parse_net("0.0.0.0/0")], 9092)  # type: ignore[list-item]
    assert d.allowed == () and d.entry is not None and d.entry["rule_number"] == 50
    d2 = acl_inbound(acl, [parse_net("0.0.0.0/0")], 443)  # type: ignore[list-item]
    assert d2.allowed and d2.entry is not None and d2.entry["rule_number"] == 100


def test_public_instance_with_open_sg_is_exposed_with_path() -> None:
    e = expose(public_estate())
    assert e.reach is Reach.YES
    assert e.path[0] == I1 and e.path[-1] == "internet"
    assert arn("subnet", "subnet-1") in e.path and arn("route-table", "rtb-1") in e.path
    assert arn("internet-gateway", "igw-1") in e.path
    assert e.firewall_rule is not None and e.firewall_rule["group"] == arn("security-group", "sg-1")
    assert e.acl_entry is not None and e.acl_entry["rule_number"] == 100


def test_open_sg_without_igw_route_is_not_exposed() -> None:
    e = expose(public_estate(routes=[route("0.0.0.0/0", "nat", "nat-1")]))
    assert e.reach is Reach.NO and "no internet address" in e.reason


def test_igw_route_without_public_ip_is_not_exposed() -> None:
    e = expose(public_estate(public_ip=None))
    assert e.reach is Reach.NO and "no public IP" in e.reason


def test_blackhole_more_specific_routes_hide_the_igw() -> None:
    e = expose(
        public_estate(
            routes=[
                route("0.0.0.0/0", "igw", "igw-1"),
                route("0.0.0.0/1", "other", "x", "blackhole"),
                route("128.0.0.0/1", "other", "x", "blackhole"),
            ]
        )
    )
    assert e.reach is Reach.NO and "blackholes" in e.reason


def test_nacl_deny_before_allow_blocks() -> None:
    e = expose(
        public_estate(acl=[acl_entry(90, "deny", "0.0.0.0/0", 9092), acl_entry(100, "allow")])
    )
    assert e.reach is Reach.NO and e.acl_entry is not None and e.acl_entry["rule_number"] == 90


def test_sg_open_only_to_private_cidr_is_not_exposed() -> None:
    e = expose(public_estate(ingress=[sg_rule(9092, "10.0.0.0/8")]))
    assert e.reach is Reach.NO


def test_sg_open_to_a_public_cidr_range_counts() -> None:
    e = expose(public_estate(ingress=[sg_rule(9000, "198.51.100.0/24", to_port=9100)]))
    assert e.reach is Reach.YES and e.sources == ("198.51.100.0/24",)


def test_missing_route_table_is_unknown_not_no() -> None:
    estate = [r for r in public_estate() if r.kind != "route_table"]
    e = expose(estate)
    assert e.reach is Reach.UNKNOWN and e.missing


def test_unknown_security_group_is_unknown() -> None:
    estate = [r for r in public_estate() if r.kind != "firewall"]
    e = expose(estate)
    assert e.reach is Reach.UNKNOWN and "sg-1" in e.reason


def test_missing_nacl_is_unknown() -> None:
    estate = [r for r in public_estate() if r.kind != "network_acl"]
    assert expose(estate).reach is Reach.UNKNOWN


def test_explicit_route_table_association_beats_main() -> None:
    estate = [r for r in public_estate() if r.kind != "route_table"]
    estate += [
        route_table("rtb-main", routes=[route("0.0.0.0/0", "igw", "igw-1")]),
        route_table("rtb-priv", main=False, subnet_ids=["subnet-1"]),
    ]
    assert expose(estate).reach is Reach.NO


def _nlb_estate(*, scheme: str = "internet-facing", target_port: int = 9092) -> list[Resource]:
    base = public_estate(public_ip=None)
    lb = res(
        "load_balancer",
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/kafka/1",
        {
            "lb_type": "network",
            "scheme": scheme,
            "vpc_id": "vpc-1",
            "subnet_ids": ["subnet-1"],
            "security_group_ids": [],
        },
    )
    listener = res(
        "listener",
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/net/kafka/1/l1",
        {"load_balancer_arn": lb.id, "protocol": "TCP", "port": 9092, "target_group_arns": []},
    )
    tg = res(
        "target_group",
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/kafka/1",
        {
            "protocol": "TCP",
            "port": target_port,
            "vpc_id": "vpc-1",
            "target_type": "instance",
            "targets": [{"id": "i-1", "port": target_port}],
        },
    )
    return [*base, lb, listener, tg]


def _nlb_inv(estate: list[Resource]) -> Any:
    from auditor.model import Relation

    lb, listener, tg = estate[-3], estate[-2], estate[-1]
    rels = [
        Relation(source=lb.id, target=listener.id, kind="network.forwards_to", reason="l"),
        Relation(source=listener.id, target=tg.id, kind="network.forwards_to", reason="t"),
        Relation(source=tg.id, target=I1, kind="network.forwards_to", reason="i"),
    ]
    return inv(*estate, relations=rels)


def test_internet_facing_nlb_exposes_private_targets_on_kafka_ports() -> None:
    graph = build_graph(_nlb_inv(_nlb_estate()), declaration())
    view = network_view(graph)
    inst = graph.get(I1)
    assert inst is not None
    (e,) = view.exposures(inst, [9092])
    assert e.reach is Reach.YES and "via load balancer" in e.reason
    lb = graph.get(_nlb_estate()[-3].id)
    assert lb is not None
    (lbe,) = view.exposures(lb, [9092])
    assert lbe.reach is Reach.YES and lbe.target_port == 9092


def test_internal_nlb_does_not_expose_targets() -> None:
    graph = build_graph(_nlb_inv(_nlb_estate(scheme="internal")), declaration())
    inst = graph.get(I1)
    assert inst is not None
    (e,) = network_view(graph).exposures(inst, [9092])
    assert e.reach is Reach.NO


def _two_vpcs(
    routes_a: list[dict[str, Any]], routes_b: list[dict[str, Any]], status: str = "active"
) -> tuple[Any, Resource, Resource]:
    a = vpc("vpc-a", "10.1.0.0/16")
    b = vpc("vpc-b", "10.2.0.0/16", region=SECONDARY)
    ta = route_table("rtb-a", "vpc-a", routes_a)
    tb = route_table("rtb-b", "vpc-b", routes_b, region=SECONDARY)
    pcx = res(
        "peering",
        arn("vpc-peering-connection", "pcx-1"),
        {
            "requester": {"account": "111111111111", "region": PRIMARY, "vpc_id": "vpc-a"},
            "accepter": {"account": "111111111111", "region": SECONDARY, "vpc_id": "vpc-b"},
            "status": status,
        },
    )
    graph = build_graph(inv(a, b, ta, tb, pcx), declaration())
    return graph, a, b


def test_peering_with_routes_both_ways_is_a_private_path() -> None:
    graph, a, b = _two_vpcs(
        [route("10.2.0.0/16", "peering", "pcx-1")], [route("10.1.0.0/16", "peering", "pcx-1")]
    )
    view = network_view(graph)
    conns = view.connectivity(a, b, view.route_tables_of_vpc(a), view.route_tables_of_vpc(b))
    assert [(c.via, c.reach) for c in conns] == [("peering", Reach.YES)]


def test_peering_missing_return_route_falls_back_to_internet() -> None:
    graph, a, b = _two_vpcs(
        [route("10.2.0.0/16", "peering", "pcx-1")], [route("0.0.0.0/0", "igw", "igw-9")]
    )
    view = network_view(graph)
    conns = view.connectivity(a, b, view.route_tables_of_vpc(a), view.route_tables_of_vpc(b))
    assert conns[0].reach is Reach.NO and "rtb-b" in conns[0].reason
    assert all(c.via != "internet" for c in conns)  # a's side has no internet route to b


def test_pending_peering_is_no_path() -> None:
    graph, a, b = _two_vpcs(
        [route("10.2.0.0/16", "peering", "pcx-1")],
        [route("10.1.0.0/16", "peering", "pcx-1")],
        status="pending-acceptance",
    )
    view = network_view(graph)
    conns = view.connectivity(a, b, view.route_tables_of_vpc(a), view.route_tables_of_vpc(b))
    assert conns[0].reach is Reach.NO


def test_subnet_without_vpc_main_table_is_unknown() -> None:
    estate = [subnet(), vpc()]
    graph = build_graph(inv(*estate), declaration())
    s = graph.get(arn("subnet", "subnet-1"))
    assert s is not None and network_view(graph).route_table_for(s) is None
