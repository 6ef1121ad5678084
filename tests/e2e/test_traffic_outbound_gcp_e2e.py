"""The monitoring-export and egress traffic classes on GCP, through the GCP fake.

The gcp-kafka estate, collected by the real google-cloud-asset client from the
fake, judged against ``monitoring: {via: [nat], to: [198.51.100.0/24]}`` and
``egress: {via: [nat], to: [198.51.100.0/24]}``:

- as it is, ``broker-ew1-a`` has an external IP and ``default-internet`` sends
  0.0.0.0/0 to the default internet gateway: both classes leave over the
  undeclared internet and FAIL on that route and the instances' external IPs
  (egress also on the implied allow-egress rule: the NAT-ed brokers reach everything);
- the clean twin: no external IPs, a Cloud NAT in each region, an egress rule
  allowing tcp 443 to the collector only and a deny-all egress rule below it:
  both classes PASS over the NAT;
- the twin without the deny-all rule: egress FAILs on the implied allow-egress
  rule (every public address over the NAT); monitoring still PASSes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from auditor.analysis.derive import build_graph
from auditor.analysis.network.addresses import nets_of
from auditor.analysis.network.gcp import firewalls_for, first_matches
from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.model import Status, Verdict
from auditor.pipeline import evaluate_inventory
from tests.gcp_helpers import CP, FIXTURE, NET, estate
from tests.gcp_helpers import scanned as gcp_scanned

pytestmark = pytest.mark.e2e

TODAY = dt.date(2026, 11, 29)
COLLECTOR = "198.51.100.0/24"
ROUTE = f"{CP}/global/routes/default-internet"
EW1_A = f"{CP}/zones/europe-west1-b/instances/broker-ew1-a"
EW4_A = f"{CP}/zones/europe-west4-a/instances/broker-ew4-a"
IMPLIED = f"{NET}/firewalls/implied-allow-egress"
ANCESTORS = ["projects/100000000001", "folders/700000000007", "organizations/500000000005"]
GAPI = "https://www.googleapis.com/compute/v1/projects/orders-prod"


def _asset(kind: str, path: str, location: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"{CP}/{path}",
        "assetType": f"compute.googleapis.com/{kind}",
        "ancestors": ANCESTORS,
        "resource": {
            "version": "v1",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": location,
            "data": data,
        },
    }


def _firewall(name: str, priority: int, rule: dict[str, Any]) -> dict[str, Any]:
    return _asset(
        "Firewall",
        f"global/firewalls/{name}",
        "global",
        {
            "name": name,
            "network": f"{GAPI}/global/networks/kafka-net",
            "direction": "EGRESS",
            "priority": priority,
            **rule,
        },
    )


def _twin(*, deny_all: bool) -> list[dict[str, Any]]:
    assets = estate()
    for a in assets:
        if a["assetType"] == "compute.googleapis.com/Instance":
            for nic in a["resource"]["data"].get("networkInterfaces") or []:
                nic.pop("accessConfigs", None)
    assets.append(
        _asset(
            "Router",
            "regions/europe-west4/routers/nat-router-ew4",
            "europe-west4",
            {
                "name": "nat-router-ew4",
                "network": f"{GAPI}/global/networks/kafka-net",
                "region": f"{GAPI}/regions/europe-west4",
                "nats": [
                    {
                        "name": "egress-nat-ew4",
                        "natIpAllocateOption": "AUTO_ONLY",
                        "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
                    }
                ],
            },
        )
    )
    assets.append(
        _firewall(
            "allow-collector",
            1000,
            {
                "destinationRanges": [COLLECTOR],
                "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}],
            },
        )
    )
    if deny_all:
        assets.append(
            _firewall(
                "deny-all-egress",
                65000,
                {"destinationRanges": ["0.0.0.0/0"], "denied": [{"IPProtocol": "all"}]},
            )
        )
    return assets


DECLARED = (
    f"  monitoring: {{via: [nat], to: [{COLLECTOR}]}}\n  egress: {{via: [nat], to: [{COLLECTOR}]}}"
)


def _verdicts(
    tmp: Path, assets: list[dict[str, Any]], declared: str = DECLARED
) -> dict[str, Verdict]:
    inv = gcp_scanned(assets)
    text = (FIXTURE / "boundary.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  kafka_ports: [9092]",
        "  kafka_ports: [9092]\n" + declared,
    )
    path = tmp / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    verdicts = evaluate_inventory(inv, load_declaration(path), load_pack("default"), TODAY).verdicts
    return {
        v.aspect: v
        for v in verdicts
        if v.rule == "network.traffic-class"
        and v.aspect in ("monitoring", "egress")
        and v.resource == NET
    }


def test_external_ip_sends_both_classes_over_the_undeclared_internet(tmp_path: Path) -> None:
    vs = _verdicts(tmp_path, estate())
    for cls in ("monitoring", "egress"):
        v = vs[cls]
        assert v.status is Status.FAIL, v.message
        assert "undeclared internet" in v.message and "broker-ew1-a" in v.message
        assert EW1_A in v.affects
    # The route and the external IPs chose the internet; for egress, the NAT-ed brokers
    # reach every public address too, let out by the implied allow-egress rule.
    assert vs["monitoring"].causes == (ROUTE, EW1_A, EW4_A)
    assert set(vs["egress"].causes) == {ROUTE, EW1_A, EW4_A, IMPLIED}


def test_clean_twin_leaves_only_for_the_collector_over_cloud_nat(tmp_path: Path) -> None:
    vs = _verdicts(tmp_path, _twin(deny_all=True))
    assert vs["monitoring"].status is Status.PASS, vs["monitoring"].message
    assert "(nat)" in vs["monitoring"].message
    assert vs["egress"].status is Status.PASS, vs["egress"].message
    assert COLLECTOR in vs["egress"].message


def test_implied_allow_egress_lets_every_public_address_out(tmp_path: Path) -> None:
    vs = _verdicts(tmp_path, _twin(deny_all=False))
    assert vs["monitoring"].status is Status.PASS, vs["monitoring"].message
    egr = vs["egress"]
    assert egr.status is Status.FAIL, egr.message
    assert "over nat" in egr.message
    assert egr.causes == (IMPLIED,)


def _analytics_subnet(assets: list[dict[str, Any]]) -> None:
    assets.append(
        _asset(
            "Subnetwork",
            "regions/europe-west1/subnetworks/analytics-ew1",
            "europe-west1",
            {
                "name": "analytics-ew1",
                "network": f"{GAPI}/global/networks/analytics-net",
                "region": f"{GAPI}/regions/europe-west1",
                "ipCidrRange": "10.30.0.0/20",
                "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.31.0.0/16"}],
            },
        )
    )


def test_collector_in_a_peered_network_is_reached_over_the_peering(tmp_path: Path) -> None:
    """Peering subnet routes win over the 0.0.0.0/0 route to the internet gateway: a
    collector in the peered analytics network is reached over ``peering``; declared
    ``nat`` only, the same path is undeclared, and the peering is what to change."""
    assets = estate()
    _analytics_subnet(assets)
    ok = _verdicts(tmp_path, assets, "  monitoring: {via: [peering], to: [10.30.0.5/32]}")
    assert ok["monitoring"].status is Status.PASS, ok["monitoring"].message
    assert "(peering)" in ok["monitoring"].message
    bad = _verdicts(tmp_path, assets, "  monitoring: {via: [nat], to: [10.30.0.5/32]}")
    assert bad["monitoring"].status is Status.FAIL, bad["monitoring"].message
    assert "undeclared peering" in bad["monitoring"].message
    assert bad["monitoring"].causes == (f"{NET}/peerings/to-analytics",)


def test_private_collector_beyond_an_uncollected_peer_is_unknown(tmp_path: Path) -> None:
    """10.99.0.0/16 is in no collected network; the partner's peered network was not
    collected and could hold it: INCONCLUSIVE, not a FAIL the partner could refute."""
    vs = _verdicts(tmp_path, estate(), "  monitoring: {via: [peering], to: [10.99.0.0/16]}")
    v = vs["monitoring"]
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "shared-vpc" in v.message
    assert "partner-shared/global/networks/shared-vpc" in v.unmodelled


def _listing_nat(ranges: list[str], subnetwork: str = "kafka-ew4") -> list[dict[str, Any]]:
    """The clean twin with its europe-west4 Cloud NAT listing one subnetwork's ``ranges``."""
    assets = _twin(deny_all=True)
    for a in assets:
        if a["name"].endswith("/routers/nat-router-ew4"):
            a["resource"]["data"]["nats"] = [
                {
                    "name": "egress-nat-ew4",
                    "natIpAllocateOption": "AUTO_ONLY",
                    "sourceSubnetworkIpRangesToNat": "LIST_OF_SUBNETWORKS",
                    "subnetworks": [
                        {
                            "name": f"{GAPI}/regions/europe-west4/subnetworks/{subnetwork}",
                            "sourceIpRangesToNat": ranges,
                            "secondaryIpRangeNames": (
                                ["pods"] if "LIST_OF_SECONDARY_IP_RANGES" in ranges else []
                            ),
                        }
                    ],
                }
            ]
    return assets


