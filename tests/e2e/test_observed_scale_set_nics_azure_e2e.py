"""Scale set instances' NICs, end to end: a platform scale set in the observed-flows-azure
estate whose instance NIC is a Resource Graph ``computeresources`` row; the auditor reads
that table through the real ``ResourceGraphClient`` (with ``--flows-since``), matches the
flow records of the instance's MAC to the NIC, and holds a load balancer health probe at
it to the NSGs (before, its MAC matched no NIC and the VNet stayed INCONCLUSIVE)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import load_declaration
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_flow_blobs import VNET_CONTAINER, vnet_blob, vnet_tuples
from auditor.fakecloud.azure_flow_estate import with_flows
from auditor.fakecloud.azure_server import AzureFake, AzureFault, load_estate
from auditor.fakecloud.flow_records import Flow
from auditor.model import Scope, Status, Verdict
from auditor.normalize import normalize
from tests.e2e.test_observed_medium_azure_e2e import DAY, ESTATE, LOG_B, REGIONS, S1, _flows
from tests.helpers import run_rules

RULE = "network.observed-closed-path"
RG = f"/subscriptions/{S1}/resourceGroups/rg-kafka-frc"
VMSS = f"{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-broker-frc"
NIC = f"{VMSS}/virtualMachines/0/networkInterfaces/nic-vmss"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-kafka-frc/subnets/snet-brokers"
FRC = SUBNET.lower().rsplit("/subnets/", 1)[0]
PIP = f"{NIC}/ipConfigurations/ipconfig1/publicIPAddresses/pip"
PUBLIC = "20.70.9.9"
MAC = "00-0D-3A-30-01-FF"
IP = "10.30.1.9"


def _scale_set() -> dict[str, Any]:
    ipc = {"name": "ipconfig1", "properties": {"subnet": {"id": SUBNET}}}
    nic = {"name": "nic", "properties": {"primary": True, "ipConfigurations": [ipc]}}
    return {
        "id": VMSS,
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": "francecentral",
        "tags": {"platform": "orders-kafka", "role": "kafka-broker"},
        "sku": {"name": "Standard_D4s_v5", "tier": "Standard", "capacity": 1},
        "properties": {
            "virtualMachineProfile": {"networkProfile": {"networkInterfaceConfigurations": [nic]}}
        },
    }


def _instance_nic() -> dict[str, Any]:
    """The row Resource Graph's ``computeresources`` holds for instance 0's NIC."""
    ipc = {"privateIPAddress": IP, "subnet": {"id": SUBNET}, "primary": True}
    ipc["publicIPAddress"] = {"id": PIP}
    return {
        "id": NIC,
        "type": "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces",
        "location": "francecentral",
        "properties": {
            "macAddress": MAC,
            "virtualMachine": {"id": f"{VMSS}/virtualMachines/0"},
            "ipConfigurations": [{"name": "ipconfig1", "properties": ipc}],
        },
    }


def _instance_pip() -> dict[str, Any]:
    """The ``computeresources`` row of instance 0's public IP."""
    return {
        "id": PIP,
        "type": (
            "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces/"
            "ipconfigurations/publicipaddresses"
        ),
        "location": "francecentral",
        "sku": {"name": "Standard"},
        "properties": {
            "ipAddress": PUBLIC,
            "ipConfiguration": {"id": f"{NIC}/ipConfigurations/ipconfig1"},
        },
    }


