"""GCP Firewall Rules Logging as an observed source, end to end: firewall rules with logging on
in the gcp-kafka and observed-flows-gcp estates, their ``compute.googleapis.com%2Ffirewall``
entries served by the GCP fake and read by the real google-cloud-logging client over the
same window as ``vpc_flows``. An ALLOWED connection to a Kafka port from an undeclared
source FAILs ``network.observed-sources`` even where the sampled VPC Flow Logs missed it;
DENIED connections are reported apart (never a FAIL), on that rule and on the REJECT line
of ``data.observed-egress``; the records carry no bytes and never enter byte totals or the
data-movement map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.analysis.data_movement import movement_map
from auditor.fakecloud.gcp_logging import firewall_entry
from auditor.model import Status
from tests.e2e import test_observed_flows_gcp_estate as estate
from tests.e2e.test_observed_flows_gcp_e2e import (
    CLIENT,
    PEER,
    _collect,
    _complete,
    _on,
    _verdicts,
)
from tests.gcp_helpers import BROKER_EW1_A, CP, NET, PROJECT, data

pytestmark = pytest.mark.e2e

PUBLIC = f"{CP}/global/firewalls/allow-kafka-public"
DENY_DR = f"{CP}/global/firewalls/deny-kafka-public-dr"
EW1 = f"{CP}/regions/europe-west1/subnetworks/kafka-ew1"
FW_LOG = f"projects/{PROJECT}/logs/compute.googleapis.com%2Ffirewall"


def _logged(assets: list[dict[str, Any]], *rules: str) -> list[dict[str, Any]]:
    for rule in rules:
        data(assets, rule)["logConfig"] = {"enable": True, "metadata": "INCLUDE_ALL_METADATA"}
    return assets


def _at_ew1_a(src: str, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "project": PROJECT,
        "vm": "broker-ew1-a",
        "zone": "europe-west1-b",
        "network": "kafka-net",
        "subnetwork": "kafka-ew1",
        "src": src,
        "dst": "10.10.0.11",
        "dst_port": 9092,
        "rule": "allow-kafka-public",
        **kw,
    }
    return firewall_entry(**args)


DENIED = [
    firewall_entry(
        project=PROJECT,
        vm="broker-ew4-a",
        zone="europe-west4-a",
        network="kafka-net",
        subnetwork="kafka-ew4",
        src="198.51.100.9",
        dst="10.20.0.11",
        dst_port=9092,
        rule="deny-kafka-public-dr",
        disposition="DENIED",
        priority=900,
        ago=300 + i,
    )
    for i in range(3)
]


def test_an_allowed_connection_the_sampled_flow_logs_missed_fails(tmp_path: Path) -> None:
    """kafka-ew1 samples 0.5 and its records hold no trace of 203.0.113.60; the logged
    allow-kafka-public rule recorded the connection it allowed."""
    assets = _logged(_complete(), PUBLIC, DENY_DR)
    data(assets, EW1)["logConfig"]["flowSampling"] = 0.5
    bodies: list[Any] = []
    result, inv = _collect(
        assets, [*CLIENT, *PEER, _at_ew1_a("203.0.113.60"), *DENIED], bodies=bodies
    )
    assert result.gaps == []
    fw = [b for b in bodies if FW_LOG in b["filter"]]
    assert fw and fw[0]["filter"].startswith(f'logName="{FW_LOG}" AND timestamp>="')
    verdicts = _verdicts(inv, tmp_path)
    v = _on(verdicts, BROKER_EW1_A)
    assert v.status is Status.FAIL, v.message
    assert "203.0.113.60 -> 10.10.0.11:9092 (1 connections allowed by a logged firewall" in (
        v.message
    )
    assert v.causes == (PUBLIC,)
    (flow,) = v.evidence.attributes["undeclared_flows"]
    assert flow["bytes"] == 0  # a connection, never a byte count
    assert v.evidence.attributes["denied"]["connections"] == 3  # apart, on the evidence
    # the network's "nothing else came" is never claimed: its flow logs are sampled
    assert not [x for x in verdicts if x.resource == NET and x.status is Status.PASS]


def test_the_twin_passes_with_denied_connections_reported_apart(tmp_path: Path) -> None:
    assets = _logged(_complete(), PUBLIC, DENY_DR)
    _, inv = _collect(assets, [*CLIENT, *PEER, _at_ew1_a("192.0.2.10"), *DENIED])
    (read,) = [r for r in inv.resources if r.kind == "flow_read" and r.name.endswith("firewall")]
    assert read.attributes["records"] == 4 and read.attributes["firewall_rules"] == [
        PUBLIC,
        DENY_DR,
    ]
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.PASS, v.message
    assert "DENIED by logged firewall rules (reported apart, not judged): 3 connection(s)" in (
        v.message
    )
    assert v.evidence.attributes["denied"] == {
        "connections": 3,
        "sources": 1,
        "top_sources": [{"src": "198.51.100.9", "connections": 3}],
    }


def test_without_logged_rules_nothing_is_read_and_the_allowed_entry_is_not_used(
    tmp_path: Path,
) -> None:
    assets = _complete()
    bodies: list[Any] = []
    _, inv = _collect(assets, [*CLIENT, *PEER, _at_ew1_a("203.0.113.60")], bodies=bodies)
    assert not [b for b in bodies if FW_LOG in b["filter"]]
    assert _on(_verdicts(inv, tmp_path), NET).status is Status.PASS


def _no_firewall_log(e: Any) -> bool:
    return not str(e["logName"]).endswith("%2Ffirewall")


def test_denied_connections_are_the_gcp_reject_line_and_never_bytes() -> None:
    """The fixture's logged dr3-deny-scanners rule DENIED three connections at broker-ew3."""
    s = estate._scan()
    v = estate._on(s, "data.observed-egress", estate.DR3)
    assert v.status is Status.PASS, v.message  # refused: nothing crossed
    assert "REJECTed (reported apart, not judged): 3 records from 2 source(s)" in v.message
    assert v.evidence.attributes["rejected"]["top_sources"] == [
        {"src": "198.51.100.7", "records": 2},
        {"src": "198.51.100.8", "records": 1},
    ]
    # the map holds bytes only: the fixture's crossings, unchanged by the firewall records
    m = movement_map(s.inventory.resources)
    assert m is not None
    got = {(c.kind, c.source, c.target, c.medium): c.bytes for c in m.crossings}
    e1, e4 = "gcp/orders-prod/europe-west1", "gcp/orders-prod/europe-west4"
    assert got == {
        ("region", e1, e4, "local"): 240_000_000,
        ("region", e1, e4, "nat"): 80_000_000,
        ("internet", e1, "internet", "nat"): 15_000_000,
        ("outside the estate", "outside the estate", e1, "internet gateway or unmodelled"): 2400,
    }
    # every rule's verdicts are those of the fixture without the firewall log's entries
    plain = estate._scan(keep=_no_firewall_log)
    assert {(x.rule, x.resource, x.status) for x in s.verdicts} == {
        (x.rule, x.resource, x.status) for x in plain.verdicts
    }
    assert "REJECTed" not in estate._on(plain, "data.observed-egress", estate.DR3).message


