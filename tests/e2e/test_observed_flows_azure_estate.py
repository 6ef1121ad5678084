"""The observed-flows-azure fixture end to end: its estate served by the fake Azure, the flow
log blobs of ``flows.yaml`` written into its storage accounts, read back by the auditor
through the real Azure SDK clients (Resource Graph, azure-storage-blob) with
``--flows-since`` and judged by the observed-flow rules; the README's tables say what
FAILs and which twin PASSes."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.analysis.data_movement import movement_map
from auditor.boundary import load_declaration
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_flow_blobs import VNET_CONTAINER, vnet_blob, vnet_tuples
from auditor.fakecloud.azure_flow_estate import with_flows
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.fakecloud.flow_records import Flow
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from tests.estate_readme import PLANTED, EstateReadme, assert_one_finding_per_misconfiguration
from tests.helpers import run_rules

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows-azure"
S1 = "11111111-1111-1111-1111-111111111111"
REGIONS = ("westeurope", "northeurope", "francecentral")
RULES = (
    "network.observed-closed-path",
    "network.observed-dead-path",
    "network.observed-medium",
    "data.observed-egress",
)
DAY = 24 * 3600
README = EstateReadme(path=ESTATE / "README.md", explained=(PLANTED,))
NEU = (
    f"/subscriptions/{S1}/resourcegroups/rg-kafka-neu/providers/microsoft.network/"
    "virtualnetworks/vnet-kafka-neu"
)


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


def _scan(state: dict[str, Any], since: int | None = DAY) -> Scan:
    with AzureFake(state, page_size=20) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1,),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
                flows_since=since,
            )
        )
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1,), regions=REGIONS, cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    decl = load_declaration(ESTATE / "boundary.yaml")
    return Scan(inventory=inv, verdicts=run_rules(inv, decl, rules=RULES))


def _estate() -> dict[str, Any]:
    return with_flows(load_estate(ESTATE / "estate.yaml"), ESTATE / "flows.yaml", int(time.time()))


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan() -> Scan:
    """Build, read and judge once; later tests reuse the result."""
    if "scan" not in _SCAN:
        _SCAN["scan"] = _scan(_estate())
    return _SCAN["scan"]


def test_every_planted_violation_is_caught(scan: Scan) -> None:
    assert scan.inventory.gaps == ()
    assert README.uncaught(scan.verdicts, scan.inventory) == []


def test_every_other_verdict_passes_or_is_explained(scan: Scan) -> None:
    assert README.unexplained(scan.verdicts, scan.inventory) == []
    assert README.stale(scan.verdicts, scan.inventory) == []


def test_the_clean_twins_pass(scan: Scan) -> None:
    assert README.flagged_twins(scan.verdicts, scan.inventory) == []


def test_each_planted_misconfiguration_is_one_finding(scan: Scan) -> None:
    assert_one_finding_per_misconfiguration(README, scan.verdicts, scan.inventory)


def _of(scan: Scan, rule: str, status: Status) -> list[Verdict]:
    return [v for v in scan.verdicts if v.rule == rule and v.status is status]


def _one(scan: Scan, rule: str, status: Status) -> Verdict:
    got = _of(scan, rule, status)
    assert len(got) == 1, [(v.status, v.resource, v.message) for v in got]
    return got[0]


def test_the_closed_path_names_the_flow_and_the_model(scan: Scan) -> None:
    v = _one(scan, "network.observed-closed-path", Status.FAIL)
    assert "model drift or an unmodelled feature" in v.message
    assert "172.16.5.5 -> 10.10.1.4:9092" in v.message
    (flow,) = v.evidence.attributes["flows"]
    assert flow["src"] == "172.16.5.5" and flow["bytes"] == 2400 and flow["records"] == 2
    assert flow["interface_id"].endswith("/networkinterfaces/nic-broker-weu")
    assert flow["model"]["reach"] == "no"


def test_the_nat_medium_fails_with_its_bytes_and_the_nat_gateway_as_cause(scan: Scan) -> None:
    v = _verdict(scan, "network.observed-medium", NEU_B)
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["bytes"] == 80_000_000
    assert v.evidence.attributes["media"] == ["nat"]
    assert v.causes == (
        f"/subscriptions/{S1}/resourcegroups/rg-net/providers/"
        "microsoft.network/natgateways/nat-egress-weu",
    )


def test_bytes_logged_at_both_ends_count_once(scan: Scan) -> None:
    v = _one(scan, "network.observed-dead-path", Status.PASS)
    assert v.evidence.attributes["bytes"] == 240_000_000


def test_egress_names_bytes_per_destination_and_reports_rejects_apart(scan: Scan) -> None:
    v = _one(scan, "data.observed-egress", Status.FAIL)
    assert v.evidence.attributes["bytes_by_destination"] == {"203.0.113.50": 15_000_000}
    frc = _verdict(scan, "data.observed-egress", NEU.replace("-neu", "-frc"))
    # 6 records of its own host and 10.30.1.5, and row 5's 4 replication records (inbound)
    assert frc.status is Status.PASS and frc.evidence.attributes["records"] == 10
    twin = [x for x in scan.verdicts if "REJECTed (reported apart" in x.message]
    assert len(twin) == 1 and twin[0].status is Status.PASS and twin[0].resource == NEU
    assert twin[0].evidence.attributes["rejected"]["records"] == 65


def test_the_movement_map_places_the_nat_crossing_between_regions(scan: Scan) -> None:
    m = movement_map(scan.inventory.resources)
    assert m is not None
    # francecentral's DNS and metadata traffic stays on the VM's host: no crossing; what
    # reached it from northeurope's NAT prefix (row 5) is one
    nat = [c for c in m.crossings if c.medium == "nat" and c.kind == "region"]
    assert [(c.kind, c.source, c.target, c.bytes) for c in nat] == [
        ("region", f"azure/{S1}/northeurope", f"azure/{S1}/francecentral", 30_000_000),
        ("region", f"azure/{S1}/westeurope", f"azure/{S1}/northeurope", 80_000_000),
    ]
    assert [c for c in m.crossings if "francecentral" in c.source + c.target] == nat[:1]


def _drop_flow_log(state: dict[str, Any], name: str) -> dict[str, Any]:
    out = copy.deepcopy(state)
    out["resources"] = [r for r in out["resources"] if not str(r["id"]).endswith(f"/{name}")]
    return out


def _verdict(scan: Scan, rule: str, resource: str) -> Verdict:
    got = [v for v in scan.verdicts if v.rule == rule and v.resource == resource]
    assert len(got) == 1, [(v.status, v.resource, v.message) for v in scan.verdicts]
    return got[0]


@pytest.mark.parametrize(
    ("admitted", "why"),
    [(None, "admit no internet address"), ("198.51.100.0/24", "admits only 198.51.100.0/24")],
    ids=["no-public-rule", "other-public-range"],
)
def test_a_public_source_the_nsg_does_not_admit_is_a_closed_path(
    admitted: str | None, why: str
) -> None:
    """Without the NSG rule admitting the NAT address (gone, or admitting another public
    range), the model closes the internet path to broker-neu-b's public IP: the accepted
    flow from the NAT address is drift or an unmodelled feature."""
    state = _estate()
    for r in state["resources"]:
        if str(r["id"]).endswith("/nsg-brokers-neu-b"):
            rules = r["properties"]["securityRules"]
            keep = [x for x in rules if x["name"] != "allow-replicators-public"]
            for x in rules:
                if x["name"] == "allow-replicators-public" and admitted:
                    x["properties"]["sourceAddressPrefix"] = admitted
                    keep.append(x)
            r["properties"]["securityRules"] = keep
    s = _scan(state)
    got = _of(s, "network.observed-closed-path", Status.FAIL)
    by = {v.resource.rsplit("/", 1)[-1]: v for v in got}
    assert sorted(by) == ["vm-broker-neu-b", "vm-broker-weu"], [v.message for v in got]
    v = by["vm-broker-neu-b"]
    assert "20.50.2.20 -> 10.20.2.4:9092" in v.message and why in v.message, v.message
    (flow,) = v.evidence.attributes["flows"]
    assert flow["model"]["reach"] == "no"


@pytest.mark.parametrize(("deny", "expected"), [(False, Status.PASS), (True, Status.FAIL)])
def test_health_probes_from_the_azure_platform_address_pass_the_nsgs(
    deny: bool, expected: Status
) -> None:
    """168.63.129.16 probing 9092 crosses no network: the default rule
    AllowAzureLoadBalancerInBound admits it; a higher-priority deny of the tag closes it."""
    now = int(time.time())
    state = _estate()
    for r in state["resources"]:
        if deny and str(r["id"]).endswith("/nsg-brokers-frc"):
            rule = {
                "name": "deny-probes",
                "properties": {
                    "priority": 200,
                    "direction": "Inbound",
                    "access": "Deny",
                    "protocol": "Tcp",
                    "sourceAddressPrefix": "AzureLoadBalancer",
                    "destinationAddressPrefix": "*",
                    "destinationPortRange": "9092",
                },
            }
            r["properties"]["securityRules"].append(rule)
    log = next(r for r in state["resources"] if str(r["id"]).endswith("/fl-vnet-kafka-frc"))
    probe = Flow(src="168.63.129.16", dst="10.30.1.4", dst_port=9092, count=5)
    name, body = vnet_blob(str(log["id"]), "000D3A300104", vnet_tuples([probe], now), now)
    store = next(a for a in state["blob_storage"] if a["account"] == "stflowsfrc")
    blobs = store["containers"][VNET_CONTAINER]
    old = blobs[name]["records"][0]["flowRecords"]["flows"][0]["flowGroups"][0]["flowTuples"]
    body["records"][0]["flowRecords"]["flows"][0]["flowGroups"][0]["flowTuples"] += old
    blobs[name] = body
    s = _scan(state)
    frc = NEU.replace("-neu", "-frc")
    got = [
        v for v in s.verdicts if v.rule == "network.observed-closed-path" and "-frc" in v.resource
    ]
    assert [v.status for v in got] == [expected], [v.message for v in got]
    if deny:
        assert got[0].resource.endswith("/vm-broker-frc")
        assert "168.63.129.16 -> 10.30.1.4:9092" in got[0].message
        assert "rule deny-probes denies it" in got[0].message, got[0].message
    else:
        # the probe and row 5's prefix flow
        assert got[0].resource == frc and "2 accepted flow aggregate" in got[0].message


def test_flows_at_a_nic_not_collected_keep_the_closed_path_inconclusive() -> None:
    """A scale set instance's NIC is no Resource Graph row: its MAC maps to no NIC, so an
    accepted flow to 9092 there cannot be held to a listener's model path."""
    now = int(time.time())
    state = _estate()
    log = next(r for r in state["resources"] if str(r["id"]).endswith("/fl-vnet-kafka-frc"))
    flow = Flow(src="172.16.5.5", dst="10.30.1.9", dst_port=9092)
    name, body = vnet_blob(str(log["id"]), "000D3A3001FF", vnet_tuples([flow], now), now)
    store = next(a for a in state["blob_storage"] if a["account"] == "stflowsfrc")
    store["containers"][VNET_CONTAINER][name] = body
    s = _scan(state)
    v = _verdict(s, "network.observed-closed-path", NEU.replace("-neu", "-frc"))
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "172.16.5.5 -> 10.30.1.9:9092" in v.message
    assert "scale set" in v.unmodelled


