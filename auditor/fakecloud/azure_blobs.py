"""A fake Azure Blob Storage data plane for the real ``azure-storage-blob`` client.

Served by the fake Azure's HTTPS server (:mod:`auditor.fakecloud.azure_server`) at
``{base_url}/{account}``, path-style as the SDK addresses a loopback endpoint. It
answers two reads: List Blobs (``GET /{account}/{container}?restype=container&comp=list``
with ``prefix``, ``delimiter`` of any length, ``marker`` and ``maxresults``, in the XML
the SDK parses: ``EnumerationResults`` with ``Blob`` and ``BlobPrefix`` entries and
``NextMarker``) and Get Blob (``GET /{account}/{container}/{blob}``, honouring the
SDK's ``x-ms-range``/``Range`` with ``206`` and ``Content-Range``). A request without a
bearer token answers 401, an account declared ``denied`` 403
(``AuthorizationPermissionMismatch``), a missing container or blob 404 with the
storage error code (``ContainerNotFound``, ``BlobNotFound``) in ``x-ms-error-code``.
Anything but GET/HEAD is refused by the server (the fake is read-only).

Estate::

    blob_storage:
      - account: stflowlogsweu          # a storage account row of the same name gets
        denied: false                   # properties.primaryEndpoints.blob = this fake
        containers:
          insights-logs-flowlogflowevent:
            "<blob name>": <JSON value (served as JSON) or a string (served as is)>
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import urllib.parse
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

API_VERSION = "2025-01-05"
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


@dataclass
class BlobAccount:
    name: str
    denied: bool = False
    containers: dict[str, dict[str, bytes]] = field(default_factory=dict)


@dataclass
class BlobStore:
    """The declared blob accounts; ``serve`` answers a request addressed to one of them."""

    accounts: dict[str, BlobAccount] = field(default_factory=dict)
    page_size: int = 5000

    @classmethod
    def from_estate(cls, entries: Any, page_size: int = 5000) -> BlobStore:
        store = cls(page_size=page_size)
        for entry in entries or []:
            name = str(entry["account"]).lower()
            account = BlobAccount(name=name, denied=bool(entry.get("denied")))
            for container, blobs in (entry.get("containers") or {}).items():
                account.containers[str(container)] = {
                    str(k): _bytes(v) for k, v in (blobs or {}).items()
                }
            store.accounts[name] = account
        return store

    def endpoints(self, rows: Sequence[MutableMapping[str, Any]], base_url: str) -> None:
        """Point each declared account's Resource Graph row at this fake's blob endpoint."""
        for row in rows:
            if str(row.get("type")) != "microsoft.storage/storageaccounts":
                continue
            name = str(row.get("name") or "").lower()
            if name in self.accounts:
                props = dict(row.get("properties") or {})
                ends = dict(props.get("primaryEndpoints") or {})
                ends["blob"] = f"{base_url}/{name}/"
                props["primaryEndpoints"] = ends
                row["properties"] = props

    def serve(self, handler: Any, method: str, url: urllib.parse.SplitResult) -> bool:
        """Answer a blob request (True), or leave it to the ARM routes (False)."""
        parts = url.path.lstrip("/").split("/", 2)
        account = self.accounts.get(parts[0].lower()) if parts and parts[0] else None
        if account is None:
            return False
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        auth = str(handler.headers.get("Authorization") or "")
        if not auth.startswith("Bearer "):
            _error(handler, 401, "NoAuthenticationInformation", "no bearer token")
        elif account.denied:
            _error(
                handler,
                403,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            )
        elif len(parts) < 2 or parts[1] not in account.containers:
            _error(handler, 404, "ContainerNotFound", "The specified container does not exist.")
        elif len(parts) == 2 and query.get("comp") == "list":
            self._list(handler, account, parts[1], query)
        elif len(parts) == 3:
            name = urllib.parse.unquote(parts[2])
            data = account.containers[parts[1]].get(name)
            if data is None:
                _error(handler, 404, "BlobNotFound", "The specified blob does not exist.")
            else:
                _blob(handler, method, data)
        else:
            _error(handler, 400, "InvalidQueryParameterValue", "not a read the fake serves")
        return True

    def _list(
        self, handler: Any, account: BlobAccount, container: str, query: Mapping[str, str]
    ) -> None:
        prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
        size = min(int(query.get("maxresults") or self.page_size), self.page_size)
        entries: dict[str, bytes | None] = {}
        for name, blob in sorted(account.containers[container].items()):
            if not name.startswith(prefix):
                continue
            cut = name.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                entries.setdefault(name[: cut + len(delimiter)], None)  # a BlobPrefix
            else:
                entries[name] = blob
        names = sorted(entries)
        start = names.index(query["marker"]) if query.get("marker") in entries else 0
        page = names[start : start + size]
        more = names[start + size : start + size + 1]
        body = [
            '<?xml version="1.0" encoding="utf-8"?>',
            f'<EnumerationResults ServiceEndpoint="{escape(handler.base_url)}/{account.name}/" '
            f'ContainerName="{escape(container)}">',
            f"<Prefix>{escape(prefix)}</Prefix><MaxResults>{size}</MaxResults>",
            f"<Delimiter>{escape(delimiter)}</Delimiter><Blobs>",
        ]
        for name in page:
            data = entries[name]
            if data is None:
                body.append(f"<BlobPrefix><Name>{escape(name)}</Name></BlobPrefix>")
                continue
            body.append(
                f"<Blob><Name>{escape(name)}</Name><Properties>"
                f"<Last-Modified>{_MODIFIED}</Last-Modified><Etag>{_etag(data)}</Etag>"
                f"<Content-Length>{len(data)}</Content-Length>"
                "<Content-Type>application/json</Content-Type><BlobType>BlockBlob</BlobType>"
                "</Properties></Blob>"
            )
        body.append(f"</Blobs><NextMarker>{escape(more[0]) if more else ''}</NextMarker>")
        body.append("</EnumerationResults>")
        _send(handler, 200, "\n".join(body).encode(), {"Content-Type": "application/xml"})


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()


def _etag(data: bytes) -> str:
    return '"0x' + hashlib.sha256(data).hexdigest()[:16].upper() + '"'


def _send(handler: Any, status: int, body: bytes, headers: Mapping[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("x-ms-request-id", "fake")
    handler.send_header("x-ms-version", API_VERSION)
    for k, v in headers.items():
        handler.send_header(k, v)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def _error(handler: Any, status: int, code: str, message: str) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    ).encode()
    _send(handler, status, body, {"Content-Type": "application/xml", "x-ms-error-code": code})


def _blob(handler: Any, method: str, data: bytes) -> None:
    headers = {
        "Content-Type": "application/json",
        "ETag": _etag(data),
        "Last-Modified": _MODIFIED,
        "x-ms-blob-type": "BlockBlob",
        "Accept-Ranges": "bytes",
    }
    asked = str(handler.headers.get("x-ms-range") or handler.headers.get("Range") or "")
    m = _RANGE.match(asked)
    if not m or not data:
        _send(handler, 200, data, headers)
        return
    first = int(m.group(1))
    last = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
    if first >= len(data):
        _error(handler, 416, "InvalidRange", "The range specified is invalid.")
        return
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    _send(handler, 206, data[first : last + 1], headers)
