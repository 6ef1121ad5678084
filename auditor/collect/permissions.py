"""The least-privilege read-only IAM policy the auditor needs, derived from its collectors.

Every collector declares the IAM actions it calls (:attr:`AwsService.actions`);
the policy is their union plus what the runner itself calls to enter accounts
(:data:`RUNNER_ACTIONS`). It is built, never written by hand, so it cannot
drift from the code: a collector that starts calling a new API declares the
action and the policy grows with it. Pure functions, no SDK imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from auditor.collect.readonly import is_read_operation

if TYPE_CHECKING:
    from auditor.collect.aws_context import AwsService

POLICY_VERSION = "2012-10-17"

RUNNER_ACTIONS: Mapping[str, str] = {
    "sts:AssumeRole": "enter the other declared accounts (--assume-role)",
    "sts:GetCallerIdentity": "learn which account the credentials belong to",
    "ec2:DescribeRegions": "learn each account's enabled regions (--all-regions)",
    "organizations:DescribeOrganization": "find the organisation to scan (--organization)",
    "organizations:ListAccounts": "list the organisation's accounts (--organization)",
    "organizations:ListRoots": "walk the OU tree (--organization, --organizational-unit)",
    "organizations:ListOrganizationalUnitsForParent": "walk the OU tree (--organization)",
    "organizations:ListAccountsForParent": "place accounts in OUs (--organization)",
}
"""Actions the runner calls outside any collector, and why."""

OPERATION_ACTIONS: Mapping[str, str] = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}
"""API operations whose IAM action has another name (``{endpoint prefix}:{operation}``)."""

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$")
MANAGED_POLICY_MAX_CHARS = 6144
"""IAM's limit for a managed policy document (whitespace excluded)."""


class PermissionsError(ValueError):
    """A collector declared an action that is malformed or not a read."""


def action_for_call(call: str) -> str:
    """The IAM action that authorises one API call ``{endpoint prefix}:{Operation}``."""
    return OPERATION_ACTIONS.get(call, call)


def is_read_action(action: str) -> bool:
    """True when ``action`` (``prefix:Name``) only reads (or is a runner action)."""
    prefix, _, name = action.partition(":")
    return action in RUNNER_ACTIONS or is_read_operation(prefix, name)


def declared_actions(services: Iterable[AwsService] | None = None) -> dict[str, tuple[str, ...]]:
    """Every action the auditor needs -> who needs it (collector names, or ``runner``).

    Raises :class:`PermissionsError` when any declared action is malformed or
    not a read: the auditor would rather refuse to print a policy than print
    one that allows a change.
    """
    if services is None:
        from auditor.collect.aws import services as all_services

        services = all_services()
    needed: dict[str, set[str]] = {action: {"runner"} for action in RUNNER_ACTIONS}
    for svc in services:
        for action in svc.actions:
            needed.setdefault(action, set()).add(svc.name)
    bad = sorted(a for a in needed if not _ACTION.match(a) or not is_read_action(a))
    if bad:
        raise PermissionsError(f"not a read-only IAM action: {', '.join(bad)}")
    return {action: tuple(sorted(needed[action])) for action in sorted(needed)}


def _sid(prefix: str) -> str:
    return "Read" + "".join(part.capitalize() for part in re.split(r"[^a-z0-9]+", prefix))


def role_resource(assume_role: str) -> str:
    """The ARN pattern ``sts:AssumeRole`` is limited to (``--assume-role`` name or ARN)."""
    if assume_role.startswith("arn:"):
        return assume_role
    return f"arn:aws:iam::*:role/{assume_role}"


def build_policy(
    actions: Iterable[str], *, assume_role: str | None = None, exclude: Sequence[str] = ()
) -> dict[str, Any]:
    """An IAM policy document allowing ``actions``: one statement per service prefix.

    Statements and actions are sorted, so the same actions give the same bytes.
    With ``assume_role`` the ``sts`` statement is limited to that role (in any
    account); ``sts:GetCallerIdentity`` needs no permission on AWS, so the
    narrower resource costs nothing. ``exclude`` drops actions (tests).
    """
    by_prefix: dict[str, set[str]] = {}
    for action in actions:
        if action in exclude:
            continue
        by_prefix.setdefault(action.partition(":")[0], set()).add(action)
    statements: list[dict[str, Any]] = []
    for prefix in sorted(by_prefix):
        resource = role_resource(assume_role) if prefix == "sts" and assume_role else "*"
        statements.append(
            {
                "Sid": _sid(prefix),
                "Effect": "Allow",
                "Action": sorted(by_prefix[prefix]),
                "Resource": resource,
            }
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def aws_policy(
    services: Iterable[AwsService] | None = None,
    *,
    assume_role: str | None = None,
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """The least-privilege read-only policy for every (or the given) collector."""
    return build_policy(declared_actions(services), assume_role=assume_role, exclude=exclude)


def policy_json(policy: Mapping[str, Any]) -> str:
    """The policy as stable, indented JSON (ends with a newline)."""
    return json.dumps(policy, indent=2) + "\n"


def compact_size(policy: Mapping[str, Any]) -> int:
    """Characters IAM counts against :data:`MANAGED_POLICY_MAX_CHARS` (no whitespace)."""
    return len(json.dumps(policy, separators=(",", ":")))
