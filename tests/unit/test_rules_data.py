"""Data path rules over hand-built inventories, through the real engine."""

from __future__ import annotations

from typing import Any

from auditor.model import Gap, Inventory, Relation, Resource, Scope, Status
from tests.helpers import (
    CUSTOMER,
    CUSTOMER_2,
    PRIMARY,
    SECONDARY,
    VENDOR,
    declaration,
    run_rules,
    status_of,
    statuses,
)

SCOPE = Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=(PRIMARY, SECONDARY))
DATA = {"data-class": "kafka-log"}
LOGS = {"data-class": "system-log"}
KEY_ID = "1234abcd-0000-0000-0000-000000000001"
KEY_ARN = f"arn:aws:kms:{PRIMARY}:{CUSTOMER}:key/{KEY_ID}"
PAB_ON = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}


def bucket(
    name: str,
    account: str = CUSTOMER,
    region: str = PRIMARY,
    tags: dict[str, str] | None = None,
    **attrs: Any,
) -> Resource:
    base: dict[str, Any] = {
        "name": name,
        "versioning": "Enabled",
        "encryption": {"algorithm": "aws:kms", "kms_key_id": KEY_ARN, "bucket_key": True},
        "public_access_block": dict(PAB_ON),
        "policy": None,
        "policy_is_public": None,
        "replication": None,
        "logging": None,
        "object_lock": None,
    }
    base.update(attrs)
    return Resource(
        id=f"arn:aws:s3:::{name}",
        cloud="aws",
        kind="bucket",
        account=account,
        region=region,
        name=name,
        tags=DATA if tags is None else tags,
        attributes=base,
    )


def key(
    key_id: str = KEY_ID,
    account: str = CUSTOMER,
    region: str = PRIMARY,
    **attrs: Any,
) -> Resource:
    base: dict[str, Any] = {
        "key_id": key_id,
        "key_manager": "CUSTOMER",
        "key_state": "Enabled",
        "rotation_enabled": True,
        "policy": {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ]
        },
        "aliases": [],
    }
    base.update(attrs)
    return Resource(
        id=f"arn:aws:kms:{region}:{account}:key/{key_id}",
        cloud="aws",
        kind="key",
        account=account,
        region=region,
        name=key_id,
        attributes=base,
    )


def inv(
    *resources: Resource, relations: tuple[Relation, ...] = (), gaps: tuple[Gap, ...] = ()
) -> Inventory:
    return Inventory(scope=SCOPE, resources=resources, relations=relations, gaps=gaps)


def one(inventory: Inventory, rule: str, resource: str, **decl: Any) -> Status:
    return status_of(run_rules(inventory, declaration(**decl), rules=[rule]), rule, resource)


def message(inventory: Inventory, rule: str, resource: str) -> str:
    (v,) = [x for x in run_rules(inventory, rules=[rule]) if x.resource == resource]
    return v.message


B = "arn:aws:s3:::data"


# --- data.customer-key ---------------------------------------------------------------------


def test_customer_key_pass_with_customer_cmk() -> None:
    v = run_rules(inv(bucket("data"), key()), rules=["data.customer-key"])
    assert status_of(v, "data.customer-key", B) is Status.PASS
    (verdict,) = v
    assert KEY_ARN in verdict.evidence.nodes


def test_customer_key_fails_for_sse_s3_and_none_but_any_accepts_sse_s3() -> None:
    aes = bucket("data", encryption={"algorithm": "AES256", "kms_key_id": None})
    assert one(inv(aes), "data.customer-key", B) is Status.FAIL
    assert one(inv(aes), "data.customer-key", B, data={"keys": "any"}) is Status.PASS
    none = bucket("data", encryption=None)
    assert one(inv(none), "data.customer-key", B) is Status.FAIL


def test_customer_key_fails_for_vendor_account_key() -> None:
    vendor_key = f"arn:aws:kms:{PRIMARY}:{VENDOR}:key/abc"
    b = bucket("data", encryption={"algorithm": "aws:kms", "kms_key_id": vendor_key})
    assert one(inv(b), "data.customer-key", B) is Status.FAIL
    assert "999999999999 (vendor)" in message(inv(b), "data.customer-key", B)


