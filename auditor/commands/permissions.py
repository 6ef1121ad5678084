"""``auditor permissions aws``: print the least-privilege read-only IAM policy.

The policy is derived from the IAM actions every collector declares (see
``auditor/collect/permissions.py``), so it is exactly what a scan calls:
attach it to the scanning user or role, and to the ``--assume-role`` role in
every other account.
"""

from __future__ import annotations

import click


@click.group(name="permissions")
def permissions() -> None:
    """Print the least-privilege read-only policy a scan needs."""


@permissions.command(name="aws")
@click.option(
    "--assume-role",
    "assume_role",
    default=None,
    metavar="NAME|ARN",
    help="Limit sts:AssumeRole to this role (the scan's --assume-role) in any account.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="List each action and the collectors that need it instead of the policy JSON.",
)
def aws(assume_role: str | None, explain: bool) -> None:
    """The AWS IAM policy (JSON): one Allow statement per service, read actions only."""
    from auditor.cli import fail_with
    from auditor.collect.permissions import (
        PermissionsError,
        aws_policy,
        declared_actions,
        policy_json,
    )

    try:
        if explain:
            needed = declared_actions()
            width = max(len(a) for a in needed)
            for action, users in needed.items():
                click.echo(f"{action:<{width}}  {', '.join(users)}")
            return
        policy = aws_policy(assume_role=assume_role)
    except PermissionsError as exc:
        fail_with(str(exc))
    click.echo(policy_json(policy), nl=False)


COMMAND = permissions
