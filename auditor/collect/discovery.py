"""Planning reads: the organisation's accounts (and OUs), and each account's enabled regions.

These run before any collector, in the coordinating process, through guarded
read-only clients; their calls are counted with the scan's. A failure raises
:class:`~auditor.collect.access.EnterError`; the runner turns it into a gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from auditor.collect.access import EnterError
from auditor.collect.readonly import guard_client

ENABLED_OPT_IN = frozenset({"opt-in-not-required", "opted-in"})
"""``OptInStatus`` values of regions an account can use (``not-opted-in`` is skipped)."""

Count = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class OrgAccount:
    id: str
    name: str
    status: str
    parents: tuple[str, ...]
    """Root and OU ids above the account, outermost first."""


@dataclass(frozen=True, kw_only=True)
class Organization:
    """What discovery saw: every account (any status) and every OU."""

    id: str
    accounts: tuple[OrgAccount, ...]
    units: tuple[tuple[str, str, str], ...]
    """(OU id, name, parent id)."""

    def active(self, under: Sequence[str] = ()) -> list[str]:
        """ACTIVE account ids, limited to those below any OU (or root) in ``under``."""
        return sorted(
            a.id
            for a in self.accounts
            if a.status == "ACTIVE" and (not under or set(under) & set(a.parents))
        )


def _client(session: Any, name: str, region: str, config: Any, count: Count) -> Any:
    client = guard_client(session.client(name, region_name=region, config=config))

    def counted(model: Any, **_: Any) -> None:
        count(f"{model.service_model.endpoint_prefix}:{model.name}")

    client.meta.events.register("before-call.*.*", counted)
    return client


def _paged(client: Any, method: str, key: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in client.get_paginator(method).paginate(**params):
        out.extend(page.get(key) or [])
    return out


@contextmanager
def _reading(operation: str) -> Iterator[None]:
    """Turn botocore errors of one planning read into :class:`EnterError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    from auditor.collect.aws_context import error_code

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise EnterError(operation, error_code(exc), str(exc)) from exc


def discover_organization(session: Any, config: Any, region: str, count: Count) -> Organization:
    """Every account of the caller's organisation, with its OU path (management or
    delegated administrator credentials needed)."""
    org = _client(session, "organizations", region, config, count)
    with _reading("DescribeOrganization"):
        org_id = str(org.describe_organization()["Organization"]["Id"])
    with _reading("ListAccounts"):
        listed = _paged(org, "list_accounts", "Accounts")
    parents: dict[str, tuple[str, ...]] = {}
    units: list[tuple[str, str, str]] = []
    with _reading("ListRoots"):
        roots = _paged(org, "list_roots", "Roots")
    todo: list[tuple[str, tuple[str, ...]]] = [(str(r["Id"]), (str(r["Id"]),)) for r in roots]
    while todo:
        parent, path = todo.pop(0)
        with _reading("ListAccountsForParent"):
            for acct in _paged(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
                parents[str(acct["Id"])] = path
        with _reading("ListOrganizationalUnitsForParent"):
            ous = _paged(
                org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
            )
        for ou in ous:
            units.append((str(ou["Id"]), str(ou.get("Name", "")), parent))
            todo.append((str(ou["Id"]), (*path, str(ou["Id"]))))
    accounts = tuple(
        OrgAccount(
            id=str(a["Id"]),
            name=str(a.get("Name", "")),
            status=str(a.get("State") or a.get("Status") or "UNKNOWN").upper(),
            parents=parents.get(str(a["Id"]), ()),
        )
        for a in sorted(listed, key=lambda a: str(a["Id"]))
    )
    return Organization(id=org_id, accounts=accounts, units=tuple(sorted(units)))


def enabled_regions(described: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """Regions of a ``DescribeRegions(AllRegions=True)`` answer the account may use."""
    return tuple(
        sorted(
            str(r["RegionName"])
            for r in described
            if str(r.get("OptInStatus", "opt-in-not-required")) in ENABLED_OPT_IN
        )
    )


def discover_regions(session: Any, config: Any, region: str, count: Count) -> tuple[str, ...]:
    """The account's enabled regions (opt-in regions only once opted in)."""
    ec2 = _client(session, "ec2", region, config, count)
    with _reading("DescribeRegions"):
        described = ec2.describe_regions(AllRegions=True)["Regions"]
    return enabled_regions(described)
