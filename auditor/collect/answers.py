"""Answers that cannot be trusted: cut short, empty or garbled 2xx bodies.

botocore does not compare a body with its ``Content-Length``, reads an
unparseable JSON body as ``{"message": body}`` and an empty one as ``{}`` (an
empty listing, silently), and refuses garbled XML without a retry. The hooks
here turn such an answer into a retryable 502 whose error code is
``MalformedResponse``: the call is retried like any 5xx and, if the answer stays
bad, fails with a ClientError that the collector records as a gap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MALFORMED = "MalformedResponse"

MALFORMED_STATUS = 502
"""What a malformed 2xx answer is turned into: a retryable bad-gateway error."""

_LOCATED = frozenset({"header", "headers", "statusCode", "uri", "querystring"})


def _has_body_members(shape: Any) -> bool:
    if shape is None or shape.serialization.get("payload"):
        return False
    return any(m.serialization.get("location") not in _LOCATED for m in shape.members.values())


def malformed_reason(operation_model: Any, response_dict: Mapping[str, Any]) -> str | None:
    """Why a 2xx answer cannot be trusted (cut short, empty, garbled), or None.

    botocore does not compare a body with its Content-Length, reads an
    unparseable JSON body as ``{"message": body}`` and an empty one as ``{}``:
    an empty listing, silently. Garbled XML it refuses, but without a retry;
    the cheap start/end check here makes a cut or garbled XML answer retryable.
    """
    status = int(response_dict.get("status_code") or 0)
    if not 200 <= status < 300 or operation_model.has_streaming_output:
        return None
    body = bytes(response_dict.get("body") or b"")
    headers = {str(k).lower(): str(v) for k, v in (response_dict.get("headers") or {}).items()}
    declared = headers.get("content-length", "")
    if declared.isdigit() and "content-encoding" not in headers and len(body) < int(declared):
        return f"answer cut short: {len(body)} of {declared} bytes"
    protocol = operation_model.service_model.resolved_protocol
    if not body.strip():
        if _has_body_members(operation_model.output_shape):
            return "empty answer body"
        return None
    if protocol in ("json", "rest-json"):
        try:
            doc = json.loads(body)
        except ValueError:
            return "answer body is not JSON"
        if not isinstance(doc, dict):
            return "answer body is not a JSON object"
    elif protocol in ("query", "ec2", "rest-xml") and _has_body_members(
        operation_model.output_shape
    ):
        text = body.strip()
        if not (text.startswith(b"<") and text.endswith(b">")):  # cheap: botocore parses it
            return "answer body is not an XML document"
    return None


def _error_document(protocol: str, reason: str) -> bytes:
    """An error body in the protocol's own shape: botocore reads the code ``MalformedResponse``."""
    message = reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if protocol in ("json", "rest-json"):
        return json.dumps({"__type": MALFORMED, "code": MALFORMED, "message": reason}).encode()
    if protocol == "ec2":
        return (
            f"<Response><Errors><Error><Code>{MALFORMED}</Code><Message>{message}</Message>"
            "</Error></Errors><RequestID>auditor</RequestID></Response>"
        ).encode()
    if protocol == "rest-xml":
        return f"<Error><Code>{MALFORMED}</Code><Message>{message}</Message></Error>".encode()
    return (
        f"<ErrorResponse><Error><Type>Receiver</Type><Code>{MALFORMED}</Code>"
        f"<Message>{message}</Message></Error><RequestId>auditor</RequestId></ErrorResponse>"
    ).encode()


def refuse_malformed(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """botocore ``before-parse`` handler: a malformed 2xx answer becomes a retryable 502."""
    reason = malformed_reason(operation_model, response_dict)
    if reason is None:
        return
    name = operation_model.name
    response_dict["status_code"] = MALFORMED_STATUS
    response_dict["body"] = _error_document(
        operation_model.service_model.resolved_protocol, f"{name}: {reason}"
    )


def _sync_status(response: Any, **_: Any) -> None:
    """botocore ``needs-retry`` handler: let the retry logic see a rewritten status."""
    if response is None:
        return
    http, parsed = response
    status = parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", http.status_code)
    if http.status_code != status:
        http.status_code = status


def harden_client(client: Any) -> Any:
    """Register the hooks on one botocore client and return it."""
    client.meta.events.register("before-parse.*.*", refuse_malformed)
    retry_event = f"needs-retry.{client.meta.service_model.service_id.hyphenize()}"
    client.meta.events.register_first(retry_event, _sync_status)
    return client
