"""The smallest end-to-end path: real boto3 over moto, collected and normalised."""

from __future__ import annotations

from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws


def test_each_account_is_entered_and_identified(fake_aws: FakeAws) -> None:
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), services=("sts",))
    accounts = {r.account for r in inv.resources if r.kind == "account"}
    assert accounts == {CUSTOMER, CUSTOMER_2}
    assert inv.gaps == ()
    assert inv.api_calls["sts:GetCallerIdentity"] >= 2
