"""Event Hubs namespaces as ``kafka_cluster`` (Azure runs the brokers; Kafka on port 9093).

``cluster_type`` is ``SERVERLESS``: capacity is throughput or processing units
that Azure scales, not brokers the customer counts. The network rule set
(``Microsoft.EventHub/namespaces/networkRuleSets``, always named ``default``)
is read from the namespace row when it carries it inline (``networkRuleSet`` or
``networkRuleSets``), or from its own row, which merges into the namespace; when
neither is present the rule set is unknown (null) and only the namespace's own
``publicNetworkAccess`` is known.
"""

from __future__ import annotations

from typing import Any

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import place, props

KAFKA_PORT = 9093
"""The one port Event Hubs serves the Kafka protocol on."""


def rule_set(rules: Any) -> dict[str, Any] | None:
    """A network rule set's properties as ``network_rules`` (``None`` when not a rule set).

    Accepts the properties themselves, a resource wrapping them in ``properties``,
    or a one-element list of either (some exports list the ``default`` rule set).
    """
    if isinstance(rules, list):
        rules = rules[0] if len(rules) == 1 else None
    if not isinstance(rules, dict):
        return None
    if isinstance(rules.get("properties"), dict):
        rules = rules["properties"]
    if not any(
        k in rules
        for k in ("defaultAction", "ipRules", "virtualNetworkRules", "publicNetworkAccess")
    ):
        return None
    return {
        "default_action": rules.get("defaultAction"),
        "ip_rules": sorted(
            str(r.get("ipMask"))
            for r in rules.get("ipRules") or []
            if str(r.get("action") or "Allow").lower() == "allow"
        ),
        "virtual_network_rules": sorted(
            str((r.get("subnet") or {}).get("id") or "").lower()
            for r in rules.get("virtualNetworkRules") or []
        ),
        "trusted_service_access": rules.get("trustedServiceAccessEnabled"),
        "public_network_access": rules.get("publicNetworkAccess"),
    }


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
    network_rules = rule_set(p.get("networkRuleSet") or p.get("networkRuleSets"))
    public = str(p.get("publicNetworkAccess") or "Enabled")
    attributes: dict[str, Any] = {
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
        "minimum_tls_version": p.get("minimumTlsVersion"),
        "local_auth_disabled": p.get("disableLocalAuth"),
        "zone_redundant": p.get("zoneRedundant"),
        "storage_gib_per_broker": None,
    }
    if network_rules is not None:
        # Only when known: a rule set row of its own merges in without being overwritten.
        attributes["network_rules"] = network_rules
    b.resource(**base, kind=Kind.KAFKA_CLUSTER, attributes=attributes)


@normalizes("azure", "microsoft.eventhub/namespaces/networkrulesets")
def event_hubs_rule_set(rec: RawRecord, b: Builder) -> None:
    """The namespace's ``default`` network rule set, merged into the namespace."""
    base = place(rec)
    namespace = base["id"].split("/networkrulesets/", 1)[0]
    rules = rule_set(props(rec)) or {
        "default_action": None,
        "ip_rules": [],
        "virtual_network_rules": [],
        "trusted_service_access": None,
        "public_network_access": None,
    }
    b.resource(
        id=namespace,
        cloud="azure",
        kind=Kind.KAFKA_CLUSTER,
        account=base["account"],
        region="",  # the namespace row's region wins (a rule set row may have none)
        source=base["source"],
        attributes={"network_rules": rules},
    )
