"""The failover dependency graph (failure.depends_on) over hand-built inventories."""

from __future__ import annotations

from auditor.analysis.derive import build_graph
from auditor.analysis.failover import dependencies_from_graph
from auditor.base.edges import DEPENDS_ON
from auditor.model import Relation, Resource, Status
from tests.helpers import CUSTOMER, PRIMARY, SECONDARY, declaration, run_rules, status_of
from tests.unit.netfixtures import PLATFORM, inv, res

S_SCOPE = f"scope:aws/*/{SECONDARY}"
RULE = ["failure.region-independence"]


def group(region: str) -> Resource:
    return res(
        "scaling_group",
        f"arn:aws:autoscaling:{region}:{CUSTOMER}:autoScalingGroup:x:autoScalingGroupName/b",
        {"name": "b", "desired_capacity": 3, "max_size": 3, "instance_ids": []},
        region=region,
        tags=PLATFORM,
    )


def key(region: str, kid: str, primary: str | None = None) -> Resource:
    return res(
        "key",
        f"arn:aws:kms:{region}:{CUSTOMER}:key/{kid}",
        {
            "key_id": kid,
            "key_manager": "CUSTOMER",
            "key_state": "Enabled",
            "multi_region_type": "REPLICA" if primary else None,
            "primary_key_arn": primary,
            "aliases": [],
        },
        region=region,
    )


def bucket(name: str, region: str, key_id: str) -> tuple[Resource, Relation]:
    b = res(
        "bucket",
        f"arn:aws:s3:::{name}",
        {"name": name},
        region=region,
        tags={"data-class": "kafka-log"},
        name=name,
    )
    return b, Relation(source=b.id, target=key_id, kind="data.encrypted_by", reason="sse")


def test_key_only_in_the_primary_is_a_blocking_chain() -> None:
    k = key(PRIMARY, "k1")
    west, rel = bucket("log-west", SECONDARY, k.id)
    inventory = inv(group(PRIMARY), group(SECONDARY), k, west, relations=[rel])
    graph = build_graph(inventory, declaration())
    deps = dependencies_from_graph(graph)
    assert [(d.need, d.from_region, d.to_region, d.blocking) for d in deps] == [
        ("key", SECONDARY, PRIMARY, True)
    ]
    assert deps[0].chain == (west.id, k.id)
    edge = next(graph.out_edges(west.id, DEPENDS_ON))
    assert edge.attributes["blocking"] is True
    v = run_rules(inventory, rules=RULE)
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and f"{west.id} -> {k.id}" in verdict.message
    assert (west.id, k.id, DEPENDS_ON) in verdict.evidence.edges


def test_multi_region_replica_does_not_block() -> None:
    k = key(PRIMARY, "mrk-1")
    replica = key(SECONDARY, "mrk-1", primary=k.id)
    west, rel = bucket("log-west", SECONDARY, replica.id)
    v = run_rules(
        inv(group(PRIMARY), group(SECONDARY), k, replica, west, relations=[rel]), rules=RULE
    )
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.PASS and "key from us-east-1" in verdict.message


def test_private_zone_answering_only_in_the_primary_blocks() -> None:
    zone = res(
        "dns_zone",
        "arn:aws:route53:::hostedzone/Z1",
        {
            "zone_id": "Z1",
            "name": "kafka.example.internal",
            "private": True,
            "vpcs": [{"vpc_id": "vpc-east", "region": PRIMARY}],
        },
        region="global",
    )
    v = run_rules(inv(group(PRIMARY), group(SECONDARY), zone), rules=RULE)
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and "answers only in VPCs of us-east-1" in verdict.message
    assert zone.id in verdict.evidence.nodes


def test_operator_role_limited_to_the_primary_blocks() -> None:
    role = res(
        "role",
        f"arn:aws:iam::{CUSTOMER}:role/vendor-operator",
        {
            "role_name": "vendor-operator",
            "attached_policies": [],
            "inline_policies": [
                {
                    "name": "ops",
                    "document": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "ec2:*",
                                "Resource": "*",
                                "Condition": {"StringEquals": {"aws:RequestedRegion": PRIMARY}},
                            }
                        ],
                    },
                }
            ],
        },
        region="global",
    )
    v = run_rules(inv(group(PRIMARY), group(SECONDARY), role), rules=RULE)
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and "aws:RequestedRegion" in verdict.message


def test_nothing_in_the_secondary_is_nothing_to_judge_and_active_active_judges_every_region() -> (
    None
):
    # complete data, nothing of the platform in the secondary: nothing to judge, never a PASS
    # (region-capacity FAILs the empty region)
    v = run_rules(inv(group(PRIMARY)), rules=RULE)
    assert status_of(v, RULE[0], S_SCOPE) is Status.NOT_APPLICABLE
    aa = declaration(
        pattern="active-active",
        regions={f"aws/{PRIMARY}": "active", f"aws/{SECONDARY}": "active"},
    )
    v = run_rules(inv(group(PRIMARY), group(SECONDARY)), aa, rules=RULE)
    assert {x.resource for x in v} == {f"scope:aws/*/{PRIMARY}", S_SCOPE}
