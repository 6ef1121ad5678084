"""The least-privilege Azure custom role a scan needs, built from the collectors' actions.

Every Azure collector declares the RBAC actions it needs
(:attr:`~auditor.collect.azure._context.AzureCollector.actions`); the role is
their union, so it cannot drift from the code. Only read actions are
accepted: the auditor refuses to print a role that could change anything.
Pure functions, no SDK imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.collect.azure._context import AzureCollector

ROLE_NAME = "boundary-auditor-reader"
_READ_ACTION = re.compile(r"^Microsoft\.[A-Za-z]+(/[A-Za-z*]+)*/read$")


class AzurePermissionsError(ValueError):
    """A collector declared an action that is malformed or not a read."""


def _needed(collectors: Iterable[AzureCollector] | None, data: bool) -> dict[str, tuple[str, ...]]:
    """Every action (``data``: data-plane action) the collectors need -> who needs it."""
    if collectors is None:
        from auditor.collect.azure import collectors as all_collectors

        collectors = all_collectors()
    needed: dict[str, set[str]] = {}
    for c in collectors:
        for action in c.data_actions if data else c.actions:
            needed.setdefault(action, set()).add(c.name)
    bad = sorted(a for a in needed if not _READ_ACTION.match(a))
    if bad:
        what = "data action" if data else "action"
        raise AzurePermissionsError(f"not a read-only Azure {what}: {', '.join(bad)}")
    return {a: tuple(sorted(needed[a])) for a in sorted(needed, key=str.lower)}


def declared_actions(
    collectors: Iterable[AzureCollector] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Every Azure action the auditor needs -> the collectors that need it."""
    return _needed(collectors, data=False)


def declared_data_actions(
    collectors: Iterable[AzureCollector] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Every Azure data action (data-plane read) the auditor needs -> the collectors."""
    return _needed(collectors, data=True)


def role_definition(
    subscriptions: Sequence[str] = (), collectors: Iterable[AzureCollector] | None = None
) -> dict[str, Any]:
    """A custom role definition (``az role definition create --role-definition``)."""
    scopes = [f"/subscriptions/{s}" for s in subscriptions] or ["/subscriptions/<subscription-id>"]
    collectors = list(collectors) if collectors is not None else None
    return {
        "Name": ROLE_NAME,
        "IsCustom": True,
        "Description": "Read-only access boundary-auditor needs (Resource Graph and ARM reads).",
        "Actions": list(declared_actions(collectors)),
        "NotActions": [],
        "DataActions": list(declared_data_actions(collectors)),
        "NotDataActions": [],
        "AssignableScopes": scopes,
    }


def role_json(role: dict[str, Any]) -> str:
    return json.dumps(role, indent=2) + "\n"
