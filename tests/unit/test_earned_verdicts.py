"""Every PASS is earned: a rule that PASSes must have judged something it examined.

"Nothing to judge" is NOT_APPLICABLE (the declaration or pattern makes the rule
irrelevant) or INCONCLUSIVE (it applies and the data is missing), never a PASS. The
test runs every registered rule over a minimal active-passive declaration (RPO and RTO,
nothing optional) and a small inventory, and fails when a PASS names no inventory
resource in its evidence: such a PASS rests on the absence of something, not on a
resource that was read and held.
"""

from __future__ import annotations

from typing import Any

from auditor.boundary import Declaration
from auditor.checks import all_rules
from auditor.model import Inventory, Status, Verdict
from tests.helpers import CUSTOMER, PRIMARY, SECONDARY, run_rules, status_of
from tests.unit.netfixtures import PLATFORM, inv
from tests.unit.test_rules_data import bucket
from tests.unit.test_rules_failure import msk

MINIMAL: dict[str, Any] = {
    "version": 1,
    "name": "orders-kafka",
    "pattern": "active-passive",
    "objectives": {"rpo": "5m", "rto": "15m"},
    "parties": {"customer": {"aws": {"accounts": [CUSTOMER]}}},
    "regions": {f"aws/{PRIMARY}": "primary", f"aws/{SECONDARY}": "secondary"},
    "platform": {"select": {"tags": PLATFORM}},
    "data": {"stores": {"select": {"tags": {"data-class": "kafka-log"}}}},
}


def _estate() -> Inventory:
    return inv(
        msk(PRIMARY, 3),
        msk(SECONDARY, 3),
        bucket("orders-log-primary", region=PRIMARY),
        bucket("orders-log-secondary", region=SECONDARY),
    )


def _unearned(verdicts: list[Verdict], inventory: Inventory) -> list[str]:
    """PASS verdicts whose evidence names no resource of the inventory."""
    ids = {r.id for r in inventory.resources}
    return [
        f"{v.rule} on {v.resource}: {v.message}"
        for v in verdicts
        if v.status is Status.PASS and not ids & set(v.evidence.nodes)
    ]


def test_minimal_active_passive_declaration_gets_no_vacuous_pass() -> None:
    estate = _estate()
    verdicts = run_rules(estate, Declaration.model_validate(MINIMAL))
    assert {v.rule for v in verdicts} == set(all_rules()), "every rule must say something"
    assert _unearned(verdicts, estate) == []
    # The criterion can fail: a PASS over an empty inventory has nothing to name.
    assert any(v.status is Status.PASS for v in verdicts)


def test_the_criterion_catches_a_pass_that_names_nothing() -> None:
    estate = _estate()
    fake = Verdict(
        rule="failure.dns-ttl",
        path=all_rules()["failure.dns-ttl"].path,
        status=Status.PASS,
        resource="scope:aws/*/global",
        severity=all_rules()["failure.dns-ttl"].severity,
        message="no DNS failover is required",
    )
    assert _unearned([fake], estate) == ["failure.dns-ttl on scope:aws/*/global: " + fake.message]


def test_missing_failure_dns_fails_the_three_dns_rules() -> None:
    """An RTO needs clients to fail over; a declaration without failure.dns names no way."""
    verdicts = run_rules(_estate(), Declaration.model_validate(MINIMAL))
    for rid in ("failure.dns-failover-records", "failure.dns-health-checks", "failure.dns-ttl"):
        assert status_of(verdicts, rid, "scope:aws/*/global") is Status.FAIL
        (v,) = [v for v in verdicts if v.rule == rid]
        assert "RTO of 900s" in v.message and "failure.dns" in v.message


def test_single_region_shared_storage_without_dns_is_not_applicable() -> None:
    decl = Declaration.model_validate(
        {**MINIMAL, "pattern": "shared-storage", "regions": {f"aws/{PRIMARY}": "active"}}
    )
    verdicts = run_rules(_estate(), decl, rules=["failure.dns-*"])
    assert {v.status for v in verdicts} == {Status.NOT_APPLICABLE}
