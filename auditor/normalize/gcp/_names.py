"""GCP names: Cloud Asset full names from API links, and what a full name says.

Canonical GCP ids are Cloud Asset full names
(``//compute.googleapis.com/projects/p/global/networks/n``). API objects link
each other by self links (``https://www.googleapis.com/compute/v1/projects/...``)
or relative names (``projects/p/locations/l/keyRings/r/cryptoKeys/k``); these
helpers turn both into full names, and read project and location back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.model import JSONValue, Kind, RawRecord, Resource

SOURCE = "cloudasset:ListAssets"
IAM_SOURCE = "cloudasset:ListAssets(IAM_POLICY)"

_LINK = re.compile(r"^https?://(?:www\.)?(?P<host>[a-z0-9.-]+)/(?P<rest>.*)$")
_API_VERSION = re.compile(r"^(?:[a-z]+/)?v\d[a-z0-9]*/")
_PROJECT = re.compile(r"(?:^|/)projects/(?P<p>[^/]+)")
_ZONE = re.compile(r"^(?P<region>[a-z]+-[a-z]+\d+)-[a-z]$")

_SERVICE_HOSTS = {
    "compute": "compute.googleapis.com",
    "storage": "storage.googleapis.com",
    "cloudkms": "cloudkms.googleapis.com",
    "container": "container.googleapis.com",
    "dns": "dns.googleapis.com",
    "iam": "iam.googleapis.com",
    "managedkafka": "managedkafka.googleapis.com",
}


def full_name(ref: object, service: str = "compute") -> str | None:
    """A self link, relative name or full name as a Cloud Asset full name (None if empty)."""
    if not isinstance(ref, str) or not ref:
        return None
    if ref.startswith("//"):
        return ref
    m = _LINK.match(ref)
    if m:
        host, rest = m.group("host"), m.group("rest")
        if host in ("www.googleapis.com", "googleapis.com"):
            svc, _, rest = rest.partition("/")
            host = _SERVICE_HOSTS.get(svc, f"{svc}.googleapis.com")
        rest = _API_VERSION.sub("", rest, count=1)
        return f"//{host}/{rest}"
    return f"//{_SERVICE_HOSTS.get(service, f'{service}.googleapis.com')}/{ref.lstrip('/')}"


def project_of(name: str) -> str:
    """The project a full name or link names ('' when none)."""
    m = _PROJECT.search(name)
    return m.group("p") if m else ""


def last(ref: object) -> str:
    return str(ref).rstrip("/").rsplit("/", 1)[-1] if ref else ""


def region_of(location: str) -> str:
    """``europe-west1`` from a zone ``europe-west1-b``; regions and multi-regions as given."""
    loc = location.lower()
    m = _ZONE.match(loc)
    return m.group("region") if m else (loc or "global")


def zone_of(location: str) -> str | None:
    loc = location.lower()
    return loc if _ZONE.match(loc) else None


def data(rec: RawRecord) -> Mapping[str, Any]:
    res: Mapping[str, Any] = rec.data.get("resource") or {}
    out: Mapping[str, Any] = res.get("data") or {}
    return out


def location(rec: RawRecord) -> str:
    res: Mapping[str, Any] = rec.data.get("resource") or {}
    return str(res.get("location") or "")


def labels(d: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (d.get("labels") or {}).items()}


def sorted_str(values: Any) -> list[str]:
    return sorted({str(v) for v in values or []})


def refs(values: Any, service: str = "compute") -> list[str]:
    return sorted({n for v in values or [] if (n := full_name(v, service))})


def gcp_stub(node_id: str) -> Resource | None:
    """A stub resource for a GCP full name that was referenced but not collected."""
    if not node_id.startswith("//"):
        return None
    kind = "unknown"
    if "/networks/" in node_id and "/peerings/" not in node_id:
        kind = Kind.NETWORK
    elif "/cryptoKeys/" in node_id:
        kind = Kind.KEY
    elif "/subnetworks/" in node_id:
        kind = Kind.SUBNET
    elif "/serviceAccounts/" in node_id:
        kind = Kind.PRINCIPAL
    elif node_id.startswith("//storage.googleapis.com/"):
        kind = Kind.BUCKET
    m = re.search(r"/(?:locations|regions|zones)/([^/]+)", node_id)
    attrs: dict[str, JSONValue] = {"stub": True}
    return Resource(
        id=node_id,
        cloud="gcp",
        kind=kind,
        account=project_of(node_id),
        region=region_of(m.group(1)) if m else "global",
        name=last(node_id),
        attributes=attrs,
    )
