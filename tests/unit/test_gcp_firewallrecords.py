"""Firewall Rules Logging entries parsed strictly: an ingress rule's connection at its VM,
ALLOWED or DENIED, no bytes; egress rules' entries skipped; anything else malformed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auditor.base.gcp_firewallrecords import parse_firewall_entry
from auditor.base.gcp_flowrecords import GcpFlowRecord
from auditor.fakecloud.gcp_logging import firewall_entry

VM = "//compute.googleapis.com/projects/orders-prod/zones/europe-west1-b/instances/broker-ew1-a"


def _entry(**kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "project": "orders-prod",
        "vm": "broker-ew1-a",
        "zone": "europe-west1-b",
        "network": "kafka-net",
        "subnetwork": "kafka-ew1",
        "src": "203.0.113.60",
        "dst": "10.10.0.11",
        "dst_port": 9092,
        "rule": "allow-kafka-public",
        **kw,
    }
    return firewall_entry(**args)


def test_an_allowed_ingress_connection_is_a_record_at_its_vm() -> None:
    got = parse_firewall_entry(_entry())
    assert isinstance(got, GcpFlowRecord)
    r = got.record
    assert (r.interface, r.src, r.dst, r.dst_port, r.protocol) == (
        VM,
        "203.0.113.60",
        "10.10.0.11",
        9092,
        6,
    )
    assert (r.action, r.bytes, r.packets, r.start == r.end) == ("ALLOWED", 0, 0, True)
    assert got.network.endswith("/global/networks/kafka-net")
    assert got.subnetwork.endswith("/regions/europe-west1/subnetworks/kafka-ew1")


def test_denied_and_egress() -> None:
    denied = parse_firewall_entry(_entry(disposition="DENIED"))
    assert isinstance(denied, GcpFlowRecord) and denied.record.action == "DENIED"
    assert parse_firewall_entry(_entry(direction="EGRESS")) == "EGRESS"


def test_icmp_has_no_ports() -> None:
    e = _entry(protocol=1)
    del e["jsonPayload"]["connection"]["src_port"], e["jsonPayload"]["connection"]["dest_port"]
    got = parse_firewall_entry(e)
    assert isinstance(got, GcpFlowRecord) and got.record.dst_port == 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("disposition",), "MAYBE"),
        (("rule_details", "direction"), "SIDEWAYS"),
        (("rule_details", "reference"), "firewall:allow"),
        (("connection", "dest_port"), 70000),
        (("connection", "src_ip"), "not-an-ip"),
        (("instance", "vm_name"), "Bad_Name"),
        (("vpc",), None),
    ],
)
def test_what_the_format_does_not_allow_is_malformed(path: tuple[str, ...], value: Any) -> None:
    e = copy.deepcopy(_entry())
    d = e["jsonPayload"]
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value
    with pytest.raises(ValueError):
        parse_firewall_entry(e)


def test_a_tcp_connection_without_its_port_is_malformed() -> None:
    e = _entry()
    del e["jsonPayload"]["connection"]["dest_port"]
    with pytest.raises(ValueError, match="dest_port"):
        parse_firewall_entry(e)
