"""Azure and GCP credentials chosen on the command line, through the real SDK classes
against the fake clouds: the credential the builder makes is the one that reads.

GCP: a service account key file whose token endpoint is a small OAuth
server here (it records each grant), and impersonation through the IAM Credentials
``generateAccessToken`` call on the same server. Azure: ``--azure-auth cli`` runs a
stand-in ``az`` (it records its arguments and prints a token as the Azure CLI does).
"""

from __future__ import annotations

import json
import os
import stat
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.credentials import CredentialError, azure_credential, gcp_credentials
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from tests.gcp_helpers import ESTATE, PROJECT

pytestmark = pytest.mark.e2e

AZURE = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
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
