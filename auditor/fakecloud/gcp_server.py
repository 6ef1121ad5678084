"""A fake Cloud Asset Inventory API over plain HTTP, for the real google-cloud-asset client.

It serves an estate file (YAML, ``assets:`` in the API's JSON shape) on the
REST endpoints the GAPIC ``rest`` transport calls:

- ``GET /v1/{parent}/assets`` (``ListAssets``): ``contentType`` 1 (RESOURCE) or
  2 (IAM_POLICY) (enums arrive as integers), ``assetTypes`` filter (globs),
  ``pageSize``/``pageToken``;
- ``GET /v1/{scope}:searchAllResources`` and ``:searchAllIamPolicies``;
- ``POST /v2/entries:list`` (Cloud Logging, :mod:`auditor.fakecloud.gcp_logging`).

``parent``/``scope`` may be ``projects/ID``, ``projects/NUMBER``,
``folders/N`` or ``organizations/N``; an asset is in scope when its
``ancestors`` name it (a project id is mapped to its number through the
estate's ``cloudresourcemanager.googleapis.com/Project`` assets). Pages are
small (``page_size``, default 3) so every list is paged. Anything else answers
400 or 404.

Fault hooks, for tests: :meth:`GcpFake.fail` answers requests whose path
contains a string with a status and body (optionally only ``times`` times);
:meth:`GcpFake.repeat_page_token` makes a path's pages always name the same
next page token (endless pagination). Every request is recorded in
:attr:`GcpFake.requests`. :meth:`GcpFake.throttle` meters requests as a
per-consumer-project quota does (one token bucket: the fake sees one consumer):
a request finding it empty answers 429 ``RESOURCE_EXHAUSTED`` with
``Retry-After`` (counted in :attr:`GcpFake.throttled`).

Usage::

    with GcpFake("fixtures/gcp-kafka/estate.yaml") as fake:
        client = fake.client()        # a real asset_v1.AssetServiceClient
        opts = GcpScanOptions(projects=("p",), api_endpoint=fake.endpoint,
                              credentials=fake.credentials(), retry=None)
"""

from __future__ import annotations

import fnmatch
import json
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.fakecloud.gcp_logging import LoggingEntries, load_entries

CONTENT_RESOURCE = 1
CONTENT_IAM_POLICY = 2
PROJECT_TYPE = "cloudresourcemanager.googleapis.com/Project"


class EstateError(ValueError):
    """An estate file the fake cannot serve (names the file and why)."""


@dataclass
class GcpFault:
    """Answer requests whose path contains ``match`` with ``status`` and ``body``."""

    match: str
    status: int = 403
    body: str = '{"error": {"code": 403, "message": "injected", "status": "PERMISSION_DENIED"}}'
    times: int | None = None
    """How many requests to fail (None: all)."""
    content_type: str = "application/json"


