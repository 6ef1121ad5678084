"""``scan`` options choosing credentials and scope per cloud, checked before any API call.

Azure ``--azure-auth``, ``--azure-disable-instance-discovery`` and
``--subscription-ids``; GCP ``--credentials-file``,
``--impersonate-service-account`` and ``--project-ids``; AWS ``--role-session-name``,
``--session-duration``, ``--mfa-serial`` and ``--mfa-token`` (asked for when not
given). They arrive packed as one :class:`CloudAuth`; its shape errors are one line
and exit 2 here, the credential objects are built by :mod:`auditor.collect.credentials`
(imported only when a scan uses them). Light to import (click only).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.commands._output import fail_with

F = TypeVar("F", bound=Callable[..., Any])

AZURE_AUTH = ("default", "cli", "env", "managed-identity", "browser")
AZURE_AUTHORITY_VALIDATED = ("env", "browser")
"""The ``--azure-auth`` modes whose credential validates its authority host."""
SESSION_SECONDS = (900, 43200)
"""sts:AssumeRole's DurationSeconds range (a role's own maximum may be lower)."""
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_MFA_SERIAL = re.compile(r"arn:aws[\w-]*:iam::\d{12}:mfa/[\w+=,.@/-]+|[\w]{9,256}")
_MFA_CODE = re.compile(r"\d{6}")
_SERVICE_ACCOUNT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.gserviceaccount\.com")
_AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_AWS_PROFILE_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Comma- or repeat-separated ids, trimmed, in order, without blanks or repeats."""
    items = (v.strip() for value in values for v in value.split(","))
    return tuple(dict.fromkeys(v for v in items if v))


class AuthError(ValueError):
    """No usable MFA code (exit 2)."""