def test_customer_key_alias_and_bare_id_resolve_in_the_store_account() -> None:
    k = key(aliases=["alias/kafka-data"])
    by_alias = bucket("data", encryption={"algorithm": "aws:kms", "kms_key_id": "alias/kafka-data"})
    assert one(inv(by_alias, k), "data.customer-key", B) is Status.PASS
    by_id = bucket("data", encryption={"algorithm": "aws:kms", "kms_key_id": KEY_ID})
    assert one(inv(by_id, k), "data.customer-key", B) is Status.PASS
    # an alias that no collected key carries: the owner is known, the key is not
    unknown = bucket("data", encryption={"algorithm": "aws:kms", "kms_key_id": "alias/nope"})
    assert one(inv(unknown, k), "data.customer-key", B) is Status.INCONCLUSIVE


def test_customer_key_aws_managed_key_fails() -> None:
    managed = key("aws-managed-1", key_manager="AWS", aliases=["alias/aws/s3"])
    b = bucket("data", encryption={"algorithm": "aws:kms", "kms_key_id": None})
    assert one(inv(b, managed), "data.customer-key", B) is Status.FAIL


def test_customer_key_volume_and_msk() -> None:
    vol = Resource(
        id=f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:volume/vol-1",
        cloud="aws",
        kind="volume",
        account=CUSTOMER,
        region=PRIMARY,
        name="vol-1",
        tags=DATA,
        attributes={"encrypted": True, "kms_key_id": KEY_ARN},
    )
    plain = Resource(
        id=f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:volume/vol-2",
        cloud="aws",
        kind="volume",
        account=CUSTOMER,
        region=PRIMARY,
        name="vol-2",
        tags=DATA,
        attributes={"encrypted": False, "kms_key_id": None},
    )
    msk = Resource(
        id=f"arn:aws:kafka:{PRIMARY}:{CUSTOMER}:cluster/c/1",
        cloud="aws",
        kind="kafka_cluster",
        account=CUSTOMER,
        region=PRIMARY,
        name="c",
        tags=DATA,
        attributes={"encryption_at_rest_kms_key": f"arn:aws:kms:{PRIMARY}:{VENDOR}:key/x"},
    )
    got = statuses(
        run_rules(inv(vol, plain, msk, key()), rules=["data.customer-key"]), "data.customer-key"
    )
    assert got == {vol.id: Status.PASS, plain.id: Status.FAIL, msk.id: Status.FAIL}


def test_customer_key_uses_encrypted_by_edge_and_key_gap_makes_it_inconclusive() -> None:
    b = bucket("data", encryption={"algorithm": "aws:kms", "kms_key_id": "alias/elsewhere"})
    edge = Relation(source=B, target=KEY_ARN, kind="data.encrypted_by", reason="SSE-KMS")
    assert one(inv(b, key(), relations=(edge,)), "data.customer-key", B) is Status.PASS
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=PRIMARY,
        service="kms",
        operation="DescribeKey",
        error_code="AccessDenied",
        resource=KEY_ARN,
    )
    assert one(inv(b, key(), relations=(edge,), gaps=(gap,)), "data.customer-key", B) is (
        Status.INCONCLUSIVE
    )


def test_customer_key_without_encryption_attribute_is_inconclusive() -> None:
    b = Resource(
        id=B, cloud="aws", kind="bucket", account=CUSTOMER, region=PRIMARY, name="data", tags=DATA
    )
    assert one(inv(b), "data.customer-key", B) is Status.INCONCLUSIVE


# --- data.key-rotation ---------------------------------------------------------------------


def test_key_rotation_pass_fail_and_unknown() -> None:
    assert one(inv(bucket("data"), key()), "data.key-rotation", KEY_ARN) is Status.PASS
    off = key(rotation_enabled=False)
    assert one(inv(bucket("data"), off), "data.key-rotation", KEY_ARN) is Status.FAIL
    unknown = key(rotation_enabled=None)
    assert one(inv(bucket("data"), unknown), "data.key-rotation", KEY_ARN) is Status.INCONCLUSIVE


def test_key_rotation_nothing_customer_managed_is_an_explicit_pass() -> None:
    aes = bucket("data", encryption={"algorithm": "AES256", "kms_key_id": None})
    v = run_rules(inv(aes), rules=["data.key-rotation"])
    assert [(x.resource, x.status) for x in v] == [("scope:aws/*/*", Status.PASS)]
    assert B in v[0].evidence.nodes


def test_key_rotation_uncollected_key_is_inconclusive() -> None:
    assert one(inv(bucket("data")), "data.key-rotation", B) is Status.INCONCLUSIVE


# --- data.replication-in-boundary ------------------------------------------------------------


