"""Reserved external IP addresses (``compute.googleapis.com/Address``, ``GlobalAddress``).

A Cloud NAT with manually allocated addresses names them (``natIps``) by their
resource name only; the address itself is in the Address resource. Each EXTERNAL
address becomes a ``public_ip`` (the first of its ``users``, the forwarding rules,
instances or routers holding it, as its ``association``), so the observed-flow rules
can place a flow from it (:mod:`auditor.analysis.movement_places_gcp`). INTERNAL
addresses lie in their subnetwork's range, which places them already.
"""

from __future__ import annotations

from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import SOURCE, data, labels, last, location, refs, region_of


@normalizes("gcp", "compute.googleapis.com/Address")
@normalizes("gcp", "compute.googleapis.com/GlobalAddress")
def address(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    if str(d.get("addressType") or "EXTERNAL") != "EXTERNAL" or not d.get("address"):
        return
    aid = str(rec.data["name"])
    users = refs(d.get("users"))
    region = last(d.get("region"))
    association: JSONValue = {"resource_id": users[0]} if users else None
    out.resource(
        id=aid,
        cloud="gcp",
        kind=Kind.PUBLIC_IP,
        account=rec.account,
        region=region_of(region) if region else (location(rec) or "global"),
        name=str(d.get("name") or last(aid)),
        tags=labels(d),
        attributes={
            "public_ip": str(d["address"]),
            "association": association,
        },
        source=SOURCE,
    )
