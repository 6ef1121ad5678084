"""Benchmark: path reasoning on a synthetic estate of ~10,000 resources.

Writes an :class:`Inventory` directly (no cloud, no moto): N accounts x regions x
VPCs, each VPC with subnets, route tables, security groups, NACLs and instances;
peerings between neighbouring VPCs and one transit gateway per account and
region. Then it times:

- reachability from the internet to every Kafka listener (each port);
- reachability from every declared client CIDR to every Kafka listener;
- the whole ``network.traffic-class`` flow computation (all classes).

Run: ``.venv/bin/python -m bench.network_reachability [--vpcs-per-region 25]``.
Not a test: it prints wall times and the peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

from auditor.model import Inventory, Relation, Resource, Scope

KAFKA_PORTS = (9092, 9094)


def _arn(region: str, account: str, kind: str, local: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{local}"


def _res(
    kind: str,
    rid: str,
    account: str,
    region: str,
    attrs: dict[str, Any],
    tags: dict[str, str] | None = None,
) -> Resource:
    return Resource(
        id=rid,
        cloud="aws",
        kind=kind,
        account=account,
        region=region,
        name=rid.rsplit("/", 1)[-1],
        tags=tags or {},
        attributes=attrs,
    )


def estate(accounts: int, regions: list[str], vpcs: int, subnets: int, instances: int) -> Inventory:
    res: list[Resource] = []
    rels: list[Relation] = []
    n = 0
    for ai in range(accounts):
        acct = f"{100000000000 + ai}"
        for ri, region in enumerate(regions):
            tgw = f"tgw-{ai}-{ri}"
            res.append(
                _res(
                    "transit_gateway",
                    _arn(region, acct, "transit-gateway", tgw),
                    acct,
                    region,
                    {"owner": acct, "state": "available", "tgw_id": tgw},
                )
            )
            trt = f"tgw-rtb-{ai}-{ri}"
            atts: list[str] = []
            routes_tgw: list[dict[str, Any]] = []
            for vi in range(vpcs):
                n += 1
                second = (ai * len(regions) + ri) * vpcs + vi
                cidr = (
                    f"10.{second // 256 % 256}.{0}.0/16"
                    if False
                    else f"10.{(second >> 4) % 256}.{(second % 16) * 16}.0/20"
                )
                base = cidr.split("/")[0].rsplit(".", 2)[0]
                third = int(cidr.split(".")[2])
                vid = f"vpc-{ai}-{ri}-{vi}"
                platform = vi == 0
                tags = {"platform": "orders-kafka"} if platform else {}
                res.append(
                    _res(
                        "network",
                        _arn(region, acct, "vpc", vid),
                        acct,
                        region,
                        {"cidrs": [cidr], "is_default": False, "vpc_id": vid},
                        tags,
                    )
                )
                att = f"tgw-attach-{ai}-{ri}-{vi}"
                atts.append(att)
                routes_tgw.append(
                    {
                        "destination": cidr,
                        "attachment_ids": [att],
                        "state": "active",
                        "type": "propagated",
                    }
                )
                res.append(
                    _res(
                        "transit_attachment",
                        _arn(region, acct, "transit-gateway-attachment", att),
                        acct,
                        region,
                        {
                            "tgw_id": tgw,
                            "resource_type": "vpc",
                            "resource_id": vid,
                            "resource_owner": acct,
                            "state": "available",
                            "association_route_table_id": trt,
                            "subnet_ids": [],
                            "peer": None,
                        },
                    )
                )
                igw = f"igw-{ai}-{ri}-{vi}"
                res.append(
                    _res(
                        "gateway",
                        _arn(region, acct, "internet-gateway", igw),
                        acct,
                        region,
                        {
                            "gateway_type": "internet",
                            "vpc_ids": [vid],
                            "public_ips": [],
                            "subnet_id": None,
                            "connectivity": None,
                        },
                    )
                )
                sg = f"sg-{ai}-{ri}-{vi}"
                res.append(
                    _res(
                        "firewall",
                        _arn(region, acct, "security-group", sg),
                        acct,
                        region,
                        {
                            "vpc_id": vid,
                            "group_id": sg,
                            "ingress": [
                                {
                                    "protocol": "tcp",
                                    "from_port": 9092,
                                    "to_port": 9098,
                                    "cidrs": ["10.0.0.0/8"],
                                    "prefix_lists": [],
                                    "groups": [],
                                },
                                {
                                    "protocol": "tcp",
                                    "from_port": 22,
                                    "to_port": 22,
                                    "cidrs": ["0.0.0.0/0"],
                                    "prefix_lists": [],
                                    "groups": [],
                                },
                            ],
                            "egress": [
                                {
                                    "protocol": "-1",
                                    "from_port": None,
                                    "to_port": None,
                                    "cidrs": ["0.0.0.0/0"],
                                    "prefix_lists": [],
                                    "groups": [],
                                }
                            ],
                        },
                        tags,
                    )
                )
                acl = f"acl-{ai}-{ri}-{vi}"
                sids: list[str] = []
                for si in range(subnets):
                    sid = f"subnet-{ai}-{ri}-{vi}-{si}"
                    sids.append(sid)
                    scidr = f"{base}.{third + si}.0/24"
                    res.append(
                        _res(
                            "subnet",
                            _arn(region, acct, "subnet", sid),
                            acct,
                            region,
                            {
                                "vpc_id": vid,
                                "cidr": scidr,
                                "az": f"{region}a",
                                "map_public_ip_on_launch": si == 0,
                                "subnet_id": sid,
                            },
                        )
                    )
                    for ii in range(instances):
                        iid = f"i-{ai}-{ri}-{vi}-{si}-{ii}"
                        pub = (
                            f"54.{ai % 200}.{(vi * subnets + si) % 250}.{ii + 1}"
                            if si == 0
                            else None
                        )
                        res.append(
                            _res(
                                "instance",
                                _arn(region, acct, "instance", iid),
                                acct,
                                region,
                                {
                                    "instance_id": iid,
                                    "state": "running",
                                    "vpc_id": vid,
                                    "subnet_id": sid,
                                    "private_ip": f"{base}.{third + si}.{ii + 10}",
                                    "public_ip": pub,
                                    "security_group_ids": [sg],
                                    "interface_ids": [],
                                    "asg_name": None,
                                },
                                tags,
                            )
                        )
                routes = [
                    {
                        "destination": cidr,
                        "target_type": "local",
                        "target_id": "local",
                        "state": "active",
                    },
                    {
                        "destination": "0.0.0.0/0",
                        "target_type": "igw",
                        "target_id": igw,
                        "state": "active",
                    },
                    {
                        "destination": "10.0.0.0/8",
                        "target_type": "tgw",
                        "target_id": tgw,
                        "state": "active",
                    },
                ]
                if vi > 0:
                    pcx = f"pcx-{ai}-{ri}-{vi}"
                    prev = f"vpc-{ai}-{ri}-{vi - 1}"
                    res.append(
                        _res(
                            "peering",
                            _arn(region, acct, "vpc-peering-connection", pcx),
                            acct,
                            region,
                            {
                                "requester": {
                                    "account": acct,
                                    "region": region,
                                    "vpc_id": vid,
                                    "cidrs": [cidr],
                                },
                                "accepter": {
                                    "account": acct,
                                    "region": region,
                                    "vpc_id": prev,
                                    "cidrs": [],
                                },
                                "status": "active",
                            },
                        )
                    )
                rt = f"rtb-{ai}-{ri}-{vi}"
                res.append(
                    _res(
                        "route_table",
                        _arn(region, acct, "route-table", rt),
                        acct,
                        region,
                        {"vpc_id": vid, "main": True, "subnet_ids": [], "routes": routes},
                    )
                )
                res.append(
                    _res(
                        "network_acl",
                        _arn(region, acct, "network-acl", acl),
                        acct,
                        region,
                        {
                            "vpc_id": vid,
                            "default": True,
                            "subnet_ids": sids,
                            "entries": [
                                {
                                    "rule_number": 100,
                                    "egress": e,
                                    "protocol": "-1",
                                    "from_port": None,
                                    "to_port": None,
                                    "cidr": "0.0.0.0/0",
                                    "action": "allow",
                                }
                                for e in (False, True)
                            ],
                        },
                    )
                )
            res.append(
                _res(
                    "transit_route_table",
                    _arn(region, acct, "transit-gateway-route-table", trt),
                    acct,
                    region,
                    {
                        "tgw_id": tgw,
                        "associations": atts,
                        "propagations": atts,
                        "routes": routes_tgw,
                    },
                )
            )
    del rels, n
    accts = tuple(sorted({r.account for r in res}))
    return Inventory(
        scope=Scope(accounts=accts, regions=tuple(regions)),
        resources=tuple(sorted(res, key=lambda r: r.id)),
        relations=(),
        gaps=(),
    )


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<58} {time.perf_counter() - t0:8.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=4)
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--vpcs-per-region", type=int, default=25)
    ap.add_argument("--subnets", type=int, default=4)
    ap.add_argument("--instances", type=int, default=10)
    a = ap.parse_args()
    from auditor.analysis.derive import build_graph
    from auditor.analysis.network.paths import kafka_targets, path_engine
    from auditor.analysis.network.traffic import class_flows
    from tests.helpers import declaration

    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"][: a.regions]
    inv = _timed(
        "generate inventory",
        lambda: estate(a.accounts, regions, a.vpcs_per_region, a.subnets, a.instances),
    )
    print(f"resources: {len(inv.resources)}")
    accts = sorted(inv.scope.accounts)
    decl = declaration(
        parties={"customer": {"aws": {"accounts": accts}}, "vendor": {"aws": {"accounts": []}}},
        regions={f"aws/{r}": ("primary" if i == 0 else "secondary") for i, r in enumerate(regions)},
        network={"clients": {"via": ["private-endpoint"], "from": ["10.0.0.0/8"]}},
    )
    graph = _timed("build graph", lambda: build_graph(inv, decl))
    targets = kafka_targets(graph, KAFKA_PORTS)
    print(f"kafka listeners (platform brokers): {len(targets)} x {len(KAFKA_PORTS)} ports")
    eng = path_engine(graph)

    def from_source(src: str) -> int:
        n = 0
        for t in targets:
            for p in t.ports:
                n += len(eng.paths(src, t.resource, p))
        return n

    c1 = _timed("internet -> every Kafka listener", lambda: from_source("internet"))
    c2 = _timed(
        "declared clients 10.0.0.0/8 -> every Kafka listener", lambda: from_source("10.0.0.0/8")
    )
    flows = _timed("all traffic classes (rule network.traffic-class)", lambda: class_flows(graph))
    print(f"candidate paths judged: internet {c1}, clients {c2}; flows: {len(flows)}")
    print(f"route walks cached: {len(eng._walks)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
