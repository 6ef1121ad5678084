"""A fake Azure Resource Manager + Resource Graph over local HTTPS, for the real Azure SDKs.

It serves an estate file (YAML) to the real ``ResourceManagementClient`` and
``ResourceGraphClient``: resource groups per subscription (ARM list, paged with
``nextLink``) and the Resource Graph query API (paged with ``$skipToken``).
Resource Graph rows are served in the exact shape Azure returns them (every
column present, ``type`` lower-cased, ``subscriptionId`` and ``resourceGroup``
filled from the id), so an ``az graph query`` export of the same estate
(:meth:`AzureFake.export`) holds the same rows.

Only the queries the collector sends are understood:
``<table> [| where type in~ ('a', 'b')] [| order by id asc]`` for the tables
``resources``, ``authorizationresources``, ``resourcecontainers`` and
``computeresources`` (scale set instances' NICs); anything else answers 400, as Azure
answers a query it cannot parse.

Quota: :meth:`AzureFake.graph_quota` meters Resource Graph queries as Azure
does, a number of queries per time window for the (one) user: every answer
carries ``x-ms-user-quota-remaining`` and ``x-ms-user-quota-resets-after``
(``hh:mm:ss``), and a query over the quota answers 429 with ``Retry-After``
(counted in :attr:`AzureFake.throttled`).

The bearer-token policy of azure-core refuses plain http, hence TLS with a
throwaway CA from ``trustme``; clients pass ``connection_verify=ca_path``.

Tokens: :meth:`AzureFake.credential` is a static one (the fake checks none). Real
azure-identity credentials get theirs from the fake's Entra on the same server
(:mod:`auditor.fakecloud.azure_entra`: a service principal's client credentials
grant, an App Service managed identity); :attr:`AzureFake.authorizations` records the
bearer of every request, so a test can see which token read.

Faults: :meth:`AzureFake.add_fault` answers requests whose path (and, if
given, method and body substring) match with a chosen status and body, for
throttling, server errors, access denied and malformed answers.

Estate file::

    subscriptions:
      - {id: <subscription id>, tenant: <tenant id>, name: prod, denied: false}
    resource_groups:
      - {subscription: <id>, name: rg-kafka, location: westeurope, tags: {}}
    resources: [<Resource Graph rows>]
    authorizationresources: [<Resource Graph rows>]
    computeresources: [<Resource Graph rows: scale set instances' NICs>]

    diagnostic_settings: [<ARM diagnostic settings, ids under their scope>]
    disaster_recovery_configs: [<ARM Event Hubs disasterRecoveryConfigs, ids under a namespace>]
    blob_storage: [<storage accounts' blobs, see auditor.fakecloud.azure_blobs>]

``diagnostic_settings`` are served by ``GET {scope}/providers/Microsoft.Insights/
diagnosticSettings`` (a subscription or a resource), as ARM lists them: extension
resources are not Resource Graph rows. ``disaster_recovery_configs`` (Event Hubs
geo-disaster recovery aliases, ids under their namespace) are served by ``GET
{namespace}/disasterRecoveryConfigs``, as ARM lists them (Resource Graph does not).

A subscription with ``denied: true`` answers 403 to its resource group listing
and is left out of Resource Graph answers (as Azure leaves out subscriptions
the caller cannot read).
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.extras import import_extra
from auditor.fakecloud.azure_blobs import BlobStore
from auditor.fakecloud.azure_entra import MSI_PATH, Entra, Grant

TABLES = ("resources", "authorizationresources", "resourcecontainers", "computeresources")
ROW_COLUMNS = (
    "id",
    "name",
    "type",
    "tenantId",
    "kind",
    "location",
    "resourceGroup",
    "subscriptionId",
    "managedBy",
    "sku",
    "plan",
    "properties",
    "tags",
    "identity",
    "zones",
    "extendedLocation",
)
"""The columns every Resource Graph row has (null when the resource has no value)."""

_QUERY = re.compile(
    r"^(?P<table>[a-z]+)"
    r"(?:\s*\|\s*where\s+type\s+in~\s*\((?P<types>[^)]*)\))?"
    r"(?:\s*\|\s*order\s+by\s+id\s+asc)?\s*$"
)
_RG_LIST = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups$", re.IGNORECASE)
_GRAPH = re.compile(r"^/providers/microsoft\.resourcegraph/resources$", re.IGNORECASE)
_DR_CONFIGS = re.compile(
    r"^(?P<scope>/subscriptions/(?P<sub>[^/]+)/resourcegroups/[^/]+/providers/"
    r"microsoft\.eventhub/namespaces/[^/]+)/disasterrecoveryconfigs$",
    re.IGNORECASE,
)
_DIAGNOSTICS = re.compile(
    r"^(?P<scope>/subscriptions/(?P<sub>[^/]+)(?:/.+?)?)/providers/microsoft\.insights/"
    r"diagnosticsettings$",
    re.IGNORECASE,
)


class EstateError(ValueError):
    """An estate file the fake cannot serve."""


@dataclass(frozen=True, kw_only=True)
class AzureFault:
    """Answer requests matching ``path`` (a regex over the URL path) with ``status``/``body``."""

    path: str
    status: int = 500
    code: str = "InternalServerError"
    message: str = "injected fault"
    body: bytes | None = None
    """Raw body to send instead of the ARM error JSON (malformed answers)."""
    method: str = "*"
    body_contains: str = ""
    """Only requests whose body contains this text (e.g. one Resource Graph table)."""
    times: int | None = None
    """Answer this many matching requests, then let the rest through (None: all)."""

    def matches(self, method: str, path: str, body: str) -> bool:
        return (
            self.method in ("*", method)
            and re.search(self.path, path, re.IGNORECASE) is not None
            and (not self.body_contains or self.body_contains in body)
        )


@dataclass
class _State:
    subscriptions: list[dict[str, Any]]
    resource_groups: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]
    page_size: int
    diagnostic_settings: list[dict[str, Any]] = field(default_factory=list)
    disaster_recovery_configs: list[dict[str, Any]] = field(default_factory=list)
    faults: list[list[Any]] = field(default_factory=list)
    """[fault, remaining] pairs, in the order added."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    authorizations: list[tuple[str, str]] = field(default_factory=list)
    """(path, ``Authorization`` header) of every request."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    quota: tuple[int, float] | None = None
    """Resource Graph queries allowed per window of seconds (None: unmetered, no headers)."""
    window_end: float = 0.0
    used: int = 0
    throttled: int = 0
    blobs: BlobStore = field(default_factory=BlobStore)
    """The blob data plane of the estate's storage accounts (``blob_storage``)."""
    entra: Entra = field(default_factory=Entra)
    """Token service for real azure-identity credentials (see fakecloud/azure_entra.py)."""


