"""Control path rules over hand-built inventories, through the real engine."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.checks import all_rules
from auditor.model import CollectionUnit, Gap, Inventory, Relation, Resource, Scope, Status
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

SCOPE = Scope(accounts=(CUSTOMER,), regions=(PRIMARY, SECONDARY))
VENDOR_PRINCIPAL = f"arn:aws:iam::{VENDOR}:role/automation"
VENDOR_ROLE = f"arn:aws:iam::{CUSTOMER}:role/vendor-operator"
SCOPE_1 = f"scope:aws/{CUSTOMER}/*"
SCOPE_2 = f"scope:aws/{CUSTOMER_2}/*"
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "orders-7f3a"}}


def trust(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def assume(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition is not None:
        st["Condition"] = condition
    return st


def allow(action: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*", **extra}


def role(
    name: str,
    trust_policy: dict[str, Any],
    account: str = CUSTOMER,
    inline: list[dict[str, Any]] | None = None,
    attached: list[dict[str, Any]] | None = None,
    **attrs: Any,
) -> Resource:
    return Resource(
        id=f"arn:aws:iam::{account}:role/{name}",
        cloud="aws",
        kind="role",
        account=account,
        region="global",
        name=name,
        attributes={
            "role_name": name,
            "path": "/",
            "trust_policy": trust_policy,
            "attached_policies": attached or [],
            "inline_policies": [
                {"name": f"p{i}", "document": {"Version": "2012-10-17", "Statement": [st]}}
                for i, st in enumerate(inline or [])
            ],
            "permissions_boundary": None,
            "max_session_duration": 3600,
            **attrs,
        },
    )


def service_role(name: str = "ec2-role") -> Resource:
    return role(name, trust(assume({"Service": "ec2.amazonaws.com"})))


def vendor_role(*inline: dict[str, Any], condition: dict[str, Any] | None = None) -> Resource:
    cond = EXTERNAL_ID if condition is None else condition
    return role(
        "vendor-operator",
        trust(assume({"AWS": VENDOR_PRINCIPAL}, cond or None)),
        inline=list(inline) or [allow(["ec2:*", "autoscaling:*"])],
    )


def inv(*resources: Resource, gaps: tuple[Gap, ...] = (), scope: Scope = SCOPE) -> Inventory:
    relations = tuple(
        Relation(source=r.id, target=VENDOR_PRINCIPAL, kind="control.trusts", reason="t")
        for r in resources
        if r.kind == "role" and VENDOR_PRINCIPAL in str(r.attributes.get("trust_policy"))
    )
    return Inventory(scope=scope, resources=resources, relations=relations, gaps=gaps)


def one(inventory: Inventory, rule: str, resource: str, **decl: Any) -> Status:
    return status_of(run_rules(inventory, declaration(**decl), rules=[rule]), rule, resource)


def verdict(inventory: Inventory, rule: str, resource: str) -> Any:
    (v,) = [x for x in run_rules(inventory, rules=[rule]) if x.resource == resource]
    return v


# --- control.no-wildcard-trust -----------------------------------------------------------------


def test_no_wildcard_trust_pass_per_account_and_unscanned_account_inconclusive() -> None:
    v = run_rules(inv(service_role(), vendor_role()), rules=["control.no-wildcard-trust"])
    assert statuses(v, "control.no-wildcard-trust") == {
        SCOPE_1: Status.PASS,
        SCOPE_2: Status.INCONCLUSIVE,
    }


def test_no_wildcard_trust_fails_for_star_and_not_principal() -> None:
    star = role("open", trust(assume("*")))
    aws_star = role("open2", trust(assume({"AWS": "*"})))
    notp = role(
        "open3",
        trust({"Effect": "Allow", "NotPrincipal": {"AWS": VENDOR_PRINCIPAL}, "Action": "sts:*"}),
    )
    got = statuses(
        run_rules(inv(star, aws_star, notp), rules=["control.no-wildcard-trust"]),
        "control.no-wildcard-trust",
    )
    assert got[star.id] is Status.FAIL
    assert got[aws_star.id] is Status.FAIL
    assert got[notp.id] is Status.FAIL
    assert SCOPE_1 not in got


def test_no_wildcard_trust_restricting_conditions() -> None:
    org = role("org", trust(assume("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})))
    ext = role("ext", trust(assume("*", EXTERNAL_ID)))
    other_org = role("oo", trust(assume("*", {"StringEquals": {"aws:PrincipalOrgID": "o-xyz"}})))
    weak = role("weak", trust(assume("*", {"StringEqualsIfExists": {"sts:ExternalId": "x"}})))
    got = statuses(
        run_rules(inv(org, ext, other_org, weak), rules=["control.no-wildcard-trust"]),
        "control.no-wildcard-trust",
    )
    assert got[org.id] is Status.PASS
    assert got[ext.id] is Status.PASS
    assert got[other_org.id] is Status.FAIL
    assert got[weak.id] is Status.FAIL


def test_no_wildcard_trust_iam_gap_makes_account_inconclusive() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region="global",
        service="iam",
        operation="GetAccountAuthorizationDetails",
        error_code="AccessDenied",
    )
    v = run_rules(inv(service_role(), gaps=(gap,)), rules=["control.no-wildcard-trust"])
    assert status_of(v, "control.no-wildcard-trust", SCOPE_1) is Status.INCONCLUSIVE
    assert not any(x.status is Status.PASS for x in v)


# --- control.external-assume-declared ----------------------------------------------------------


def test_external_assume_declared_pass_for_declared_vendor() -> None:
    v = run_rules(inv(vendor_role(), service_role()), rules=["control.external-assume-declared"])
    got = statuses(v, "control.external-assume-declared")
    assert got[VENDOR_ROLE] is Status.PASS
    (pv,) = [x for x in v if x.resource == VENDOR_ROLE]
    assert (VENDOR_ROLE, VENDOR_PRINCIPAL, "control.trusts") in pv.evidence.edges


def test_external_assume_declared_fails_for_undeclared_principals() -> None:
    root = role("support", trust(assume({"AWS": VENDOR})))
    stranger = role("x", trust(assume({"AWS": "arn:aws:iam::888888888888:user/bob"})))
    # the declared principal on a role other than the declared one is undeclared too
    wrong_role = role("other", trust(assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID)))
    got = statuses(
        run_rules(inv(root, stranger, wrong_role), rules=["control.external-assume-declared"]),
        "control.external-assume-declared",
    )
    assert got == {
        root.id: Status.FAIL,
        stranger.id: Status.FAIL,
        wrong_role.id: Status.FAIL,
        SCOPE_2: Status.INCONCLUSIVE,
    }


def test_external_assume_declared_ignores_customer_and_service_principals() -> None:
    internal = role("ci", trust(assume({"AWS": f"arn:aws:iam::{CUSTOMER_2}:role/ci"})))
    star = role("star", trust(assume("*")))  # no-wildcard-trust's business
    v = run_rules(inv(internal, star, service_role()), rules=["control.external-assume-declared"])
    assert status_of(v, "control.external-assume-declared", SCOPE_1) is Status.PASS


def test_external_assume_declared_only_counts_assume_actions() -> None:
    tag_only = role(
        "tag",
        trust({"Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "sts:TagSession"}),
    )
    v = run_rules(inv(tag_only), rules=["control.external-assume-declared"])
    assert status_of(v, "control.external-assume-declared", SCOPE_1) is Status.PASS


# --- control.external-id-required --------------------------------------------------------------


def test_external_id_required_pass_and_fail() -> None:
    assert one(inv(vendor_role()), "control.external-id-required", VENDOR_ROLE) is Status.PASS
    missing = vendor_role(condition={})
    assert one(inv(missing), "control.external-id-required", VENDOR_ROLE) is Status.FAIL


def test_external_id_required_weak_conditions_fail() -> None:
    for cond in (
        {"StringEqualsIfExists": {"sts:ExternalId": "x"}},
        {"StringLike": {"sts:ExternalId": "*"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    ):
        r = vendor_role(condition=cond)
        assert one(inv(r), "control.external-id-required", VENDOR_ROLE) is Status.FAIL, cond


def test_external_id_required_root_trust_without_condition_fails() -> None:
    r = role(
        "vendor-operator",
        trust(assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID), assume({"AWS": VENDOR})),
    )
    v = verdict(inv(r), "control.external-id-required", VENDOR_ROLE)
    assert v.status is Status.FAIL and "statement #2" in v.message


def test_external_id_not_required_or_role_missing() -> None:
    decl = {
        "control": {
            "vendor_access": [
                {"principal": VENDOR_PRINCIPAL, "role": VENDOR_ROLE, "require_external_id": False}
            ]
        }
    }
    v = run_rules(
        inv(vendor_role(condition={})), declaration(**decl), ["control.external-id-required"]
    )
    # No vendor access asks for an ExternalId: nothing to judge, so NOT_APPLICABLE, not PASS.
    assert [(x.resource, x.status) for x in v] == [("scope:aws/*/*", Status.NOT_APPLICABLE)]
    assert one(inv(service_role()), "control.external-id-required", VENDOR_ROLE) is (
        Status.INCONCLUSIVE
    )


# --- control.declared-roles-exist --------------------------------------------------------------


def test_declared_roles_exist_pass_and_fail() -> None:
    assert one(inv(vendor_role()), "control.declared-roles-exist", VENDOR_ROLE) is Status.PASS
    assert one(inv(service_role()), "control.declared-roles-exist", VENDOR_ROLE) is Status.FAIL
    wrong = role("vendor-operator", trust(assume({"AWS": VENDOR}, EXTERNAL_ID)))
    v = verdict(inv(wrong), "control.declared-roles-exist", VENDOR_ROLE)
    assert v.status is Status.FAIL and f"arn:aws:iam::{VENDOR}:root" in v.message


def test_declared_roles_exist_unscanned_account_is_inconclusive() -> None:
    other = Scope(accounts=(CUSTOMER_2,), regions=(PRIMARY,))
    assert one(inv(scope=other), "control.declared-roles-exist", VENDOR_ROLE) is (
        Status.INCONCLUSIVE
    )


def test_declared_roles_exist_found_under_a_path() -> None:
    r = vendor_role()
    pathed = Resource(
        id=f"arn:aws:iam::{CUSTOMER}:role/vendor/vendor-operator",
        cloud=r.cloud,
        kind=r.kind,
        account=r.account,
        region=r.region,
        name=r.name,
        attributes={**r.attributes, "path": "/vendor/"},
    )
    v = verdict(inv(pathed), "control.declared-roles-exist", pathed.id)
    assert v.status is Status.PASS and "found as" in v.message


# --- control.vendor-denied-actions -------------------------------------------------------------


def test_vendor_denied_actions_pass() -> None:
    assert one(inv(vendor_role()), "control.vendor-denied-actions", VENDOR_ROLE) is Status.PASS


def test_vendor_denied_actions_wildcards_both_ways() -> None:
    star = vendor_role(allow("*"))
    assert one(inv(star), "control.vendor-denied-actions", VENDOR_ROLE) is Status.FAIL
    kms_star = vendor_role(allow("kms:*"))
    v = verdict(inv(kms_star), "control.vendor-denied-actions", VENDOR_ROLE)
    assert v.status is Status.FAIL and "kms:Decrypt" in v.message
    pass_role = vendor_role(allow("iam:PassRole"))
    v = verdict(inv(pass_role), "control.vendor-denied-actions", VENDOR_ROLE)
    assert v.status is Status.FAIL and "iam:PassRole" in v.message
    assert v.evidence.attributes["grants"][0]["matched"] == "iam:*"


def test_vendor_denied_actions_explicit_deny_and_not_action() -> None:
    denied = vendor_role(
        allow(["ec2:*", "kms:*", "s3:*", "iam:*"]),
        {"Effect": "Deny", "Action": ["kms:*", "s3:GetObject", "iam:*"], "Resource": "*"},
    )
    assert one(inv(denied), "control.vendor-denied-actions", VENDOR_ROLE) is Status.PASS
    partly = vendor_role(
        allow(["kms:*"]),
        {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/one"},
    )
    assert one(inv(partly), "control.vendor-denied-actions", VENDOR_ROLE) is Status.FAIL
    not_action = vendor_role({"Effect": "Allow", "NotAction": ["iam:*", "kms:*"], "Resource": "*"})
    v = verdict(inv(not_action), "control.vendor-denied-actions", VENDOR_ROLE)
    assert v.status is Status.FAIL and "s3:GetObject" in v.message
    assert "kms:Decrypt" not in v.message


def test_vendor_denied_actions_unreadable_policy() -> None:
    attached = [{"arn": "arn:aws:iam::aws:policy/Mystery", "name": "Mystery", "document": None}]
    quiet = role(
        "vendor-operator",
        trust(assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID)),
        inline=[allow("ec2:*")],
        attached=attached,
    )
    assert one(inv(quiet), "control.vendor-denied-actions", VENDOR_ROLE) is Status.INCONCLUSIVE
    loud = role(
        "vendor-operator",
        trust(assume({"AWS": VENDOR_PRINCIPAL}, EXTERNAL_ID)),
        inline=[allow("kms:Decrypt")],
        attached=attached,
    )
    v = verdict(inv(loud), "control.vendor-denied-actions", VENDOR_ROLE)
    assert v.status is Status.FAIL and "unreadable" in v.message


def test_vendor_role_missing_is_inconclusive_for_permission_rules() -> None:
    for rule in ("control.vendor-denied-actions", "control.vendor-allowed-actions"):
        assert one(inv(service_role()), rule, VENDOR_ROLE) is Status.INCONCLUSIVE


# --- control.vendor-allowed-actions ------------------------------------------------------------


def test_vendor_allowed_actions_pass_and_fail() -> None:
    narrow = vendor_role(allow(["ec2:Describe*", "autoscaling:UpdateAutoScalingGroup"]))
    assert one(inv(narrow), "control.vendor-allowed-actions", VENDOR_ROLE) is Status.PASS
    wide = vendor_role(allow(["ec2:*", "cloudwatch:GetMetricData"]))
    v = verdict(inv(wide), "control.vendor-allowed-actions", VENDOR_ROLE)
    assert v.status is Status.FAIL and "cloudwatch:GetMetricData" in v.message
    assert v.severity.value == "medium"


def test_vendor_allowed_actions_deny_carves_out_and_not_action_widens() -> None:
    carved = vendor_role(
        allow("*"), {"Effect": "Deny", "NotAction": ["ec2:*", "autoscaling:*"], "Resource": "*"}
    )
    assert one(inv(carved), "control.vendor-allowed-actions", VENDOR_ROLE) is Status.PASS
    wide = vendor_role({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert one(inv(wide), "control.vendor-allowed-actions", VENDOR_ROLE) is Status.FAIL


# --- control.audit-trail-multi-region ----------------------------------------------------------


def trail(name: str = "main", account: str = CUSTOMER, **attrs: Any) -> Resource:
    base: dict[str, Any] = {
        "name": name,
        "home_region": PRIMARY,
        "multi_region": True,
        "organization_trail": False,
        "logging": True,
        "s3_bucket": "audit-logs",
        "kms_key_id": None,
        "log_file_validation": True,
        "management_events": True,
        "data_event_selectors": [],
        "cloudwatch_log_group": None,
    }
    base.update(attrs)
    return Resource(
        id=f"arn:aws:cloudtrail:{PRIMARY}:{account}:trail/{name}",
        cloud="aws",
        kind="audit_trail",
        account=account,
        region=PRIMARY,
        name=name,
        attributes=base,
    )


def audit_bucket(account: str = CUSTOMER, encryption: Any = "kms") -> Resource:
    if encryption == "kms":
        encryption = {
            "algorithm": "aws:kms",
            "kms_key_id": f"arn:aws:kms:{PRIMARY}:{account}:key/audit",
            "bucket_key": True,
        }
    return Resource(
        id="arn:aws:s3:::audit-logs",
        cloud="aws",
        kind="bucket",
        account=account,
        region=PRIMARY,
        name="audit-logs",
        attributes={"name": "audit-logs", "encryption": encryption},
    )


TRAIL_RULE = "control.audit-trail-multi-region"
STORE_RULE = "control.audit-log-store"


def test_audit_trail_pass_and_missing_fail() -> None:
    assert one(inv(trail()), TRAIL_RULE, SCOPE_1) is Status.PASS
    listed = tuple(
        CollectionUnit(cloud="aws", account=CUSTOMER, region=r, service="cloudtrail")
        for r in SCOPE.regions
    )
    assert one(replace(inv(), collected=listed), TRAIL_RULE, SCOPE_1) is Status.FAIL
    # CloudTrail never read: no trail seen is no proof of none
    assert one(inv(), TRAIL_RULE, SCOPE_1) is Status.INCONCLUSIVE


def test_audit_trail_single_region_stopped_or_no_management_events_fail() -> None:
    for bad in (
        trail(multi_region=False),
        trail(logging=False),
        trail(management_events=False),
        trail(logging=None),
    ):
        assert one(inv(bad), TRAIL_RULE, SCOPE_1) is Status.FAIL


def test_audit_trail_per_region_mode() -> None:
    decl = {"control": {"audit": {"trail": "per-region"}}}
    east = trail("east", multi_region=False)
    west = trail("west", multi_region=False, home_region=SECONDARY)
    assert one(inv(east, west), TRAIL_RULE, SCOPE_1, **decl) is Status.PASS
    assert one(inv(east), TRAIL_RULE, SCOPE_1, **decl) is Status.FAIL


def test_audit_trail_org_trail_covers_other_customer_accounts() -> None:
    both = Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=(PRIMARY,))
    v = run_rules(inv(trail(organization_trail=True), scope=both), rules=[TRAIL_RULE])
    assert statuses(v, TRAIL_RULE) == {SCOPE_1: Status.PASS, SCOPE_2: Status.PASS}


def test_audit_trail_cloudtrail_gap_makes_missing_trail_inconclusive() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=SECONDARY,
        service="cloudtrail",
        operation="DescribeTrails",
        error_code="AccessDenied",
    )
    v = run_rules(inv(gaps=(gap,)), rules=[TRAIL_RULE])
    assert status_of(v, TRAIL_RULE, SCOPE_1) is Status.INCONCLUSIVE


# --- control.audit-log-store -------------------------------------------------------------------


def test_audit_log_store_pass() -> None:
    v = verdict(inv(trail(), audit_bucket()), STORE_RULE, trail().id)
    assert v.status is Status.PASS
    assert "arn:aws:s3:::audit-logs" in v.evidence.nodes


def test_audit_log_store_vendor_bucket_or_no_validation_fail() -> None:
    assert one(inv(trail(), audit_bucket(VENDOR)), STORE_RULE, trail().id) is Status.FAIL
    no_validation = trail(log_file_validation=False)
    assert one(inv(no_validation, audit_bucket()), STORE_RULE, trail().id) is Status.FAIL
    # when the declaration accepts any owner, the vendor bucket is fine
    decl = {"control": {"audit": {"log_store": "any"}}}
    assert one(inv(trail(), audit_bucket(VENDOR)), STORE_RULE, trail().id, **decl) is Status.PASS


def test_audit_log_store_uncollected_bucket_or_no_trail_inconclusive() -> None:
    assert one(inv(trail()), STORE_RULE, trail().id) is Status.INCONCLUSIVE
    assert one(inv(), STORE_RULE, SCOPE_1) is Status.INCONCLUSIVE


def test_control_rules_never_silent_on_an_empty_inventory() -> None:
    decl = declaration(
        control={
            "break_glass": [f"arn:aws:iam::{CUSTOMER}:role/break-glass"],
            "audit": {"data_events": True},
        }
    )
    v = run_rules(inv(), decl, rules=["control.*"])
    rules = {x.rule for x in v}
    assert rules == {r for r in all_rules() if r.startswith("control.")}
    assert not any(x.status is Status.PASS for x in v)
