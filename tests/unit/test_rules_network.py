"""Network path rules over hand-built inventories, through the real engine."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.model import Gap, Resource, Status
from tests.helpers import CUSTOMER, PRIMARY, SECONDARY, VENDOR, declaration, run_rules, status_of
from tests.unit.netfixtures import (
    PLATFORM,
    acl_entry,
    arn,
    inv,
    public_estate,
    res,
    route,
    route_table,
    sg,
    sg_rule,
    vpc,
)

I1 = arn("instance", "i-1")
SG1 = arn("security-group", "sg-1")
VPC1 = arn("vpc", "vpc-1")


def one(verdicts: list[Any], rule: str) -> Any:
    found = [v for v in verdicts if v.rule == rule]
    assert len(found) == 1, found
    return found[0]


# --- network.public-ingress ------------------------------------------------------------


def test_public_ingress_fails_for_open_public_broker_with_path_evidence() -> None:
    v = one(
        run_rules(inv(*public_estate()), rules=["network.public-ingress"]), "network.public-ingress"
    )
    assert v.status is Status.FAIL and v.resource == I1
    assert "9092" in v.message and "internet" in v.message
    assert "internet" in v.evidence.nodes and SG1 in str(v.evidence.attributes)
    assert v.severity.value == "critical"


def test_public_ingress_passes_when_no_igw_route() -> None:
    estate = public_estate(routes=[route("0.0.0.0/0", "nat", "nat-1")])
    v = run_rules(inv(*estate), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.PASS


def test_public_ingress_passes_without_public_ip_and_with_nacl_deny() -> None:
    v = run_rules(inv(*public_estate(public_ip=None)), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.PASS
    denied = public_estate(acl=[acl_entry(10, "deny", "0.0.0.0/0", 9092), acl_entry(20, "allow")])
    v = run_rules(inv(*denied), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.PASS


def test_public_ingress_blackhole_more_specific_is_pass() -> None:
    estate = public_estate(
        routes=[
            route("0.0.0.0/0", "igw", "igw-1"),
            route("0.0.0.0/1", "other", "x", "blackhole"),
            route("128.0.0.0/1", "other", "x", "blackhole"),
        ]
    )
    v = run_rules(inv(*estate), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.PASS


def test_public_ingress_missing_route_table_is_inconclusive() -> None:
    estate = [r for r in public_estate() if r.kind != "route_table"]
    v = run_rules(inv(*estate), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.INCONCLUSIVE
    # no gap stands behind it: the verdict names what it could not judge
    (got,) = [x for x in v if x.resource == I1]
    assert got.unmodelled and not got.evidence.gaps, got


def test_public_ingress_declared_passes_and_waiver_applies() -> None:
    decl = declaration(network={"public_ingress": "declared"})
    v = run_rules(inv(*public_estate()), decl, rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.PASS
    waiver = {
        "rule": "network.public-ingress",
        "resource": I1,
        "reason": "migration listener",
        "approved_by": "secops",
        "expires": "2027-01-31",
    }
    v = run_rules(
        inv(*public_estate()), declaration(exceptions=[waiver]), rules=["network.public-ingress"]
    )
    assert status_of(v, "network.public-ingress", I1) is Status.WAIVED


def test_public_ingress_definite_fail_survives_a_gap() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=PRIMARY,
        service="msk",
        operation="ListClustersV2",
        error_code="AccessDenied",
    )
    v = run_rules(inv(*public_estate(), gaps=[gap]), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", I1) is Status.FAIL


def test_public_ingress_no_platform_is_inconclusive() -> None:
    v = run_rules(inv(vpc()), rules=["network.public-ingress"])
    assert [x.status for x in v] == [Status.INCONCLUSIVE]
    assert "selector matches no collected resource" in v[0].unmodelled


def test_public_ingress_msk_public_access() -> None:
    base = [r for r in public_estate() if r.kind != "instance"]
    msk = res(
        "kafka_cluster",
        "arn:aws:kafka:us-east-1:111111111111:cluster/orders/abc",
        {
            "cluster_name": "orders",
            "public_access": "SERVICE_PROVIDED_EIPS",
            "subnet_ids": ["subnet-1"],
            "security_group_ids": ["sg-1"],
            "state": "ACTIVE",
            "broker_count": 3,
        },
        tags=PLATFORM,
    )
    v = run_rules(inv(*base, msk), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", msk.id) is Status.FAIL
    private = Resource(
        **{**_fields(msk), "attributes": {**msk.attributes, "public_access": "DISABLED"}}
    )
    v = run_rules(inv(*base, private), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", msk.id) is Status.PASS


def _fields(r: Resource) -> dict[str, Any]:
    return {k: getattr(r, k) for k in Resource.__slots__}  # type: ignore[attr-defined]


# --- network.management-ports ----------------------------------------------------------


def test_management_ports_fail_and_pass() -> None:
    open_ssh = public_estate(ingress=[sg_rule(22, "0.0.0.0/0")])
    v = run_rules(inv(*open_ssh), rules=["network.management-ports"])
    assert status_of(v, "network.management-ports", I1) is Status.FAIL
    private = public_estate(ingress=[sg_rule(22, "0.0.0.0/0")], public_ip=None)
    v = run_rules(inv(*private), rules=["network.management-ports"])
    verdict = one(v, "network.management-ports")
    assert verdict.status is Status.PASS and "note" in verdict.message


# --- network.client-sources --------------------------------------------------------------


def test_client_sources_pass_for_declared_cidr_and_group_reference() -> None:
    estate = public_estate(
        ingress=[
            sg_rule(9092, "10.20.0.0/16"),
            sg_rule(9094, groups=[{"group_id": "sg-clients", "account": CUSTOMER}]),
        ]
    )
    v = run_rules(inv(*estate), rules=["network.client-sources"])
    assert status_of(v, "network.client-sources", SG1) is Status.PASS


def test_client_sources_wide_cidr_without_path_and_vendor_group() -> None:
    v = run_rules(
        inv(*public_estate(ingress=[sg_rule(9000, "172.16.0.0/12", to_port=9100)])),
        rules=["network.client-sources"],
    )
    verdict = one(v, "network.client-sources")
    # No subnet, internet address or VPN holds 172.16.0.0/12: no path, only a wide rule.
    assert verdict.status is Status.PASS and "172.16.0.0/12" in verdict.message
    assert "no collected subnet holds these addresses" in str(verdict.evidence.attributes)
    v = run_rules(
        inv(*public_estate(ingress=[sg_rule(9000, "172.16.0.0/12", to_port=9100)])),
        rules=["network.open-firewall"],
    )
    hygiene = one(v, "network.open-firewall")
    assert hygiene.status is Status.FAIL and "172.16.0.0/12" in hygiene.message
    vendor_ref = public_estate(
        ingress=[sg_rule(9092, groups=[{"group_id": "sg-v", "account": VENDOR}])]
    )
    v = run_rules(inv(*vendor_ref), rules=["network.client-sources"])
    assert status_of(v, "network.client-sources", SG1) is Status.FAIL


def test_client_sources_unknown_sg_is_inconclusive() -> None:
    estate = [r for r in public_estate() if r.kind != "firewall"]
    v = run_rules(inv(*estate), rules=["network.client-sources"])
    assert status_of(v, "network.client-sources", I1) is Status.INCONCLUSIVE
    assert not any(x.status is Status.PASS for x in v)


# --- network.k8s-endpoint-private -----------------------------------------------------------


def _eks(public: bool, cidrs: list[str]) -> Resource:
    return res(
        "k8s_cluster",
        "arn:aws:eks:us-east-1:111111111111:cluster/kafka",
        {
            "name": "kafka",
            "endpoint_public_access": public,
            "public_access_cidrs": cidrs,
            "endpoint_private_access": True,
        },
        tags=PLATFORM,
    )


def test_k8s_endpoint() -> None:
    rid = _eks(True, []).id
    rule = ["network.k8s-endpoint-private"]
    assert (
        status_of(run_rules(inv(_eks(True, ["0.0.0.0/0"])), rules=rule), rule[0], rid)
        is Status.FAIL
    )
    assert (
        status_of(run_rules(inv(_eks(True, ["203.0.113.0/24"])), rules=rule), rule[0], rid)
        is Status.PASS
    )
    assert status_of(run_rules(inv(_eks(False, [])), rules=rule), rule[0], rid) is Status.PASS
    # a cluster only listed (its endpoint access not read) is INCONCLUSIVE naming that
    listed = _eks(True, [])
    listed = replace(listed, attributes={**listed.attributes, "endpoint_public_access": None})
    got = [x for x in run_rules(inv(listed), rules=rule) if x.resource == rid]
    assert [x.status for x in got] == [Status.INCONCLUSIVE]
    assert "endpoint access" in got[0].unmodelled


def test_k8s_nothing_in_scope_is_not_applicable_per_scope() -> None:

    from auditor.model import CollectionUnit

    listed = tuple(
        CollectionUnit(cloud="aws", account=CUSTOMER, region=r, service="eks")
        for r in (PRIMARY, SECONDARY)
    )
    v = run_rules(replace(inv(vpc()), collected=listed), rules=["network.k8s-endpoint-private"])
    assert {x.resource for x in v} == {
        f"scope:aws/{CUSTOMER}/{PRIMARY}",
        f"scope:aws/{CUSTOMER}/{SECONDARY}",
    }
    # Listed and empty: no cluster to judge, so NOT_APPLICABLE per scope (never a PASS).
    assert all(x.status is Status.NOT_APPLICABLE and "no EKS clusters" in x.message for x in v)
    # clusters never listed in a region: unknown there, not "none"
    v = run_rules(replace(inv(vpc()), collected=listed[:1]), rules=["network.k8s-endpoint-private"])
    assert status_of(v, "network.k8s-endpoint-private", f"scope:aws/{CUSTOMER}/{SECONDARY}") is (
        Status.INCONCLUSIVE
    )


def _azure_k8s_inventory(*, cluster: Resource | None, listed: bool, gap: bool) -> Any:
    from auditor.model import CollectionUnit, Inventory, Scope

    sub = "11111111-1111-1111-1111-111111111111"
    return Inventory(
        scope=Scope(accounts=(sub,), regions=("westeurope",), cloud="azure"),
        resources=(cluster,) if cluster else (),
        relations=(),
        gaps=(
            Gap(
                cloud="azure",
                account=sub,
                region="*",
                service="*",
                operation="resourcegraph:resources",
                error_code="Throttled",
            ),
        )
        if gap
        else (),
        collected=(
            CollectionUnit(cloud="azure", account=sub, region="global", service="azure-resources"),
        )
        if listed
        else (),
    )


def test_k8s_judges_azure_subscriptions_as_azure_never_as_aws() -> None:
    from pathlib import Path

    from auditor.boundary import load_declaration

    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka" / "boundary.yaml"
    decl = load_declaration(fixture)
    sub = "11111111-1111-1111-1111-111111111111"
    rule = ["network.k8s-endpoint-private"]
    aks = Resource(
        id=f"/subscriptions/{sub}/resourcegroups/rg/providers/microsoft.containerservice/"
        "managedclusters/aks",
        cloud="azure",
        kind="k8s_cluster",
        account=sub,
        region="westeurope",
        name="aks",
        tags={"platform": "orders-kafka"},
        attributes={
            "endpoint_public_access": True,
            "public_access_cidrs": ["0.0.0.0/0"],
            "endpoint_private_access": False,
        },
    )
    sid = f"scope:azure/{sub}/*"
    v = run_rules(_azure_k8s_inventory(cluster=None, listed=True, gap=False), decl, rules=rule)
    assert [(x.resource, x.status) for x in v] == [(sid, Status.NOT_APPLICABLE)]
    assert "no AKS clusters" in v[0].message
    for listed, gap in ((False, False), (True, True)):
        v = run_rules(_azure_k8s_inventory(cluster=None, listed=listed, gap=gap), decl, rules=rule)
        assert {x.status for x in v} == {Status.INCONCLUSIVE}, (listed, gap)
        assert not any(x.resource.startswith("scope:aws/") for x in v)
    v = run_rules(_azure_k8s_inventory(cluster=aks, listed=True, gap=False), decl, rules=rule)
    assert status_of(v, rule[0], aks.id) is Status.FAIL


# --- network.flow-logs -------------------------------------------------------------------


def _flow_log(status: str) -> tuple[Resource, Any]:
    from auditor.model import Relation

    fl = res(
        "flow_log",
        arn("vpc-flow-log", "fl-1"),
        {
            "resource_id": "vpc-1",
            "traffic_type": "ALL",
            "destination_type": "cloud-watch-logs",
            "destination": f"arn:aws:logs:us-east-1:{CUSTOMER}:log-group:vpc-flow",
            "status": status,
        },
    )
    return fl, Relation(source=VPC1, target=fl.id, kind="network.logged_by", reason="fl-1")


def test_flow_logs_pass_and_fail() -> None:
    fl, rel = _flow_log("ACTIVE")
    v = run_rules(inv(*public_estate(), fl, relations=[rel]), rules=["network.flow-logs"])
    assert status_of(v, "network.flow-logs", VPC1) is Status.PASS
    v = run_rules(inv(*public_estate()), rules=["network.flow-logs"])
    assert status_of(v, "network.flow-logs", VPC1) is Status.FAIL


# --- network.peering-declared / replication-private --------------------------------------


def _peered(
    accepter_account: str = CUSTOMER,
    *,
    routes_a: list[dict[str, Any]] | None = None,
    routes_b: list[dict[str, Any]] | None = None,
    status: str = "active",
) -> list[Resource]:
    a = vpc("vpc-a", "10.1.0.0/16", tags=PLATFORM)
    b = vpc("vpc-b", "10.2.0.0/16", region=SECONDARY, tags=PLATFORM)
    ta = route_table(
        "rtb-a",
        "vpc-a",
        routes_a if routes_a is not None else [route("10.2.0.0/16", "peering", "pcx-1")],
    )
    tb = route_table(
        "rtb-b",
        "vpc-b",
        routes_b if routes_b is not None else [route("10.1.0.0/16", "peering", "pcx-1")],
        region=SECONDARY,
    )
    pcx = res(
        "peering",
        arn("vpc-peering-connection", "pcx-1"),
        {
            "requester": {"account": CUSTOMER, "region": PRIMARY, "vpc_id": "vpc-a"},
            "accepter": {"account": accepter_account, "region": SECONDARY, "vpc_id": "vpc-b"},
            "status": status,
        },
    )
    return [a, b, ta, tb, pcx]


PCX = arn("vpc-peering-connection", "pcx-1")
PAIR = f"{arn('vpc', 'vpc-a')}<->{arn('vpc', 'vpc-b', region=SECONDARY)}"


def test_peering_declared_pass_fail_and_declared_peer() -> None:
    rule = ["network.peering-declared"]
    assert status_of(run_rules(inv(*_peered()), rules=rule), rule[0], PCX) is Status.PASS
    v = run_rules(inv(*_peered("333333333333")), rules=rule)
    assert status_of(v, rule[0], PCX) is Status.FAIL
    decl = declaration(network={"peers": ["333333333333"]})
    assert status_of(run_rules(inv(*_peered("333333333333")), decl, rules=rule), rule[0], PCX) is (
        Status.PASS
    )


def test_peering_declared_vpc_without_peerings_is_explicit_pass() -> None:
    v = run_rules(inv(*public_estate()), rules=["network.peering-declared"])
    verdict = one(v, "network.peering-declared")
    assert verdict.status is Status.PASS and verdict.resource == VPC1


def test_replication_private_pass_over_peering() -> None:
    v = run_rules(inv(*_peered()), rules=["network.replication-private"])
    verdict = one(v, "network.replication-private")
    assert (
        verdict.status is Status.PASS and verdict.resource == PAIR and "peering" in verdict.message
    )
    assert PCX in verdict.evidence.nodes


def test_replication_private_fail_when_private_addresses_only_meet_an_igw() -> None:
    # The peer's private CIDR falls to the default route: an internet gateway drops
    # RFC 1918 destinations, so this is no path at all (not a path over the internet).
    internet = _peered(
        routes_a=[route("0.0.0.0/0", "igw", "igw-a")], routes_b=[route("0.0.0.0/0", "igw", "igw-b")]
    )
    v = one(
        run_rules(inv(*internet), rules=["network.replication-private"]),
        "network.replication-private",
    )
    assert v.status is Status.FAIL
    assert "no private path" in v.message and "to igw igw-a" in v.message
    none = [r for r in _peered(routes_a=[], routes_b=[]) if r.kind != "peering"]
    v = one(
        run_rules(inv(*none), rules=["network.replication-private"]), "network.replication-private"
    )
    assert v.status is Status.FAIL and "replication would need the internet" in v.message


def test_replication_private_undeclared_kind_fails() -> None:
    decl = declaration(network={"replication": {"via": ["transit-gateway"]}})
    v = one(
        run_rules(inv(*_peered()), decl, rules=["network.replication-private"]),
        "network.replication-private",
    )
    assert v.status is Status.FAIL and "undeclared peering" in v.message


def test_replication_private_missing_region_network_is_inconclusive_only_with_a_gap() -> None:
    """No platform network in a declared region: nothing to judge there, unless the
    region's network listing failed (then INCONCLUSIVE, with the gap behind it)."""
    only_a = [vpc("vpc-a", "10.1.0.0/16", tags=PLATFORM)]
    v = run_rules(inv(*only_a), rules=["network.replication-private"])
    assert status_of(v, "network.replication-private", f"scope:aws/*/{SECONDARY}") is (
        Status.NOT_APPLICABLE
    )
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=SECONDARY,
        service="ec2-network",
        operation="DescribeVpcs",
        error_code="AccessDenied",
    )
    v = run_rules(inv(*only_a, gaps=[gap]), rules=["network.replication-private"])
    assert status_of(v, "network.replication-private", f"scope:aws/*/{SECONDARY}") is (
        Status.INCONCLUSIVE
    )