def _log_rule(name: str) -> estate.Edit:
    def edit(assets: list[dict[str, Any]]) -> None:
        rule = estate._data(assets, f"{estate.CP}/global/firewalls/{name}")
        rule["logConfig"] = {"enable": True}

    return edit


def _allowed(vm: str, zone: str, net: str, sub: str, src: str, dst: str, rule: str) -> Any:
    return firewall_entry(
        project=PROJECT,
        vm=vm,
        zone=zone,
        network=net,
        subnetwork=sub,
        src=src,
        dst=dst,
        dst_port=9092,
        rule=rule,
        ago=500,
    )


def test_an_allowed_connection_on_a_closed_path_is_model_drift() -> None:
    """main-allow-kafka's log says it ALLOWED 172.16.9.9 into broker-ew1, an address no
    collected network or link holds and the rule as collected does not admit: the same
    drift the fixture's planted 172.16.5.5 shows, seen by the firewall log alone."""
    drift = _allowed(
        "broker-ew1", "europe-west1-b", "kafka-main", "main-ew1", "172.16.9.9",
        "10.10.0.10", "main-allow-kafka",
    )  # fmt: skip
    s = estate._scan(_log_rule("main-allow-kafka"), extra=[drift])
    v = estate._on(s, "network.observed-closed-path", f"{estate.CP}/zones/europe-west1-b/"
                   "instances/broker-ew1")  # fmt: skip
    assert v.status is Status.FAIL, v.message
    assert "172.16.9.9 -> 10.10.0.10:9092 ALLOWED" in v.message
    assert "172.16.5.5 -> 10.10.0.10:9092 ACCEPT" in v.message


def test_the_twin_allowed_on_an_open_path_passes() -> None:
    ok = _allowed(
        "broker-ew3", "europe-west3-a", "kafka-dr3", "dr3-ew3", "10.30.0.50", "10.30.0.10",
        "dr3-allow-kafka",
    )  # fmt: skip
    s = estate._scan(_log_rule("dr3-allow-kafka"), extra=[ok])
    v = estate._on(s, "network.observed-closed-path", estate.DR3)
    assert v.status is Status.PASS, v.message
    plain = estate._on(estate._scan(), "network.observed-closed-path", estate.DR3)
    # the ALLOWED aggregate was judged beside the vpc_flows one, and held
    assert (plain.evidence.attributes["flows_judged"], v.evidence.attributes["flows_judged"]) == (
        1,
        2,
    )
