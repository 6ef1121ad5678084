"""Azure and GCP credentials chosen on the command line, through the real SDK classes
against the fake clouds: the credential the builder makes is the one that reads.

GCP: a service account key file whose token endpoint is a small OAuth
server here (it records each grant), and impersonation through the IAM Credentials
``generateAccessToken`` call on the same server. Azure: ``--azure-auth cli`` runs a
stand-in ``az`` (it records its arguments and prints a token as the Azure CLI does);
``env`` and ``managed-identity`` get their token from the Azure fake's Entra (a client
credentials grant through ``AZURE_AUTHORITY_HOST``, and App Service's identity
endpoint through ``IDENTITY_ENDPOINT``/``IDENTITY_HEADER``), all on loopback; the
Resource Manager reads must carry the token that grant gave.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.credentials import CredentialError, azure_credential, gcp_credentials
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.collect.runner import CollectionResult
from auditor.commands._credentials import CloudAuth
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from tests.gcp_helpers import ESTATE, PROJECT

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
TENANT = "aaaaaaaa-0000-4000-8000-00000000000a"
CLIENT = "bbbbbbbb-0000-4000-8000-00000000000b"
SECRET = "sp-secret-for-the-fake"
IDENTITY_HEADER = "app-service-identity-header"
USER_ASSIGNED = "cccccccc-0000-4000-8000-00000000000c"
AZURE_CREDENTIAL_ENV = (
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "AZURE_AUTHORITY_HOST",
    "AZURE_REGIONAL_AUTHORITY_NAME",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
)
SOURCE = "ci-runner@audit-project.iam.gserviceaccount.com"
TARGET = "scanner@audit-project.iam.gserviceaccount.com"


class OAuth:
    """Token endpoint and generateAccessToken, recording what they were asked; other
    GETs are passed on to ``upstream`` (the GCP fake) with their bearer recorded."""

    def __init__(self) -> None:
        self.grants: list[dict[str, list[str]]] = []
        self.impersonations: list[tuple[str, str, dict[str, object]]] = []
        self.bearers: list[str] = []
        self.upstream = ""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                import urllib.request

                outer.bearers.append(self.headers.get("Authorization", ""))
                with urllib.request.urlopen(outer.upstream + self.path) as got:
                    data, ctype = got.read(), got.headers.get("Content-Type", "")
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.path == "/token":
                    outer.grants.append(urllib.parse.parse_qs(body))
                    answer: dict[str, object] = {
                        "access_token": "user-token",
                        "expires_in": 3600,
                        "token_type": "Bearer",
                    }
                else:
                    auth = self.headers.get("Authorization", "")
                    outer.impersonations.append((self.path, auth, json.loads(body)))
                    answer = {"accessToken": "sa-token", "expireTime": "2099-01-01T00:00:00Z"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def oauth() -> Iterator[OAuth]:
    server = OAuth()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _key_file(tmp_path: Path, oauth: OAuth) -> Path:
    """A service account key (a throwaway RSA key) whose token endpoint is ``oauth``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "key.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "audit-project",
                "private_key_id": "key-1",
                "private_key": pem,
                "client_email": SOURCE,
                "client_id": "1",
                "token_uri": f"{oauth.url}/token",
            }
        )
    )
    return path


def _claims(bearer: str) -> dict[str, object]:
    """The claims of a bearer JWT (signed by the key file's key: the SDK made it)."""
    import base64

    payload = bearer.removeprefix("Bearer ").split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return claims


def _collect_gcp(credentials: object, oauth: OAuth) -> int:
    with GcpFake(ESTATE, page_size=50) as fake:
        oauth.upstream = fake.endpoint
        result = collect_gcp(
            GcpScanOptions(
                projects=(PROJECT,),
                api_endpoint=oauth.url,
                credentials=credentials,
                retry=None,
                timeout=10.0,
            )
        )
    assert not result.gaps, result.gaps
    return len(result.records)


def test_gcp_credentials_file_is_the_one_that_reads(tmp_path: Path, oauth: OAuth) -> None:
    credentials = gcp_credentials(_key_file(tmp_path, oauth))
    assert _collect_gcp(credentials, oauth) > 0
    # the client signs its own JWT with the file's key (self-signed JWT access)
    assert oauth.bearers and {_claims(b)["iss"] for b in oauth.bearers} == {SOURCE}