def _scan(
    collected: bool,
    deny: bool,
    refused: bool = False,
    flows: Path = ESTATE / "flows.yaml",
    judge: str = RULE,
) -> list[Verdict]:
    """The estate with the platform scale set, a health probe from 168.63.129.16 logged at its
    instance's MAC; the instance NIC row served when ``collected``; an NSG rule denying
    the load balancer's probes on 9092 when ``deny``; the ``computeresources`` query
    refused (403) when ``refused``; the flow records of ``flows``; the verdicts of
    ``judge`` (the closed-path rule's: francecentral's only)."""
    now = int(time.time())
    state = with_flows(load_estate(ESTATE / "estate.yaml"), flows, now)
    state["resources"].append(_scale_set())
    if collected:
        state["computeresources"] = [_instance_nic(), _instance_pip()]
    if deny:
        nsg = next(r for r in state["resources"] if str(r["id"]).endswith("/nsg-brokers-frc"))
        rule = {
            "priority": 200,
            "direction": "Inbound",
            "access": "Deny",
            "protocol": "Tcp",
            "sourceAddressPrefix": "AzureLoadBalancer",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "9092",
        }
        nsg["properties"]["securityRules"].append({"name": "deny-probes", "properties": rule})
    log = next(r for r in state["resources"] if str(r["id"]).endswith("/fl-vnet-kafka-frc"))
    probe = Flow(src="168.63.129.16", dst=IP, dst_port=9092, count=5)
    name, body = vnet_blob(str(log["id"]), MAC.replace("-", ""), vnet_tuples([probe], now), now)
    store = next(a for a in state["blob_storage"] if a["account"] == "stflowsfrc")
    store["containers"][VNET_CONTAINER][name] = body
    with AzureFake(state, page_size=50) as fake:
        if refused:
            fake.add_fault(
                AzureFault(
                    path="/providers/Microsoft.ResourceGraph/resources",
                    status=403,
                    code="AuthorizationFailed",
                    body_contains="computeresources",
                )
            )
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1,),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
                flows_since=DAY,
            )
        )
        asked = [p for m, p in fake.requests if m == "POST"]
    assert [g.service for g in result.gaps] == (["azure-scale-set-nics"] if refused else [])
    assert "azure-scale-set-nics" in {u.service for u in result.units} or refused
    assert len(asked) >= 2  # the resources and computeresources queries, at least
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1,), regions=REGIONS, cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    decl = load_declaration(ESTATE / "boundary.yaml")
    if judge != RULE:
        return run_rules(inv, decl, rules=(judge,))
    return [v for v in run_rules(inv, decl, rules=(RULE,)) if "-frc" in v.resource]


@pytest.mark.parametrize(("deny", "expected"), [(False, Status.PASS), (True, Status.FAIL)])
def test_probes_at_a_scale_set_instance_nic_are_judged_by_its_nsgs(
    deny: bool, expected: Status
) -> None:
    """The instance's NIC is collected: the probe is held to the NSG of its subnet (the
    default AllowAzureLoadBalancerInBound admits it; a deny of the tag closes it)."""
    got = _scan(collected=True, deny=deny)
    assert [v.status for v in got] == [expected], [(v.resource, v.message) for v in got]
    if deny:
        assert got[0].resource == NIC.lower()
        assert f"168.63.129.16 -> {IP}:9092" in got[0].message
        assert "rule deny-probes denies it" in got[0].message, got[0].message
    else:
        # row 5's prefix flow to vm-broker-frc and the probe at the instance NIC
        assert got[0].resource == FRC and got[0].evidence.attributes["flows_judged"] == 2


def test_without_the_instance_nic_row_the_probe_keeps_the_vnet_inconclusive() -> None:
    """The same probe when ``computeresources`` holds no row for the instance: its MAC maps
    to no NIC, so the VNet stays INCONCLUSIVE, naming the scale set NIC."""
    (v,) = _scan(collected=False, deny=False)
    assert v.status is Status.INCONCLUSIVE and v.resource == FRC, v.message
    assert "scale set" in v.unmodelled


def test_a_refused_computeresources_query_is_a_gap_and_the_probe_stays_unjudged() -> None:
    """The table read refused: a gap of its own service, the instance NIC unknown, the probe
    at its MAC unmapped, the VNet INCONCLUSIVE (never a PASS on what was not read)."""
    (v,) = _scan(collected=True, deny=False, refused=True)
    assert v.status is Status.INCONCLUSIVE and v.resource == FRC, v.message


@pytest.mark.parametrize("collected", [True, False])
def test_replication_from_a_scale_set_instances_public_ip_is_the_internet_medium(
    tmp_path: Path, collected: bool
) -> None:
    """vm-broker-neu-b records 9092 traffic from 20.70.9.9, francecentral's scale set
    instance's public IP: collected from ``computeresources``, it is placed at the instance,
    so the traffic is replication over ``internet`` (undeclared: FAIL, naming it); not
    collected, the address is placed nowhere and only row 3's NAT traffic is seen."""
    flow = {"src": PUBLIC, "dst": "nic-broker-neu-b", "port": 9092, "bytes": 3000}
    flows = _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", flow)])
    got = _scan(collected, deny=False, flows=flows, judge="network.observed-medium")
    (v,) = [x for x in got if x.resource.endswith("/vm-broker-neu-b")]
    assert v.status is Status.FAIL, v.message
    want = ["internet", "nat"] if collected else ["nat"]
    assert v.evidence.attributes["media"] == want, v.message
    assert (f"{PUBLIC} -> 10.20.2.4:9092" in v.message) is collected, v.message