def repl(dest: str, account: str | None = None, key_id: str | None = None) -> dict[str, Any]:
    return {
        "role": f"arn:aws:iam::{CUSTOMER}:role/repl",
        "rules": [
            {
                "id": "r1",
                "status": "Enabled",
                "destination_bucket": f"arn:aws:s3:::{dest}",
                "destination_account": account,
                "replica_kms_key_id": key_id,
                "rtc": False,
            }
        ],
    }


def test_replication_pass_to_customer_bucket_in_declared_region() -> None:
    src = bucket("data", replication=repl("dr", CUSTOMER_2))
    dr = bucket("dr", account=CUSTOMER_2, region=SECONDARY)
    assert one(inv(src, dr), "data.replication-in-boundary", B) is Status.PASS


def test_replication_fails_outside_account_region_or_unknown() -> None:
    vendor = bucket("data", replication=repl("theirs", VENDOR))
    assert one(inv(vendor), "data.replication-in-boundary", B) is Status.FAIL
    far = bucket("data", replication=repl("far", CUSTOMER))
    far_dest = bucket("far", region="eu-west-1", tags={})
    assert one(inv(far, far_dest), "data.replication-in-boundary", B) is Status.FAIL
    unknown = bucket("data", replication=repl("who"))
    assert one(inv(unknown), "data.replication-in-boundary", B) is Status.FAIL
    # a customer destination that was not collected: region unknown
    uncollected = bucket("data", replication=repl("dr", CUSTOMER_2))
    assert one(inv(uncollected), "data.replication-in-boundary", B) is Status.INCONCLUSIVE


def test_replication_with_vendor_replica_key_fails_and_none_passes() -> None:
    vk = f"arn:aws:kms:{SECONDARY}:{VENDOR}:key/k"
    src = bucket("data", replication=repl("dr", CUSTOMER_2, vk))
    dr = bucket("dr", account=CUSTOMER_2, region=SECONDARY)
    assert one(inv(src, dr), "data.replication-in-boundary", B) is Status.FAIL
    assert one(inv(bucket("data")), "data.replication-in-boundary", B) is Status.PASS


def test_replication_edge_without_rule_is_judged() -> None:
    src = bucket("data")
    edge = Relation(
        source=B, target="arn:aws:s3:::elsewhere", kind="data.replicates_to", reason="rule x"
    )
    assert one(inv(src, relations=(edge,)), "data.replication-in-boundary", B) is Status.FAIL


# --- data.system-logs-separate ---------------------------------------------------------------


def test_system_logs_separate_pass() -> None:
    logs = bucket("logs", tags=LOGS)
    data = bucket("data", logging={"target_bucket": "logs", "target_prefix": "s3/"})
    v = run_rules(inv(logs, data), rules=["data.system-logs-separate"])
    assert statuses(v, "data.system-logs-separate") == {
        B: Status.PASS,
        "arn:aws:s3:::logs": Status.PASS,
    }


def test_system_logs_separate_fails_for_data_logging_into_data_and_trail_into_data() -> None:
    other = bucket("other")
    data = bucket("data", logging={"target_bucket": "other", "target_prefix": ""})
    trail_id = f"arn:aws:cloudtrail:{PRIMARY}:{CUSTOMER}:trail/t"
    trail = Resource(
        id=trail_id, cloud="aws", kind="audit_trail", account=CUSTOMER, region=PRIMARY, name="t"
    )
    edge = Relation(source=trail_id, target="arn:aws:s3:::other", kind="data.logs_to", reason="t")
    v = run_rules(
        inv(bucket("logs", tags=LOGS), data, other, trail, relations=(edge,)),
        rules=["data.system-logs-separate"],
    )
    assert status_of(v, "data.system-logs-separate", B) is Status.FAIL
    assert status_of(v, "data.system-logs-separate", "arn:aws:s3:::other") is Status.FAIL
    (o,) = [x for x in v if x.resource == "arn:aws:s3:::other"]
    assert (trail_id, "arn:aws:s3:::other", "data.logs_to") in o.evidence.edges


def test_system_logs_separate_store_in_both_classes_fails() -> None:
    both = bucket("both", tags={"data-class": "kafka-log"})
    decl = {"data": {"system_logs": {"select": {"tags": {"data-class": "*"}}}}}
    assert one(inv(both), "data.system-logs-separate", "arn:aws:s3:::both", **decl) is Status.FAIL


def test_system_logs_separate_no_log_store_is_nothing_to_judge() -> None:
    # complete data, and the selector matches nothing: not applicable, never a PASS
    v = run_rules(inv(bucket("data")), rules=["data.system-logs-separate"])
    assert status_of(v, "data.system-logs-separate", "scope:aws/*/*") is Status.NOT_APPLICABLE


