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


_GCP_MEMBERS = frozenset({"serviceAccount", "user", "group"})
_GCP_SA_DOMAIN = ".iam.gserviceaccount.com"
_GCP_LOCATION = re.compile(r"/(?:locations|regions|zones)/(?P<loc>[^/]+)")


def locate_id(resource_id: str) -> tuple[str, str, str]:
    """``(cloud, account, region)`` an id names by its grammar alone ('' where it names none).

    Reads scope ids (``scope:aws/111/us-east-1``), AWS ARNs, Azure ids, GCP full
    names and IAM members (a service account's project is its email's); ``*`` in a
    scope id and a global region read as ''. For ids of resources that were not
    collected, where no inventory row says where they are.
    """
    if resource_id.startswith("scope:"):
        cloud, _, rest = resource_id.removeprefix("scope:").partition("/")
        account, _, region = rest.partition("/")
        return cloud, account.strip("*"), region.strip("*")
    if resource_id.startswith("arn:"):
        parts = resource_id.split(":", 5)
        if len(parts) >= 5:
            return "aws", parts[4], parts[3]
        return "aws", "", ""
    if resource_id.lower().startswith("/subscriptions/"):
        return "azure", azure_subscription_of(resource_id), ""
    member, _, email = resource_id.partition(":")
    if member in _GCP_MEMBERS and "@" in email:  # serviceAccount:sa@p.iam.gserviceaccount.com
        domain = email.rsplit("@", 1)[1]
        project = domain.split(".", 1)[0] if domain.endswith(_GCP_SA_DOMAIN) else ""
        return "gcp", project, ""
    if resource_id.startswith("//") and ".googleapis.com/" in resource_id:
        m = _GCP_LOCATION.search(resource_id)
        region = gcp_region_of(m.group("loc")) if m else ""
        project = gcp_project_of(resource_id)  # a bucket's full name says projects/_
        return "gcp", "" if project == "_" else project, "" if region == "global" else region
    return "", "", ""