def test_nsg_flow_logs_on_part_of_a_vnet_keep_it_inconclusive() -> None:
    """One subnet's NSG flow log gone: its records are all still there, but the other
    subnet's traffic passes no logged NSG, so nothing PASSes on neu's window."""
    s = _scan(_drop_flow_log(_estate(), "fl-nsg-brokers-neu-b"))
    for rule in ("data.observed-egress", "network.observed-closed-path"):
        v = _verdict(s, rule, NEU)
        assert v.status is Status.INCONCLUSIVE, v.message
        assert "NSG's" in v.unmodelled and "incomplete" in v.message
    # the twin that crossed neu-a only is still judged on what was read
    assert _one(s, "network.observed-dead-path", Status.PASS)


def test_nsg_flow_logs_do_not_make_a_subnet_with_a_private_endpoint_whole() -> None:
    state = _estate()
    subnet = NEU.replace("resourcegroups", "resourceGroups") + "/subnets/snet-brokers-b"
    pe = f"/subscriptions/{S1}/resourceGroups/rg-kafka-neu/providers/Microsoft.Network/"
    state["resources"].append(
        {
            "id": f"{pe}privateEndpoints/pe-storage-neu",
            "type": "Microsoft.Network/privateEndpoints",
            "location": "northeurope",
            "properties": {"subnet": {"id": subnet}},
        }
    )
    s = _scan(state)
    v = _verdict(s, "data.observed-egress", NEU)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "NSG's" in v.unmodelled


