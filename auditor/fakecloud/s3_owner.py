"""S3's expected-bucket-owner check, which moto does not make, in front of the moto server.

A call naming ``x-amz-expected-bucket-owner`` on a bucket another account owns is
refused by S3 with 403 ``AccessDenied``; moto serves it. The flow record reader names the
scanned account on every call so that a log archive bucket of another account is never
read as its own: this middleware makes the fake refuse such calls as S3 does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


def _bucket(environ: dict[str, Any]) -> str:
    """The bucket a request names: its host's first label (virtual-hosted), else the path's."""
    host = str(environ.get("HTTP_HOST") or "").split(":", 1)[0]
    if host.count(".") >= 2 and not host.replace(".", "").isdigit() and ".s3" in host:
        return host.split(".s3", 1)[0]
    return str(environ.get("PATH_INFO") or "").lstrip("/").split("/", 1)[0]


def _owner(bucket: str) -> str | None:
    from moto.s3.models import s3_backends

    found = s3_backends.bucket_accounts.get(bucket)
    return str(found[1]) if found else None


def expect_owner(app: WsgiApp) -> WsgiApp:
    """``app`` refusing calls whose expected bucket owner does not own the bucket."""

    def middleware(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        expected = environ.get("HTTP_X_AMZ_EXPECTED_BUCKET_OWNER")
        if expected:
            owner = _owner(_bucket(environ))
            if owner is not None and owner != str(expected):
                start("403 Forbidden", [("Content-Type", "application/xml")])
                return [DENIED]
        return app(environ, start)

    return middleware