def test_gcp_impersonation_acts_as_the_service_account(tmp_path: Path, oauth: OAuth) -> None:
    endpoint = f"{oauth.url}/v1/projects/-/serviceAccounts/{TARGET}:generateAccessToken"
    credentials = gcp_credentials(_key_file(tmp_path, oauth), TARGET, iam_endpoint=endpoint)
    assert _collect_gcp(credentials, oauth) > 0
    assert oauth.impersonations
    for path, auth, body in oauth.impersonations:
        assert path.endswith(f"/serviceAccounts/{TARGET}:generateAccessToken")
        assert body["scope"] == ["https://www.googleapis.com/auth/cloud-platform"]
        token = auth.removeprefix("Bearer ")
        if token.count(".") == 2:  # a self-signed JWT of the file's account
            assert _claims(token)["iss"] == SOURCE
        else:  # an access token the file's account got from its token endpoint
            assert token == "user-token" and oauth.grants
    # every Cloud Asset call carried the impersonated account's token
    assert oauth.bearers and set(oauth.bearers) == {"Bearer sa-token"}


def test_gcp_bad_credentials_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "key.json"
    bad.write_text('{"type": "nonsense"}')
    with pytest.raises(CredentialError) as err:
        gcp_credentials(bad)
    assert str(err.value) == (
        f"--credentials-file {bad}: credential type 'nonsense' is not one of "
        "service_account, authorized_user, external_account"
    )
    bad.write_text("{not json")
    with pytest.raises(CredentialError) as err:
        gcp_credentials(bad)
    assert str(err.value).startswith(f"--credentials-file {bad}: Expecting property name")


def test_azure_cli_credential_reads_the_fake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "az-calls.txt"
    az = tmp_path / "bin" / "az"
    az.parent.mkdir()
    az.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        'echo \'{"accessToken": "cli-token", "expiresOn": "2099-01-01 00:00:00.000000", '
        '"expires_on": 4070908800, "subscription": "'
        + S1
        + '", "tenant": "t", "tokenType": "Bearer"}\'\n'
    )
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{az.parent}{os.pathsep}{os.environ['PATH']}")
    credential = azure_credential("cli")
    assert type(credential).__name__ == "AzureCliCredential"
    with AzureFake(load_estate(AZURE / "estate.yaml"), page_size=50) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1,),
                base_url=fake.base_url,
                credential=credential,
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
    assert result.records and not result.gaps, result.gaps
    asked = calls.read_text()
    assert asked.startswith("account get-access-token")
    assert "management" in asked  # the Resource Manager scope


def test_azure_env_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AZURE_CLIENT_CERTIFICATE_PATH", raising=False)
    monkeypatch.delenv("AZURE_USERNAME", raising=False)
    monkeypatch.setenv("AZURE_TENANT_ID", "t")
    with pytest.raises(CredentialError) as err:
        azure_credential("env")
    assert str(err.value) == (
        "--azure-auth env: AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or "
        "AZURE_CLIENT_CERTIFICATE_PATH) not set (a service principal is read from the environment)"
    )
    monkeypatch.setenv("AZURE_CLIENT_ID", "c")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "s")
    made = azure_credential("env")
    assert type(made).__name__ == "EnvironmentCredential"
    assert type(made._credential).__name__ == "ClientSecretCredential"


# --- Azure: service principal and managed identity, tokens from the fake's Entra ----------


_OUTSIDE: list[object] | None = None
"""Addresses connected to beyond loopback while a test watches (None: not watching)."""


def _watch_connections(event: str, args: tuple[object, ...]) -> None:
    if _OUTSIDE is None or event not in ("socket.connect", "socket.getaddrinfo"):
        return
    address = args[1] if event == "socket.connect" else args
    host = address[0] if isinstance(address, tuple) else address
    if host not in ("127.0.0.1", "::1", "localhost", b"127.0.0.1"):
        _OUTSIDE.append(address)


sys.addaudithook(_watch_connections)


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch) -> Iterator[AzureFake]:
    """The Azure fake, trusted by every HTTP client (its CA), no Azure credential set;
    the test fails if anything connects beyond loopback (Microsoft's instance discovery)."""
    global _OUTSIDE
    for name in AZURE_CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    with AzureFake(load_estate(AZURE / "estate.yaml"), page_size=50) as fake:
        # the token requests go through requests' own CA bundle setting (the ARM
        # clients get the fake's CA as connection_verify)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_path)
        _OUTSIDE = []
        try:
            yield fake
            assert _OUTSIDE == [], f"connected beyond loopback: {_OUTSIDE}"
        finally:
            _OUTSIDE = None


def _collect_azure(credential: object, fake: AzureFake) -> CollectionResult:
    return collect_azure(
        AzureScanOptions(
            subscriptions=(S1,),
            base_url=fake.base_url,
            credential=credential,
            connection_verify=fake.ca_path,
            retry_total=0,
        )
    )


