"""PrivateLink consumer paths, built in moto with real boto3, collected, then asked.

The platform account (111111111111) runs a broker behind an internal NLB and
publishes the NLB as an endpoint service (``create_vpc_endpoint_service_configuration``)
whose permissions (``modify_vpc_endpoint_service_permissions``) allow account
222222222222. Two consumer VPCs in 222222222222 and one in the vendor account
999999999999 each create an interface endpoint (``create_vpc_endpoint``) to that
service name. moto accepts a cross-account interface endpoint to a custom
service name and reports it ``available``; nothing in these estates is set by
hand: every scenario is exactly what the collectors read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.analysis.derive import build_graph
from auditor.analysis.network import Reach
from auditor.analysis.network.paths import path_engine, verdict_of
from auditor.analysis.network.traffic import links
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Kind, Status
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.e2e.test_network_paths_e2e import E1, Builder, Estate, ask, dropped, tcp
from tests.helpers import BASE, declaration, run_rules


def _consumer(
    fake: FakeAws, account: str, cidr: str, service: str, ids: dict[str, str], key: str
) -> None:
    c = Builder(fake, account, E1)
    v, _ = c.vpc(cidr)
    s, _ = c.subnet(v, cidr.replace("/16", "/20"))
    sg_e = c.sg(v, f"vpce-{key}", [tcp(9094, cidr)])
    sg_c = c.sg(v, f"client-{key}")
    ids[f"vpce_{key}"] = c.ec2.create_vpc_endpoint(
        VpcId=v,
        ServiceName=service,
        VpcEndpointType="Interface",
        SubnetIds=[s],
        SecurityGroupIds=[sg_e],
    )["VpcEndpoint"]["VpcEndpointId"]
    ids[f"c_{key}"] = c.inst(c.instance(s, [sg_c], platform=False))


def build_privatelink(fake: FakeAws) -> dict[str, str]:
    ids: dict[str, str] = {}
    p = Builder(fake, CUSTOMER, E1)
    v, _ = p.vpc("10.70.0.0/16")
    s, _ = p.subnet(v, "10.70.0.0/20")
    broker = p.instance(s, [p.sg(v, "brokers", [tcp(9094, "10.70.0.0/16")])])
    ids["broker"] = p.inst(broker)
    elb = fake.session(CUSTOMER, E1).client("elbv2")
    nlb = elb.create_load_balancer(
        Name="kafka-pl-nlb", Subnets=[s], Type="network", Scheme="internal"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    ids["nlb"] = nlb
    tg = elb.create_target_group(
        Name="pl-brokers", Protocol="TCP", Port=9094, VpcId=v, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": broker, "Port": 9094}])
    elb.create_listener(
        LoadBalancerArn=nlb,
        Protocol="TCP",
        Port=9094,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    svc: dict[str, Any] = p.ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb], AcceptanceRequired=False
    )["ServiceConfiguration"]
    ids["service_id"], service = svc["ServiceId"], svc["ServiceName"]
    p.ec2.modify_vpc_endpoint_service_permissions(
        ServiceId=svc["ServiceId"], AddAllowedPrincipals=[f"arn:aws:iam::{CUSTOMER_2}:root"]
    )
    _consumer(fake, CUSTOMER_2, "10.71.0.0/16", service, ids, "ok")
    _consumer(fake, VENDOR, "10.72.0.0/16", service, ids, "vendor")
    return ids


@pytest.fixture(scope="module")
def pl(moto_server: MotoServer) -> Iterator[Estate]:
    moto_server.reset()
    fake = FakeAws(moto_server)
    ids = build_privatelink(fake)
    inv = fake.collect(
        accounts=(CUSTOMER, CUSTOMER_2, VENDOR),
        regions=(E1,),
        services=("ec2-network", "ec2-compute", "elbv2"),
    )
    yield Estate(inventory=inv, ids=ids, graph=build_graph(inv, declaration()))


def test_collected_as_built(pl: Estate) -> None:
    svcs = pl.graph.of_kind(Kind.ENDPOINT_SERVICE)
    assert [s.attributes["load_balancer_arns"] for s in svcs] == [[pl.ids["nlb"]]]
    assert svcs[0].attributes["allowed_principals"] == [f"arn:aws:iam::{CUSTOMER_2}:root"]
    eps = [
        e
        for e in pl.graph.of_kind(Kind.PRIVATE_ENDPOINT)
        if e.attributes["endpoint_type"] == "Interface"
    ]
    assert sorted(e.account for e in eps) == [CUSTOMER_2, VENDOR]
    assert {e.attributes["state"] for e in eps} == {"available"}


def test_consumer_reaches_broker_through_private_endpoint(pl: Estate) -> None:
    reach, p = ask(pl, pl.ids["c_ok"], pl.ids["broker"], 9094)
    assert reach is Reach.YES, p.text()
    assert "private-endpoint" in p.via and links(p) == ("private-endpoint",)
    hops = [h.what for h in p.hops]
    i = hops.index("interface endpoint")
    assert hops.count("listener") == 1 and hops[i - 4] == "private endpoint"
    assert hops[i : i + 4] == [
        "interface endpoint",
        "endpoint service",
        "load balancer",
        "listener",
    ]
    assert pl.ids["vpce_ok"] in p.hops[i].node and p.hops[i + 2].node == pl.ids["nlb"]
    assert "allows arn:aws:iam::222222222222:root" in p.hops[i + 1].detail
    # The endpoint's security group admitted the client before the endpoint hop.
    assert any(h.what == "security group" and "admits" in h.detail for h in p.hops[:i])
    assert p.target == pl.ids["broker"] and p.hops[-1].node != pl.ids["nlb"]


def test_consumer_reaches_the_nlb_itself(pl: Estate) -> None:
    reach, p = ask(pl, pl.ids["c_ok"], pl.ids["nlb"], 9094)
    assert reach is Reach.YES and "private-endpoint" in p.via


def test_available_endpoint_of_an_account_not_allowed_is_unknown_not_unreachable(
    pl: Estate,
) -> None:
    # AWS keeps connections accepted before a principal is removed from the service's
    # allowed principals, and acceptance records are not collected: an *available*
    # endpoint of an account that is not allowed may still carry traffic. Fail closed.
    reach, p = ask(pl, pl.ids["c_vendor"], pl.ids["broker"], 9094)
    assert reach is Reach.UNKNOWN, p.text()
    engine = path_engine(pl.graph)
    found = engine.paths(pl.ids["c_vendor"], pl.graph.resource(pl.ids["broker"]), 9094)
    pls = [x for x in found if "private-endpoint" in x.via]
    assert pls and all(x.reach is Reach.UNKNOWN for x in pls)
    what, detail = dropped(pls[0])
    assert what == "endpoint service"
    assert f"account {VENDOR} is not (or no longer) an allowed principal" in detail
    assert pl.ids["service_id"] in detail


def test_provider_cannot_reach_consumer_one_way(pl: Estate) -> None:
    engine = path_engine(pl.graph)
    for port in (9094, 22):
        found = engine.paths(pl.ids["broker"], pl.graph.resource(pl.ids["c_ok"]), port)
        assert verdict_of(found) is Reach.NO
        assert not any("private-endpoint" in x.via for x in found)


def test_unknown_principals_and_uncollected_service_are_unknown(pl: Estate) -> None:
    # allowed_principals null (the permissions read failed): UNKNOWN, never NO.
    res = tuple(
        replace(r, attributes={**r.attributes, "allowed_principals": None})
        if r.kind == Kind.ENDPOINT_SERVICE
        else r
        for r in pl.inventory.resources
    )
    inv = replace(pl.inventory, resources=res)
    unread = Estate(inventory=inv, ids=pl.ids, graph=build_graph(inv, declaration()))
    reach, p = ask(unread, pl.ids["c_vendor"], pl.ids["broker"], 9094)
    assert reach is Reach.UNKNOWN and dropped(p)[1].startswith("allowed principals of")
    # The provider's endpoint services were not collected at all.
    res = tuple(r for r in pl.inventory.resources if r.kind != Kind.ENDPOINT_SERVICE)
    inv = replace(pl.inventory, resources=res)
    gone = Estate(inventory=inv, ids=pl.ids, graph=build_graph(inv, declaration()))
    reach, p = ask(gone, pl.ids["c_ok"], pl.ids["broker"], 9094)
    assert reach is Reach.UNKNOWN and "not collected" in dropped(p)[1]


def test_traffic_class_accepts_clients_via_private_endpoint(pl: Estate) -> None:
    verdicts = run_rules(pl.inventory, rules=["network.traffic-class"])
    mine = [v for v in verdicts if v.resource == pl.ids["broker"] and "[clients]" in v.message]
    assert [v.status for v in mine] == [Status.PASS], [v.message for v in mine]
    assert "private-endpoint" in mine[0].message
    # The same path fails a declaration that allows clients only over peering.
    strict = declaration(network={"clients": {"via": ["peering"], "from": ["10.0.0.0/8"]}})
    verdicts = run_rules(pl.inventory, strict, rules=["network.traffic-class"])
    mine = [v for v in verdicts if v.resource == pl.ids["broker"] and "[clients]" in v.message]
    assert [v.status for v in mine] == [Status.FAIL] and "via private-endpoint" in mine[0].message


def test_paths_command_prints_the_privatelink_hops(fake_aws: FakeAws, tmp_path: Path) -> None:
    from auditor.cli import main
    from auditor.fakecloud.identities import AUDITOR_ROLE

    ids = build_privatelink(fake_aws)
    accounts = (CUSTOMER, CUSTOMER_2)
    creds = fake_aws.auditor(accounts)
    decl = tmp_path / "boundary.yaml"
    doc = {
        **BASE,
        "parties": {"customer": {"aws": {"accounts": list(accounts)}}},
        "regions": {"aws/us-east-1": "primary"},
    }
    with decl.open("w") as fh:
        YAML().dump(doc, fh)
    runner = CliRunner()
    scan = runner.invoke(
        main,
        [
            "scan",
            "--boundary",
            str(decl),
            "--out",
            str(tmp_path / "out"),
            "--assume-role",
            AUDITOR_ROLE,
        ],
        env=creds.env(),
    )
    assert scan.exit_code in (0, 1, 3), scan.output
    bundle = next((tmp_path / "out").iterdir())
    res = runner.invoke(
        main,
        ["paths", str(bundle), "--from", ids["c_ok"], "--to", ids["broker"], "--port", "9094"],
    )
    assert res.exit_code == 0, res.output
    assert "via local, private-endpoint, load-balancer" in res.output
    assert "interface endpoint" in res.output and "endpoint service" in res.output
    assert f"allows arn:aws:iam::{CUSTOMER_2}:root" in res.output


def test_endpoint_subnets_unknown_is_unknown(pl: Estate) -> None:
    res = tuple(
        replace(r, attributes={**r.attributes, "subnet_ids": None})
        if r.kind == Kind.PRIVATE_ENDPOINT
        else r
        for r in pl.inventory.resources
    )
    inv = replace(pl.inventory, resources=res)
    e = Estate(inventory=inv, ids=pl.ids, graph=build_graph(inv, declaration()))
    reach, p = ask(e, pl.ids["c_ok"], pl.ids["broker"], 9094)
    assert reach is Reach.UNKNOWN and dropped(p) == ("interface endpoint", "subnets not collected")
