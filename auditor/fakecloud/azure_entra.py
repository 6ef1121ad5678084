"""A fake Microsoft Entra ID token service on AzureFake's TLS server, for azure-identity.

Two ways a real credential gets its token here:

- A service principal (``EnvironmentCredential``, a ``ClientSecretCredential`` inside):
  MSAL reads ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and posts the
  client credentials grant to ``POST /{tenant}/oauth2/v2.0/token``. The credential
  reaches it with ``AZURE_AUTHORITY_HOST`` set to the fake's URL, the fake's CA trusted
  (``REQUESTS_CA_BUNDLE``) and instance discovery (which asks login.microsoftonline.com
  about the authority) switched off.
- An App Service managed identity (``ManagedIdentityCredential`` with
  ``IDENTITY_ENDPOINT`` and ``IDENTITY_HEADER``): ``GET /msi/token?api-version=
  2019-08-01&resource=...[&client_id=...]`` carrying ``X-IDENTITY-HEADER``.

Only registered clients (tenant, id, secret) and identities get a token; others are
refused as Entra refuses them (``invalid_client``, ``unauthorized_client``). Every
request is recorded as a :class:`Grant` holding the token given, so a test can tie
the bearer the ARM routes saw (:attr:`AzureFake.authorizations`) to one grant.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CONFIG = re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")
_TOKEN = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
MSI_PATH = "/msi/token"
"""The App Service identity endpoint's path (``IDENTITY_ENDPOINT`` is base URL + this)."""


@dataclass(frozen=True, kw_only=True)
class Grant:
    """One token request: its kind, tenant, what it sent, and the token given ("" if none)."""

    kind: str
    """``client_credentials`` or ``managed_identity``."""
    tenant: str
    fields: Mapping[str, str]
    """The form fields (client credentials) or query parameters (managed identity)."""
    headers: Mapping[str, str]
    token: str


@dataclass
class Entra:
    """Registered service principals and managed identities, and the grants asked for."""

    clients: dict[tuple[str, str], str] = field(default_factory=dict)
    """(tenant, client id) -> client secret."""
    identity_header: str = ""
    """The App Service ``X-IDENTITY-HEADER`` value ("" : no managed identity here)."""
    identities: set[str] = field(default_factory=set)
    """Client ids of the user-assigned identities; "" is the system-assigned one."""
    grants: list[Grant] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, handler: Any, method: str, url: urllib.parse.SplitResult, body: str) -> bool:
        """Answer an Entra or managed identity request (True), or leave it (False)."""
        config = _CONFIG.match(url.path)
        token = _TOKEN.match(url.path)
        if method == "GET" and config:
            self._configuration(handler, config.group("tenant"))
        elif method == "POST" and token:
            self._client_credentials(handler, token.group("tenant"), body)
        elif method == "GET" and url.path == MSI_PATH:
            self._managed_identity(handler, url.query)
        else:
            return False
        return True

    def _configuration(self, handler: Any, tenant: str) -> None:
        base = f"{handler.base_url}/{tenant}"
        _reply(
            handler,
            200,
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "response_types_supported": ["code", "id_token", "token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "tenant_region_scope": "EU",
            },
        )

    def _client_credentials(self, handler: Any, tenant: str, body: str) -> None:
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(body).items()}
        client = form.get("client_id", "")
        known = self.clients.get((tenant, client))
        ok = (
            form.get("grant_type") == "client_credentials"
            and known is not None
            and secrets.compare_digest(known, form.get("client_secret", ""))
        )
        token = _new_token() if ok else ""
        self._record("client_credentials", tenant, form, handler, token)
        if not ok:
            _reply(
                handler,
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
            )
            return
        _reply(
            handler,
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )

    def _managed_identity(self, handler: Any, query: str) -> None:
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        header = str(handler.headers.get("X-IDENTITY-HEADER") or "")
        ok = (
            bool(self.identity_header)
            and secrets.compare_digest(self.identity_header, header)
            and params.get("api-version") == "2019-08-01"
            and bool(params.get("resource"))
            and params.get("client_id", "") in self.identities
        )
        token = _new_token() if ok else ""
        self._record("managed_identity", "", params, handler, token)
        if not ok:
            _reply(handler, 400, {"statusCode": 400, "message": "unauthorized_client"})
            return
        _reply(
            handler,
            200,
            {
                "access_token": token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": params["resource"],
                "token_type": "Bearer",
                "client_id": params.get("client_id", "system-assigned"),
            },
        )

    def _record(
        self, kind: str, tenant: str, fields: Mapping[str, str], handler: Any, token: str
    ) -> None:
        headers = {k: str(v) for k, v in handler.headers.items()}
        with self.lock:
            self.grants.append(
                Grant(kind=kind, tenant=tenant, fields=dict(fields), headers=headers, token=token)
            )


def _new_token() -> str:
    return f"entra-{secrets.token_urlsafe(24)}"


def _reply(handler: Any, status: int, value: Mapping[str, Any]) -> None:
    body = json.dumps(value).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
