"""A fault-injecting HTTP proxy in front of the fake AWS.

Tests point ``AWS_ENDPOINT_URL`` at the proxy; it forwards every request to
moto unless a :class:`Fault` matches it. Requests are matched on what is
visible on the wire: the SigV4 credential scope (service, region), the
account behind the access key (learnt from ``AssumeRole`` answers that pass
through, or registered with :meth:`FaultProxy.learn`), and the operation
(``Action=`` for query APIs, ``X-Amz-Target`` for JSON APIs, the botocore
route table for REST APIs such as S3, Route53, EKS and MSK).

Fault kinds, each what a real endpoint or network sends:

- ``error``: an AWS-shaped error (AccessDenied, throttling, 5xx, ExpiredToken);
- ``delay``: a slow answer (``delay`` seconds before forwarding), for read timeouts;
- ``truncate``: the answer cut in half, the connection closed mid-body;
- ``malformed``: a 200 whose body is not the protocol's JSON or XML;
- ``empty``: a 200 with an empty body;
- ``repeat-token``: every page carries the same next-page token (endless pagination);
- ``cycle-token``: pages carry tokens that cycle A, B, A, B, ...
- ``drop-field``: a well-formed 200 whose objects lack a field the API always
  sends (``field``: a JSON key or XML element), an answer that parses but
  cannot be normalised;
- ``rate``: the service's own throttling, a token bucket of ``rate`` a second and
  ``burst`` saved per account (and per region, per operation when asked); a request
  finding it empty gets the error (``status``, ``code``), the others pass.

``after`` lets the first N matching requests through (credentials that expire
mid-scan); ``times`` limits the fault to N requests (a transient fault).
"""

from __future__ import annotations

import functools
import http.client
import json
import re
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

FaultKind = Literal[
    "error",
    "delay",
    "truncate",
    "malformed",
    "empty",
    "repeat-token",
    "cycle-token",
    "drop-field",
    "rate",
]


@dataclass(frozen=True, kw_only=True)
class Fault:
    """What to do to requests matching (service, operation, region, account)."""

    service: str = "*"
    """SigV4 signing name: ec2, s3, kms, iam, sts, kafka, ..."""
    operation: str = "*"
    region: str = "*"
    account: str = "*"
    kind: FaultKind = "error"
    status: int = 403
    code: str = "AccessDenied"
    message: str = "injected fault"
    delay: float = 0.0
    """Seconds to wait before answering (``delay``, or before an ``error``)."""
    after: int = 0
    """Let this many matching requests through first."""
    times: int | None = None
    """Inject into at most this many matching requests (None: all)."""
    token_key: str = "NextToken"
    """For the token kinds: the answer's next-page field (JSON key or XML element)."""
    field: str = ""
    """For ``drop-field``: the JSON key or XML element removed from the answer."""
    rate: float = 0.0
    """For ``rate``: requests a second the bucket refills."""
    burst: float = 1.0
    """For ``rate``: requests the bucket holds."""
    per_region: bool = True
    """For ``rate``: a bucket per region (False: one per account, as Route 53)."""
    per_operation: bool = False
    """For ``rate``: a bucket per operation (as EC2)."""

    def matches(self, service: str, operation: str, region: str, account: str = "") -> bool:
        return (
            self.service in ("*", service)
            and self.operation in ("*", operation)
            and self.region in ("*", region)
            and self.account in ("*", account)
        )


@dataclass
class FaultStats:
    forwarded: int = 0
    injected: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)


def _operation(headers: Any, body: bytes, path: str, service: str, method: str) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    if body and "json" not in str(headers.get("Content-Type", "")):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    if "Action" in query:
        return query["Action"][0]
    return _rest_operation(service, method, path)


@dataclass(frozen=True)
class _Route:
    name: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]
    weight: tuple[int, int]


