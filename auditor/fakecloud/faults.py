"""A fault-injecting HTTP proxy in front of the fake AWS.

Tests point ``AWS_ENDPOINT_URL`` at the proxy; it forwards every request to
moto unless a :class:`Fault` matches it, in which case it answers with the
error a real AWS endpoint would send (AccessDenied, throttling, 5xx, a
disabled region). Requests are matched on what is visible on the wire: the
SigV4 credential scope (service, region), the access key's account, and the
operation (``Action=`` for query APIs, ``X-Amz-Target`` for JSON APIs).
"""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True, kw_only=True)
class Fault:
    """Answer matching requests with ``status`` and an AWS-shaped ``code``."""

    service: str = "*"
    """SigV4 signing name: ec2, s3, kms, iam, sts, kafka, ..."""
    operation: str = "*"
    region: str = "*"
    status: int = 403
    code: str = "AccessDenied"
    message: str = "injected fault"

    def matches(self, service: str, operation: str, region: str) -> bool:
        return (
            self.service in ("*", service)
            and self.operation in ("*", operation)
            and self.region in ("*", region)
        )


@dataclass
class FaultStats:
    forwarded: int = 0
    injected: int = 0


def _operation(headers: Any, body: bytes, path: str) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    if body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    if "Action" in query:
        return query["Action"][0]
    return ""


def _error_body(service: str, fault: Fault, json_protocol: bool) -> tuple[bytes, str]:
    if json_protocol:
        text = f'{{"__type": "{fault.code}", "message": "{fault.message}"}}'
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


class FaultProxy:
    """A loopback proxy to ``upstream`` that injects the configured faults."""

    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 80
        self.faults: list[Fault] = []
        self.stats = FaultStats()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy._serve(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults = list(faults)

    def _serve(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        auth = handler.headers.get("Authorization", "")
        m = _SCOPE.search(auth)
        region, service = (m.group(2), m.group(3)) if m else ("", "")
        operation = _operation(handler.headers, body, handler.path)
        with self._lock:
            fault = next((f for f in self.faults if f.matches(service, operation, region)), None)
        if fault is not None:
            with self._lock:
                self.stats.injected += 1
            json_protocol = bool(handler.headers.get("X-Amz-Target")) or "json" in str(
                handler.headers.get("Content-Type", "")
            )
            data, ctype = _error_body(service, fault, json_protocol)
            handler.send_response(fault.status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("x-amzn-ErrorType", fault.code)
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(data)
            return
        with self._lock:
            self.stats.forwarded += 1
        conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "connection"}
            conn.request(handler.command, handler.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        handler.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)
