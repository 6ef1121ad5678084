"""Azure compute: VMs (``instance``), VM scale sets (``scaling_group``), AKS (``k8s_cluster``)."""

from __future__ import annotations

from typing import Any

from auditor.base.edges import MEMBER_OF, SCALES
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props, ref_id, ref_ids
from auditor.normalize.azure.network import vnet_of_subnet


def _identities(rec: RawRecord) -> list[str]:
    ident = rec.data.get("identity")
    if not isinstance(ident, dict):
        return []
    return sorted(lid(k) for k in (ident.get("userAssignedIdentities") or {}))


def _power_state(p: dict[str, Any]) -> str | None:
    view = (p.get("extended") or {}).get("instanceView") or {}
    code = (view.get("powerState") or {}).get("code")
    return str(code).split("/", 1)[-1].lower() if code else None


@normalizes("azure", "microsoft.compute/virtualmachines")
def virtual_machine(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    nics = ref_ids((p.get("networkProfile") or {}).get("networkInterfaces"))
    zones = rec.data.get("zones") or []
    vmss = ref_id(p.get("virtualMachineScaleSet"))
    b.resource(
        **base,
        kind=Kind.INSTANCE,
        attributes={
            "instance_id": base["id"],
            "state": _power_state(p),
            "instance_type": (p.get("hardwareProfile") or {}).get("vmSize"),
            "vpc_id": None,
            "subnet_id": None,
            "private_ip": None,
            "public_ip": None,
            "security_group_ids": None,
            "interface_ids": nics,
            "iam_instance_profile": None,
            "identity_ids": _identities(rec),
            "az": str(zones[0]) if zones else None,
            "asg_name": None,
            "scale_set_id": vmss,
        },
    )
    if vmss:
        b.relation(vmss, base["id"], SCALES, "VM is an instance of the scale set")


@normalizes("azure", "microsoft.compute/virtualmachinescalesets")
def scale_set(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    sku = rec.data.get("sku") or {}
    profile = (p.get("virtualMachineProfile") or {}).get("networkProfile") or {}
    subnets: set[str] = set()
    pools: set[str] = set()
    pip_configs = False
    for nic in profile.get("networkInterfaceConfigurations") or []:
        for cfg in (nic.get("properties") or {}).get("ipConfigurations") or []:
            cp = cfg.get("properties") or {}
            if (s := ref_id(cp.get("subnet"))) is not None:
                subnets.add(s)
            pools.update(ref_ids(cp.get("loadBalancerBackendAddressPools")))
            pip_configs = pip_configs or bool(cp.get("publicIPAddressConfiguration"))
    capacity = sku.get("capacity") if isinstance(sku, dict) else None
    b.resource(
        **base,
        kind=Kind.SCALING_GROUP,
        attributes={
            "name": base["name"],
            "min_size": None,
            "max_size": None,
            "desired_capacity": int(capacity) if capacity is not None else None,
            "instance_type": sku.get("name") if isinstance(sku, dict) else None,
            "subnet_ids": sorted(subnets),
            "vpc_id": vnet_of_subnet(sorted(subnets)[0]) if subnets else None,
            "instance_ids": None,
            "launch_template": None,
            "target_group_arns": sorted(pools),
            "public_ip_per_instance": pip_configs,
            "zones": sorted(str(z) for z in rec.data.get("zones") or []),
            "identity_ids": _identities(rec),
        },
    )
    for s in sorted(subnets):
        b.relation(base["id"], s, MEMBER_OF, "scale set NIC configuration subnet")


@normalizes("azure", "microsoft.containerservice/managedclusters")
def aks_cluster(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    access = p.get("apiServerAccessProfile") or {}
    known = bool(p)  # a row without properties says nothing of the API server: unknown
    private = bool(access.get("enablePrivateCluster"))
    vnet_integrated = bool(access.get("enableVnetIntegration"))
    ranges = sorted(str(r) for r in access.get("authorizedIPRanges") or [])
    pools = []
    subnets: set[str] = set()
    for pool in p.get("agentPoolProfiles") or []:
        if pool.get("vnetSubnetID"):
            subnets.add(lid(pool["vnetSubnetID"]))
        pools.append(
            {
                "name": str(pool.get("name") or ""),
                "count": pool.get("count"),
                "vm_size": pool.get("vmSize"),
                "mode": pool.get("mode"),
                "min_count": pool.get("minCount"),
                "max_count": pool.get("maxCount"),
            }
        )
    kms = (p.get("securityProfile") or {}).get("azureKeyVaultKms") or {}
    b.resource(
        **base,
        kind=Kind.K8S_CLUSTER,
        attributes={
            "name": base["name"],
            "version": p.get("kubernetesVersion"),
            "endpoint_public_access": (not private) if known else None,
            "public_access_cidrs": (
                ([] if private else ranges or ["0.0.0.0/0"]) if known else None
            ),
            "endpoint_private_access": (private or vnet_integrated) if known else None,
            "private_cluster": private if known else None,
            "subnet_ids": sorted(subnets),
            "security_group_ids": [],
            "vpc_id": vnet_of_subnet(sorted(subnets)[0]) if subnets else None,
            "role_arn": None,
            "secrets_kms_key": kms.get("keyId") if kms.get("enabled") else None,
            "node_pools": sorted(pools, key=lambda x: x["name"]),
            "identity_ids": _identities(rec),
        },
    )
    for s in sorted(subnets):
        b.relation(base["id"], s, MEMBER_OF, "AKS node pool subnet")