NAT_EW4 = f"{CP}/regions/europe-west4/routers/nat-router-ew4/nats/egress-nat-ew4"


def test_a_cloud_nat_listing_the_primary_range_translates_the_brokers(tmp_path: Path) -> None:
    for ranges in (["PRIMARY_IP_RANGE"], ["ALL_IP_RANGES"]):
        vs = _verdicts(tmp_path, _listing_nat(ranges))
        assert vs["monitoring"].status is Status.PASS, (ranges, vs["monitoring"].message)


def test_a_cloud_nat_listing_only_secondary_ranges_or_another_subnetwork_is_no_way_out(
    tmp_path: Path,
) -> None:
    """The europe-west4 brokers' addresses are in kafka-ew4's primary range: a NAT that
    translates only its secondary ranges, or lists another subnetwork, does not carry
    them; the NAT's list is what to change."""
    for assets in (
        _listing_nat(["LIST_OF_SECONDARY_IP_RANGES"]),
        _listing_nat(["ALL_IP_RANGES"], subnetwork="other-ew4"),
    ):
        v = _verdicts(tmp_path, assets)["monitoring"]
        assert v.status is Status.FAIL, v.message
        assert "cannot export" in v.message and "broker-ew4" in v.message, v.message
        assert "egress-nat-ew4 does not list" in v.message
        assert v.causes == (NAT_EW4,)


