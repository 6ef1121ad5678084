"""Hand-built network inventories for the network and failure rule tests.

Each helper returns a :class:`Resource` (and :func:`inv` wraps them with the
relations the normalisers would draw), shaped as docs/inventory.md says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.model import Gap, Inventory, Relation, Resource, Scope
from tests.helpers import CUSTOMER, PRIMARY, SECONDARY

PLATFORM = {"platform": "orders-kafka"}


def arn(kind: str, local: str, account: str = CUSTOMER, region: str = PRIMARY) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{local}"


def res(
    kind: str,
    id: str,
    attrs: Mapping[str, Any],
    *,
    account: str = CUSTOMER,
    region: str = PRIMARY,
    tags: Mapping[str, str] | None = None,
    name: str = "",
) -> Resource:
    return Resource(
        id=id,
        cloud="aws",
        kind=kind,
        account=account,
        region=region,
        name=name or id.rsplit("/", 1)[-1],
        tags=dict(tags or {}),
        attributes=dict(attrs),
    )


def vpc(
    vid: str = "vpc-1",
    cidr: str = "10.1.0.0/16",
    *,
    account: str = CUSTOMER,
    region: str = PRIMARY,
    tags: Mapping[str, str] | None = None,
) -> Resource:
    return res(
        "network",
        arn("vpc", vid, account, region),
        {"cidrs": [cidr], "is_default": False, "vpc_id": vid},
        account=account,
        region=region,
        tags=tags,
    )


def subnet(
    sid: str = "subnet-1",
    vid: str = "vpc-1",
    cidr: str = "10.1.0.0/20",
    *,
    account: str = CUSTOMER,
    region: str = PRIMARY,
) -> Resource:
    return res(
        "subnet",
        arn("subnet", sid, account, region),
        {"vpc_id": vid, "cidr": cidr, "az": f"{region}a", "subnet_id": sid},
        account=account,
        region=region,
    )


def route(dest: str, ttype: str, tid: str, state: str = "active") -> dict[str, Any]:
    return {"destination": dest, "target_type": ttype, "target_id": tid, "state": state}


def route_table(
    rid: str = "rtb-1",
    vid: str = "vpc-1",
    routes: Sequence[Mapping[str, Any]] = (),
    *,
    main: bool = True,
    subnet_ids: Sequence[str] = (),
    account: str = CUSTOMER,
    region: str = PRIMARY,
    local: str = "",
) -> Resource:
    local = local or {"vpc-b": "10.2.0.0/16"}.get(vid, "10.1.0.0/16")
    return res(
        "route_table",
        arn("route-table", rid, account, region),
        {
            "vpc_id": vid,
            "main": main,
            "subnet_ids": list(subnet_ids),
            "routes": [route(local, "local", "local"), *routes],
        },
        account=account,
        region=region,
    )


def igw(gid: str = "igw-1", vid: str = "vpc-1", region: str = PRIMARY) -> Resource:
    return res(
        "gateway",
        arn("internet-gateway", gid, region=region),
        {"gateway_type": "internet", "vpc_ids": [vid], "public_ips": []},
        region=region,
    )


def sg_rule(port: int, *cidrs: str, to_port: int | None = None, groups: Any = ()) -> dict[str, Any]:
    return {
        "protocol": "tcp",
        "from_port": port,
        "to_port": to_port if to_port is not None else port,
        "cidrs": list(cidrs),
        "prefix_lists": [],
        "groups": list(groups),
    }


def sg(
    gid: str = "sg-1",
    vid: str = "vpc-1",
    ingress: Sequence[Mapping[str, Any]] = (),
    *,
    region: str = PRIMARY,
    tags: Mapping[str, str] | None = None,
) -> Resource:
    return res(
        "firewall",
        arn("security-group", gid, region=region),
        {"vpc_id": vid, "group_id": gid, "ingress": list(ingress), "egress": []},
        region=region,
        tags=tags,
    )


def acl_entry(
    n: int, action: str, cidr: str = "0.0.0.0/0", lo: int | None = None, hi: int | None = None
) -> dict[str, Any]:
    return {
        "rule_number": n,
        "egress": False,
        "protocol": "-1" if lo is None else "tcp",
        "from_port": lo,
        "to_port": hi if hi is not None else lo,
        "cidr": cidr,
        "action": action,
    }


def nacl(
    aid: str = "acl-1",
    vid: str = "vpc-1",
    entries: Sequence[Mapping[str, Any]] | None = None,
    *,
    default: bool = True,
    subnet_ids: Sequence[str] = ("subnet-1",),
    region: str = PRIMARY,
) -> Resource:
    if entries is None:
        entries = [acl_entry(100, "allow"), acl_entry(32767, "deny")]
    return res(
        "network_acl",
        arn("network-acl", aid, region=region),
        {"vpc_id": vid, "default": default, "subnet_ids": list(subnet_ids), "entries": entries},
        region=region,
    )


def instance(
    iid: str = "i-1",
    *,
    sid: str = "subnet-1",
    vid: str = "vpc-1",
    public_ip: str | None = "54.1.2.3",
    sgs: Sequence[str] = ("sg-1",),
    state: str = "running",
    region: str = PRIMARY,
    tags: Mapping[str, str] | None = PLATFORM,
    asg: str | None = None,
) -> Resource:
    return res(
        "instance",
        arn("instance", iid, region=region),
        {
            "instance_id": iid,
            "state": state,
            "vpc_id": vid,
            "subnet_id": sid,
            "public_ip": public_ip,
            "security_group_ids": list(sgs),
            "interface_ids": [],
            "asg_name": asg,
        },
        region=region,
        tags=tags,
    )


def public_estate(
    *,
    routes: Sequence[Mapping[str, Any]] = (route("0.0.0.0/0", "igw", "igw-1"),),
    ingress: Sequence[Mapping[str, Any]] = (sg_rule(9092, "0.0.0.0/0"),),
    acl: Sequence[Mapping[str, Any]] | None = None,
    public_ip: str | None = "54.1.2.3",
) -> list[Resource]:
    """One VPC with one subnet, an IGW, a security group and a platform instance."""
    return [
        vpc(),
        subnet(),
        route_table(routes=routes),
        igw(),
        sg(ingress=ingress),
        nacl(entries=acl),
        instance(public_ip=public_ip),
    ]


def relations_for(resources: Iterable[Resource]) -> list[Relation]:
    """The member_of / protected_by / routes_via edges the normalisers would draw."""
    rs = list(resources)
    out: list[Relation] = []
    by_local = {(r.region, r.id.rsplit("/", 1)[-1]): r for r in rs}
    for r in rs:
        a = r.attributes
        if r.kind in ("subnet", "instance") and a.get("vpc_id"):
            target = a.get("subnet_id") if r.kind == "instance" else a["vpc_id"]
            t = by_local.get((r.region, str(target)))
            if t is not None:
                out.append(
                    Relation(source=r.id, target=t.id, kind="network.member_of", reason="in")
                )
        for gid in a.get("security_group_ids") or []:
            t = by_local.get((r.region, str(gid)))
            if t is not None:
                out.append(
                    Relation(source=r.id, target=t.id, kind="network.protected_by", reason=gid)
                )
        if r.kind == "route_table":
            for rt in a.get("routes") or []:
                t = by_local.get((r.region, str(rt["target_id"])))
                if t is not None:
                    out.append(
                        Relation(
                            source=r.id,
                            target=t.id,
                            kind="network.routes_via",
                            reason=f"route {rt['destination']}",
                            attributes={"destination": rt["destination"], "state": rt["state"]},
                        )
                    )
    return out


def inv(
    *resources: Resource,
    relations: Sequence[Relation] = (),
    gaps: Sequence[Gap] = (),
    regions: Sequence[str] = (PRIMARY, SECONDARY),
) -> Inventory:
    rels = [*relations_for(resources), *relations]
    return Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=tuple(regions)),
        resources=tuple(sorted(resources, key=lambda r: r.id)),
        relations=tuple(sorted(rels, key=lambda r: (r.source, r.kind, r.target, r.reason))),
        gaps=tuple(gaps),
    )
