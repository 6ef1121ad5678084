"""End to end: ``network.client-sources`` judges reachability on Azure and GCP, and
``network.open-firewall`` the rule as written.

The azure-kafka and gcp-kafka estates, collected through the real SDK clients
from the fake clouds, each with one edit: the broker behind the rule open to the
internet loses its public address. With no public address and no peering or site
link bringing other undeclared addresses, nobody undeclared can reach it: the
client-sources verdict on the rule PASSes, the hygiene rule still FAILs. The
unedited estates are the twins (both rules FAIL).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.fakecloud.azure_server import load_estate
from auditor.model import Status, Verdict
from auditor.pipeline import evaluate_inventory
from tests.azure_helpers import scanned as azure_scanned
from tests.gcp_helpers import CP, estate
from tests.gcp_helpers import scanned as gcp_scanned

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
RG1 = f"/subscriptions/{S1}/resourceGroups/rg-kafka-weu/providers"
NSG = f"{RG1}/Microsoft.Network/networkSecurityGroups/nsg-brokers-weu".lower()
NIC = f"{RG1}/Microsoft.Network/networkInterfaces/nic-broker-0"
PIP = f"{RG1}/Microsoft.Network/publicIPAddresses/pip-broker-0"
FW_PUBLIC = f"{CP}/global/firewalls/allow-kafka-public"
TODAY = dt.date(2026, 11, 29)
RULES = ("network.client-sources", "network.open-firewall")


def _azure(*, public_ip: bool) -> list[Verdict]:
    data = copy.deepcopy(load_estate(AZURE / "estate.yaml"))
    if not public_ip:
        rows = [r for r in data["resources"] if r["id"] != PIP]
        for r in rows:
            if r["id"] == NIC:
                for cfg in r["properties"]["ipConfigurations"]:
                    cfg["properties"].pop("publicIPAddress", None)
        data["resources"] = rows
    inv = azure_scanned(data)
    decl = load_declaration(AZURE / "boundary.yaml")
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def _gcp(tmp: Path, *, public_ip: bool, peerings: bool = True) -> list[Verdict]:
    assets = estate()
    for a in assets:
        d: Any = a["resource"]["data"]
        if a["assetType"] == "compute.googleapis.com/Instance" and not public_ip:
            for nic in d.get("networkInterfaces") or []:
                nic.pop("accessConfigs", None)
        if a["assetType"] == "compute.googleapis.com/Network" and not peerings:
            d.pop("peerings", None)
    inv = gcp_scanned(assets)
    text = (ROOT / "fixtures" / "gcp-kafka" / "boundary.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  kafka_ports: [9092]",
        "  kafka_ports: [9092]\n  clients: {via: [private-endpoint], from: [10.0.0.0/8]}",
    )
    path = tmp / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    return evaluate_inventory(inv, load_declaration(path), load_pack("default"), TODAY).verdicts


def _on(verdicts: list[Verdict], rid: str) -> dict[str, Verdict]:
    found = {v.rule: v for v in verdicts if v.rule in RULES and v.resource == rid}
    assert set(found) == set(RULES), sorted(found)
    return found


def test_azure_nsg_open_to_the_internet_in_front_of_a_private_broker() -> None:
    v = _on(_azure(public_ip=False), NSG)
    assert v["network.client-sources"].status is Status.PASS, v["network.client-sources"].message
    assert "reach no listener" in v["network.client-sources"].message
    assert v["network.open-firewall"].status is Status.FAIL
    assert "Internet" in v["network.open-firewall"].message


def test_azure_nsg_open_to_the_internet_in_front_of_a_public_broker() -> None:
    v = _on(_azure(public_ip=True), NSG)
    assert v["network.client-sources"].status is Status.FAIL
    assert "via internet" in v["network.client-sources"].message
    assert v["network.client-sources"].causes == (NSG,)
    assert v["network.open-firewall"].status is Status.FAIL


def test_gcp_firewall_rule_open_to_the_internet_without_external_ips(tmp_path: Path) -> None:
    v = _on(_gcp(tmp_path, public_ip=False, peerings=False), FW_PUBLIC)
    assert v["network.client-sources"].status is Status.PASS, v["network.client-sources"].message
    assert v["network.open-firewall"].status is Status.FAIL


def test_gcp_peered_network_of_unknown_space_keeps_it_open(tmp_path: Path) -> None:
    """Private addresses of 0.0.0.0/0 may come from a peered network whose subnetworks were
    not collected: the verdict says so instead of passing."""
    v = _on(_gcp(tmp_path, public_ip=False), FW_PUBLIC)["network.client-sources"]
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "analytics-net" in v.message and "analytics-net" in v.unmodelled


def test_gcp_firewall_rule_open_to_the_internet_with_external_ips(tmp_path: Path) -> None:
    v = _on(_gcp(tmp_path, public_ip=True), FW_PUBLIC)
    assert v["network.client-sources"].status is Status.FAIL
    assert v["network.open-firewall"].status is Status.FAIL


def test_azure_vm_whose_network_interfaces_were_not_found_is_never_passed() -> None:
    """No NIC examined means nothing judged: on Azure a NIC without an NSG admits all, so
    "no firewall rule admits traffic" would be a PASS on missing data."""
    vm = f"{RG1}/Microsoft.Compute/virtualMachines/vm-broker-0"
    data = copy.deepcopy(load_estate(AZURE / "estate.yaml"))
    for r in data["resources"]:
        if r["id"] == vm:
            r["properties"].pop("networkProfile")
    inv = azure_scanned(data)
    decl = load_declaration(AZURE / "boundary.yaml")
    verdicts = evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts
    got = [v for v in verdicts if v.rule == "network.client-sources" and v.resource == vm.lower()]
    assert [v.status for v in got] == [Status.INCONCLUSIVE], [(v.status, v.message) for v in got]
    assert "no network interface" in got[0].message