@dataclass(frozen=True, kw_only=True)
class CloudAuth:
    """The credential and scope options of one scan, as given."""

    azure_auth: str = "default"
    azure_disable_instance_discovery: bool = False
    subscription_ids: tuple[str, ...] = ()
    credentials_file: Path | None = None
    impersonate: str | None = None
    project_ids: tuple[str, ...] = ()
    role_session_name: str | None = None
    session_duration: int | None = None
    mfa_serial: str | None = None
    mfa_token: str | None = None

    def problem(
        self, decl: Any, *, assume_role: str | None, executor: str = "threads"
    ) -> str | None:
        """Why these options cannot be used with ``decl`` (one line), or None."""
        subs, projects = decl.accounts("azure", "customer"), decl.accounts("gcp", "customer")
        if self.azure_auth not in AZURE_AUTH:
            return f"--azure-auth {self.azure_auth!r}: not one of {', '.join(AZURE_AUTH)}"
        if self.azure_disable_instance_discovery and self.azure_auth not in (
            AZURE_AUTHORITY_VALIDATED
        ):
            from auditor.collect.credentials import instance_discovery_problem

            return instance_discovery_problem(self.azure_auth)
        if (self.azure_auth != "default" or self.subscription_ids) and not subs:
            return (
                "--azure-auth/--subscription-ids: "
                "the customer party declares no Azure subscriptions"
            )
        if (self.credentials_file or self.impersonate or self.project_ids) and not projects:
            return (
                "--credentials-file/--impersonate-service-account/--project-ids: "
                "the customer party declares no gcp.projects"
            )
        for flag, given, declared in (
            ("--subscription-ids", self.subscription_ids, subs),
            ("--project-ids", self.project_ids, projects),
        ):
            extra = [g for g in given if g not in declared]
            if extra:
                known = ", ".join(sorted(declared))
                return f"{flag} {extra[0]}: not declared for the customer party (declared: {known})"
        if self.credentials_file is not None and not self.credentials_file.is_file():
            return f"--credentials-file {self.credentials_file}: no such file"
        if self.impersonate is not None and not _SERVICE_ACCOUNT.fullmatch(self.impersonate):
            return (
                f"--impersonate-service-account {self.impersonate!r}: not a service account "
                "email (NAME@PROJECT.iam.gserviceaccount.com)"
            )
        return self._aws_problem(assume_role, executor)

    def _aws_problem(self, assume_role: str | None, executor: str) -> str | None:
        name, seconds = self.role_session_name, self.session_duration
        if name is not None and not _SESSION_NAME.fullmatch(name):
            return f"--role-session-name {name!r}: 2 to 64 of letters, digits and +=,.@_-"
        if seconds is not None and not SESSION_SECONDS[0] <= seconds <= SESSION_SECONDS[1]:
            low, high = SESSION_SECONDS
            return f"--session-duration {seconds}: between {low} and {high} seconds"
        if (name is not None or seconds is not None) and not assume_role:
            return (
                "--role-session-name/--session-duration: apply to the roles --assume-role "
                "names; pass --assume-role"
            )
        if self.mfa_token is not None and self.mfa_serial is None:
            return "--mfa-token needs --mfa-serial"
        if self.mfa_serial is not None and not _MFA_SERIAL.fullmatch(self.mfa_serial):
            return (
                f"--mfa-serial {self.mfa_serial!r}: not an MFA device ARN "
                "(arn:aws:iam::ACCOUNT:mfa/NAME) or serial"
            )
        if self.mfa_token is not None and not _MFA_CODE.fullmatch(self.mfa_token):
            return "--mfa-token: six digits"
        if self.mfa_serial is not None and executor != "threads":
            return (
                "--mfa-serial works with --executor threads (Dask workers build their own sessions)"
            )
        return None

    def cloud_options(self, decl: Any) -> dict[str, dict[str, Any]]:
        """Scan-option keywords per cloud: credentials, scope narrowing, session naming.

        Builds the Azure and GCP credential objects (their SDKs load here);
        raises :class:`~auditor.collect.credentials.CredentialError`.
        """
        out: dict[str, dict[str, Any]] = {"aws": {}, "azure": {}, "gcp": {}}
        if self.role_session_name is not None:
            out["aws"]["role_session_name"] = self.role_session_name
        if self.session_duration is not None:
            out["aws"]["session_duration"] = self.session_duration
        if self.azure_auth != "default":
            from auditor.collect.credentials import azure_credential

            out["azure"]["credential"] = azure_credential(
                self.azure_auth,
                disable_instance_discovery=self.azure_disable_instance_discovery,
            )
        if self.subscription_ids:
            wanted = set(self.subscription_ids)
            out["azure"]["subscriptions"] = tuple(
                s for s in decl.accounts("azure", "customer") if s in wanted
            )
        if self.credentials_file is not None or self.impersonate is not None:
            from auditor.collect.credentials import gcp_credentials

            out["gcp"]["credentials"] = gcp_credentials(self.credentials_file, self.impersonate)
        if self.project_ids:
            wanted = set(self.project_ids)
            out["gcp"]["projects"] = tuple(
                p for p in decl.accounts("gcp", "customer") if p in wanted
            )
        return {cloud: opts for cloud, opts in out.items() if opts}

    def mfa_code(self) -> str | None:
        """``--mfa-token``, else the code asked for on the terminal (None without MFA)."""
        if self.mfa_serial is None:
            return None
        if self.mfa_token is not None:
            return self.mfa_token
        try:
            code: str = click.prompt(f"MFA code for {self.mfa_serial}", err=True).strip()
        except click.Abort:
            click.echo("", err=True)  # end the prompt's line
            raise AuthError("--mfa-serial: no MFA code was given (or pass --mfa-token)") from None
        if not _MFA_CODE.fullmatch(code):
            raise AuthError("--mfa-serial: the MFA code is six digits")
        return code


@contextlib.contextmanager
def aws_credentials_env(values: dict[str, str] | None) -> Iterator[None]:
    """The process runs on ``values`` (an MFA session's keys) until the block ends.

    The named profile is set aside meanwhile (its credentials made the session);
    every variable is restored afterwards.
    """
    if not values:
        yield
        return
    names = (*_AWS_ENV, *_AWS_PROFILE_ENV)
    saved = {n: os.environ.get(n) for n in names}
    try:
        for n in _AWS_PROFILE_ENV:
            os.environ.pop(n, None)
        os.environ.update(values)
        yield
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


