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
    from auditor.collect.permissions import (
        PermissionsError,
        aws_policy,
        declared_actions,
        policy_json,
    )
    from auditor.commands._common import fail_with

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


@permissions.command(name="gcp")
@click.option(
    "--explain",
    is_flag=True,
    help="List each permission and why the collector needs it instead of the role YAML.",
)
def gcp(explain: bool) -> None:
    """The GCP custom role (YAML for gcloud iam roles create --file): read permissions only."""
    from auditor.collect.gcp.permissions import (
        GcpPermissionsError,
        declared_permissions,
        role_yaml,
    )
    from auditor.commands._common import fail_with

    try:
        if explain:
            needed = declared_permissions()
            width = max(len(p) for p in needed)
            for perm, why in needed.items():
                click.echo(f"{perm:<{width}}  {why}")
            return
        text = role_yaml()
    except GcpPermissionsError as exc:
        fail_with(str(exc))
    click.echo(text, nl=False)


@permissions.command(name="azure")
@click.option(
    "--subscription",
    "subscriptions",
    multiple=True,
    metavar="ID",
    help="Assignable scope (repeatable); a placeholder scope when none is given.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="List each action and the collectors that need it instead of the role JSON.",
)
def azure(subscriptions: tuple[str, ...], explain: bool) -> None:
    """The Azure custom role definition (JSON for az role definition create): reads only."""
    from auditor.collect.azure.permissions import (
        AzurePermissionsError,
        declared_actions,
        declared_data_actions,
        role_definition,
        role_json,
    )
    from auditor.commands._common import fail_with

    try:
        if explain:
            needed = {**declared_actions(), **declared_data_actions()}  # data: blob reads
            width = max(len(a) for a in needed)
            for action, users in needed.items():
                click.echo(f"{action:<{width}}  {', '.join(users)}")
            return
        text = role_json(role_definition(subscriptions))
    except AzurePermissionsError as exc:
        fail_with(str(exc))
    click.echo(text, nl=False)


COMMAND = permissions
