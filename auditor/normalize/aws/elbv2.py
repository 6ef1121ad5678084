"""ELBv2 load balancers, listeners and target groups (ids are their ARNs).

Traffic edges run load_balancer -> listener -> target_group -> instance
(or -> load_balancer for ALB-type targets of a network load balancer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor.base.edges import FORWARDS_TO, MEMBER_OF, PROTECTED_BY
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_network import ec2_arn, name_of


@normalizes("aws", "elbv2:load_balancer")
def load_balancer(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    arn = str(d["LoadBalancerArn"])
    subnet_ids = sorted(
        {str(z["SubnetId"]) for z in d.get("AvailabilityZones") or [] if z.get("SubnetId")}
    )
    groups = sorted(str(g) for g in d.get("SecurityGroups") or [])
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.LOAD_BALANCER,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, str(d.get("LoadBalancerName") or arn)),
        tags=tags,
        attributes={
            "lb_type": d.get("Type"),
            "scheme": d.get("Scheme"),
            "vpc_id": d.get("VpcId"),
            "subnet_ids": subnet_ids,
            "security_group_ids": groups,
            "dns_name": d.get("DNSName"),
        },
        source="elasticloadbalancing:DescribeLoadBalancers",
    )
    name = d.get("LoadBalancerName")
    for subnet_id in subnet_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, subnet_id, "subnet"),
            MEMBER_OF,
            f"load balancer {name} has a node in {subnet_id}",
        )
    for group in groups:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, group, "security-group"),
            PROTECTED_BY,
            f"load balancer {name} uses security group {group}",
        )


def _forward_targets(actions: Iterable[Mapping[str, Any]]) -> set[str]:
    found: set[str] = set()
    for action in actions:
        if action.get("TargetGroupArn"):
            found.add(str(action["TargetGroupArn"]))
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if group.get("TargetGroupArn"):
                found.add(str(group["TargetGroupArn"]))
    return found


@normalizes("aws", "elbv2:listener")
def listener(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    arn = str(d["ListenerArn"])
    lb_arn = str(d["LoadBalancerArn"])
    groups = _forward_targets(d.get("DefaultActions") or [])
    for rule in d.get("Rules") or []:
        groups |= _forward_targets(rule.get("Actions") or [])
    label = f"{d.get('Protocol')}:{d.get('Port')}"
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.LISTENER,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, label),
        tags=tags,
        attributes={
            "load_balancer_arn": lb_arn,
            "protocol": d.get("Protocol"),
            "port": d.get("Port"),
            "target_group_arns": sorted(groups),
        },
        source="elasticloadbalancing:DescribeListeners",
    )
    out.relation(lb_arn, arn, FORWARDS_TO, f"load balancer listens on {label}")
    for group in sorted(groups):
        out.relation(arn, group, FORWARDS_TO, f"listener {label} forwards to {group}")


@normalizes("aws", "elbv2:target_group")
def target_group(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    arn = str(d["TargetGroupArn"])
    target_type = str(d.get("TargetType") or "instance")
    targets: list[dict[str, Any]] | None = None
    if "TargetHealthDescriptions" in d:
        targets = sorted(
            (
                {"id": str(t["Target"]["Id"]), "port": t["Target"].get("Port")}
                for t in d["TargetHealthDescriptions"]
                if (t.get("Target") or {}).get("Id")
            ),
            key=lambda t: (t["id"], t["port"] or 0),
        )
    tags = tags_of(d.get("Tags"))
    name = str(d.get("TargetGroupName") or arn)
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.TARGET_GROUP,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, name),
        tags=tags,
        attributes={
            "protocol": d.get("Protocol"),
            "port": d.get("Port"),
            "vpc_id": d.get("VpcId"),
            "target_type": target_type,
            "targets": targets,
        },
        source="elasticloadbalancing:DescribeTargetGroups",
    )
    for target in targets or []:
        if target_type == "instance":
            to = ec2_arn(rec.region, rec.account, target["id"], "instance")
        elif target_type == "alb":
            to = target["id"]
        else:
            continue  # ip and lambda targets are no inventory resource: see ``targets``
        out.relation(
            arn, to, FORWARDS_TO, f"target group {name} sends port {target['port']} to {to}"
        )