def test_a_disabled_flow_log_is_inconclusive_with_its_reason() -> None:
    state = _estate()
    for r in state["resources"]:
        if str(r["id"]).endswith("/fl-vnet-kafka-frc"):
            r["properties"]["enabled"] = False
    s = _scan(state)
    frc = NEU.replace("-neu", "-frc")
    v = _verdict(s, "data.observed-egress", frc)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "the flow log is not enabled" in v.message
    # a connection is logged at both ends: westeurope's side, read in full, still shows
    # the path idle
    dead = _verdict(
        s, "network.observed-dead-path", "replication-path:azure/francecentral~azure/westeurope"
    )
    assert dead.status is Status.FAIL  # westeurope's side was read in full


def _without_source(state: dict[str, Any], account: str, src: str) -> dict[str, Any]:
    """``state`` less the flow tuples from ``src`` in ``account``'s VNet flow log blobs."""
    store = next(a for a in state["blob_storage"] if a["account"] == account)
    for body in store["containers"][VNET_CONTAINER].values():
        for rec in body["records"]:
            for f in rec["flowRecords"]["flows"]:
                for g in f["flowGroups"]:
                    kept = [t for t in g["flowTuples"] if t.split(",")[1] != src]
                    g["flowTuples"] = kept
    return state


@pytest.mark.parametrize(
    "narrowing",
    [{"enabledFilteringCriteria": "DstPort == 443"}, {"recordTypes": "B,E,D"}],
    ids=["filtered", "no-continue-records"],
)
def test_a_vnet_flow_log_that_records_only_some_flows_is_not_whole(
    narrowing: dict[str, str],
) -> None:
    state = _without_source(_estate(), "stflowsfrc", "20.60.8.1")  # no crossing (row 5)
    for r in state["resources"]:
        if str(r["id"]).endswith("/fl-vnet-kafka-frc"):
            r["properties"].update(narrowing)
    s = _scan(state)
    frc = NEU.replace("-neu", "-frc")
    for rule in ("data.observed-egress", "network.observed-medium"):
        v = _verdict(s, rule, frc)
        assert v.status is Status.INCONCLUSIVE, v.message
        assert "filtered" in v.unmodelled
    untouched = _verdict(s, "data.observed-egress", NEU)
    assert untouched.status is Status.PASS, untouched.message


