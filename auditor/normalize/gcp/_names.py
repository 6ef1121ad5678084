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

from auditor.base.ids import GCP_ZONE, gcp_project_of, gcp_region_of, last_segment
from auditor.model import RawRecord

SOURCE = "cloudasset:ListAssets"
IAM_SOURCE = "cloudasset:ListAssets(IAM_POLICY)"

_LINK = re.compile(r"^https?://(?:www\.)?(?P<host>[a-z0-9.-]+)/(?P<rest>.*)$")
_API_VERSION = re.compile(r"^(?:[a-z]+/)?v\d[a-z0-9]*/")

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


project_of = gcp_project_of
last = last_segment
region_of = gcp_region_of


def zone_of(location: str) -> str | None:
    loc = location.lower()
    return loc if GCP_ZONE.match(loc) else None


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
