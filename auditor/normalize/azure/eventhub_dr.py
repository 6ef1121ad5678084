"""Event Hubs geo-disaster recovery aliases as ``kafka_replication`` resources.

A Geo-DR alias pairs a primary namespace with a partner (secondary) namespace
and replicates metadata only (event hubs, consumer groups, settings): neither
records nor consumer offsets, so its one flow has ``data`` and ``offset_sync``
false. The flow runs from the primary to the partner (for a ``Secondary`` alias,
from the partner to this namespace); the partner's region is not in the answer
and stays null. ``state`` is the alias's ``provisioningState``.
"""

from __future__ import annotations

from auditor.base.edges import REPLICATES_FROM, REPLICATES_INTO
from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props


@normalizes("azure", "microsoft.eventhub/namespaces/disasterrecoveryconfigs")
def geo_dr_alias(rec: RawRecord, out: Builder) -> None:
    p = props(rec)
    base = place(rec)
    namespace = lid(rec.data.get("namespaceId")) or base["id"].split("/disasterrecoveryconfigs/")[0]
    partner = lid(p.get("partnerNamespace")) or None
    role = p.get("role")
    here = base["region"]
    secondary = str(role or "").lower() == "secondary"
    flow: dict[str, JSONValue] = {
        "source_cluster": partner if secondary else namespace,
        "target_cluster": namespace if secondary else partner,
        "source_bootstrap": None,
        "target_bootstrap": None,
        "source_region": None if secondary else here,
        "target_region": here if secondary else None,
        "topics": [],
        "topics_excluded": [],
        "consumer_groups": [],
        "offset_sync": False,
        "data": False,
    }
    out.resource(
        **base,
        kind=KAFKA_REPLICATION,
        attributes={
            "service": "eventhubs-geo-dr",
            "name": base["name"],
            "state": p.get("provisioningState"),
            "flows": [flow] if partner else [],
            "role": role,
            "partner": partner,
            "namespace": namespace,
        },
    )
    name = base["name"]
    if flow["source_cluster"]:
        out.relation(
            base["id"],
            str(flow["source_cluster"]),
            REPLICATES_FROM,
            f"Geo-DR alias {name} copies its metadata",
        )
    if flow["target_cluster"]:
        out.relation(
            base["id"],
            str(flow["target_cluster"]),
            REPLICATES_INTO,
            f"Geo-DR alias {name} copies metadata into it",
        )
