"""The Azure read-only guard: a pipeline policy refusing anything but reads.

Attached to every Azure client the collectors build (``per_call_policies``),
it runs before authentication and before the request leaves the process. It
lets GET and HEAD through, and POST only to the Resource Graph query path
(a query reads; Azure models it as a POST). Anything else raises
:class:`~auditor.collect.readonly.MutatingCallRefused`.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

from auditor.collect.readonly import MutatingCallRefused

READ_METHODS = frozenset({"GET", "HEAD"})
QUERY_PATH = re.compile(r"^/providers/microsoft\.resourcegraph/resources$", re.IGNORECASE)
"""The one POST that only reads: a Resource Graph query."""


def is_read_request(method: str, url: str) -> bool:
    """Whether an HTTP request to Azure Resource Manager only reads."""
    verb = method.upper()
    if verb in READ_METHODS:
        return True
    path = urllib.parse.urlsplit(url).path
    return verb == "POST" and QUERY_PATH.match(path) is not None


class ReadOnlyPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuse a non-read request before it is signed or sent."""

    def on_request(self, request: Any) -> None:
        http = request.http_request
        if not is_read_request(http.method, http.url):
            path = urllib.parse.urlsplit(http.url).path
            raise MutatingCallRefused(f"refused non-read Azure call {http.method} {path}")
