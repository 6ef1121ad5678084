"""Azure storage accounts as ``bucket``: location, geo-replica, encryption, network rules.

A geo-redundant SKU (GRS, RA-GRS, GZRS, RA-GZRS) keeps a second copy in the
paired region: it becomes a ``bucket`` of its own
(``{account id}/secondary``, region = ``secondaryLocation`` or the pair) and a
``data.replicates_to`` edge, so the data-location and replication rules judge
it as they judge S3 replication. The copy is read-only (``read_only_replica``
on it, ``read_only`` on the edge): Azure writes it only from the primary, so it
is a replica location, never a second write region (until a customer-initiated
failover makes it the primary).
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import REPLICATES_TO
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import GEO_SKUS, REGION_PAIRS, place, props
from auditor.normalize.azure.monitor import immutability


def key_uri(kv: dict[str, Any]) -> str | None:
    """The Key Vault key URI (no version) a CMK configuration names."""
    vault = str(kv.get("keyvaulturi") or kv.get("keyVaultUri") or "").rstrip("/")
    name = kv.get("keyname") or kv.get("keyName")
    if not vault or not name:
        return None
    return f"{vault}/keys/{name}".lower()


def _network_rules(rules: Any) -> dict[str, Any] | None:
    """The account's firewall (``networkAcls``): default action, bypass, IP and VNet rules.

    ``None`` when the row does not carry ``networkAcls`` (unknown, never "no rules").
    """
    if not isinstance(rules, dict):
        return None
    return {
        "default_action": rules.get("defaultAction"),
        "bypass": rules.get("bypass"),
        "ip_rules": sorted(str(r.get("value")) for r in rules.get("ipRules") or []),
        "virtual_network_rules": sorted(
            str(r.get("id")).lower() for r in rules.get("virtualNetworkRules") or []
        ),
    }


def private_endpoint_connections(p: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``privateEndpointConnections``: each endpoint id, its subscription and approval state.

    ``None`` when the row does not carry the list (unknown, never "none").
    """
    conns = p.get("privateEndpointConnections")
    if not isinstance(conns, list):
        return None
    out: list[dict[str, Any]] = []
    for c in conns:
        cp = (c.get("properties") or {}) if isinstance(c, dict) else {}
        pe = str((cp.get("privateEndpoint") or {}).get("id") or "").lower()
        state = cp.get("privateLinkServiceConnectionState") or {}
        parts = pe.split("/")
        sub = parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else None
        out.append({"endpoint_id": pe or None, "subscription": sub, "status": state.get("status")})
    return sorted(out, key=lambda x: str(x["endpoint_id"]))


def _geo_secondary(
    b: Builder,
    base: dict[str, Any],
    attributes: dict[str, Any],
    secondary: str,
    replication: str,
    rule_id: str,
) -> None:
    """The geo-replicated copy of an account in its paired region, as a bucket it replicates to.

    The same account seen from its paired region: its settings are the
    primary's (Azure keeps one configuration), it replicates nowhere.
    """
    sid = f"{base['id']}/secondary"
    b.resource(
        id=sid,
        cloud="azure",
        kind=Kind.BUCKET,
        account=base["account"],
        region=secondary.lower(),
        name=f"{base['name']} (geo-secondary)",
        source=base["source"],
        attributes={
            **attributes,
            "name": f"{base['name']} (geo-secondary)",
            "geo_secondary_of": base["id"],
            "read_only_replica": True,
            "replication": {"role": None, "rules": []},
        },
    )
    b.relation(
        base["id"],
        sid,
        REPLICATES_TO,
        f"{replication} keeps a read-only copy in the paired region {secondary}",
        {"rule_id": rule_id, "rtc": False, "read_only": True},
    )


@normalizes("azure", "microsoft.storage/storageaccounts")
def storage_account(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    sku = str((rec.data.get("sku") or {}).get("name") or "")
    replication = sku.split("_", 1)[-1].upper() if "_" in sku else None
    enc = p.get("encryption") or {}
    source = str(enc.get("keySource") or "Microsoft.Storage")
    kv = enc.get("keyvaultproperties") or enc.get("keyVaultProperties") or {}
    uri = key_uri(kv) if source.lower() == "microsoft.keyvault" else None
    secondary = None
    if replication in GEO_SKUS:
        secondary = str(p.get("secondaryLocation") or REGION_PAIRS.get(base["region"]) or "")
    repl_rules = []
    if secondary:
        repl_rules.append(
            {
                "id": f"geo-replication-{replication}",
                "status": "Enabled",
                "destination_bucket": f"{base['id']}/secondary",
                "destination_account": base["account"],
                "replica_kms_key_id": uri,
                "rtc": False,
            }
        )
    attributes: dict[str, Any] = {
        "name": base["name"],
        "versioning": None,
        "encryption": {
            "algorithm": source,
            "kms_key_id": uri,
            "bucket_key": None,
            "infrastructure_encryption": enc.get("requireInfrastructureEncryption"),
        },
        "public_access_block": None,
        "policy": None,
        "policy_is_public": None,
        # Unknown (null) when the row has no SKU, or a geo SKU whose copy's region
        # cannot be told: never "replicates nowhere".
        "replication": (
            {"role": None, "rules": repl_rules}
            if sku and (replication not in GEO_SKUS or secondary)
            else None
        ),
        "logging": None,
        "object_lock": immutability(p),
        "sku": sku or None,
        "replication_sku": replication,
        "secondary_region": secondary or None,
        "public_network_access": p.get("publicNetworkAccess"),
        "allow_blob_public_access": p.get("allowBlobPublicAccess"),
        "allow_shared_key_access": p.get("allowSharedKeyAccess"),
        "network_rules": _network_rules(p.get("networkAcls")),
        "private_endpoint_connections": private_endpoint_connections(p),
        "geo_secondary_of": None,
        "read_only_replica": False,
    }
    b.resource(**base, kind=Kind.BUCKET, attributes=attributes)
    if secondary:
        _geo_secondary(b, base, attributes, secondary, str(replication), repl_rules[0]["id"])