# long: one table of click decorators and their packing
def credential_options(f: F) -> F:
    """Add the per-cloud credential options; they arrive packed as ``auth``."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        azure_auth: str,
        azure_disable_instance_discovery: bool,
        subscription_ids: tuple[str, ...],
        credentials_file: Path | None,
        impersonate_service_account: str | None,
        project_ids: tuple[str, ...],
        role_session_name: str | None,
        session_duration: int | None,
        mfa_serial: str | None,
        mfa_token: str | None,
        **kwargs: Any,
    ) -> Any:
        for flag, given in (
            ("--subscription-ids", subscription_ids),
            ("--project-ids", project_ids),
        ):
            if given and not _split(given):
                fail_with(f"{flag} {','.join(given)!r}: names no id")
        auth = CloudAuth(
            azure_auth=azure_auth,
            azure_disable_instance_discovery=azure_disable_instance_discovery,
            subscription_ids=_split(subscription_ids),
            credentials_file=credentials_file,
            impersonate=impersonate_service_account,
            project_ids=_split(project_ids),
            role_session_name=role_session_name,
            session_duration=session_duration,
            mfa_serial=mfa_serial,
            mfa_token=mfa_token,
        )
        return f(*args, auth=auth, **kwargs)

    options = [
        click.option(
            "--azure-auth",
            default="default",
            show_default=True,
            metavar="|".join(AZURE_AUTH),
            help="Azure credential: DefaultAzureCredential, the Azure CLI's login, a service "
            "principal from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, a managed "
            "identity (AZURE_CLIENT_ID picks a user-assigned one) or an interactive browser login.",
        ),
        click.option(
            "--azure-disable-instance-discovery",
            is_flag=True,
            help="With --azure-auth env or browser: trust the AZURE_AUTHORITY_HOST authority "
            "as given instead of asking login.microsoftonline.com to validate it (Azure "
            "Stack and private clouds, whose authority Microsoft's discovery does not know).",
        ),
        click.option(
            "--subscription-ids",
            "--subscription",
            "subscription_ids",
            multiple=True,
            metavar="ID[,ID...]",
            help="Read only these of the declared Azure subscriptions (repeatable).",
        ),
        click.option(
            "--credentials-file",
            "--gcp-credentials",
            "credentials_file",
            default=None,
            type=click.Path(dir_okay=False, path_type=Path),
            help="GCP credentials file (service account key, authorized user or workload "
            "identity federation) instead of Application Default Credentials.",
        ),
        click.option(
            "--impersonate-service-account",
            "--gcp-impersonate",
            "impersonate_service_account",
            default=None,
            metavar="EMAIL",
            help="Act as this GCP service account (needs roles/iam.serviceAccountTokenCreator "
            "on it).",
        ),
        click.option(
            "--project-ids",
            "--gcp-project",
            "project_ids",
            multiple=True,
            metavar="ID[,ID...]",
            help="Read only these of the declared GCP projects (repeatable).",
        ),
        click.option(
            "--role-session-name",
            default=None,
            metavar="NAME",
            help="RoleSessionName of the roles --assume-role enters (default: "
            "boundary-auditor); CloudTrail shows it.",
        ),
        click.option(
            "--session-duration",
            default=None,
            type=int,
            metavar="SECONDS",
            help=f"Length of each role session ({SESSION_SECONDS[0]}-{SESSION_SECONDS[1]}; "
            "default: 3600). Sessions renew themselves during a long scan.",
        ),
        click.option(
            "--mfa-serial",
            default=None,
            metavar="ARN",
            help="AWS MFA device: one sts:GetSessionToken with its code, and the scan runs "
            "on that MFA session (the code is asked for unless --mfa-token gives it).",
        ),
        click.option(
            "--mfa-token",
            default=None,
            metavar="CODE",
            help="The six-digit code of --mfa-serial (default: asked for).",
        ),
    ]
    decorated: Any = wrapper
    for opt in reversed(options):
        decorated = opt(decorated)
    return decorated  # type: ignore[no-any-return]