def test_a_storage_account_that_denies_the_read_is_a_gap() -> None:
    state = _estate()
    for a in state["blob_storage"]:
        if a["account"] == "stflowsneu":
            a["denied"] = True
    s = _scan(state)
    assert any(g.error_code == "AuthorizationPermissionMismatch" for g in s.inventory.gaps)
    v = _verdict(s, "data.observed-egress", NEU)
    assert v.status is Status.INCONCLUSIVE and v.evidence.gaps, v.message
    # the twin of row 3 cannot PASS either: the flow into neu-a was seen at westeurope's
    # end, but the NSG flow logs of neu (what else reached it) were not read
    twin = next(v for v in s.verdicts if v.resource.endswith("/vm-broker-neu-a"))
    assert twin.rule == "network.observed-medium" and twin.status is Status.INCONCLUSIVE


def test_without_flows_every_rule_is_not_applicable() -> None:
    s = _scan(_estate(), since=None)
    assert {(v.rule, v.status) for v in s.verdicts} == {(r, Status.NOT_APPLICABLE) for r in RULES}


DEMO_ARGS = ("--estate", "observed-flows-azure")


def test_the_demo_serves_the_flow_blobs_and_reads_them(tmp_path: Path) -> None:
    """`auditor demo --estate observed-flows-azure`: the fake serves flows.yaml as blobs and
    the scan reads the last hour, so the observed-flow rules judge and the map is drawn."""
    import json
    import os
    import subprocess
    import sys

    from auditor.evidence.bundle import verify_bundle

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "GOOGLE_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "demo", "--out", str(tmp_path), *DEMO_ARGS],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (bundle,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert verify_bundle(bundle).ok
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    fails = {
        (v["rule"], v["resource"].rsplit("/", 1)[-1] if v["resource"][0] == "/" else v["resource"])
        for v in verdicts
        if v["status"] == "FAIL"
    }
    assert {
        ("network.observed-closed-path", "vm-broker-weu"),
        ("network.observed-medium", "vm-broker-neu-b"),
        ("data.observed-egress", "vnet-kafka-weu"),
        ("network.observed-dead-path", "replication-path:azure/francecentral~azure/westeurope"),
    } <= fails
    report = (bundle / "report.md").read_text()
    assert f"| region | azure/{S1}/westeurope | azure/{S1}/northeurope | nat |" in report