# --- network.transit-declared -------------------------------------------------------------


def _tgw_estate(owner: str) -> list[Resource]:
    tgw = res(
        "transit_gateway",
        arn("transit-gateway", "tgw-1"),
        {"owner": CUSTOMER, "state": "available", "tgw_id": "tgw-1"},
    )
    att = res(
        "transit_attachment",
        arn("transit-gateway-attachment", "tgw-attach-1"),
        {
            "tgw_id": "tgw-1",
            "resource_type": "vpc",
            "resource_id": "vpc-x",
            "resource_owner": owner,
            "state": "available",
        },
    )
    return [tgw, att, *public_estate()]


def test_transit_declared_pass_and_fail() -> None:
    att = arn("transit-gateway-attachment", "tgw-attach-1")
    rule = ["network.transit-declared"]
    assert (
        status_of(run_rules(inv(*_tgw_estate(CUSTOMER)), rules=rule), rule[0], att) is Status.PASS
    )
    assert status_of(run_rules(inv(*_tgw_estate(VENDOR)), rules=rule), rule[0], att) is Status.FAIL


def test_transit_declared_nothing_is_not_applicable() -> None:
    """No transit gateway and no attachment: nothing to judge, so NOT_APPLICABLE, not PASS."""
    v = one(
        run_rules(inv(*public_estate()), rules=["network.transit-declared"]),
        "network.transit-declared",
    )
    assert v.status is Status.NOT_APPLICABLE


