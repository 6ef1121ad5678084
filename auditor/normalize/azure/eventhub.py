"""Event Hubs namespaces as ``kafka_cluster`` (Azure runs the brokers; Kafka on port 9093).

``cluster_type`` is ``SERVERLESS``: capacity is throughput or processing units
that Azure scales, not brokers the customer counts. Network rules are read
from ``properties.networkRuleSet`` when the row carries it, else they are
unknown (null).
"""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import place, props

KAFKA_PORT = 9093
"""The one port Event Hubs serves the Kafka protocol on."""


@normalizes("azure", "microsoft.eventhub/namespaces")
def event_hubs_namespace(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    sku = rec.data.get("sku") or {}
    enc = p.get("encryption") or {}
    kv = (enc.get("keyVaultProperties") or [None])[0] or {}
    key = None
    if str(enc.get("keySource") or "").lower() == "microsoft.keyvault" and kv.get("keyName"):
        key = f"{str(kv.get('keyVaultUri') or '').rstrip('/')}/keys/{kv['keyName']}".lower()
    rules = p.get("networkRuleSet")
    network_rules = None
    if isinstance(rules, dict):
        network_rules = {
            "default_action": rules.get("defaultAction"),
            "ip_rules": sorted(str(r.get("ipMask")) for r in rules.get("ipRules") or []),
            "virtual_network_rules": sorted(
                str((r.get("subnet") or {}).get("id") or "").lower()
                for r in rules.get("virtualNetworkRules") or []
            ),
            "trusted_service_access": rules.get("trustedServiceAccessEnabled"),
            "public_network_access": rules.get("publicNetworkAccess"),
        }
    public = str(p.get("publicNetworkAccess") or "Enabled")
    b.resource(
        **base,
        kind=Kind.KAFKA_CLUSTER,
        attributes={
            "cluster_name": base["name"],
            "cluster_type": "SERVERLESS",
            "managed_service": "event-hubs",
            "state": str(p.get("status") or "").upper() or None,
            "broker_count": None,
            "instance_type": sku.get("name") if isinstance(sku, dict) else None,
            "throughput_units": sku.get("capacity") if isinstance(sku, dict) else None,
            "subnet_ids": [],
            "security_group_ids": [],
            "kafka_version": None,
            "kafka_enabled": p.get("kafkaEnabled"),
            "kafka_port": KAFKA_PORT,
            "encryption_at_rest_kms_key": key,
            "in_transit": {"client_broker": "TLS", "in_cluster": True},
            "public_access": "DISABLED" if public.lower() == "disabled" else "ENABLED",
            "public_network_access": public,
            "network_rules": network_rules,
            "minimum_tls_version": p.get("minimumTlsVersion"),
            "local_auth_disabled": p.get("disableLocalAuth"),
            "zone_redundant": p.get("zoneRedundant"),
            "storage_gib_per_broker": None,
        },
    )
