"""Azure requests paced by their quotas: an azure-core policy around every attempt.

Resource Graph queries draw from one bucket per scan (its quota is per user;
a scan is one user), and every answer's ``x-ms-user-quota-remaining`` and
``x-ms-user-quota-resets-after`` hold the bucket when the quota is spent. ARM
reads draw from a bucket per subscription. A 429 halves the bucket and holds it
for its ``Retry-After`` (the SDK's retry policy then sends the request again,
through this policy). See :mod:`auditor.collect.pacing`.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from azure.core.pipeline.policies import HTTPPolicy

from auditor.collect.pacing import QuotaPacer

GRAPH = "azure-resource-graph"
ARM = "azure-arm-reads"
_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_GRAPH_PATH = re.compile(r"^/providers/microsoft\.resourcegraph/", re.IGNORECASE)


def meter_of(url: str) -> tuple[str, str]:
    """(pace name, meter key) of a request: the graph per scan, ARM per subscription."""
    path = urllib.parse.urlsplit(url).path
    if _GRAPH_PATH.match(path):
        return GRAPH, "user"
    m = _SUBSCRIPTION.match(path)
    return ARM, (m.group(1).lower() if m else "tenant")


class PacingPolicy(HTTPPolicy[Any, Any]):
    """Wait for the request's bucket before each attempt; learn from each answer."""

    def __init__(self, pacer: QuotaPacer) -> None:
        super().__init__()
        self._pacer = pacer

    def send(self, request: Any) -> Any:
        pace, key = meter_of(request.http_request.url)
        self._pacer.before(pace, key)
        status = 0
        headers: Any = {}
        try:
            response = self.next.send(request)
            status = int(response.http_response.status_code)
            headers = response.http_response.headers
            return response
        finally:  # a transport error still ends the request in flight
            self._pacer.after(
                pace,
                key,
                status=status,
                retry_after=headers.get("Retry-After"),
                quota_remaining=headers.get("x-ms-user-quota-remaining"),
                quota_resets_after=headers.get("x-ms-user-quota-resets-after"),
            )