def test_platform_vpc_on_vendor_tgw_fails() -> None:
    att = res(
        "transit_attachment",
        arn("transit-gateway-attachment", "tgw-attach-2"),
        {
            "tgw_id": "tgw-v",
            "resource_type": "vpc",
            "resource_id": "vpc-1",
            "resource_owner": CUSTOMER,
            "state": "available",
        },
    )
    tgw = res(
        "transit_gateway",
        arn("transit-gateway", "tgw-v"),
        {"owner": VENDOR, "state": "available", "tgw_id": "tgw-v"},
        account=VENDOR,
    )
    _ = sg
    v = run_rules(inv(*public_estate(), att, tgw), rules=["network.transit-declared"])
    assert status_of(v, "network.transit-declared", att.id) is Status.FAIL


def _nlb_in_front(targets: Any) -> tuple[list[Resource], list[Any]]:
    """An internet-facing NLB in the public subnet, listening on 9092, and its target group."""
    from auditor.model import Relation
    from tests.unit.netfixtures import arn, res

    lb_id = arn("loadbalancer", "net/front/1")
    listener_id = arn("listener", "net/front/1/l1")
    tg_id = arn("targetgroup", "brokers/1")
    lb = res(
        "load_balancer",
        lb_id,
        {
            "lb_type": "network",
            "scheme": "internet-facing",
            "vpc_id": "vpc-1",
            "subnet_ids": ["subnet-1"],
            "security_group_ids": [],
        },
    )
    listener = res("listener", listener_id, {"port": 9092, "protocol": "TCP"})
    tg = res(
        "target_group",
        tg_id,
        {"port": 9092, "protocol": "TCP", "vpc_id": "vpc-1", "targets": targets},
    )
    rels = [
        Relation(source=lb_id, target=listener_id, kind="network.forwards_to", reason="TCP:9092"),
        Relation(source=listener_id, target=tg_id, kind="network.forwards_to", reason="default"),
    ]
    return [lb, listener, tg], rels


def test_public_ingress_unread_target_group_behind_public_nlb_is_inconclusive() -> None:
    # The instance has no public IP, so it is not exposed directly; but an internet-facing
    # NLB forwards to a target group whose targets could not be read: it may be behind it.
    extra, rels = _nlb_in_front(targets=None)
    estate = public_estate(public_ip=None)
    broker = next(r for r in estate if r.kind == "instance")
    v = run_rules(inv(*estate, *extra, relations=rels), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", broker.id) is Status.INCONCLUSIVE
    (got,) = [x for x in v if x.resource == broker.id]
    assert got.unmodelled, got  # the unread targets, named

    # Read and empty: the NLB forwards to nobody, so the private instance is not exposed.
    extra, rels = _nlb_in_front(targets=[])
    v = run_rules(inv(*estate, *extra, relations=rels), rules=["network.public-ingress"])
    assert status_of(v, "network.public-ingress", broker.id) is Status.PASS
