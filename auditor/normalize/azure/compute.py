"""Azure compute: VMs (``instance``), VM scale sets (``scaling_group``), AKS (``k8s_cluster``)."""

from __future__ import annotations

from typing import Any

from auditor.base.edges import MEMBER_OF, PROTECTED_BY, SCALES
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


def _nic_configurations(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The NIC configurations every instance of a scale set gets.

    Each: its NSG (``networkSecurityGroup``) and IP configurations with subnet,
    load balancer backend pools and whether a per-instance public IP is
    configured (``publicIPAddressConfiguration``, with its SKU when stated).
    """
    out: list[dict[str, Any]] = []
    for nic in profile.get("networkInterfaceConfigurations") or []:
        np = nic.get("properties") or {}
        ips = []
        for cfg in np.get("ipConfigurations") or []:
            cp = cfg.get("properties") or {}
            pip = cp.get("publicIPAddressConfiguration")
            sku = (pip.get("sku") or {}).get("name") if isinstance(pip, dict) else None
            ips.append(
                {
                    "name": str(cfg.get("name") or ""),
                    "subnet_id": ref_id(cp.get("subnet")),
                    "public_ip": bool(pip),
                    "public_ip_sku": str(sku) if sku else None,
                    "lb_backend_pool_ids": ref_ids(cp.get("loadBalancerBackendAddressPools")),
                    "application_security_group_ids": ref_ids(cp.get("applicationSecurityGroups")),
                }
            )
        nsg = ref_id(np.get("networkSecurityGroup"))
        out.append(
            {
                "name": str(nic.get("name") or ""),
                "primary": np.get("primary"),
                "security_group_ids": [nsg] if nsg else [],
                "ip_configurations": sorted(ips, key=lambda x: x["name"]),
            }
        )
    return sorted(out, key=lambda x: x["name"])


@normalizes("azure", "microsoft.compute/virtualmachinescalesets")
def scale_set(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    sku = rec.data.get("sku") or {}
    profile = (p.get("virtualMachineProfile") or {}).get("networkProfile")
    nics = _nic_configurations(profile) if isinstance(profile, dict) else None
    ipcs = [ip for n in nics or [] for ip in n["ip_configurations"]]
    subnets = {str(ip["subnet_id"]) for ip in ipcs if ip["subnet_id"]}
    pools = {str(pool) for ip in ipcs for pool in ip["lb_backend_pool_ids"]}
    nsgs = sorted({g for n in nics or [] for g in n["security_group_ids"]})
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
            "public_ip_per_instance": any(ip["public_ip"] for ip in ipcs),
            "nic_configurations": nics,
            "security_group_ids": nsgs,
            "zones": sorted(str(z) for z in rec.data.get("zones") or []),
            "identity_ids": _identities(rec),
        },
    )
    for s in sorted(subnets):
        b.relation(base["id"], s, MEMBER_OF, "scale set NIC configuration subnet")
    for g in nsgs:
        b.relation(base["id"], g, PROTECTED_BY, "NSG of the scale set's NIC configuration")


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