def load_assets(path: str | Path) -> list[dict[str, Any]]:
    """The ``assets`` list of an estate file, checked enough to serve it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    p = Path(path)
    try:
        doc = YAML(typ="safe").load(p.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise EstateError(f"{p}: cannot read the GCP estate ({exc})") from exc
    assets = doc.get("assets") if isinstance(doc, dict) else None
    if not isinstance(assets, list):
        raise EstateError(f"{p}: a GCP estate needs a list under 'assets'")
    for i, a in enumerate(assets):
        if not isinstance(a, dict) or not a.get("name") or not a.get("assetType"):
            raise EstateError(f"{p}: assets[{i}] needs 'name' and 'assetType'")
    return [dict(a) for a in assets]


class _Estate:
    def __init__(self, assets: Sequence[Mapping[str, Any]]) -> None:
        self.assets = sorted(assets, key=lambda a: (str(a["assetType"]), str(a["name"])))
        self.numbers: dict[str, str] = {}
        for a in self.assets:
            if a["assetType"] == PROJECT_TYPE:
                data = (a.get("resource") or {}).get("data") or {}
                if data.get("projectId") and data.get("projectNumber"):
                    self.numbers[str(data["projectId"])] = str(data["projectNumber"])

    def in_scope(self, asset: Mapping[str, Any], scope: str) -> bool:
        ancestors = [str(x) for x in asset.get("ancestors") or []]
        if scope in ancestors:
            return True
        kind, _, ident = scope.partition("/")
        return kind == "projects" and f"projects/{self.numbers.get(ident, '')}" in ancestors

    def select(self, scope: str, content: int, types: Sequence[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for a in self.assets:
            if not self.in_scope(a, scope):
                continue
            if types and not any(fnmatch.fnmatchcase(str(a["assetType"]), t) for t in types):
                continue
            item = {k: v for k, v in a.items() if k not in ("resource", "iamPolicy")}
            if content == CONTENT_RESOURCE and a.get("resource") is not None:
                item["resource"] = a["resource"]
            elif content == CONTENT_IAM_POLICY and a.get("iamPolicy") is not None:
                item["iamPolicy"] = a["iamPolicy"]
            else:
                continue
            out.append(item)
        return out


def _scope_ok(scope: str) -> bool:
    kind, _, ident = scope.partition("/")
    return kind in ("projects", "folders", "organizations") and bool(ident) and "/" not in ident


class GcpFake:
    """The fake Cloud Asset API: a context manager running a server on a free port."""

    def __init__(
        self,
        estate: str | Path | Sequence[Mapping[str, Any]],
        *,
        page_size: int = 3,
        entries: Sequence[Mapping[str, Any]] = (),
    ):
        assets = load_assets(estate) if isinstance(estate, str | Path) else list(estate)
        self.estate = _Estate(assets)
        declared = load_entries(estate) if isinstance(estate, str | Path) else []
        self.logging = LoggingEntries([*declared, *entries])
        """Cloud Logging ``entries.list`` (``POST /v2/entries:list``: gcp_logging.py)."""
        self.page_size = page_size
        self.faults: list[GcpFault] = []
        self.repeating: list[str] = []
        self.requests: list[str] = []
        self.throttled = 0
        self._bucket: list[float] | None = None
        """[rate, burst, tokens, stamp] of :meth:`throttle` (None: unmetered)."""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- hooks ----------------------------------------------------------------------
    def fail(
        self,
        match: str,
        status: int = 403,
        body: str | None = None,
        *,
        times: int | None = None,
        content_type: str = "application/json",
    ) -> GcpFault:
        """Answer requests whose path contains ``match`` with ``status`` (and ``body``)."""
        fault = GcpFault(match=match, status=status, times=times, content_type=content_type)
        if body is not None:
            fault.body = body
        else:
            fault.body = json.dumps(
                {"error": {"code": status, "message": "injected fault", "status": "INJECTED"}}
            )
        with self._lock:
            self.faults.append(fault)
        return fault

    def repeat_page_token(self, match: str) -> None:
        """Pages of paths containing ``match`` always point at the same next page."""
        with self._lock:
            self.repeating.append(match)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()
            self.repeating.clear()
            self._bucket = None
            self.throttled = 0

    def throttle(self, rate: float, burst: float) -> None:
        """Answer 429 RESOURCE_EXHAUSTED above ``rate`` requests a second (``burst`` saved)."""
        with self._lock:
            self._bucket = [rate, burst, burst, time.monotonic()]
            self.throttled = 0

    def _over_quota(self) -> float | None:
        """Seconds until a token is due when the bucket is empty, else None (call locked)."""
        if self._bucket is None:
            return None
        rate, burst, tokens, stamp = self._bucket
        now = time.monotonic()
        tokens = min(burst, tokens + (now - stamp) * rate)
        if tokens < 1:
            self._bucket[2:] = [tokens, now]
            self.throttled += 1
            return (1 - tokens) / rate
        self._bucket[2:] = [tokens - 1, now]
        return None

    # --- lifecycle ------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake GCP server is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def do_PATCH(self) -> None:
                fake._handle(self)

            def do_DELETE(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GcpFake:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @staticmethod
    def credentials() -> Any:
        """Anonymous credentials (the fake checks none)."""
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()  # type: ignore[no-untyped-call]

    def client_options(self) -> Any:
        from google.api_core.client_options import ClientOptions

        return ClientOptions(api_endpoint=self.endpoint)

    def client(self) -> Any:
        """A real ``asset_v1.AssetServiceClient`` (REST transport) talking to this fake."""
        from google.cloud import asset_v1

        return asset_v1.AssetServiceClient(
            credentials=self.credentials(), transport="rest", client_options=self.client_options()
        )

    # --- serving --------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(f"{req.command} {req.path}")
            fault = next((f for f in self.faults if f.match in req.path), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            repeat = any(m in req.path for m in self.repeating)
            wait = self._over_quota() if fault is None else None
        if wait is not None:
            body = {
                "error": {
                    "code": 429,
                    "message": "Quota exceeded for quota metric 'List assets requests'",
                    "status": "RESOURCE_EXHAUSTED",
                }
            }
            req.send_response(429)
            req.send_header("Content-Type", "application/json")
            req.send_header("Retry-After", str(max(1, int(-(-wait // 1)))))
            data = json.dumps(body).encode()
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
            return
        if fault is not None:
            self._send(req, fault.status, fault.body.encode(), fault.content_type)
            return
        split = urllib.parse.urlsplit(req.path)
        query = urllib.parse.parse_qs(split.query)
        path = urllib.parse.unquote(split.path)
        if req.command == "POST" and path == "/v2/entries:list":
            length = int(req.headers.get("Content-Length") or 0)
            status, answer = self.logging.handle(req.rfile.read(length))
            self._send(req, status, answer, "application/json")
            return
        if req.command != "GET" or not path.startswith("/v1/"):
            self._error(req, 404, "NOT_FOUND", f"no such method: {req.command} {path}")
            return
        rest = path[len("/v1/") :]
        try:
            if rest.endswith("/assets"):
                scope = rest[: -len("/assets")]
                content = int(query.get("contentType", ["0"])[0])
                if content not in (CONTENT_RESOURCE, CONTENT_IAM_POLICY):
                    raise _BadRequest(f"unsupported contentType {content}")
                items = self._scoped(scope, content, query.get("assetTypes", []))
                self._page(req, query, items, "assets", repeat)
            elif rest.endswith(":searchAllResources"):
                scope = rest.rsplit(":", 1)[0]
                items = [
                    _search_resource(a)
                    for a in self._scoped(scope, CONTENT_RESOURCE, query.get("assetTypes", []))
                ]
                self._page(req, query, items, "results", repeat)
            elif rest.endswith(":searchAllIamPolicies"):
                scope = rest.rsplit(":", 1)[0]
                items = [
                    {"resource": a["name"], "assetType": a["assetType"], "policy": a["iamPolicy"]}
                    for a in self._scoped(scope, CONTENT_IAM_POLICY, query.get("assetTypes", []))
                ]
                self._page(req, query, items, "results", repeat)
            else:
                self._error(req, 404, "NOT_FOUND", f"no such method: {path}")
        except _BadRequest as exc:
            self._error(req, 400, "INVALID_ARGUMENT", str(exc))

    def _scoped(self, scope: str, content: int, types: Sequence[str]) -> list[dict[str, Any]]:
        if not _scope_ok(scope):
            raise _BadRequest(f"invalid parent {scope!r}")
        return self.estate.select(scope, content, types)

    def _page(
        self,
        req: BaseHTTPRequestHandler,
        query: Mapping[str, list[str]],
        items: list[dict[str, Any]],
        field: str,
        repeat: bool,
    ) -> None:
        try:
            size = int(query.get("pageSize", ["0"])[0]) or self.page_size
            token = query.get("pageToken", [""])[0]
            start = int(token.removeprefix("o-")) if token else 0
        except ValueError as exc:
            raise _BadRequest(f"bad page size or token ({exc})") from exc
        size = max(1, min(size, self.page_size))
        page = items[start : start + size]
        body: dict[str, Any] = {field: page}
        if repeat:
            body["nextPageToken"] = "o-0"
        elif start + size < len(items):
            body["nextPageToken"] = f"o-{start + size}"
        self._send(req, 200, json.dumps(body).encode(), "application/json")

    @staticmethod
    def _error(req: BaseHTTPRequestHandler, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": status, "message": message, "status": code}})
        GcpFake._send(req, status, body.encode(), "application/json")

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)


class _BadRequest(ValueError):
    pass


def _search_resource(asset: Mapping[str, Any]) -> dict[str, Any]:
    res = asset.get("resource") or {}
    data = res.get("data") or {}
    return {
        "name": asset["name"],
        "assetType": asset["assetType"],
        "location": res.get("location", ""),
        "displayName": str(data.get("name", "")),
        "parentFullResourceName": res.get("parent", ""),
        "additionalAttributes": data,
    }
