"""Which targeted accounts a scan could not read at all, and why, in one line.

A scan that could enter no account writes a bundle of INCONCLUSIVE verdicts; a
scheduled job must not take that for a clean run. An account, subscription or
project counts as *unread* when not one collection unit ran in it: it could not
be entered (no credentials, an expired token, access denied on
``sts:GetCallerIdentity`` or ``AssumeRole``) or every read in it failed. Such a
scan exits with its own code (see :mod:`auditor.cli`), whatever its verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.model import Gap, Inventory

_CAUSES: dict[str, str] = {
    "NoCredentialsError": "no AWS credentials found (environment, profile, SSO or instance role)",
    "PartialCredentialsError": "the AWS credentials are incomplete",
    "ProfileNotFound": "the AWS profile does not exist",
    "ExpiredToken": "the AWS credentials have expired",
    "ExpiredTokenException": "the AWS credentials have expired",
    "RequestExpired": "the AWS credentials have expired",
    "TokenRetrievalError": "the AWS SSO token has expired or cannot be refreshed",
    "SSOTokenLoadError": "the AWS SSO token has expired or cannot be refreshed",
    "UnauthorizedSSOTokenError": "the AWS SSO token has expired or cannot be refreshed",
    "InvalidClientTokenId": "the AWS credentials are not valid",
    "UnrecognizedClientException": "the AWS credentials are not valid",
    "SignatureDoesNotMatch": "the AWS secret access key does not match the key id",
    "EndpointConnectionError": "the AWS endpoint cannot be reached",
    "ConnectTimeoutError": "the AWS endpoint cannot be reached",
    "ClientAuthenticationError": "no usable Azure credentials (DefaultAzureCredential)",
    "CredentialUnavailableError": "no usable Azure credentials (DefaultAzureCredential)",
    "DefaultCredentialsError": "no GCP Application Default Credentials",
    "RefreshError": "the GCP credentials have expired or were revoked",
}
"""Error codes whose plain cause is the same for every account they hit."""

_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "AuthorizationFailed", "PermissionDenied", "403"}
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Unread:
    """A targeted account (subscription, project) of which nothing was read."""

    cloud: str
    account: str
    cause: str


def cause_of(gap: Gap) -> str:
    """The plain reason ``gap`` stands for, for a person running the scan."""
    if gap.error_code in _CAUSES:
        return _CAUSES[gap.error_code]
    if gap.error_code in _DENIED:
        return f"access denied on {_action(gap)}"
    if gap.error_code == "NotEntered":
        return gap.message
    return f"{_action(gap)} failed: {gap.error_code}"


def _action(gap: Gap) -> str:
    if gap.cloud == "aws" and gap.operation in ("GetCallerIdentity", "AssumeRole"):
        return f"sts:{gap.operation}"
    return gap.operation


def unread_accounts(inventory: Inventory, targets: Iterable[tuple[str, str]]) -> list[Unread]:
    """Each ``(cloud, account)`` of ``targets`` in which no collection unit ran.

    The cause comes from the account's own account-wide gap (``service == "*"``)
    when there is one, else from its first gap, else it is unknown.
    """
    ran = {(u.cloud, u.account) for u in inventory.collected}
    gaps: dict[tuple[str, str], list[Gap]] = {}
    for g in inventory.gaps:
        gaps.setdefault((g.cloud, g.account), []).append(g)
    unread = []
    for cloud, account in dict.fromkeys(targets):
        if (cloud, account) in ran:
            continue
        mine = sorted(gaps.get((cloud, account), ()), key=lambda g: g.service != "*")
        cause = cause_of(mine[0]) if mine else "nothing was collected and no error was recorded"
        unread.append(Unread(cloud=cloud, account=account, cause=cause))
    return unread


def unread_line(unread: Sequence[Unread], targeted: int) -> str:
    """One line for stderr: how many of ``targeted`` went unread, grouped by cause."""
    by_cause: dict[tuple[str, str], list[str]] = {}
    for u in unread:
        by_cause.setdefault((u.cloud, u.cause), []).append(u.account)
    parts = []
    for (cloud, cause), accounts in by_cause.items():
        more = f" and {len(accounts) - 3} more" if len(accounts) > 3 else ""
        shown = ", ".join(accounts[:3]) + more
        parts.append(f"{cloud} {shown}: {cause}")
    return (
        f"could not read {len(unread)} of {targeted} account(s): "
        + "; ".join(parts)
        + " (the bundle records them as gaps)"
    )
