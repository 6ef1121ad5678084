"""Shared helpers of the Azure normalisers: ids, places, tags, region pairs.

Canonical Azure ids are the resource ids lower-cased. Principals (which have
no resource id) get ``/tenants/{tenant}/principals/{object id}``; a principal
whose tenant is not known gets the tenant ``unknown`` and no account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.base.ids import AZURE_UNKNOWN_TENANT, azure_subscription_of
from auditor.model import RawRecord

REGION_PAIRS: Mapping[str, str] = {
    "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast",
    "brazilsouth": "southcentralus",
    "canadacentral": "canadaeast",
    "canadaeast": "canadacentral",
    "centralindia": "southindia",
    "southindia": "centralindia",
    "centralus": "eastus2",
    "eastus2": "centralus",
    "eastasia": "southeastasia",
    "southeastasia": "eastasia",
    "eastus": "westus",
    "westus": "eastus",
    "francecentral": "francesouth",
    "francesouth": "francecentral",
    "germanywestcentral": "germanynorth",
    "germanynorth": "germanywestcentral",
    "japaneast": "japanwest",
    "japanwest": "japaneast",
    "koreacentral": "koreasouth",
    "koreasouth": "koreacentral",
    "northcentralus": "southcentralus",
    "southcentralus": "northcentralus",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
    "norwayeast": "norwaywest",
    "norwaywest": "norwayeast",
    "southafricanorth": "southafricawest",
    "southafricawest": "southafricanorth",
    "swedencentral": "swedensouth",
    "swedensouth": "swedencentral",
    "switzerlandnorth": "switzerlandwest",
    "switzerlandwest": "switzerlandnorth",
    "uaenorth": "uaecentral",
    "uaecentral": "uaenorth",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
    "westus2": "westcentralus",
    "westcentralus": "westus2",
    "westus3": "eastus",
}
"""Azure's region pairs: where geo-redundant storage keeps its secondary copy."""

GEO_SKUS = ("GRS", "RAGRS", "GZRS", "RAGZRS")
"""Storage replication SKUs that keep a copy in the paired (secondary) region."""

UNKNOWN_TENANT = AZURE_UNKNOWN_TENANT


def lid(value: Any) -> str:
    """An Azure resource id lower-cased (the canonical id); '' for none."""
    return str(value or "").strip().lower()


def ref_id(ref: Any) -> str | None:
    """The lower-cased id of a ``{"id": ...}`` sub-resource reference, or None."""
    if isinstance(ref, Mapping) and ref.get("id"):
        return lid(ref["id"])
    return None


def ref_ids(refs: Any) -> list[str]:
    return sorted({i for r in refs or [] if (i := ref_id(r))})


subscription_of = azure_subscription_of


def props(rec: RawRecord) -> dict[str, Any]:
    p = rec.data.get("properties")
    return dict(p) if isinstance(p, Mapping) else {}


def tags(rec: RawRecord) -> dict[str, str]:
    t = rec.data.get("tags")
    return {str(k): str(v) for k, v in t.items()} if isinstance(t, Mapping) else {}


def place(rec: RawRecord) -> dict[str, Any]:
    """The common resource fields of a row: id, cloud, account, region, name, tags, source."""
    return {
        "id": lid(rec.data["id"]),
        "cloud": "azure",
        "account": str(rec.data.get("subscriptionId") or rec.account).lower(),
        "region": str(rec.data.get("location") or "").lower() or "global",
        "name": str(rec.data.get("name") or ""),
        "tags": tags(rec),
        "source": rec.operation or "resourcegraph:resources",
    }


def principal_id(tenant: str | None, object_id: str) -> str:
    return f"/tenants/{(tenant or UNKNOWN_TENANT).lower()}/principals/{object_id.lower()}"


def port_ranges(values: Any) -> list[list[int]]:
    """NSG port specs (``'*'``, ``'9092'``, ``'9092-9094'``) as ``[from, to]`` pairs."""
    out: list[list[int]] = []
    for v in values or []:
        text = str(v).strip()
        if text in ("*", ""):
            out.append([0, 65535])
        elif "-" in text:
            lo, hi = text.split("-", 1)
            out.append([int(lo), int(hi)])
        else:
            out.append([int(text), int(text)])
    return sorted(out)


def listed(single: Any, many: Any) -> list[str]:
    """Azure's ``xPrefix`` / ``xPrefixes`` pair as one sorted list."""
    vals = [str(v) for v in many or []]
    if single not in (None, ""):
        vals.append(str(single))
    return sorted(set(vals))