def test_system_logs_separate_without_a_declared_log_store_is_not_applicable() -> None:
    decl = declaration(data={"system_logs": None})
    v = run_rules(inv(bucket("data")), decl, rules=["data.system-logs-separate"])
    assert status_of(v, "data.system-logs-separate", "scope:aws/*/*") is Status.NOT_APPLICABLE


# --- data.no-public-access -------------------------------------------------------------------


def public_statement(**extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data/*",
        **extra,
    }


def test_no_public_access_pass() -> None:
    assert one(inv(bucket("data")), "data.no-public-access", B) is Status.PASS


def test_no_public_access_fails_for_pab_missing_or_off_and_public_policy() -> None:
    assert one(inv(bucket("data", public_access_block=None)), "data.no-public-access", B) is (
        Status.FAIL
    )
    off = {**PAB_ON, "restrict_public_buckets": False}
    assert one(inv(bucket("data", public_access_block=off)), "data.no-public-access", B) is (
        Status.FAIL
    )
    assert one(inv(bucket("data", policy_is_public=True)), "data.no-public-access", B) is (
        Status.FAIL
    )
    pol = {"Statement": [public_statement()]}
    assert one(inv(bucket("data", policy=pol)), "data.no-public-access", B) is Status.FAIL


def test_no_public_access_wildcard_with_restricting_condition_passes() -> None:
    vpce = public_statement(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})
    org = public_statement(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    other_org = public_statement(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-zzz"}})
    for st, want in ((vpce, Status.PASS), (org, Status.PASS), (other_org, Status.FAIL)):
        b = bucket("data", policy={"Statement": [st]})
        assert one(inv(b), "data.no-public-access", B) is want


def test_no_public_access_system_log_bucket_and_snapshots() -> None:
    logs = bucket("logs", tags=LOGS, public_access_block=None)
    vol_id = f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:volume/vol-1"
    vol = Resource(
        id=vol_id,
        cloud="aws",
        kind="volume",
        account=CUSTOMER,
        region=PRIMARY,
        name="vol-1",
        tags={"platform": "orders-kafka"},
        attributes={"encrypted": True, "kms_key_id": KEY_ARN},
    )

    def snap(sid: str, public: bool) -> Resource:
        return Resource(
            id=f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:snapshot/{sid}",
            cloud="aws",
            kind="snapshot",
            account=CUSTOMER,
            region=PRIMARY,
            name=sid,
            attributes={"public": public, "volume_id": "vol-1", "shared_with": []},
        )

    v = run_rules(
        inv(bucket("data"), logs, vol, snap("snap-pub", True), snap("snap-priv", False)),
        rules=["data.no-public-access"],
    )
    got = statuses(v, "data.no-public-access")
    assert got["arn:aws:s3:::logs"] is Status.FAIL
    assert got[f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:snapshot/snap-pub"] is Status.FAIL
    assert got[f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:snapshot/snap-priv"] is Status.PASS


def test_no_public_access_pab_read_gap_is_inconclusive() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region="global",
        service="s3",
        operation="GetPublicAccessBlock",
        error_code="AccessDenied",
        resource=B,
    )
    b = bucket("data", public_access_block=None)
    assert one(inv(b, gaps=(gap,)), "data.no-public-access", B) is Status.INCONCLUSIVE


# --- data.no-cross-party-grants --------------------------------------------------------------


def grant(principal: Any, action: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}


VENDOR_PRINCIPAL = f"arn:aws:iam::{VENDOR}:role/automation"


def test_cross_party_grants_pass_for_customer_and_service_principals() -> None:
    pol = {
        "Statement": [
            grant({"AWS": f"arn:aws:iam::{CUSTOMER_2}:root"}, "s3:*"),
            grant({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject"),
            {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"}, "Action": "*"},
        ]
    }
    v = run_rules(inv(bucket("data", policy=pol), key()), rules=["data.no-cross-party-grants"])
    assert statuses(v, "data.no-cross-party-grants") == {B: Status.PASS, KEY_ARN: Status.PASS}


def test_cross_party_grants_fail_for_outside_account_on_bucket_and_key() -> None:
    pol = {"Statement": [grant({"AWS": "888888888888"}, "s3:ListBucket")]}
    k = key(policy={"Statement": [grant({"AWS": f"arn:aws:iam::{VENDOR}:role/ops"}, "kms:*")]})
    v = run_rules(inv(bucket("data", policy=pol), k), rules=["data.no-cross-party-grants"])
    assert statuses(v, "data.no-cross-party-grants") == {B: Status.FAIL, KEY_ARN: Status.FAIL}


def test_cross_party_grants_declared_vendor_without_data_access_is_tolerated() -> None:
    ok = {"Statement": [grant({"AWS": VENDOR_PRINCIPAL}, ["s3:ListBucket", "s3:GetBucket*"])]}
    assert one(inv(bucket("data", policy=ok), key()), "data.no-cross-party-grants", B) is (
        Status.PASS
    )
    # a wildcard that includes s3:GetObject is data access, even for a declared vendor
    bad = {"Statement": [grant({"AWS": VENDOR_PRINCIPAL}, "s3:Get*")]}
    assert one(inv(bucket("data", policy=bad), key()), "data.no-cross-party-grants", B) is (
        Status.FAIL
    )
    # NotAction that leaves kms:Decrypt in
    kpol = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": VENDOR_PRINCIPAL},
                "NotAction": "kms:ScheduleKeyDeletion",
                "Resource": "*",
            }
        ]
    }
    assert one(inv(bucket("data"), key(policy=kpol)), "data.no-cross-party-grants", KEY_ARN) is (
        Status.FAIL
    )


def test_cross_party_grants_key_policy_with_caller_account_condition() -> None:
    st = grant("*", ["kms:Decrypt", "kms:Encrypt"])
    mine = {**st, "Condition": {"StringEquals": {"kms:CallerAccount": CUSTOMER}}}
    theirs = {**st, "Condition": {"StringEquals": {"kms:CallerAccount": VENDOR}}}
    for s, want in ((mine, Status.PASS), (theirs, Status.FAIL), (st, Status.FAIL)):
        k = key(policy={"Statement": [s]})
        assert one(inv(bucket("data"), k), "data.no-cross-party-grants", KEY_ARN) is want


def test_cross_party_grants_unreadable_policy_is_inconclusive() -> None:
    b = bucket("data", policy="{broken")
    assert one(inv(b, key()), "data.no-cross-party-grants", B) is Status.INCONCLUSIVE


# --- data.versioning -------------------------------------------------------------------------


def test_versioning_pass_fail_and_not_collected() -> None:
    assert one(inv(bucket("data")), "data.versioning", B) is Status.PASS
    assert one(inv(bucket("data", versioning="Suspended")), "data.versioning", B) is Status.FAIL
    assert one(inv(bucket("data", versioning=None)), "data.versioning", B) is Status.FAIL
    bare = Resource(
        id=B, cloud="aws", kind="bucket", account=CUSTOMER, region=PRIMARY, name="data", tags=DATA
    )
    assert one(inv(bare), "data.versioning", B) is Status.INCONCLUSIVE


def test_data_rules_with_no_store_are_inconclusive_never_silent() -> None:
    rules = [
        "data.customer-key",
        "data.key-rotation",
        "data.replication-in-boundary",
        "data.no-public-access",
        "data.no-cross-party-grants",
        "data.versioning",
    ]
    v = run_rules(inv(), rules=rules)
    assert {x.rule for x in v} == set(rules)
    assert all(x.status is Status.INCONCLUSIVE for x in v)


def test_evaluation_is_deterministic() -> None:
    pol = {"Statement": [grant({"AWS": "888888888888"}, "s3:*")]}
    i = inv(bucket("data", policy=pol, replication=repl("who")), key(rotation_enabled=False))
    assert run_rules(i, rules=["data.*"]) == run_rules(i, rules=["data.*"])


def test_cross_party_grants_snapshot_sharing_not_read_is_inconclusive() -> None:
    vol = Resource(
        id=f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:volume/vol-1",
        cloud="aws",
        kind="volume",
        account=CUSTOMER,
        region=PRIMARY,
        name="vol-1",
        tags={"platform": "orders-kafka"},
        attributes={"encrypted": True, "kms_key_id": KEY_ARN},
    )
    snap_id = f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:snapshot/snap-x"
    # The contract: a failed createVolumePermission read leaves public/shared_with null.
    snap = Resource(
        id=snap_id,
        cloud="aws",
        kind="snapshot",
        account=CUSTOMER,
        region=PRIMARY,
        name="snap-x",
        attributes={"public": None, "volume_id": "vol-1", "shared_with": None},
    )
    v = run_rules(inv(bucket("data"), vol, snap), rules=["data.no-cross-party-grants"])
    assert statuses(v, "data.no-cross-party-grants")[snap_id] is Status.INCONCLUSIVE
