"""Azure public IP prefixes: a contiguous public range a NAT gateway (or public IPs) draws from.

A NAT gateway may leave from a prefix instead of (or besides) single public IPs; its
range must be known to place traffic leaving through it (:mod:`auditor.analysis.
movement_places_azure`). Normalised as a ``public_ip`` whose ``prefix`` is the range
(``public_ip`` null), used by the NAT gateway it names.
"""

from __future__ import annotations

from auditor.base.edges import HAS_PUBLIC_IP
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import place, props, ref_id


@normalizes("azure", "microsoft.network/publicipprefixes")
def public_ip_prefix(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    nat = ref_id(p.get("natGateway"))
    sku = rec.data.get("sku") or {}
    b.resource(
        **base,
        kind=Kind.PUBLIC_IP,
        attributes={
            "public_ip": None,
            "prefix": p.get("ipPrefix"),
            "allocation_id": base["id"],
            "association": {"resource_id": nat, "ip_configuration": None} if nat else None,
            "sku": sku.get("name") if isinstance(sku, dict) else None,
            "allocation_method": None,
            "fqdn": None,
        },
    )
    if nat:
        b.relation(nat, base["id"], HAS_PUBLIC_IP, "NAT gateway public IP prefix")
