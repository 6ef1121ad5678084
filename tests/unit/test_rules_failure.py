"""Failure path rules over hand-built inventories, through the real engine."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.boundary import RegionRole
from auditor.model import Relation, Resource, Status
from tests.helpers import CUSTOMER, PRIMARY, SECONDARY, VENDOR, declaration, run_rules, status_of
from tests.unit.netfixtures import PLATFORM, inv, res

P_SCOPE = f"scope:aws/*/{PRIMARY}"
S_SCOPE = f"scope:aws/*/{SECONDARY}"
ZONE = "kafka.example.internal"
NAME = f"bootstrap.{ZONE}"


def msk(
    region: str,
    brokers: int,
    state: str = "ACTIVE",
    name: str = "orders",
    itype: str | None = "kafka.m5.large",
) -> Resource:
    return res(
        "kafka_cluster",
        f"arn:aws:kafka:{region}:{CUSTOMER}:cluster/{name}/{region}",
        {
            "cluster_name": name,
            "cluster_type": "PROVISIONED",
            "state": state,
            "broker_count": brokers,
            "instance_type": itype,
        },
        region=region,
        tags=PLATFORM,
    )


def members(region: str, count: int, itype: str = "m5.large") -> list[Resource]:
    """Running instances of the ``brokers`` group, so that its size is known."""
    return [
        res(
            "instance",
            f"arn:aws:ec2:{region}:{CUSTOMER}:instance/i-{region}-{n}",
            {
                "instance_id": f"i-{n}",
                "state": "running",
                "instance_type": itype,
                "asg_name": "brokers",
            },
            region=region,
        )
        for n in range(count)
    ]


def asg(region: str, desired: int) -> Resource:
    return res(
        "scaling_group",
        f"arn:aws:autoscaling:{region}:{CUSTOMER}:autoScalingGroup:x:autoScalingGroupName/brokers",
        {
            "name": "brokers",
            "min_size": 0,
            "max_size": 9,
            "desired_capacity": desired,
            "instance_ids": [],
        },
        region=region,
        tags=PLATFORM,
    )


# --- capacity ------------------------------------------------------------------------------


def test_region_capacity_one_verdict_per_declared_region() -> None:
    v = run_rules(inv(msk(PRIMARY, 3)), rules=["failure.region-capacity"])
    assert status_of(v, "failure.region-capacity", P_SCOPE) is Status.PASS
    assert status_of(v, "failure.region-capacity", S_SCOPE) is Status.FAIL
    v = run_rules(inv(msk(PRIMARY, 3), asg(SECONDARY, 3)), rules=["failure.region-capacity"])
    assert status_of(v, "failure.region-capacity", S_SCOPE) is Status.PASS


def test_region_capacity_creating_cluster_is_inconclusive() -> None:
    v = run_rules(
        inv(msk(PRIMARY, 3), msk(SECONDARY, 3, "CREATING")), rules=["failure.region-capacity"]
    )
    assert status_of(v, "failure.region-capacity", S_SCOPE) is Status.INCONCLUSIVE


def test_secondary_capacity_ratio() -> None:
    rule = ["failure.secondary-capacity"]
    v = run_rules(inv(msk(PRIMARY, 6), msk(SECONDARY, 3)), rules=rule)
    assert status_of(v, rule[0], S_SCOPE) is Status.FAIL
    v = run_rules(
        inv(msk(PRIMARY, 6), msk(SECONDARY, 3)),
        declaration(failure={"secondary_capacity": 0.5}),
        rules=rule,
    )
    assert status_of(v, rule[0], S_SCOPE) is Status.PASS
    v = run_rules(inv(msk(PRIMARY, 3), asg(SECONDARY, 3), *members(SECONDARY, 3)), rules=rule)
    assert status_of(v, rule[0], S_SCOPE) is Status.PASS


def test_secondary_capacity_compares_broker_size_and_says_how_far_groups_scale() -> None:
    rule = ["failure.secondary-capacity"]
    small = inv(msk(PRIMARY, 3), asg(SECONDARY, 3), *members(SECONDARY, 3, "m5.medium"))
    verdict = next(x for x in run_rules(small, rules=rule) if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and "smaller" in verdict.message
    unsized = inv(msk(PRIMARY, 3, itype=None), msk(SECONDARY, 3, name="dr"))
    assert status_of(run_rules(unsized, rules=rule), rule[0], S_SCOPE) is Status.INCONCLUSIVE
    short = inv(msk(PRIMARY, 3), asg(SECONDARY, 1), *members(SECONDARY, 1))
    verdict = next(x for x in run_rules(short, rules=rule) if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and "can scale to 9" in verdict.message


def test_secondary_capacity_counts_running_instances_not_stopped() -> None:
    from tests.unit.netfixtures import instance

    insts = [
        instance("i-p1"),
        instance("i-p2"),
        instance("i-s1", region=SECONDARY),
        instance("i-s2", region=SECONDARY, state="stopped"),
    ]
    v = run_rules(inv(*insts), rules=["failure.secondary-capacity"])
    assert status_of(v, "failure.secondary-capacity", S_SCOPE) is Status.FAIL


def test_secondary_capacity_without_primary_is_inconclusive() -> None:
    v = run_rules(inv(msk(SECONDARY, 3)), rules=["failure.secondary-capacity"])
    assert status_of(v, "failure.secondary-capacity", S_SCOPE) is Status.INCONCLUSIVE


# --- DNS -----------------------------------------------------------------------------------


def zone() -> Resource:
    return res(
        "dns_zone",
        "arn:aws:route53:::hostedzone/Z1",
        {"zone_id": "Z1", "name": ZONE, "private": True, "vpcs": []},
        region="global",
    )


def record(
    role: str, *, ttl: int | None = 60, hc: str | None = None, alias: Any = None
) -> Resource:
    return res(
        "dns_record",
        f"arn:aws:route53:::hostedzone/Z1/recordset/{NAME}/CNAME/{role.lower()}",
        {
            "zone_id": "Z1",
            "zone_name": ZONE,
            "name": NAME,
            "type": "CNAME",
            "ttl": ttl,
            "set_identifier": role.lower(),
            "failover": role,
            "health_check_id": hc,
            "values": ["x.example"],
            "alias_target": alias,
            "routing": "failover",
        },
        region="global",
    )


def health_check(hid: str = "hc-1") -> Resource:
    return res(
        "health_check",
        f"arn:aws:route53:::healthcheck/{hid}",
        {"health_check_id": hid, "type": "TCP", "target": "10.1.0.10", "port": 9092},
        region="global",
    )


def test_dns_failover_records() -> None:
    rule = ["failure.dns-failover-records"]
    v = run_rules(inv(zone(), record("PRIMARY"), record("SECONDARY")), rules=rule)
    assert status_of(v, rule[0], f"dns:{NAME}") is Status.PASS
    v = run_rules(inv(zone(), record("PRIMARY")), rules=rule)
    verdict = next(x for x in v if x.rule == rule[0])
    assert verdict.status is Status.FAIL and "SECONDARY" in verdict.message
    v = run_rules(inv(record("PRIMARY")), rules=rule)
    assert status_of(v, rule[0], f"dns:{NAME}") is Status.FAIL


def test_dns_not_declared_fails_an_active_passive_declaration() -> None:
    """The RTO needs clients to fail over; without failure.dns nothing names how."""
    decl = declaration(failure={"dns": None})
    v = run_rules(inv(), decl, rules=["failure.dns-*"])
    assert len(v) == 3 and all(x.status is Status.FAIL for x in v)
    assert all("no failure.dns section" in x.message for x in v)


def test_dns_health_checks() -> None:
    rule = ["failure.dns-health-checks"]
    p = record("PRIMARY", hc="hc-1")
    rel = Relation(
        source=p.id, target=health_check().id, kind="failure.health_checked_by", reason="hc"
    )
    v = run_rules(inv(zone(), p, record("SECONDARY"), health_check(), relations=[rel]), rules=rule)
    assert status_of(v, rule[0], p.id) is Status.PASS
    v = run_rules(inv(zone(), p, record("SECONDARY")), rules=rule)
    assert status_of(v, rule[0], p.id) is Status.FAIL
    bare = record("PRIMARY")
    v = run_rules(inv(zone(), bare, record("SECONDARY")), rules=rule)
    assert status_of(v, rule[0], bare.id) is Status.FAIL
    optional = declaration(
        failure={"dns": {"zone": ZONE, "records": ["bootstrap"], "health_check": "optional"}}
    )
    v = run_rules(inv(zone(), bare, record("SECONDARY")), optional, rules=rule)
    assert status_of(v, rule[0], bare.id) is Status.PASS


def test_dns_ttl() -> None:
    rule = ["failure.dns-ttl"]
    fast, slow = record("PRIMARY", ttl=60), record("SECONDARY", ttl=3600)
    v = run_rules(inv(zone(), fast, slow), rules=rule)
    assert status_of(v, rule[0], fast.id) is Status.PASS
    assert status_of(v, rule[0], slow.id) is Status.FAIL
    alias = record(
        "PRIMARY",
        ttl=None,
        alias={"dns_name": "nlb.aws", "zone_id": "Z2", "evaluate_target_health": True},
    )
    v = run_rules(inv(zone(), alias), rules=rule)
    verdict = next(x for x in v if x.resource == alias.id)
    # an alias to a target whose TTL is not known is never a PASS on the alias alone
    assert verdict.status is Status.INCONCLUSIVE and "nlb.aws" in verdict.unmodelled


def test_dns_inconclusives_name_what_they_cannot_judge() -> None:
    """No gap stands behind these: each names the missing record, TTL or record list."""
    # a record whose collected form holds no TTL
    bare = record("PRIMARY", ttl=None)
    v = run_rules(inv(zone(), bare), rules=["failure.dns-ttl"])
    got = next(x for x in v if x.resource == bare.id)
    assert got.status is Status.INCONCLUSIVE and "TTL" in got.unmodelled, got
    # a name with no record: TTL and health check have nothing to judge
    v = run_rules(inv(zone()), rules=["failure.dns-ttl", "failure.dns-health-checks"])
    unsure = [x for x in v if x.status is Status.INCONCLUSIVE]
    assert len(unsure) == 2 and all(NAME in x.unmodelled for x in unsure), unsure
    # a declared zone that names no records
    no_records = declaration(failure={"dns": {"zone": ZONE, "records": []}})
    v = run_rules(inv(zone()), no_records, rules=["failure.dns-*"])
    assert len(v) == 3 and all(x.status is Status.INCONCLUSIVE for x in v)
    assert all(ZONE in x.unmodelled for x in v), v


def test_dns_ttl_with_a_health_check_not_collected_is_inconclusive_never_instant() -> None:
    """A PRIMARY naming a check the scan did not collect: its detection time is unknown,
    so a TTL that fits the RTO on its own is not a PASS."""
    rule = ["failure.dns-ttl"]
    primary = record("PRIMARY", ttl=60, hc="hc-elsewhere")
    v = run_rules(inv(zone(), primary, record("SECONDARY", ttl=60)), rules=rule)
    got = next(x for x in v if x.resource == primary.id)
    assert got.status is Status.INCONCLUSIVE, got.message
    assert "hc-elsewhere" in got.unmodelled
    # a collected check without its threshold or interval: still unknown
    bare = record("PRIMARY", ttl=60, hc="hc-1")
    v = run_rules(inv(zone(), bare, health_check("hc-1")), rules=rule)
    assert next(x for x in v if x.resource == bare.id).status is Status.INCONCLUSIVE
    # with them, the detection time is added and the record judged: 60 + 3 x 30 s
    timed = replace(
        health_check("hc-1"),
        attributes={
            **health_check("hc-1").attributes,
            "failure_threshold": 3,
            "request_interval": 30,
        },
    )
    v = run_rules(inv(zone(), bare, timed), rules=rule)
    got = next(x for x in v if x.resource == bare.id)
    assert got.status is Status.PASS and "plus 90s to detect" in got.message, got.message


# --- keys ---------------------------------------------------------------------------------


def bucket(name: str, region: str, key: str | None = None) -> tuple[Resource, list[Relation]]:
    b = res(
        "bucket",
        f"arn:aws:s3:::{name}",
        {"name": name},
        region=region,
        tags={"data-class": "kafka-log"},
        name=name,
    )
    rels = (
        [Relation(source=b.id, target=key, kind="data.encrypted_by", reason="sse")] if key else []
    )
    return b, rels


def key(
    kid: str,
    region: str,
    *,
    state: str = "Enabled",
    account: str = CUSTOMER,
    primary: str | None = None,
) -> Resource:
    return res(
        "key",
        f"arn:aws:kms:{region}:{account}:key/{kid}",
        {
            "key_id": kid,
            "key_manager": "CUSTOMER",
            "key_state": state,
            "multi_region": primary is not None,
            "multi_region_type": "REPLICA" if primary else None,
            "primary_key_arn": primary,
            "aliases": [],
        },
        account=account,
        region=region,
    )


def test_keys_in_each_region_pass_with_replica_and_fail_without() -> None:
    k1 = key("mrk-1", PRIMARY)
    b1, r1 = bucket("log-east", PRIMARY, k1.id)
    b2, r2 = bucket("log-west", SECONDARY)
    replica = key("mrk-1", SECONDARY, primary=k1.id)
    rule = ["failure.keys-in-each-region"]
    v = run_rules(inv(k1, b1, b2, replica, relations=[*r1, *r2]), rules=rule)
    assert status_of(v, rule[0], P_SCOPE) is Status.PASS
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.PASS and "replica" in verdict.message
    v = run_rules(inv(k1, b1, b2, relations=[*r1, *r2]), rules=rule)
    assert status_of(v, rule[0], S_SCOPE) is Status.FAIL


def test_keys_disabled_or_vendor_key_fails() -> None:
    k1 = key("k1", PRIMARY, state="Disabled")
    b1, r1 = bucket("log-east", PRIMARY, k1.id)
    v = run_rules(inv(k1, b1, relations=r1), rules=["failure.keys-in-each-region"])
    assert status_of(v, "failure.keys-in-each-region", P_SCOPE) is Status.FAIL
    vk = key("k2", PRIMARY, account=VENDOR)
    b2, r2 = bucket("log-east", PRIMARY, vk.id)
    v = run_rules(inv(vk, b2, relations=r2), rules=["failure.keys-in-each-region"])
    assert status_of(v, "failure.keys-in-each-region", P_SCOPE) is Status.FAIL


def test_keys_uncollected_key_is_inconclusive() -> None:
    b1, r1 = bucket("log-east", PRIMARY, f"arn:aws:kms:{PRIMARY}:{CUSTOMER}:key/gone")
    v = run_rules(inv(b1, relations=r1), rules=["failure.keys-in-each-region"])
    assert status_of(v, "failure.keys-in-each-region", P_SCOPE) is Status.INCONCLUSIVE


# --- data replication -------------------------------------------------------------------------


def _repl(rtc: bool, dest_region: str = SECONDARY) -> tuple[list[Resource], list[Relation]]:
    src, _ = bucket("log-east", PRIMARY)
    dst, _ = bucket("log-west", dest_region)
    rel = Relation(
        source=src.id,
        target=dst.id,
        kind="data.replicates_to",
        reason="rule r1",
        attributes={"rule_id": "r1", "rtc": rtc},
    )
    return [src, dst], [rel]


def test_data_replicated_rtc_required_for_short_rpo() -> None:
    rule = ["failure.data-replicated"]
    src = "arn:aws:s3:::log-east"
    res_, rels = _repl(True)
    assert status_of(run_rules(inv(*res_, relations=rels), rules=rule), rule[0], src) is Status.PASS
    res_, rels = _repl(False)
    v = run_rules(inv(*res_, relations=rels), rules=rule)
    verdict = next(x for x in v if x.resource == src)
    assert verdict.status is Status.FAIL and "Replication Time Control" in verdict.message
    relaxed = declaration(objectives={"rpo": "1h", "rto": "2h"})
    assert (
        status_of(run_rules(inv(*res_, relations=rels), relaxed, rules=rule), rule[0], src)
        is Status.PASS
    )


def test_data_replicated_missing_or_wrong_region() -> None:
    rule = ["failure.data-replicated"]
    src, _ = bucket("log-east", PRIMARY)
    assert status_of(run_rules(inv(src), rules=rule), rule[0], src.id) is Status.FAIL
    res_, rels = _repl(True, dest_region="eu-west-1")
    assert (
        status_of(run_rules(inv(*res_, relations=rels), rules=rule), rule[0], src.id) is Status.FAIL
    )
    stub = Relation(
        source=src.id,
        target="arn:aws:s3:::elsewhere",
        kind="data.replicates_to",
        reason="r",
        attributes={"rule_id": "r", "rtc": True},
    )
    assert status_of(run_rules(inv(src, relations=[stub]), rules=rule), rule[0], src.id) is (
        Status.INCONCLUSIVE
    )


def test_each_clouds_primary_is_its_own_write_region() -> None:
    """One primary per cloud: replication from a cloud's own primary is not a second
    writer; replication from a cloud's secondary is, on that cloud's verdict only."""
    regions = {
        f"aws/{PRIMARY}": "primary",
        f"aws/{SECONDARY}": "secondary",
        "azure/eastus": "primary",
        "azure/westus": "secondary",
    }

    def svc(name: str, source: str, target: str) -> dict[str, Any]:
        return {
            "name": name,
            "kind": "mirrormaker2",
            "select": {"tags": {"kafka-replication": name}},
            "source": source,
            "target": target,
        }

    forward = declaration(
        regions=regions,
        failure={"replication": [svc("mm2-azure", "azure/eastus", "azure/westus")]},
    )
    v = run_rules(inv(), forward, rules=["failure.single-write-region"])
    assert status_of(v, "failure.single-write-region", P_SCOPE) is Status.PASS
    assert status_of(v, "failure.single-write-region", "scope:azure/*/eastus") is Status.PASS
    back = declaration(
        regions=regions,
        failure={"replication": [svc("mm2-back", "azure/westus", "azure/eastus")]},
    )
    v = run_rules(inv(), back, rules=["failure.single-write-region"])
    assert status_of(v, "failure.single-write-region", P_SCOPE) is Status.PASS
    assert status_of(v, "failure.single-write-region", "scope:azure/*/eastus") is Status.FAIL


def test_an_active_passive_declaration_without_a_primary_fails_naming_the_clause() -> None:
    """The loader rejects it; a declaration built around it (regions replaced on a copy)
    still has no write region: a FAIL naming the missing clause, not an INCONCLUSIVE."""
    decl = declaration()
    headless = decl.model_copy(
        update={
            "regions": {
                f"aws/{PRIMARY}": RegionRole.SECONDARY,
                f"aws/{SECONDARY}": RegionRole.SECONDARY,
            }
        }
    )
    rule = "failure.single-write-region"
    (v,) = [x for x in run_rules(inv(), headless, rules=[rule]) if x.rule == rule]
    assert v.status is Status.FAIL, v.message
    assert "names no primary region" in v.message and f"aws/{PRIMARY}: secondary" in v.message
    assert status_of(run_rules(inv(), decl, rules=[rule]), rule, P_SCOPE) is not Status.FAIL
