"""Key vaults (``key_vault``) and their keys (``key``, customer managed by definition)."""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import place, props


@normalizes("azure", "microsoft.keyvault/vaults")
def key_vault(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    acls = p.get("networkAcls") or {}
    b.resource(
        **base,
        kind="key_vault",
        attributes={
            "vault_uri": str(p.get("vaultUri") or "").rstrip("/").lower() or None,
            "tenant_id": str(p.get("tenantId") or "").lower() or None,
            "rbac_authorization": p.get("enableRbacAuthorization"),
            "soft_delete": p.get("enableSoftDelete"),
            "purge_protection": p.get("enablePurgeProtection"),
            "public_network_access": p.get("publicNetworkAccess"),
            "network_default_action": acls.get("defaultAction"),
            "access_policy_object_ids": sorted(
                str(a.get("objectId")).lower() for a in p.get("accessPolicies") or []
            ),
        },
    )


@normalizes("azure", "microsoft.keyvault/vaults/keys")
def key(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    rotation = p.get("rotationPolicy") or {}
    rotates = any(
        str((a.get("action") or {}).get("type") or "").lower() == "rotate"
        for a in rotation.get("lifetimeActions") or []
    )
    vault = base["id"].split("/keys/", 1)[0]
    b.resource(
        **base,
        kind=Kind.KEY,
        attributes={
            "key_id": base["id"],
            "key_uri": str(p.get("keyUri") or "").rstrip("/").lower() or None,
            "key_manager": "CUSTOMER",
            "key_state": "Enabled"
            if (p.get("attributes") or {}).get("enabled", True)
            else "Disabled",
            "key_usage": ",".join(sorted(str(o) for o in p.get("keyOps") or [])) or None,
            "key_type": p.get("kty"),
            "multi_region": False,
            "multi_region_type": None,
            "primary_key_arn": None,
            "replica_key_arns": [],
            "rotation_enabled": rotates if rotation else None,
            "policy": None,
            "aliases": [],
            "vault_id": vault,
        },
    )
