"""Azure egress medium per sender, end to end: the observed-flows-azure estate (served by the
fake Azure, flow log blobs written from its ``flows.yaml`` plus the flows each test adds)
read through the real Azure SDK clients and judged; the medium of what a sender sent
follows its IP configuration's subnet (NAT gateway, public IP, load balancer outbound
rule, appliance route, default outbound access), not whether its VNet has a NAT gateway.

northeurope's VNet has NAT gateway ``nat-egress-neu`` on ``snet-brokers-a`` only:
``vm-broker-neu-a`` leaves through it, ``vm-broker-neu-b`` (``snet-brokers-b``, public IP
20.60.2.20) from its own public IP."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from auditor.analysis.data_movement import movement_map
from auditor.boundary import Declaration, load_declaration
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_flow_estate import with_flows
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from tests.helpers import run_rules

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows-azure"
S1 = "11111111-1111-1111-1111-111111111111"
REGIONS = ("westeurope", "northeurope", "francecentral")
RULES = ("network.observed-medium", "data.observed-egress")
DAY = 24 * 3600
NET = f"/subscriptions/{S1}/resourcegroups/rg-kafka-neu/providers/microsoft.network"
NEU = f"{NET}/virtualnetworks/vnet-kafka-neu"
FRC = NEU.replace("-neu", "-frc")
VM_FRC = (
    f"/subscriptions/{S1}/resourcegroups/rg-kafka-frc/providers/microsoft.compute/"
    "virtualmachines/vm-broker-frc"
)
RG_NEU = f"/subscriptions/{S1}/resourceGroups/rg-kafka-neu"
PIP_NEU_B = f"{NET}/publicipaddresses/pip-broker-neu-b"
SUBNET_B = f"{NEU}/subnets/snet-brokers-b"
OUT = f"azure/{S1}/northeurope"
TO_A = {"src": "nic-broker-neu-a", "dst": "203.0.113.61", "port": 443, "bytes": 1000000}
TO_B = {"src": "nic-broker-neu-b", "dst": "203.0.113.60", "port": 443, "bytes": 2000000}
LOG_A, LOG_B = "fl-nsg-brokers-neu-a", "fl-nsg-brokers-neu-b"


def _flows(tmp: Path, extra: list[tuple[str, str, dict[str, Any]]]) -> Path:
    """flows.yaml with ``extra`` (flow log, NIC, flow) added to the entry of that NIC."""
    yaml = YAML(typ="safe")
    entries = yaml.load((ESTATE / "flows.yaml").read_text(encoding="utf-8"))
    for log, nic, flow in extra:
        got = [e for e in entries if e["flow_log"] == log and e["at"] == nic]
        if got:
            got[0]["flows"].append(flow)
        else:
            entries.append({"flow_log": log, "at": nic, "flows": [flow]})
    out = tmp / "flows.yaml"
    with out.open("w", encoding="utf-8") as fh:
        yaml.dump(entries, fh)
    return out


def _row(state: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in state["resources"] if str(r["id"]).endswith(f"/{name}"))


def _subnet_b(state: dict[str, Any]) -> dict[str, Any]:
    vnet = _row(state, "vnet-kafka-neu")
    return next(s for s in vnet["properties"]["subnets"] if s["name"] == "snet-brokers-b")


def _private_neu_b(state: dict[str, Any], access: bool) -> None:
    """vm-broker-neu-b loses its public IP; its subnet sets ``defaultOutboundAccess``."""
    cfg = _row(state, "nic-broker-neu-b")["properties"]["ipConfigurations"][0]
    del cfg["properties"]["publicIPAddress"]
    state["resources"] = [
        r for r in state["resources"] if not str(r["id"]).endswith("/pip-broker-neu-b")
    ]
    _subnet_b(state)["properties"]["defaultOutboundAccess"] = access


def _scan(
    state: dict[str, Any], flows: Path, decl: Declaration | None = None
) -> tuple[Inventory, list[Verdict]]:
    state = with_flows(state, flows, int(time.time()))
    with AzureFake(state, page_size=50) as fake:
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
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1,), regions=REGIONS, cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    assert inv.gaps == ()
    return inv, run_rules(inv, decl or load_declaration(ESTATE / "boundary.yaml"), rules=RULES)


def _media(inv: Inventory) -> dict[str, str]:
    """Internet crossings out of northeurope: target address range label -> medium, by
    the bytes each carried (the map keys crossings by medium, not address)."""
    m = movement_map(inv.resources)
    assert m is not None
    return {
        str(c.bytes): c.medium
        for c in m.crossings
        if c.kind == "internet" and c.source == OUT and c.target == "internet"
    }


def _verdict(verdicts: list[Verdict], rule: str, resource: str) -> Verdict:
    got = [v for v in verdicts if v.rule == rule and v.resource == resource]
    assert len(got) == 1, [(v.rule, v.status, v.resource, v.message) for v in verdicts]
    return got[0]


def _nat_declared() -> Declaration:
    decl = load_declaration(ESTATE / "boundary.yaml")
    data = decl.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["network"]["replication"]["via"] = ["peering", "nat"]
    return Declaration.model_validate(data)


def test_a_nat_gateway_on_one_subnet_is_not_the_other_subnets_medium(tmp_path: Path) -> None:
    """The VNet has a NAT gateway, but on snet-brokers-a only: what vm-broker-neu-b sent to
    the internet left from its own public IP (before: ``nat`` for both)."""
    flows = _flows(tmp_path, [(LOG_A, "nic-broker-neu-a", TO_A), (LOG_B, "nic-broker-neu-b", TO_B)])
    inv, verdicts = _scan(load_estate(ESTATE / "estate.yaml"), flows)
    assert _media(inv) == {"1000000": "nat", "2000000": "public addresses"}
    v = _verdict(verdicts, "data.observed-egress", NEU)
    assert v.status is Status.FAIL and "model drift" not in v.message, v.message


def test_replication_sent_from_the_nat_subnet_is_the_nat_medium(tmp_path: Path) -> None:
    """Declared ``nat``: vm-broker-neu-a's replication to vm-broker-frc's public IP, logged
    at the sender only, left through nat-egress-neu (its subnet's): it PASSes (before, the
    addresses alone made it ``internet`` and it FAILed)."""
    flow = {"src": "nic-broker-neu-a", "dst": "pip:pip-broker-frc", "port": 9092, "bytes": 5000}
    flows = _flows(tmp_path, [(LOG_A, "nic-broker-neu-a", flow)])
    _, verdicts = _scan(load_estate(ESTATE / "estate.yaml"), flows, _nat_declared())
    v = _verdict(verdicts, "network.observed-medium", VM_FRC)
    assert v.status is Status.PASS, v.message


def test_replication_sent_from_the_other_subnet_is_its_own_public_ip(tmp_path: Path) -> None:
    """Declared ``nat``: vm-broker-neu-b's replication to vm-broker-frc's public IP left from
    its own public IP (no NAT gateway on its subnet): FAIL, pip-broker-neu-b the cause."""
    flow = {"src": "nic-broker-neu-b", "dst": "pip:pip-broker-frc", "port": 9092, "bytes": 7000}
    flows = _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", flow)])
    _, verdicts = _scan(load_estate(ESTATE / "estate.yaml"), flows, _nat_declared())
    v = _verdict(verdicts, "network.observed-medium", VM_FRC)
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["media"] == ["internet"]
    assert v.causes == (PIP_NEU_B,)


def _appliance_route(state: dict[str, Any], hop: str) -> None:
    """snet-brokers-b's route table sends 0.0.0.0/0 to the virtual appliance at ``hop``."""
    rt = f"{RG_NEU}/providers/Microsoft.Network/routeTables/rt-neu-b"
    _subnet_b(state)["properties"]["routeTable"] = {"id": rt}
    route = {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance"}
    state["resources"].append(
        {
            "id": rt,
            "type": "Microsoft.Network/routeTables",
            "location": "northeurope",
            "properties": {
                "routes": [
                    {"name": "to-firewall", "properties": {**route, "nextHopIpAddress": hop}}
                ],
                "subnets": [{"id": SUBNET_B.replace("resourcegroups", "resourceGroups")}],
            },
        }
    )


def test_a_route_to_an_appliance_names_it_and_says_its_way_out_is_unknown(tmp_path: Path) -> None:
    """0.0.0.0/0 -> appliance 10.20.9.4 (on no collected NIC): the map names the appliance
    and that its way out was not collected; replication sent that way keeps the receiver
    INCONCLUSIVE, naming the route (nat is declared, so it cannot FAIL on the addresses)."""
    state = load_estate(ESTATE / "estate.yaml")
    _appliance_route(state, "10.20.9.4")
    rep = {"src": "nic-broker-neu-b", "dst": "pip:pip-broker-frc", "port": 9092, "bytes": 7000}
    flows = _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", TO_B), (LOG_B, "nic-broker-neu-b", rep)])
    inv, verdicts = _scan(state, flows, _nat_declared())
    assert _media(inv) == {"2000000": "virtual appliance 10.20.9.4 (its way out not collected)"}
    v = _verdict(verdicts, "network.observed-medium", VM_FRC)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "to-firewall" in v.unmodelled and "10.20.9.4" in v.unmodelled


def test_an_appliance_on_a_collected_nic_is_followed_to_its_own_way_out(tmp_path: Path) -> None:
    """The appliance is vm-broker-neu-a's NIC (10.20.1.4, in the NAT gateway's subnet): the
    packets leave through the appliance, then nat-egress-neu; replication that way PASSes
    with ``nat`` declared."""
    state = load_estate(ESTATE / "estate.yaml")
    _appliance_route(state, "10.20.1.4")
    rep = {"src": "nic-broker-neu-b", "dst": "pip:pip-broker-frc", "port": 9092, "bytes": 7000}
    flows = _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", TO_B), (LOG_B, "nic-broker-neu-b", rep)])
    inv, verdicts = _scan(state, flows, _nat_declared())
    assert _media(inv) == {"2000000": "virtual appliance 10.20.1.4, then nat"}
    assert _verdict(verdicts, "network.observed-medium", VM_FRC).status is Status.PASS


def test_egress_from_a_subnet_without_outbound_access_is_named_model_drift(
    tmp_path: Path,
) -> None:
    """vm-broker-neu-b without a public IP in a subnet with ``defaultOutboundAccess: false``
    has no way out, yet 2 MB left it: FAIL naming the drift; the map says ``none``."""
    state = load_estate(ESTATE / "estate.yaml")
    _private_neu_b(state, access=False)
    inv, verdicts = _scan(state, _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", TO_B)]))
    assert _media(inv) == {"2000000": "none"}
    v = _verdict(verdicts, "data.observed-egress", NEU)
    assert v.status is Status.FAIL
    assert "default outbound access disabled" in v.message and "model drift" in v.message


def test_default_outbound_access_is_the_medium_when_allowed(tmp_path: Path) -> None:
    """The twin: the subnet allows default outbound access: that is the medium, no drift."""
    state = load_estate(ESTATE / "estate.yaml")
    _private_neu_b(state, access=True)
    inv, verdicts = _scan(state, _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", TO_B)]))
    assert _media(inv) == {"2000000": "default outbound access"}
    v = _verdict(verdicts, "data.observed-egress", NEU)
    assert v.status is Status.FAIL and "model drift" not in v.message, v.message


def test_a_load_balancer_outbound_rule_comes_before_default_outbound_access(
    tmp_path: Path,
) -> None:
    """vm-broker-neu-b (no public IP, default outbound access off) is in the backend pool of
    a Standard load balancer's outbound rule: it leaves through the load balancer."""
    state = copy.deepcopy(load_estate(ESTATE / "estate.yaml"))
    _private_neu_b(state, access=False)
    lb = f"{RG_NEU}/providers/Microsoft.Network/loadBalancers/lb-out-neu"
    pool = {"id": f"{lb}/backendAddressPools/pool-brokers"}
    cfg = _row(state, "nic-broker-neu-b")["properties"]["ipConfigurations"][0]
    cfg["properties"]["loadBalancerBackendAddressPools"] = [pool]
    rule = {"protocol": "All", "backendAddressPool": pool}
    rule["frontendIPConfigurations"] = [{"id": f"{lb}/frontendIPConfigurations/fe-out"}]
    state["resources"].append(
        {
            "id": lb,
            "type": "Microsoft.Network/loadBalancers",
            "location": "northeurope",
            "sku": {"name": "Standard"},
            "properties": {
                "backendAddressPools": [pool],
                "outboundRules": [{"name": "out-brokers", "properties": rule}],
            },
        }
    )
    inv, verdicts = _scan(state, _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", TO_B)]))
    assert _media(inv) == {"2000000": "load balancer outbound"}
    v = _verdict(verdicts, "data.observed-egress", NEU)
    assert v.status is Status.FAIL and "model drift" not in v.message, v.message


@pytest.mark.parametrize(
    ("disabled", "medium"), [(False, "load balancer outbound"), (True, "none")]
)
def test_a_load_balancing_rule_gives_default_snat_unless_disabled(
    tmp_path: Path, disabled: bool, medium: str
) -> None:
    """No outbound rule, but a load-balancing rule on a public frontend for vm-broker-neu-b's
    pool: Azure's default SNAT through the frontend is its way out, unless the rule sets
    ``disableOutboundSnat`` (then it has none: model drift)."""
    state = load_estate(ESTATE / "estate.yaml")
    _private_neu_b(state, access=False)
    lb = f"{RG_NEU}/providers/Microsoft.Network/loadBalancers/lb-pub-neu"
    pip = f"{RG_NEU}/providers/Microsoft.Network/publicIPAddresses/pip-lb-neu"
    pool = {"id": f"{lb}/backendAddressPools/pool-brokers"}
    fe = {"id": f"{lb}/frontendIPConfigurations/fe-pub"}
    cfg = _row(state, "nic-broker-neu-b")["properties"]["ipConfigurations"][0]
    cfg["properties"]["loadBalancerBackendAddressPools"] = [pool]
    rule = {"protocol": "Tcp", "frontendPort": 9092, "backendPort": 9092}
    rule |= {"frontendIPConfiguration": fe, "backendAddressPool": pool}
    rule["disableOutboundSnat"] = disabled
    front = {**fe, "name": "fe-pub", "properties": {"publicIPAddress": {"id": pip}}}
    state["resources"] += [
        {
            "id": lb,
            "type": "Microsoft.Network/loadBalancers",
            "location": "northeurope",
            "sku": {"name": "Standard"},
            "properties": {
                "frontendIPConfigurations": [front],
                "backendAddressPools": [pool],
                "loadBalancingRules": [{"name": "kafka", "properties": rule}],
            },
        },
        {
            "id": pip,
            "type": "Microsoft.Network/publicIPAddresses",
            "location": "northeurope",
            "sku": {"name": "Standard"},
            "properties": {"ipAddress": "20.60.3.30", "ipConfiguration": fe},
        },
    ]
    inv, verdicts = _scan(state, _flows(tmp_path, [(LOG_B, "nic-broker-neu-b", TO_B)]))
    assert _media(inv) == {"2000000": medium}
    v = _verdict(verdicts, "data.observed-egress", NEU)
    assert v.status is Status.FAIL and ("model drift" in v.message) is disabled, v.message
