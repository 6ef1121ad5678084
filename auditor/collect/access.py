"""How to enter one AWS account: a picklable recipe, and the session built from it.

Sessions cannot be pickled or shipped to another machine, so a work unit
carries an :class:`AccountAccess` (profile, role ARN, external id; never
credentials) and whoever runs the unit builds the session itself: the base
credentials come from the standard chain of the process (environment, profile,
instance role; ``AWS_ENDPOINT_URL`` included), then the role is assumed.
Assumed-role credentials refresh themselves before they expire, so a scan of
hundreds of accounts that lasts longer than one role session keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.collect.readonly import guard_client

SESSION_NAME = "boundary-auditor"


@dataclass(frozen=True, kw_only=True)
class AccountAccess:
    """What a process needs to enter ``account``: no secrets, only names."""

    account: str
    profile: str | None = None
    role_arn: str | None = None
    """None: the base credentials belong to this account already."""
    external_id: str | None = None
    home_region: str = "us-east-1"
    """Region of the STS endpoint used to assume the role."""
    session_name: str = SESSION_NAME
    """RoleSessionName (``--role-session-name``): CloudTrail shows it in the role's ARN."""
    duration_seconds: int | None = None
    """DurationSeconds of each role session (``--session-duration``); None: STS's hour."""


def role_arn(account: str, assume_role: str) -> str:
    """``--assume-role`` as given (an ARN) or as a role name in ``account``."""
    if assume_role.startswith("arn:"):
        return assume_role
    return f"arn:aws:iam::{account}:role/{assume_role}"


class EnterError(Exception):
    """An account could not be entered; ``code`` is the AWS error code."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code


def unknown_profile(profile: str | None) -> str | None:
    """Why the named AWS profile (``profile``, else ``AWS_PROFILE``) cannot be used, or None.

    Asked before any API call: a misspelt profile is an input error, not a gap.
    """
    import os

    import botocore.session
    from botocore.exceptions import ProfileNotFound

    source = "--profile" if profile else "AWS_PROFILE"
    name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    if not name:
        return None
    session = botocore.session.Session(profile=name)
    try:
        session.get_scoped_config()
    except ProfileNotFound:
        known = ", ".join(sorted(session.available_profiles)) or "none"
        return f"{source}: the AWS profile {name!r} does not exist (profiles configured: {known})"
    return None


def base_session(profile: str | None) -> Any:
    import boto3

    from auditor.collect.aws_models import compact_models

    return compact_models(boto3.Session(profile_name=profile) if profile else boto3.Session())


def _assumed_session(
    base: Any, access: AccountAccess, sts: Any, count: Callable[[str], None]
) -> Any:
    """A session on refreshable credentials for ``access.role_arn``, got with ``sts`` (a
    client of ``base``); raises EnterError."""
    import botocore.session
    from botocore.credentials import RefreshableCredentials
    from botocore.exceptions import BotoCoreError, ClientError

    from auditor.collect.aws_context import error_code

    assert access.role_arn is not None
    params: dict[str, Any] = {"RoleArn": access.role_arn, "RoleSessionName": access.session_name}
    if access.external_id:
        params["ExternalId"] = access.external_id
    if access.duration_seconds:
        params["DurationSeconds"] = access.duration_seconds

    def fetch() -> dict[str, str]:
        count("sts:AssumeRole")
        creds = sts.assume_role(**params)["Credentials"]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry),
        }

    try:
        metadata = fetch()
    except (ClientError, BotoCoreError) as exc:
        raise EnterError("AssumeRole", error_code(exc), str(exc)) from exc
    import boto3

    core: Any = botocore.session.get_session()  # refreshable credentials have no public setter
    # One parsed copy of each service model per process, not one per assumed account.
    loader = base._session.get_component("data_loader")
    core.register_component("data_loader", loader)
    core._credentials = RefreshableCredentials.create_from_metadata(
        metadata=metadata, refresh_using=fetch, method="assume-role"
    )
    with _LOADER_LOCK:  # boto3.Session appends its data folder to the shared loader's paths
        session = boto3.Session(botocore_session=core)
        paths = loader.search_paths
        paths[:] = list(dict.fromkeys(paths))  # once, not once per account entered
    return session


_LOADER_LOCK = threading.Lock()


class SessionCache:
    """Sessions of one scan in one process, by access recipe (made once each)."""

    def __init__(self, config: Any) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._bases: dict[str | None, Any] = {}
        self._sessions: dict[AccountAccess, Any] = {}
        self._failed: dict[AccountAccess, EnterError] = {}
        self._entering: dict[AccountAccess, threading.Lock] = {}
        self._sts: dict[tuple[str | None, str], Any] = {}

    def base(self, profile: str | None) -> Any:
        with self._lock:
            if profile not in self._bases:
                self._bases[profile] = base_session(profile)
            return self._bases[profile]

    def sts(self, profile: str | None, region: str) -> Any:
        """The guarded STS client of ``profile``'s base session in ``region``, built once:
        the caller's identity and every role the scan assumes are asked of it."""
        from auditor.collect.aws_clients import session_lock

        base = self.base(profile)
        with session_lock(base):  # boto3 sessions are not thread-safe
            made = self._sts.get((profile, region))
            if made is None:
                made = guard_client(base.client("sts", region_name=region, config=self._config))
                self._sts[(profile, region)] = made
            return made

    def session(self, access: AccountAccess, count: Callable[[str], None]) -> Any:
        """The session for ``access``; raises :class:`EnterError` (remembered) on failure."""
        with self._lock:
            gate = self._entering.setdefault(access, threading.Lock())
        with gate:  # one AssumeRole per account even when many units start at once
            if access in self._sessions:
                return self._sessions[access]
            if access in self._failed:
                raise self._failed[access]
            base = self.base(access.profile)
            try:
                made = (
                    base
                    if access.role_arn is None
                    else _assumed_session(
                        base, access, self.sts(access.profile, access.home_region), count
                    )
                )
            except EnterError as exc:
                self._failed[access] = exc
                raise
            self._sessions[access] = made
            return made