def _duration(seconds: float) -> str:
    """``hh:mm:ss`` as Azure writes ``x-ms-user-quota-resets-after`` (whole seconds, up)."""
    whole = max(0, int(-(-seconds // 1)))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _meter(state: _State) -> tuple[bool, dict[str, str]]:
    """Count one Resource Graph query: (over the quota, the headers of its answer)."""
    if state.quota is None:
        return False, {}
    count, window = state.quota
    with state.lock:
        now = time.monotonic()
        if now >= state.window_end:
            state.window_end, state.used = now + window, 0
        state.used += 1
        left = state.window_end - now
        over = state.used > count
        if over:
            state.throttled += 1
        headers = {
            "x-ms-user-quota-remaining": str(max(0, count - state.used)),
            "x-ms-user-quota-resets-after": _duration(left),
        }
    if over:
        headers["Retry-After"] = str(max(1, int(-(-left // 1))))
    return over, headers


def _lower_id(value: str) -> str:
    return value.lower()


def _id_parts(rid: str) -> tuple[str, str]:
    """(subscription id, resource group) parsed from an Azure resource id."""
    m = re.match(r"^/subscriptions/([^/]+)(?:/resourcegroups/([^/]+))?", rid, re.IGNORECASE)
    if not m:
        return "", ""
    return m.group(1), (m.group(2) or "").lower()


def complete_row(row: Mapping[str, Any], tenants: Mapping[str, str]) -> dict[str, Any]:
    """A Resource Graph row with every column, as Azure returns it."""
    if not isinstance(row, Mapping) or not isinstance(row.get("id"), str):
        raise EstateError(f"a row needs a string 'id': {row!r:.120}")
    out: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    out.update(dict(row))
    rid = str(row["id"])
    sub, rg = _id_parts(rid)
    out["type"] = str(row.get("type") or "").lower()
    if not out["type"]:
        raise EstateError(f"row {rid} has no type")
    out["name"] = row.get("name") or rid.rstrip("/").rsplit("/", 1)[-1]
    out["subscriptionId"] = row.get("subscriptionId", sub) or ""
    out["resourceGroup"] = row.get("resourceGroup", rg) or ""
    out["tenantId"] = row.get("tenantId") or tenants.get(out["subscriptionId"], "")
    out["location"] = str(row.get("location") or "").lower()
    out["tags"] = row.get("tags") or {}
    out["properties"] = row.get("properties") or {}
    return out


def _subscription_properties(s: Mapping[str, Any]) -> dict[str, Any]:
    """A subscription's ``properties`` as ``resourcecontainers`` returns them.

    ``managementGroupAncestorsChain`` lists the groups above it, nearest first, ending at
    the tenant root group (named by the tenant id). An estate's ``management_groups``
    names the groups below the root; ``management_groups: null`` leaves the chain out,
    as an export of another query might.
    """
    out: dict[str, Any] = {"state": str(s.get("state") or "Enabled")}
    groups = s.get("management_groups", [])
    if groups is None:
        return out
    tenant = str(s.get("tenant") or "")
    chain = [{"name": str(g), "displayName": str(g)} for g in groups]
    if tenant:
        chain.append({"name": tenant, "displayName": "Tenant Root Group"})
    out["managementGroupAncestorsChain"] = chain
    return out


def _container_rows(
    subs: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    tenants = {str(s["id"]): str(s.get("tenant") or "") for s in subs}
    rows: list[dict[str, Any]] = []
    for s in subs:
        sid = str(s["id"])
        rows.append(
            complete_row(
                {
                    "id": f"/subscriptions/{sid}",
                    "name": str(s.get("name") or sid),
                    "type": "microsoft.resources/subscriptions",
                    "subscriptionId": sid,
                    "resourceGroup": "",
                    "tags": s.get("tags") or {},
                    "properties": _subscription_properties(s),
                },
                tenants,
            )
        )
    for g in groups:
        sid = str(g["subscription"])
        name = str(g["name"])
        rows.append(
            complete_row(
                {
                    "id": f"/subscriptions/{sid}/resourceGroups/{name}",
                    "name": name,
                    "type": "microsoft.resources/subscriptions/resourcegroups",
                    "location": str(g.get("location") or ""),
                    "tags": g.get("tags") or {},
                    "managedBy": g.get("managed_by"),
                    "properties": {"provisioningState": "Succeeded"},
                },
                tenants,
            )
        )
    return rows


def load_estate(path: str | Path) -> dict[str, Any]:
    """Read an estate YAML file into plain values."""
    from ruamel.yaml import YAML

    p = Path(path)
    data = YAML(typ="safe").load(p.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise EstateError(f"{p}: an Azure estate must be a mapping")
    return data


class AzureFake:
    """The fake Azure on a loopback HTTPS port (a context manager).

    ``page_size`` caps every page (resource groups and Resource Graph rows),
    so small estates still exercise paging.
    """

    def __init__(self, estate: str | Path | Mapping[str, Any], *, page_size: int = 3) -> None:
        data = dict(estate) if isinstance(estate, Mapping) else load_estate(estate)
        subs = [dict(s) for s in data.get("subscriptions") or []]
        for s in subs:
            if "id" not in s:
                raise EstateError(f"a subscription needs an 'id': {s!r:.120}")
            s["id"] = str(s["id"])
        groups = [dict(g) for g in data.get("resource_groups") or []]
        tenants = {s["id"]: str(s.get("tenant") or "") for s in subs}
        tables = {
            "resources": [complete_row(r, tenants) for r in data.get("resources") or []],
            "authorizationresources": [
                complete_row(r, tenants) for r in data.get("authorizationresources") or []
            ],
            "resourcecontainers": _container_rows(subs, groups),
            "computeresources": [
                complete_row(r, tenants) for r in data.get("computeresources") or []
            ],
        }
        for rows in tables.values():
            rows.sort(key=lambda r: str(r["id"]).lower())
        self.state = _State(
            subscriptions=subs,
            resource_groups=groups,
            tables=tables,
            page_size=page_size,
            diagnostic_settings=[dict(d) for d in data.get("diagnostic_settings") or []],
            disaster_recovery_configs=[
                dict(d) for d in data.get("disaster_recovery_configs") or []
            ],
            blobs=BlobStore.from_estate(data.get("blob_storage")),
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.base_url = ""
        self.ca_path = ""

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> AzureFake:
        import ssl

        trustme = import_extra("trustme", "fakecloud")
        self._tmp = tempfile.TemporaryDirectory(prefix="azure-fake-")
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ca_file = Path(self._tmp.name) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        self.ca_path = str(ca_file)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        handler = type("Handler", (_Handler,), {"state": self.state})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.base_url = f"https://127.0.0.1:{server.server_address[1]}"
        handler.base_url = self.base_url  # type: ignore[attr-defined]
        self.state.blobs.endpoints(self.state.tables["resources"], self.base_url)
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> AzureFake:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests use ----------------------------------------------------------------
    def credential(self) -> FakeCredential:
        """A TokenCredential the real SDK clients accept (the fake checks no token; real
        azure-identity credentials can get one from its Entra, see :meth:`register_client`)."""
        return FakeCredential()

    def register_client(self, tenant: str, client_id: str, secret: str) -> None:
        """A service principal Entra grants tokens to (client credentials)."""
        with self.state.entra.lock:
            self.state.entra.clients[(tenant, client_id)] = secret

    def managed_identity(self, header: str, client_ids: Sequence[str] = ("",)) -> str:
        """Serve App Service managed identity tokens; the ``IDENTITY_ENDPOINT`` URL.

        ``header`` is the ``IDENTITY_HEADER`` secret; ``client_ids`` the user-assigned
        identities ("" the system-assigned one)."""
        with self.state.entra.lock:
            self.state.entra.identity_header = header
            self.state.entra.identities = set(client_ids)
        return self.base_url + MSI_PATH

    @property
    def grants(self) -> list[Grant]:
        """Every token request the fake Entra answered, in order."""
        with self.state.entra.lock:
            return list(self.state.entra.grants)

    @property
    def authorizations(self) -> list[tuple[str, str]]:
        """(path, ``Authorization`` header) of every request served so far."""
        with self.state.lock:
            return list(self.state.authorizations)

    def add_fault(self, fault: AzureFault) -> None:
        with self.state.lock:
            self.state.faults.append([fault, fault.times])

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()
            self.state.quota = None
            self.state.throttled = 0

    def graph_quota(self, count: int, window: float) -> None:
        """Meter Resource Graph: ``count`` queries per ``window`` seconds, then 429."""
        with self.state.lock:
            self.state.quota = (count, window)
            self.state.window_end, self.state.used, self.state.throttled = 0.0, 0, 0

    @property
    def throttled(self) -> int:
        """Resource Graph queries answered 429 for being over the quota."""
        with self.state.lock:
            return self.state.throttled

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request served so far."""
        with self.state.lock:
            return list(self.state.requests)

    @property
    def subscription_ids(self) -> list[str]:
        return [str(s["id"]) for s in self.state.subscriptions]

    def export(self, table: str) -> dict[str, Any]:
        """What ``az graph query -q '<table>'`` prints for this estate (all rows, one page)."""
        rows = _visible(self.state, table, None)
        return {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}


class FakeCredential:
    """A static bearer token for the fake (never sent anywhere else)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("fake-azure-token", int(time.time()) + 3600)


def _visible(state: _State, table: str, subs: Sequence[str] | None) -> list[dict[str, Any]]:
    denied = {str(s["id"]) for s in state.subscriptions if s.get("denied")}
    wanted = {s.lower() for s in subs} if subs else None
    out = []
    for row in state.tables[table]:
        sub = str(row.get("subscriptionId") or "")
        if sub in denied:
            continue
        if wanted is not None and sub and sub.lower() not in wanted:
            continue
        out.append(row)
    return out


def _token(offset: int, query: str) -> str:
    raw = json.dumps({"o": offset, "q": query}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _untoken(token: str) -> tuple[int, str]:
    data = json.loads(base64.urlsafe_b64decode(token.encode()))
    return int(data["o"]), str(data["q"])


class _Handler(BaseHTTPRequestHandler):
    state: _State
    base_url: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-ms-request-id", "fake")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode())

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"error": {"code": code, "message": message}})

    def _fault(self, method: str, path: str, body: str) -> bool:
        with self.state.lock:
            self.state.requests.append((method, path))
            self.state.authorizations.append((path, str(self.headers.get("Authorization", ""))))
            chosen: AzureFault | None = None
            for pair in self.state.faults:
                fault, left = pair
                if left is not None and left <= 0:
                    continue
                if fault.matches(method, path, body):
                    chosen = fault
                    if left is not None:
                        pair[1] = left - 1
                    break
        if chosen is None:
            return False
        headers = {"Retry-After": "0"} if chosen.status == 429 else {}
        if chosen.body is not None:
            self._send(chosen.status, chosen.body, headers)
        else:
            payload = {"error": {"code": chosen.code, "message": chosen.message}}
            self._send(chosen.status, json.dumps(payload).encode(), headers)
        return True

    def _read_body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8", "replace") if length else ""

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if (
            self._fault("GET", url.path, "")
            or self.state.entra.serve(self, "GET", url, "")
            or self.state.blobs.serve(self, "GET", url)
        ):
            return
        query = urllib.parse.parse_qs(url.query)
        m = _RG_LIST.match(url.path)
        if m:
            self._resource_groups(m.group("sub"), url.path, query)
            return
        m = _DIAGNOSTICS.match(url.path)
        if m:
            self._diagnostic_settings(m.group("sub"), m.group("scope"))
            return
        m = _DR_CONFIGS.match(url.path)
        if m:
            self._dr_configs(m.group("sub"), m.group("scope"))
            return
        self._error(404, "NotFound", f"no route for GET {url.path}")

    def _dr_configs(self, sub: str, scope: str) -> None:
        """A namespace's geo-disaster recovery aliases (ARM answers them in one page)."""
        s = {str(x["id"]): x for x in self.state.subscriptions}.get(sub)
        if s is None or s.get("denied"):
            self._error(
                403,
                "AuthorizationFailed",
                "The client does not have authorization to perform action "
                f"'Microsoft.EventHub/namespaces/disasterRecoveryConfigs/read' over scope "
                f"'{scope}'.",
            )
            return
        prefix = f"{scope}/disasterrecoveryconfigs/".lower()
        value = [
            {"type": "Microsoft.EventHub/Namespaces/disasterrecoveryconfigs", **d}
            for d in self.state.disaster_recovery_configs
            if str(d.get("id") or "").lower().startswith(prefix)
        ]
        self._json(200, {"value": value})

    def _diagnostic_settings(self, sub: str, scope: str) -> None:
        """The settings whose id lies under ``scope`` (ARM answers them in one page)."""
        s = {str(x["id"]): x for x in self.state.subscriptions}.get(sub)
        if s is None:
            self._error(
                404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found."
            )
            return
        if s.get("denied"):
            self._error(
                403,
                "AuthorizationFailed",
                "The client does not have authorization to perform action "
                f"'Microsoft.Insights/diagnosticSettings/read' over scope '{scope}'.",
            )
            return
        prefix = f"{scope}/providers/microsoft.insights/diagnosticsettings/".lower()
        value = [
            {"type": "Microsoft.Insights/diagnosticSettings", **d}
            for d in self.state.diagnostic_settings
            if str(d.get("id") or "").lower().startswith(prefix)
        ]
        self._json(200, {"value": value})

    def _resource_groups(self, sub: str, path: str, query: Mapping[str, list[str]]) -> None:
        known = {str(s["id"]): s for s in self.state.subscriptions}
        s = known.get(sub)
        if s is None:
            self._error(
                404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found."
            )
            return
        if s.get("denied"):
            self._error(
                403,
                "AuthorizationFailed",
                f"The client does not have authorization to perform action "
                f"'Microsoft.Resources/subscriptions/resourcegroups/read' over scope "
                f"'/subscriptions/{sub}'.",
            )
            return
        groups = [g for g in self.state.resource_groups if str(g["subscription"]) == sub]
        groups.sort(key=lambda g: str(g["name"]).lower())
        start = int((query.get("$skiptoken") or ["0"])[0])
        page = groups[start : start + self.state.page_size]
        value = [
            {
                "id": f"/subscriptions/{sub}/resourceGroups/{g['name']}",
                "name": str(g["name"]),
                "type": "Microsoft.Resources/resourceGroups",
                "location": str(g.get("location") or ""),
                "tags": g.get("tags") or {},
                "managedBy": g.get("managed_by"),
                "properties": {"provisioningState": "Succeeded"},
            }
            for g in page
        ]
        out: dict[str, Any] = {"value": value}
        nxt = start + len(page)
        if nxt < len(groups):
            api = (query.get("api-version") or ["2024-03-01"])[0]
            out["nextLink"] = f"{self.base_url}{path}?api-version={api}&$skiptoken={nxt}"
        self._json(200, out)

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        body = self._read_body()
        if self._fault("POST", url.path, body) or self.state.entra.serve(self, "POST", url, body):
            return
        if not _GRAPH.match(url.path):
            self._error(404, "NotFound", f"no route for POST {url.path}")
            return
        over, quota = _meter(self.state)
        if over:
            payload = {"error": {"code": "RateLimiting", "message": "Please provide below info"}}
            self._send(429, json.dumps(payload).encode(), quota)
            return
        try:
            request = json.loads(body)
        except json.JSONDecodeError:
            self._error(400, "InvalidRequestContent", "request body is not JSON")
            return
        self._graph(request, quota)

    def _graph(self, request: Mapping[str, Any], quota: Mapping[str, str]) -> None:
        query = str(request.get("query") or "")
        options = request.get("options") or {}
        token = options.get("$skipToken")
        offset = 0
        if token:
            try:
                offset, token_query = _untoken(str(token))
            except (ValueError, KeyError):
                self._error(400, "InvalidSkipToken", "the skip token cannot be read")
                return
            if token_query != query:
                self._error(400, "InvalidSkipToken", "the skip token belongs to another query")
                return
        m = _QUERY.match(query.strip())
        if not m or m.group("table") not in TABLES:
            self._error(400, "BadRequest", f"Query is invalid: {query[:200]!r}")
            return
        rows = _visible(self.state, m.group("table"), request.get("subscriptions"))
        if m.group("types") is not None:
            types = {t.strip().strip("'\"").lower() for t in m.group("types").split(",")}
            rows = [r for r in rows if str(r["type"]) in types]
        top = int(options.get("$top") or self.state.page_size)
        size = max(1, min(top, self.state.page_size))
        page = rows[offset : offset + size]
        out: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(page),
            "data": page,
            "facets": [],
            "resultTruncated": "false",
        }
        if offset + len(page) < len(rows):
            out["$skipToken"] = _token(offset + len(page), query)
        self._send(200, json.dumps(out).encode(), quota)

    def do_PUT(self) -> None:
        self._refuse("PUT")

    def do_PATCH(self) -> None:
        self._refuse("PATCH")

    def do_DELETE(self) -> None:
        self._refuse("DELETE")

    def _refuse(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        self._read_body()
        if self._fault(method, url.path, ""):
            return
        self._error(405, "MethodNotAllowed", f"the fake is read-only ({method} {url.path})")
