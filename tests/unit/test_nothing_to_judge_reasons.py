"""A rule with nothing to judge says why: a gap, a named unmodelled state, or the
absence itself when the collected data proves it (issue #17 point 6).

- no trail in an account whose CloudTrail was listed: audit logging is absent, so the
  log-store rule FAILs (one finding with the multi-region rule's FAIL) and the tamper
  rule has no trail to protect; CloudTrail not read leaves all three audit rules
  INCONCLUSIVE (the multi-region rule FAILed on data it never read);
- a data.stores selector matching nothing names the declared stores as the unknown;
- stores with no key (or no resource policy) leave the key and anonymous-access rules
  nothing to judge; a key that was not collected is named;
- a rule that yields nothing at all is INCONCLUSIVE naming that it gave no reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.derive import build_graph
from auditor.base.edges import ENCRYPTED_BY
from auditor.checks import Judgement, Rule, RuleContext, all_rules
from auditor.checks.engine import evaluate
from auditor.checks.pack import PackEntry, RulePack
from auditor.model import (
    CollectionUnit,
    Gap,
    Inventory,
    PathName,
    Relation,
    Resource,
    Scope,
    Severity,
    Status,
    Verdict,
)
from tests.helpers import CUSTOMER, CUSTOMER_2, PRIMARY, SECONDARY, TODAY, declaration, run_rules

SCOPE = Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=(PRIMARY, SECONDARY))
ACCOUNT_SCOPE = f"scope:aws/{CUSTOMER}/*"


def units(service: str) -> tuple[CollectionUnit, ...]:
    return tuple(
        CollectionUnit(cloud="aws", account=a, region=r, service=service)
        for a in (CUSTOMER, CUSTOMER_2)
        for r in (PRIMARY, SECONDARY)
    )


def inv(
    *resources: Resource,
    relations: tuple[Relation, ...] = (),
    gaps: tuple[Gap, ...] = (),
    collected: tuple[CollectionUnit, ...] = (),
) -> Inventory:
    return Inventory(
        scope=SCOPE, resources=resources, relations=relations, gaps=gaps, collected=collected
    )


def store(kind: str = "bucket", name: str = "logs") -> Resource:
    rid = (
        f"arn:aws:s3:::{name}"
        if kind == "bucket"
        else f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:volume/{name}"
    )
    return Resource(
        id=rid,
        cloud="aws",
        kind=kind,
        account=CUSTOMER,
        region=PRIMARY,
        name=name,
        tags={"data-class": "kafka-log"},
    )


def only(verdicts: list[Verdict], rule: str, resource: str) -> Verdict:
    (v,) = [v for v in verdicts if v.rule == rule and v.resource == resource]
    return v


def test_no_trail_in_a_listed_account_fails_the_log_store_as_one_finding() -> None:
    v = run_rules(
        inv(collected=units("cloudtrail")),
        rules=["control.audit-log-store", "control.audit-trail-multi-region"],
    )
    store_v = only(v, "control.audit-log-store", ACCOUNT_SCOPE)
    trail_v = only(v, "control.audit-trail-multi-region", ACCOUNT_SCOPE)
    assert store_v.status is Status.FAIL, store_v.message
    assert "no trail covers account" in store_v.message
    assert trail_v.status is Status.FAIL
    assert store_v.finding and store_v.finding == trail_v.finding  # one root cause


def test_no_trail_leaves_nothing_to_tamper_with() -> None:
    v = run_rules(inv(collected=units("cloudtrail")), rules=["control.audit-trail-tamper"])
    got = only(v, "control.audit-trail-tamper", ACCOUNT_SCOPE)
    assert got.status is Status.NOT_APPLICABLE
    assert "no trail to protect" in got.message


def test_trails_not_read_are_inconclusive_naming_it() -> None:
    # CloudTrail was not part of the scan: no trail seen proves nothing
    audit = ("control.audit-log-store", "control.audit-trail-tamper")
    v = run_rules(inv(), rules=[*audit, "control.audit-trail-multi-region"])
    for rule in (*audit, "control.audit-trail-multi-region"):
        got = only(v, rule, ACCOUNT_SCOPE)
        assert got.status is Status.INCONCLUSIVE, (rule, got.message)
        assert "CloudTrail was not collected" in got.unmodelled


def test_a_cloudtrail_gap_keeps_the_absence_inconclusive() -> None:
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=PRIMARY,
        service="cloudtrail",
        operation="DescribeTrails",
        error_code="AccessDenied",
    )
    v = run_rules(
        inv(collected=units("cloudtrail"), gaps=(gap,)),
        rules=["control.audit-log-store", "control.audit-trail-tamper"],
    )
    for rule in ("control.audit-log-store", "control.audit-trail-tamper"):
        got = only(v, rule, ACCOUNT_SCOPE)
        assert got.status is Status.INCONCLUSIVE, (rule, got.message)
        assert got.evidence.gaps


DATA_RULES = (
    "data.customer-key",
    "data.key-rotation",
    "data.no-cross-party-grants",
    "data.no-public-access",
    "data.replication-in-boundary",
    "data.store-location",
    "data.system-logs-separate",
    "data.versioning",
    "control.no-anonymous-data-access",
    "control.vendor-key-control",
    "failure.data-replicated",
)


def test_an_empty_store_selection_names_the_declared_stores() -> None:
    v = run_rules(inv(), rules=DATA_RULES)
    for rule in DATA_RULES:
        unsure = [x for x in v if x.rule == rule and x.status is Status.INCONCLUSIVE]
        assert unsure, rule
        for x in unsure:
            assert "data.stores selector matches no collected resource" in x.unmodelled, x


def test_stores_without_a_key_leave_the_key_rule_nothing_to_judge() -> None:
    v = run_rules(inv(store("volume", "vol-1")), rules=["control.*"])
    key_v = only(v, "control.vendor-key-control", "scope:aws/*/*")
    assert key_v.status is Status.NOT_APPLICABLE
    assert "encrypted with a KMS key" in key_v.message
    anon = only(v, "control.no-anonymous-data-access", "scope:aws/*/*")
    assert anon.status is Status.NOT_APPLICABLE
    assert "resource policy" in anon.message


def test_a_key_that_was_not_collected_is_named() -> None:
    key = f"arn:aws:kms:{PRIMARY}:{CUSTOMER}:key/abc"
    b = store()
    rel = Relation(source=b.id, target=key, kind=ENCRYPTED_BY, reason="default encryption")
    v = run_rules(inv(b, relations=(rel,)), rules=["control.vendor-key-control"])
    got = only(v, "control.vendor-key-control", "scope:aws/*/*")
    assert got.status is Status.INCONCLUSIVE
    assert key in got.message
    assert got.unmodelled == "the policy of a data key that was not collected"


def test_a_missing_vendor_role_names_its_unknown_permissions() -> None:
    v = run_rules(inv(), rules=["control.vendor-allowed-actions", "control.vendor-denied-actions"])
    role = f"arn:aws:iam::{CUSTOMER}:role/vendor-operator"
    for rule in ("control.vendor-allowed-actions", "control.vendor-denied-actions"):
        got = only(v, rule, role)
        assert got.status is Status.INCONCLUSIVE
        assert got.unmodelled == "the permissions of a declared role that was not found"


def test_an_empty_platform_names_what_the_failure_rules_cannot_see() -> None:
    decl = declaration(failure={"dns": None})
    v = run_rules(inv(), decl, rules=["failure.replication-service", "failure.single-write-region"])
    rep = only(v, "failure.replication-service", "scope:aws/*/*")
    assert rep.status is Status.INCONCLUSIVE
    assert "Kafka brokers" in rep.unmodelled
    write = only(v, "failure.single-write-region", f"scope:aws/*/{PRIMARY}")
    assert write.status is Status.INCONCLUSIVE
    assert "which regions clients write to" in write.unmodelled


def _silent(ctx: RuleContext) -> Iterator[Judgement]:
    yield from ()


def test_a_rule_that_yields_nothing_is_inconclusive_and_says_so() -> None:
    silent = Rule(
        id="test.silent",
        path=PathName.DATA,
        severity=Severity.LOW,
        title="yields nothing",
        rationale="",
        remediation="",
        requires=(),
        evaluate=_silent,
    )
    rules = {**all_rules(), silent.id: silent}
    graph = build_graph(inv(), declaration())
    pack = RulePack(name="test", rules=[PackEntry(id=silent.id)])
    (got,) = evaluate(graph, pack, rules, today=TODAY)
    assert got.status is Status.INCONCLUSIVE
    assert "gave no verdict and no reason" in got.unmodelled
