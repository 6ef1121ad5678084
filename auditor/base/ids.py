"""Resource id grammar the normalisers write and the graph parses back.

Normalisers build Azure and GCP ids; the graph reads the subscription,
project and region out of ids it never collected (stub nodes). Both use these
helpers, so the grammar is written once, below both layers.
"""

from __future__ import annotations

import re

AZURE_UNKNOWN_TENANT = "unknown"
"""The tenant segment of an Azure principal id whose tenant is not known."""

_AZURE_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_GCP_PROJECT = re.compile(r"(?:^|/)projects/(?P<p>[^/]+)")
GCP_ZONE = re.compile(r"^(?P<region>[a-z]+-[a-z]+\d+)-[a-z]$")
"""A GCP zone name (``europe-west1-b``); ``region`` is its region."""


def azure_subscription_of(resource_id: str) -> str:
    """The lower-cased subscription an Azure id names ('' when none)."""
    m = _AZURE_SUBSCRIPTION.match(resource_id)
    return m.group(1).lower() if m else ""


def gcp_project_of(name: str) -> str:
    """The project a GCP full name or link names ('' when none)."""
    m = _GCP_PROJECT.search(name)
    return m.group("p") if m else ""


def gcp_region_of(location: str) -> str:
    """``europe-west1`` from a zone ``europe-west1-b``; regions and multi-regions as given."""
    loc = location.lower()
    m = GCP_ZONE.match(loc)
    return m.group("region") if m else (loc or "global")


def last_segment(ref: object) -> str:
    """The last ``/``-separated part of an id or link ('' for none)."""
    return str(ref).rstrip("/").rsplit("/", 1)[-1] if ref else ""