def test_a_collector_in_a_peer_secondary_range_is_reached_over_the_peering(
    tmp_path: Path,
) -> None:
    """Peering exchanges the subnet routes of secondary ranges too (alias IPs, GKE pods):
    the peer network's address space includes them (one function computes it)."""
    assets = estate()
    _analytics_subnet(assets)
    ok = _verdicts(tmp_path, assets, "  monitoring: {via: [peering], to: [10.31.0.5/32]}")
    assert ok["monitoring"].status is Status.PASS, ok["monitoring"].message
    assert "(peering)" in ok["monitoring"].message


def test_first_matching_egress_rule_decides_each_address() -> None:
    """The one GCP first-match loop, over the clean twin's egress rules: the collector
    range is decided by the allow rule, everything else by the deny-all below it."""
    inv = gcp_scanned(_twin(deny_all=True))
    graph = build_graph(inv, load_declaration(FIXTURE / "boundary.yaml"))
    fws = firewalls_for(graph, NET, set(), set(), "egress")
    decided, rest = first_matches(
        fws, 443, nets_of(["0.0.0.0/0"]), lambda f: nets_of(f.attributes["destination_ranges"])
    )
    got = [(f.name, len(n)) for f, n in decided]
    assert got[0] == ("allow-collector", 1) and str(decided[0][1][0]) == COLLECTOR
    assert got[1][0] == "deny-all-egress" and rest == ()
    decided, rest = first_matches(
        fws, 22, nets_of(["0.0.0.0/0"]), lambda f: nets_of(f.attributes["destination_ranges"])
    )
    assert [f.name for f, _ in decided] == ["deny-all-egress"] and rest == ()


def test_a_dual_stack_subnetwork_makes_egress_inconclusive_naming_ipv6(tmp_path: Path) -> None:
    """The clean twin, but subnetwork kafka-ew4 is dual-stack with an external IPv6 range:
    the IPv4 path still holds, the IPv6 path is not modelled on GCP, so egress is
    INCONCLUSIVE naming it (never the twin's PASS); monitoring (IPv4 collector) PASSes."""
    from auditor.analysis.network.outbound_ipv6 import UNMODELLED

    assets = _twin(deny_all=True)
    for a in assets:
        if a["name"].endswith("/subnetworks/kafka-ew4"):
            d = a["resource"]["data"]
            d.update(
                stackType="IPV4_IPV6",
                ipv6AccessType="EXTERNAL",
                externalIpv6Prefix="2600:1900:4060:9f00::/64",
            )
    vs = _verdicts(tmp_path, assets)
    assert vs["monitoring"].status is Status.PASS, vs["monitoring"].message
    egr = vs["egress"]
    assert egr.status is Status.INCONCLUSIVE, egr.message
    assert egr.unmodelled == UNMODELLED["gcp"]
    assert "2600:1900:4060:9f00::/64" in egr.message and "kafka-ew4" in egr.message