def _arm_bearers(fake: AzureFake, since: int = 0) -> set[str]:
    """The Authorization of every Resource Manager / Resource Graph request (from the
    ``since``-th request on)."""
    return {
        auth
        for path, auth in fake.authorizations[since:]
        if path.startswith(("/subscriptions/", "/providers/"))
    }


def test_azure_env_service_principal_reads_with_the_token_entra_granted(
    azure: AzureFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure.register_client(TENANT, CLIENT, SECRET)
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", azure.base_url)  # https://127.0.0.1:PORT
    # as `scan --azure-auth env --azure-disable-instance-discovery` packs it
    auth = CloudAuth(azure_auth="env", azure_disable_instance_discovery=True)
    decl = load_declaration(ROOT / "fixtures" / "kafka-byoc-multicloud" / "boundary.yaml")
    assert auth.problem(decl, assume_role=None) is None
    credential = auth.cloud_options(decl)["azure"]["credential"]
    assert type(credential._credential).__name__ == "ClientSecretCredential"
    result = _collect_azure(credential, azure)
    assert result.records and not result.gaps, result.gaps
    # MSAL read the tenant's OpenID configuration from the fake, not from Microsoft
    assert ("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration") in azure.requests
    grants = azure.grants
    assert grants and all(g.kind == "client_credentials" for g in grants)
    for grant in grants:
        assert grant.tenant == TENANT
        assert grant.fields["grant_type"] == "client_credentials"
        assert (grant.fields["client_id"], grant.fields["client_secret"]) == (CLIENT, SECRET)
        assert grant.fields["scope"] == "https://management.azure.com/.default"
    assert _arm_bearers(azure) <= {f"Bearer {g.token}" for g in grants}
    assert _arm_bearers(azure)


def test_azure_env_with_a_secret_entra_refuses_reads_nothing(
    azure: AzureFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure.register_client(TENANT, CLIENT, SECRET)
    for name, value in (
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("AZURE_CLIENT_SECRET", "not-the-secret"),
        ("AZURE_AUTHORITY_HOST", azure.base_url),
    ):
        monkeypatch.setenv(name, value)
    result = _collect_azure(azure_credential("env", disable_instance_discovery=True), azure)
    assert not result.records and result.gaps
    assert azure.grants and not any(g.token for g in azure.grants)
    assert not _arm_bearers(azure) - {""}  # nothing reached Resource Manager with a token


def test_azure_managed_identity_reads_with_the_app_service_token(
    azure: AzureFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = azure.managed_identity(IDENTITY_HEADER, ("", USER_ASSIGNED))
    assert endpoint.startswith("https://127.0.0.1:")
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    # system-assigned, then the user-assigned identity AZURE_CLIENT_ID names
    for client_id in ("", USER_ASSIGNED):
        if client_id:
            monkeypatch.setenv("AZURE_CLIENT_ID", client_id)
        before, requests = len(azure.grants), len(azure.authorizations)
        credential = azure_credential("managed-identity")
        assert type(credential).__name__ == "ManagedIdentityCredential"
        result = _collect_azure(credential, azure)
        assert result.records and not result.gaps, result.gaps
        grants = azure.grants[before:]
        assert grants and all(g.kind == "managed_identity" and g.token for g in grants)
        for grant in grants:
            assert grant.headers["X-IDENTITY-HEADER"] == IDENTITY_HEADER
            assert grant.fields["resource"] == "https://management.azure.com"
            assert grant.fields.get("client_id", "") == client_id
        bearers = _arm_bearers(azure, requests)
        assert bearers and bearers <= {f"Bearer {g.token}" for g in grants}


def test_azure_managed_identity_unknown_to_the_endpoint_reads_nothing(
    azure: AzureFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", azure.managed_identity(IDENTITY_HEADER, ("",)))
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    monkeypatch.setenv("AZURE_CLIENT_ID", USER_ASSIGNED)  # not assigned here
    result = _collect_azure(azure_credential("managed-identity"), azure)
    assert not result.records and result.gaps
    assert azure.grants and not any(g.token for g in azure.grants)
    assert not _arm_bearers(azure) - {""}


def test_azure_instance_discovery_switch_is_for_authority_validating_modes() -> None:
    with pytest.raises(CredentialError) as err:
        azure_credential("cli", disable_instance_discovery=True)
    assert str(err.value) == (
        "--azure-disable-instance-discovery: applies to --azure-auth env or browser, not cli "
        "(cli validates no authority)"
    )
    # DefaultAzureCredential (azure-identity 1.27) documents no disable_instance_discovery
    with pytest.raises(CredentialError) as err:
        azure_credential("default", disable_instance_discovery=True)
    assert "DefaultAzureCredential documents no such option" in str(err.value)
