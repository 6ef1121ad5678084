"""The smallest end-to-end path: real boto3 over moto, collected and normalised."""

from __future__ import annotations

from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws


def test_each_account_is_entered_and_identified(fake_aws: FakeAws) -> None:
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), services=("sts",))
    accounts = {r.account for r in inv.resources if r.kind == "account"}
    assert accounts == {CUSTOMER, CUSTOMER_2}
    assert inv.gaps == ()
    assert inv.api_calls["sts:GetCallerIdentity"] >= 2


def test_unreachable_account_is_a_gap_not_a_crash(fake_aws: FakeAws) -> None:
    # No auditor role exists in account 333..., so AssumeRole must fail... unless the
    # fake accepts any role; either way the account must never silently vanish.
    inv = fake_aws.collect(accounts=(CUSTOMER,), services=("sts",))
    assert [r.account for r in inv.resources if r.kind == "account"] == [CUSTOMER]
