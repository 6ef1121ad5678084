"""Party identities named explicitly outrank the account a principal lives in (AWS side).

The Azure and GCP sides are driven through the fakes in
``tests/e2e/test_azure_gcp_control.py``.
"""

from __future__ import annotations

from auditor.model import Resource, Status
from tests.helpers import CUSTOMER, VENDOR, declaration, run_rules, status_of
from tests.unit.test_rules_control import EXTERNAL_ID, allow, assume, inv, role, trust

AGENT = f"arn:aws:iam::{CUSTOMER}:role/vendor-agent"


def _estate() -> tuple[Resource, Resource]:
    agent = role("vendor-agent", trust(assume({"Service": "ec2.amazonaws.com"})))
    ops = role(
        "kafka-ops",
        trust(assume({"AWS": AGENT}, EXTERNAL_ID)),
        inline=[allow(["ec2:*"])],
    )
    return agent, ops


def _vendor_names_agent() -> dict[str, object]:
    return {
        "parties": {
            "vendor": {
                "aws": {"accounts": [VENDOR], "principals": ["arn:aws:iam::*:role/vendor-*"]}
            }
        }
    }


def test_a_vendor_role_in_the_customer_account_is_outside() -> None:
    agent, ops = _estate()
    decl = declaration(**_vendor_names_agent())
    rules = ["control.external-assume-declared", "control.outside-reach-declared"]
    v = run_rules(inv(agent, ops), decl, rules=rules)
    assert status_of(v, "control.external-assume-declared", ops.id) is Status.FAIL
    assert status_of(v, "control.outside-reach-declared", AGENT) is Status.FAIL


def test_twin_the_same_role_unnamed_is_the_customers() -> None:
    agent, ops = _estate()
    v = run_rules(inv(agent, ops), rules=["control.external-assume-declared"])
    assert ops.id not in {x.resource for x in v}
    assert (
        status_of(v, "control.external-assume-declared", f"scope:aws/{CUSTOMER}/*") is Status.PASS
    )