RG_NET = f"/subscriptions/{S1}/resourceGroups/rg-net/providers/Microsoft.Network"
NAT_WEU = f"{RG_NET}/natGateways/nat-egress-weu"
PREFIX_WEU = f"{RG_NET}/publicIPPrefixes/ippre-nat-weu"
NEU_B = (
    f"/subscriptions/{S1}/resourcegroups/rg-kafka-neu/providers/microsoft.compute/"
    "virtualmachines/vm-broker-neu-b"
)


def _nat_from_a_prefix(collected: bool) -> dict[str, Any]:
    """nat-egress-weu leaves from public IP prefix ippre-nat-weu (20.50.2.16/28, holding the
    20.50.2.20 its replication to vm-broker-neu-b came from) instead of pip-nat-weu; the
    prefix is a Resource Graph row only when ``collected``."""
    state = _estate()
    rows = [r for r in state["resources"] if not str(r["id"]).endswith("/pip-nat-weu")]
    for r in rows:
        if r["id"] == NAT_WEU:
            del r["properties"]["publicIpAddresses"]
            r["properties"]["publicIpPrefixes"] = [{"id": PREFIX_WEU}]
    if collected:
        rows.append(
            {
                "id": PREFIX_WEU,
                "type": "Microsoft.Network/publicIPPrefixes",
                "location": "westeurope",
                "sku": {"name": "Standard"},
                "properties": {
                    "prefixLength": 28,
                    "ipPrefix": "20.50.2.16/28",
                    "natGateway": {"id": NAT_WEU},
                },
            }
        )
    state["resources"] = rows
    return state


def test_replication_through_a_nat_gateways_public_ip_prefix_is_the_nat_medium() -> None:
    """The prefix is collected through Resource Graph and placed as a ``nat`` range of the
    NAT gateway's VNet: the 80 MB into vm-broker-neu-b FAIL with the gateway as cause."""
    s = _scan(_nat_from_a_prefix(collected=True))
    assert s.inventory.gaps == ()
    prefix = next(r for r in s.inventory.resources if r.id == PREFIX_WEU.lower())
    assert prefix.attributes["prefix"] == "20.50.2.16/28"
    v = _verdict(s, "network.observed-medium", NEU_B)
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["media"] == ["nat"]
    assert v.causes == (NAT_WEU.lower(),)
    m = movement_map(s.inventory.resources)
    assert m is not None
    got = {(c.kind, c.target, c.medium): c.bytes for c in m.crossings}
    assert got[("region", f"azure/{S1}/northeurope", "nat")] == 80_000_000


def test_a_nat_gateways_prefix_not_collected_keeps_the_medium_inconclusive() -> None:
    """The NAT gateway names a prefix the scan holds no row of: 20.50.2.20 is placed
    nowhere, so what reached vm-broker-neu-b from it cannot PASS as "not replication"."""
    s = _scan(_nat_from_a_prefix(collected=False))
    v = _verdict(s, "network.observed-medium", NEU_B)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "nat-egress-weu" in v.message and "20.50.2.20" in v.message
    assert "public IP prefixes" in v.unmodelled
