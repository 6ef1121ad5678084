"""The monitoring-export and egress traffic classes on Azure, through the Azure fake.

``fixtures/azure-outbound`` (its README's tables are what is asserted): four VNets, a
broker each, judged against ``{via: [nat], to: [198.51.100.0/24]}``: one leaves over a
public IP (FAIL), its clean twin through a NAT gateway with a tight NSG (PASS), one has
no way out (monitoring FAILs, egress holds), one routes everything to an Azure Firewall
whose policy is not modelled (INCONCLUSIVE, naming it); a scale set with per-instance
public IPs leaves over the internet (FAIL on the scale set) and its twin behind a NAT
gateway with an NSG on its NIC configuration holds; a dual-stack subnet's IPv6 path is
not modelled (egress INCONCLUSIVE, naming it). The azure-kafka estate judged
the same way: its broker with a public IP leaves over the undeclared internet.

Each estate is collected through the real Azure SDK clients from the fake.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from auditor.analysis.network.outbound_azure import APPLIANCE, DEFAULT_ACCESS
from auditor.analysis.network.outbound_ipv6 import UNMODELLED
from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_server import AzureFake
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.azure_helpers import S1
from tests.azure_helpers import scanned as azure_scanned
from tests.estate_readme import (
    INCONCLUSIVE,
    PLANTED,
    EstateReadme,
    assert_one_finding_per_misconfiguration,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "azure-outbound"
KAFKA = ROOT / "fixtures" / "azure-kafka"
TODAY = dt.date(2026, 11, 29)
NET = f"/subscriptions/{S1}/resourcegroups/rg-egress-weu/providers/microsoft.network"


def _outbound(verdicts: list[Verdict]) -> list[Verdict]:
    return [
        v
        for v in verdicts
        if v.rule == "network.traffic-class" and v.aspect in ("monitoring", "egress")
    ]


def _judged(estate: Path | dict[str, Any]) -> tuple[Inventory, list[Verdict]]:
    with AzureFake(estate, page_size=50) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1,),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
    assert result.gaps == []
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1,), regions=("westeurope",), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    decl = load_declaration(FIXTURE / "boundary.yaml")
    return inv, _outbound(evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts)


@pytest.fixture(scope="module")
def outbound() -> tuple[Inventory, list[Verdict]]:
    return _judged(FIXTURE / "estate.yaml")


def _by(verdicts: list[Verdict]) -> dict[tuple[str, str], Verdict]:
    return {(v.aspect, v.resource.rsplit("/", 1)[-1]): v for v in verdicts}


def test_readme_tables_match_the_estate(outbound: tuple[Inventory, list[Verdict]]) -> None:
    inv, verdicts = outbound
    readme = EstateReadme(path=FIXTURE / "README.md", explained=(PLANTED, INCONCLUSIVE))
    assert readme.uncaught(verdicts, inv) == []
    assert readme.flagged_twins(verdicts, inv) == []
    assert readme.unexplained(verdicts, inv) == []
    assert readme.stale(verdicts, inv) == []
    assert_one_finding_per_misconfiguration(readme, verdicts, inv)


def test_the_public_ip_is_what_chose_the_undeclared_internet(
    outbound: tuple[Inventory, list[Verdict]],
) -> None:
    vs = _by(outbound[1])
    for aspect in ("monitoring", "egress"):
        v = vs[(aspect, "vnet-leaky")]
        assert v.status is Status.FAIL and "undeclared internet" in v.message, v.message
        assert v.causes == (f"{NET}/publicipaddresses/pip-leaky",)
        assert v.affects == (
            f"/subscriptions/{S1}/resourcegroups/rg-egress-weu/providers/microsoft.compute/"
            "virtualmachines/vm-leaky",
        )


def test_a_subnet_with_no_way_out_cannot_export(
    outbound: tuple[Inventory, list[Verdict]],
) -> None:
    vs = _by(outbound[1])
    mon = vs[("monitoring", "vnet-closed")]
    assert mon.status is Status.FAIL and "cannot export" in mon.message, mon.message
    assert "default outbound access disabled" in mon.message
    assert mon.causes == (f"{NET}/virtualnetworks/vnet-closed/subnets/snet-closed",)
    assert vs[("egress", "vnet-closed")].status is Status.PASS


def test_an_azure_firewall_next_hop_is_named_as_unmodelled(
    outbound: tuple[Inventory, list[Verdict]],
) -> None:
    vs = _by(outbound[1])
    for aspect in ("monitoring", "egress"):
        v = vs[(aspect, "vnet-firewalled")]
        assert v.status is Status.INCONCLUSIVE, v.message
        assert v.unmodelled == APPLIANCE and "Azure Firewall" in v.unmodelled
        assert "10.43.0.4" in v.message


def test_tight_twin_passes_over_the_nat_gateway(outbound: tuple[Inventory, list[Verdict]]) -> None:
    vs = _by(outbound[1])
    mon, egr = vs[("monitoring", "vnet-tight")], vs[("egress", "vnet-tight")]
    assert mon.status is Status.PASS and "(nat)" in mon.message, mon.message
    assert egr.status is Status.PASS and "198.51.100.0/24" in egr.message, egr.message


def test_azure_kafka_broker_with_a_public_ip_leaves_over_the_internet(tmp_path: Path) -> None:
    """azure-kafka's vm-broker-0 has public IP pip-broker-0 and its subnet no NAT gateway:
    both classes leave over the undeclared internet, through that IP."""
    text = (
        (KAFKA / "boundary.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "  public_ingress: none",
            "  public_ingress: none\n"
            "  monitoring: {via: [nat], to: [198.51.100.0/24]}\n"
            "  egress: {via: [nat], to: [198.51.100.0/24]}",
        )
    )
    path = tmp_path / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    verdicts = _outbound(
        evaluate_inventory(
            azure_scanned(), load_declaration(path), load_pack("default"), TODAY
        ).verdicts
    )
    weu = [v for v in verdicts if v.resource.endswith("/virtualnetworks/vnet-kafka-weu")]
    assert {v.aspect for v in weu} == {"monitoring", "egress"}
    for v in weu:
        assert v.status is Status.FAIL, v.message
        assert "undeclared internet" in v.message and "vm-broker-0" in v.message
        assert v.causes == (
            f"/subscriptions/{S1}/resourcegroups/rg-kafka-weu/providers/microsoft.network/"
            "publicipaddresses/pip-broker-0",
        )


def test_default_outbound_access_not_set_is_unknown_naming_it() -> None:
    """vnet-closed's subnet without ``defaultOutboundAccess``: whether the broker gets out
    depends on when the subnet was created, which is not recorded: INCONCLUSIVE."""
    estate = YAML(typ="safe").load((FIXTURE / "estate.yaml").read_text(encoding="utf-8"))
    for r in estate["resources"]:
        for sub in (r.get("properties") or {}).get("subnets") or []:
            (sub.get("properties") or {}).pop("defaultOutboundAccess", None)
    vs = _by(_judged(estate)[1])
    for aspect in ("monitoring", "egress"):
        v = vs[(aspect, "vnet-closed")]
        assert v.status is Status.INCONCLUSIVE, v.message
        assert v.unmodelled == DEFAULT_ACCESS and "snet-closed" in v.message


def test_a_scale_set_with_per_instance_public_ips_leaves_over_the_internet(
    outbound: tuple[Inventory, list[Verdict]],
) -> None:
    vs = _by(outbound[1])
    vmss = (
        f"/subscriptions/{S1}/resourcegroups/rg-egress-weu/providers/microsoft.compute/"
        "virtualmachinescalesets/vmss-scaled"
    )
    for aspect in ("monitoring", "egress"):
        v = vs[(aspect, "vnet-scaled")]
        assert v.status is Status.FAIL and "undeclared internet" in v.message, v.message
        assert v.causes == (vmss,) and v.affects == (vmss,)
        # The scale set is its own per-instance public IP's hop: said once, then named.
        assert "(vmss-scaled -> per-instance public IP)" in v.message, v.message


def test_a_scale_set_behind_nat_with_a_nic_configuration_nsg_holds(
    outbound: tuple[Inventory, list[Verdict]],
) -> None:
    vs = _by(outbound[1])
    egr = vs[("egress", "vnet-scaled-tight")]
    assert egr.status is Status.PASS and "198.51.100.0/24" in egr.message, egr.message
    assert "vmss-scaled-tight" in str(egr.evidence.attributes)
    assert vs[("monitoring", "vnet-scaled-tight")].status is Status.PASS


def test_a_dual_stack_subnet_makes_egress_inconclusive_naming_ipv6(
    outbound: tuple[Inventory, list[Verdict]],
) -> None:
    vs = _by(outbound[1])
    egr = vs[("egress", "vnet-dualstack")]
    assert egr.status is Status.INCONCLUSIVE, egr.message
    assert egr.unmodelled == UNMODELLED["azure"] and "2001:db8:47:1::/64" in egr.message
    assert vs[("monitoring", "vnet-dualstack")].status is Status.PASS