@functools.lru_cache(maxsize=64)
def _routes(service: str) -> tuple[_Route, ...]:
    """The REST routes of a service, from botocore's own model (what the SDK sends)."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = str(http.get("requestUri", "/"))
        raw_path, _, raw_query = uri.partition("?")
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", raw_path):
            if part.startswith("{"):
                pattern += ".+" if part.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(part)
        query = tuple(
            (k, v or None) for k, _, v in (q.partition("=") for q in raw_query.split("&") if q)
        )
        literal = len(re.sub(r"\{[^}]+\}", "", raw_path))
        routes.append(
            _Route(
                name,
                str(http.get("method", "GET")),
                re.compile(f"{pattern}/?"),
                query,
                (len(query), literal),
            )
        )
    return tuple(routes)


def _rest_operation(service: str, method: str, path: str) -> str:
    parts = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    best: _Route | None = None
    for route in _routes(service):
        if route.method != method or not route.path.fullmatch(parts.path):
            continue
        if any(k not in query or (v is not None and v not in query[k]) for k, v in route.query):
            continue
        if best is None or route.weight > best.weight:
            best = route
    return best.name if best else ""


def _error_body(service: str, fault: Fault, json_protocol: bool) -> tuple[bytes, str]:
    if json_protocol:
        text = json.dumps({"__type": fault.code, "message": fault.message})
        return text.encode(), "application/x-amz-json-1.1"
    if service == "ec2":
        text = (
            f"<Response><Errors><Error><Code>{fault.code}</Code><Message>{fault.message}"
            "</Message></Error></Errors><RequestID>fault</RequestID></Response>"
        )
    elif service == "s3":
        text = f"<Error><Code>{fault.code}</Code><Message>{fault.message}</Message></Error>"
    else:
        text = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{fault.code}</Code>"
            f"<Message>{fault.message}</Message></Error><RequestId>fault</RequestId>"
            "</ErrorResponse>"
        )
    return text.encode(), "text/xml"


def _with_token(data: bytes, key: str, token: str, operation: str) -> bytes:
    """The answer with its next-page field set to ``token`` (JSON or XML)."""
    text = data.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):
        doc = json.loads(text)
        doc[key] = token
        if "Truncated" in doc or "IsTruncated" in doc:
            doc["Truncated" if "Truncated" in doc else "IsTruncated"] = True
        return json.dumps(doc).encode()
    text = re.sub(rf"<{key}>[^<]*</{key}>", "", text)
    element = f"<{key}>{token}</{key}>"
    close = f"</{operation}Result>"
    if close in text:  # query protocol: fields live in the Result element
        return text.replace(close, element + close, 1).encode()
    end = text.rstrip().rfind("</")  # ec2 protocol: fields are children of the root
    return (text[:end] + element + text[end:]).encode()


def _without_field(data: bytes, name: str) -> bytes:
    """``data`` (JSON or XML) with every ``name`` key or element removed."""

    def drop(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: drop(v) for k, v in obj.items() if k != name}
        if isinstance(obj, list):
            return [drop(v) for v in obj]
        return obj

    if data.lstrip().startswith(b"{"):
        return json.dumps(drop(json.loads(data))).encode()
    tag = re.escape(name)
    return re.sub(rf"<{tag}>[^<]*</{tag}>".encode(), b"", data)


def _request_token(path: str, body: bytes) -> str:
    """The page token a request sent (``fault-token...`` only; others are moto's)."""
    found = re.search(rb"fault-token(?:-[ab])?", body) or re.search(
        rb"fault-token(?:-[ab])?", path.encode()
    )
    return found.group(0).decode() if found else ""


_ASSUMED_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_ROLE_ACCOUNT = re.compile(r"arn:aws:iam::(\d{12}):")


class FaultProxy:
    """A loopback proxy to ``upstream`` that injects the configured faults."""

    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 80
        self.faults: list[Fault] = []
        self.stats = FaultStats()
        self._matched: Counter[int] = Counter()
        self.requests: Counter[tuple[str, str, str, str, str]] = Counter()
        """Every request received: (account, region, service, operation, what it asked).

        What it asked is the method, path and body: the same key twice is the same
        call made twice (a retry, or a repeated listing)."""
        self._accounts: dict[str, str] = {}
        self._buckets: dict[tuple[object, ...], tuple[float, float]] = {}
        """``rate`` faults' buckets: key -> (tokens, when last refilled)."""
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a read timeout, a cut answer)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy._serve(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # a scan opens many connections at once
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def inject(self, *faults: Fault) -> None:
        """Replace the active faults (and restart their ``after``/``times`` counts)."""
        with self._lock:
            self.faults = list(faults)
            self._matched.clear()
            self._buckets.clear()

    def learn(self, access_key_id: str, account: str) -> None:
        """Tell the proxy which account an access key belongs to."""
        with self._lock:
            self._accounts[access_key_id] = account

    def _pick(self, service: str, operation: str, region: str, account: str) -> Fault | None:
        with self._lock:
            for i, f in enumerate(self.faults):
                if not f.matches(service, operation, region, account):
                    continue
                if f.kind == "rate":
                    if self._take(i, f, account, region, operation):
                        continue
                    self.stats.injected += 1
                    self.stats.by_kind[f.kind] += 1
                    return f
                n = self._matched[i]
                self._matched[i] += 1
                if n < f.after or (f.times is not None and n >= f.after + f.times):
                    continue
                self.stats.injected += 1
                self.stats.by_kind[f.kind] += 1
                return f
            self.stats.forwarded += 1
            return None

    def _take(self, index: int, f: Fault, account: str, region: str, operation: str) -> bool:
        """A token from a ``rate`` fault's bucket (caller holds the lock); False: empty."""
        key = (index, account, region if f.per_region else "", operation if f.per_operation else "")
        now = time.monotonic()
        tokens, stamp = self._buckets.get(key, (f.burst, now))
        tokens = min(f.burst, tokens + (now - stamp) * f.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return True
        self._buckets[key] = (tokens, now)
        return False

    def _serve(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        auth = handler.headers.get("Authorization", "")
        m = _SCOPE.search(auth)
        key, region, service = (m.group(1), m.group(2), m.group(3)) if m else ("", "", "")
        operation = _operation(handler.headers, body, handler.path, service, handler.command)
        asked = f"{handler.command} {handler.path} {body.decode('utf-8', 'replace')}"
        with self._lock:
            account = self._accounts.get(key, "")
            self.requests[(account, region, service, operation, asked)] += 1
        fault = self._pick(service, operation, region, account)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.kind in ("error", "rate"):
            json_protocol = bool(handler.headers.get("X-Amz-Target")) or "json" in str(
                handler.headers.get("Content-Type", "")
            )
            data, ctype = _error_body(service, fault, json_protocol)
            self._answer(
                handler,
                fault.status,
                [("Content-Type", ctype), ("x-amzn-ErrorType", fault.code)],
                data,
            )
            return
        status, headers, data = self._forward(handler, body)
        if operation == "AssumeRole" and status == 200:
            self._learn_assumed(body, data)
        if fault is None or fault.kind == "delay" or not 200 <= status < 300:
            self._answer(handler, status, headers, data)
        elif fault.kind == "truncate":
            self._answer(handler, status, headers, data, cut=True)
        elif fault.kind == "malformed":
            self._answer(handler, status, headers, b"<html><body>502 upstream garbled {")
        elif fault.kind == "empty":
            self._answer(handler, status, headers, b"")
        elif fault.kind == "drop-field":
            self._answer(handler, status, headers, _without_field(data, fault.field))
        else:
            sent = _request_token(handler.path, body)
            if fault.kind == "repeat-token":
                token = "fault-token"
            else:  # a cycle of two: none -> A -> B -> A -> ...
                token = "fault-token-b" if sent == "fault-token-a" else "fault-token-a"
            data = _with_token(data, fault.token_key, token, operation)
            self._answer(handler, status, headers, data)

    def _learn_assumed(self, request: bytes, response: bytes) -> None:
        form = urllib.parse.parse_qs(request.decode("utf-8", "replace"))
        arn = (form.get("RoleArn") or [""])[0]
        m, k = _ROLE_ACCOUNT.search(arn), _ASSUMED_KEY.search(response)
        if m and k:
            self.learn(k.group(1).decode(), m.group(1))

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "connection"}
            conn.request(handler.command, handler.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        kept = [
            (k, v)
            for k, v in resp.getheaders()
            if k.lower() not in ("transfer-encoding", "connection", "content-length")
        ]
        return resp.status, kept, data

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler,
        status: int,
        headers: list[tuple[str, str]],
        data: bytes,
        *,
        cut: bool = False,
    ) -> None:
        handler.send_response(status)
        for k, v in headers:
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(data)))
        if cut:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data[: len(data) // 2] if cut else data)
