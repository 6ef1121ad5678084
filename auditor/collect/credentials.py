"""Credentials chosen on the command line, each built as the cloud SDK's own class.

Azure (``--azure-auth``): ``default`` is azure-identity's DefaultAzureCredential
(made by the collector), ``cli`` AzureCliCredential (``az login``), ``env``
EnvironmentCredential (a service principal from ``AZURE_TENANT_ID``,
``AZURE_CLIENT_ID`` and ``AZURE_CLIENT_SECRET`` or ``AZURE_CLIENT_CERTIFICATE_PATH``),
``managed-identity`` ManagedIdentityCredential (``AZURE_CLIENT_ID`` picks a
user-assigned identity), ``browser`` InteractiveBrowserCredential. A private cloud or
Azure Stack authority (``AZURE_AUTHORITY_HOST``) that Microsoft's instance discovery
does not know is trusted as given with ``disable_instance_discovery`` (the SDK's own
option, for ``env`` and ``browser``: the credentials that validate their authority).

GCP: a credentials file (service account key, authorized user or external account)
through ``google.auth.load_credentials_from_file``; service-account impersonation
through ``google.auth.impersonated_credentials`` on top of it (or of ADC).

AWS MFA: one ``sts:GetSessionToken`` with the device's serial and code, on the
base credentials; the scan then runs on that MFA session, so every role it
assumes sees ``aws:MultiFactorAuthPresent``. A code is asked for once, not once
per account.

Imported lazily by the commands that need it: the SDKs load only then. Problems
the user can fix are a :class:`CredentialError` (one line).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from auditor.collect.readonly import guard_client

log = logging.getLogger(__name__)

AZURE_AUTH = ("default", "cli", "env", "managed-identity", "browser")
GCP_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_AZURE_SECRETS = (
    ("AZURE_CLIENT_SECRET",),
    ("AZURE_CLIENT_CERTIFICATE_PATH",),
    ("AZURE_USERNAME", "AZURE_PASSWORD"),
)


class CredentialError(ValueError):
    """Credentials that cannot be built from what was given (exit 2)."""


AZURE_AUTHORITY_VALIDATED = ("env", "browser")
"""The ``--azure-auth`` modes whose credential validates its authority (MSAL's)."""


def instance_discovery_problem(auth: str) -> str | None:
    """Why ``--azure-disable-instance-discovery`` cannot go with ``--azure-auth auth``.

    ``cli`` and ``managed-identity`` validate no authority. ``default``:
    DefaultAzureCredential (azure-identity 1.27) documents no such keyword (unlike
    .NET's and JavaScript's); it only happens to pass its keywords on to the
    credentials of its chain, which the auditor does not rely on.
    """
    if auth in AZURE_AUTHORITY_VALIDATED:
        return None
    allowed = f"applies to --azure-auth {' or '.join(AZURE_AUTHORITY_VALIDATED)}, not {auth}"
    if auth == "default":
        return (
            f"--azure-disable-instance-discovery: {allowed} (azure-identity's "
            "DefaultAzureCredential documents no such option; for Azure Stack or a "
            "private cloud name the credential: --azure-auth env or browser)"
        )
    return f"--azure-disable-instance-discovery: {allowed} ({auth} validates no authority)"


def azure_credential(auth: str, *, disable_instance_discovery: bool = False) -> Any:
    """The TokenCredential for ``--azure-auth`` (None for ``default``: the collector's)."""
    if auth not in AZURE_AUTH:
        raise CredentialError(f"--azure-auth {auth!r}: not one of {', '.join(AZURE_AUTH)}")
    problem = instance_discovery_problem(auth) if disable_instance_discovery else None
    if problem is not None:
        raise CredentialError(problem)
    extra = {"disable_instance_discovery": True} if disable_instance_discovery else {}
    if auth == "default":
        return None
    from auditor.extras import import_extra

    identity: Any = import_extra("azure.identity", "azure")
    made: Any
    if auth == "cli":
        made = identity.AzureCliCredential()
    elif auth == "env":
        missing = [v for v in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID") if not os.environ.get(v)]
        if not any(all(os.environ.get(v) for v in names) for names in _AZURE_SECRETS):
            missing.append("AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)")
        if missing:
            raise CredentialError(
                f"--azure-auth env: {', '.join(missing)} not set "
                "(a service principal is read from the environment)"
            )
        made = identity.EnvironmentCredential(**extra)
    elif auth == "managed-identity":
        made = identity.ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
    else:
        made = identity.InteractiveBrowserCredential(**extra)
    log.info("azure: credentials from %s", type(made).__name__)
    return made


def gcp_credentials(
    credentials_file: Path | None = None,
    impersonate: str | None = None,
    *,
    iam_endpoint: str | None = None,
) -> Any:
    """Credentials for Cloud Asset Inventory (None: the collector's ADC).

    ``impersonate``: a service account email, acted as through the IAM Credentials
    API with the file's credentials (or ADC). ``iam_endpoint`` overrides that API's
    generateAccessToken URL (a fake's, in tests).
    """
    if credentials_file is None and impersonate is None:
        return None
    from auditor.extras import import_extra

    import_extra("google.auth", "gcp")
    import google.auth
    from google.auth import impersonated_credentials
    from google.auth.exceptions import DefaultCredentialsError

    base: Any = None
    if credentials_file is not None:
        try:
            base = _gcp_file_credentials(credentials_file)
        except (DefaultCredentialsError, OSError, ValueError, KeyError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CredentialError(f"--credentials-file {credentials_file}: {reason}") from None
        log.info("gcp: credentials from %s (%s)", credentials_file, type(base).__name__)
    if impersonate is None:
        return base
    if base is None:
        try:
            base, _ = google.auth.default(scopes=list(GCP_SCOPES))
        except DefaultCredentialsError as exc:
            raise CredentialError(
                f"--impersonate-service-account: no credentials to impersonate with ({exc})"
            ) from None
    extra = {"iam_endpoint_override": iam_endpoint} if iam_endpoint else {}
    log.info("gcp: impersonating %s", impersonate)
    return impersonated_credentials.Credentials(  # type: ignore[no-untyped-call]
        source_credentials=base,
        target_principal=impersonate,
        target_scopes=list(GCP_SCOPES),
        lifetime=3600,
        **extra,
    )


GCP_FILE_TYPES = ("service_account", "authorized_user", "external_account")


def _gcp_file_credentials(path: Path) -> Any:
    """The credentials of a key or configuration file, by its declared ``type``.

    Each type has its own loader (google-auth's generic loader accepts any
    configuration unchecked); other types are refused.
    """
    import json

    info = json.loads(path.read_text(encoding="utf-8"))
    kind = info.get("type") if isinstance(info, dict) else None
    scopes = list(GCP_SCOPES)
    if kind == "service_account":
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=scopes
        )
    if kind == "authorized_user":
        from google.oauth2 import credentials

        return credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
            info, scopes=scopes
        )
    if kind == "external_account":
        source = info.get("credential_source") or {}
        if str(source.get("environment_id", "")).startswith("aws"):
            from google.auth import aws

            return aws.Credentials.from_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
        from google.auth import identity_pool

        return identity_pool.Credentials.from_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    raise ValueError(f"credential type {kind!r} is not one of {', '.join(GCP_FILE_TYPES)}")


def aws_mfa_environment(
    profile: str | None, serial: str, token: str, *, region: str = "us-east-1"
) -> dict[str, str]:
    """Environment variables holding an MFA session of ``profile``'s credentials.

    One ``sts:GetSessionToken`` (read-only guarded) with ``serial`` and the code
    ``token``; its temporary keys then stand in for the base credentials.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from auditor.collect.access import base_session

    sts = guard_client(base_session(profile).client("sts", region_name=region))
    try:
        creds = sts.get_session_token(SerialNumber=serial, TokenCode=token)["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        raise CredentialError(f"--mfa-serial {serial}: GetSessionToken failed: {exc}") from None
    log.info("aws: MFA session of %s until %s", serial, creds["Expiration"])
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }
