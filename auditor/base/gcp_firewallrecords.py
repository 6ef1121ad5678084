"""GCP Firewall Rules Logging entries (Cloud Logging ``firewall``): strict parsing into records.

The record format is Google's "Firewall Rules Logging" record format
(https://cloud.google.com/firewall/docs/firewall-rules-logging#log-format): an entry's
``jsonPayload`` has ``connection`` (IpConnection: ``src_ip``, ``dest_ip``, ``src_port``,
``dest_port``, ``protocol``), ``disposition`` (``ALLOWED`` or ``DENIED``), ``rule_details``
(``reference`` ``network:NET/firewall:NAME``, ``direction`` ``INGRESS``/``EGRESS``,
``action``, ``priority``, ...), ``instance`` (the VM the rule applied to: ``project_id``,
``zone``, ``vm_name``, ``region``), ``vpc`` (its ``project_id``, ``vpc_name``,
``subnetwork_name``) and, when Google knows it, ``remote_instance`` / ``remote_vpc`` /
``remote_location``. The entry's ``timestamp`` is when the connection was logged.

One entry is one connection a logged rule decided, never a byte or packet count: the
record's ``bytes`` and ``packets`` are 0 and its action is the disposition, ``ALLOWED``
or ``DENIED`` (never ``ACCEPT``/``SENT``/``REJECT``, so the byte-counting rules and the
data-movement map, which take those, never count it). Only ``INGRESS`` rules' entries
are taken (the VM is the destination: its interface is the record's); an ``EGRESS``
rule's entry is well formed but skipped (:func:`parse_firewall_entry` returns
``"EGRESS"``). An entry missing a required field, or with a value the format does not
allow, raises ValueError (counted as malformed by the caller, never guessed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.base.flowrecords import FlowRecord
from auditor.base.gcp_flowrecords import (
    _NAME,
    _PROJECT,
    GcpFlowRecord,
    _address,
    _count,
    _field,
    _name,
    _seconds,
)

LOG_ID = "compute.googleapis.com%2Ffirewall"
"""The log id Firewall Rules Logging writes to (URL-encoded, as a filter's ``logName``)."""
DISPOSITIONS = ("ALLOWED", "DENIED")
_PORTED = (6, 17, 132)
"""TCP, UDP, SCTP: protocols whose connections have ports."""
_REFERENCE = re.compile(r"^network:[a-z]([-a-z0-9]*[a-z0-9])?/firewall:[a-z]([-a-z0-9]*[a-z0-9])?$")


def _port(conn: Mapping[str, Any], key: str, protocol: int) -> int:
    if protocol not in _PORTED and conn.get(key) is None:
        return 0
    return _count(_field(conn, key, "connection."), key, 65535)


def _instance(payload: Mapping[str, Any]) -> tuple[str, str, str]:
    """The VM the rule applied to: its full name, network and subnetwork."""
    inst, vpc = _field(payload, "instance"), _field(payload, "vpc")
    if not isinstance(inst, Mapping) or not isinstance(vpc, Mapping):
        raise ValueError("instance or vpc is not an object")
    project = _name(inst, "project_id", "instance.", _PROJECT)
    zone = _name(inst, "zone", "instance.")
    vm = _name(inst, "vm_name", "instance.")
    net_project = _name(vpc, "project_id", "vpc.", _PROJECT)
    net = _name(vpc, "vpc_name", "vpc.")
    sub = _name(vpc, "subnetwork_name", "vpc.")
    region = inst.get("region") if isinstance(inst.get("region"), str) else zone.rsplit("-", 1)[0]
    if not _NAME.match(str(region)):
        raise ValueError(f"instance.region: {region!r}")
    cp = "//compute.googleapis.com/projects"
    return (
        f"{cp}/{project}/zones/{zone}/instances/{vm}",
        f"{cp}/{net_project}/global/networks/{net}",
        f"{cp}/{net_project}/regions/{region}/subnetworks/{sub}",
    )


def parse_firewall_entry(entry: Mapping[str, Any]) -> GcpFlowRecord | str:
    """An ingress rule's connection as a record at the VM it reached, or ``"EGRESS"``.

    Raises ValueError for an entry the firewall log format does not allow.
    """
    payload = _field(entry, "jsonPayload", "")
    if not isinstance(payload, Mapping):
        raise ValueError("jsonPayload is not an object")
    disposition = _field(payload, "disposition")
    if disposition not in DISPOSITIONS:
        raise ValueError(f"disposition {disposition!r}")
    rule = _field(payload, "rule_details")
    if not isinstance(rule, Mapping):
        raise ValueError("rule_details is not an object")
    reference = _field(rule, "reference", "rule_details.")
    if not isinstance(reference, str) or not _REFERENCE.match(reference):
        raise ValueError(f"rule_details.reference {reference!r}")
    direction = _field(rule, "direction", "rule_details.")
    if direction == "EGRESS":
        return "EGRESS"
    if direction != "INGRESS":
        raise ValueError(f"rule_details.direction {direction!r}")
    conn = _field(payload, "connection")
    if not isinstance(conn, Mapping):
        raise ValueError("connection is not an object")
    protocol = _count(_field(conn, "protocol", "connection."), "protocol", 255)
    instance, network, subnet = _instance(payload)
    at = _seconds(_field(entry, "timestamp"), "timestamp")
    record = FlowRecord(
        interface=instance,
        src=_address(conn, "src_ip"),
        dst=_address(conn, "dest_ip"),
        src_port=_port(conn, "src_port", protocol),
        dst_port=_port(conn, "dest_port", protocol),
        protocol=protocol,
        packets=0,
        bytes=0,
        start=at,
        end=at,
        action=str(disposition),
    )
    return GcpFlowRecord(record=record, network=network, subnetwork=subnet, reporter=direction)
