"""Which targeted accounts a scan could not read, and the one line that says why."""

from __future__ import annotations

from auditor.coverage import Unread, cause_of, unread_accounts, unread_line
from auditor.model import CollectionUnit, Gap, Inventory, Scope


def _gap(cloud: str, account: str, code: str, operation: str, service: str = "*") -> Gap:
    return Gap(
        cloud=cloud,
        account=account,
        region="*",
        service=service,
        operation=operation,
        error_code=code,
        message="m",
    )


def _inventory(units: list[CollectionUnit], gaps: list[Gap]) -> Inventory:
    return Inventory(
        scope=Scope(accounts=("1", "2"), regions=("r",)),
        resources=(),
        relations=(),
        gaps=tuple(gaps),
        collected=tuple(units),
    )


def test_an_account_with_one_unit_that_ran_is_read() -> None:
    unit = CollectionUnit(cloud="aws", account="1", region="r", service="s3")
    inv = _inventory([unit], [_gap("aws", "1", "AccessDenied", "ListKeys", "kms")])
    assert unread_accounts(inv, [("aws", "1")]) == []


def test_an_account_where_nothing_ran_is_unread_with_its_account_wide_cause() -> None:
    gaps = [
        _gap("aws", "2", "AccessDenied", "ListKeys", "kms"),
        _gap("aws", "2", "AccessDenied", "AssumeRole"),
    ]
    [unread] = unread_accounts(_inventory([], gaps), [("aws", "2"), ("aws", "2")])
    assert unread == Unread(cloud="aws", account="2", cause="access denied on sts:AssumeRole")


def test_same_id_in_another_cloud_is_another_target() -> None:
    unit = CollectionUnit(cloud="aws", account="1", region="r", service="s3")
    [unread] = unread_accounts(_inventory([unit], []), [("aws", "1"), ("gcp", "1")])
    assert (unread.cloud, unread.cause) == (
        "gcp",
        "nothing was collected and no error was recorded",
    )


def test_causes_are_plain() -> None:
    assert "no AWS credentials" in cause_of(_gap("aws", "1", "NoCredentialsError", "X"))
    assert "expired" in cause_of(_gap("aws", "1", "ExpiredToken", "GetCallerIdentity"))
    assert cause_of(_gap("aws", "1", "AccessDenied", "GetCallerIdentity")) == (
        "access denied on sts:GetCallerIdentity"
    )
    assert "Azure" in cause_of(_gap("azure", "s", "ClientAuthenticationError", "GetToken"))
    assert cause_of(_gap("gcp", "p", "Weird", "list")) == "list failed: Weird"


def test_one_line_groups_accounts_by_cause_and_caps_the_list() -> None:
    unread = [Unread(cloud="aws", account=str(n), cause="c") for n in range(5)]
    line = unread_line(unread, 7)
    assert "\n" not in line
    assert line.startswith("could not read 5 of 7 account(s): aws 0, 1, 2 and 2 more: c")
