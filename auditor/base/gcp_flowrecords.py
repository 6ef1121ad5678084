"""GCP VPC Flow Logs entries (Cloud Logging ``vpc_flows``): strict parsing into flow records.

The record format is Google's "About VPC Flow Logs records"
(https://cloud.google.com/vpc/docs/about-flow-logs-records): an entry's
``jsonPayload`` has the base fields ``connection`` (IpConnection: ``src_ip``,
``dest_ip``, ``src_port``, ``dest_port``, ``protocol``), ``reporter`` (``SRC`` or
``DEST`` for VMs; ``SRC_GATEWAY``/``DEST_GATEWAY`` for VPN tunnels and
Interconnect attachments), ``bytes_sent``, ``packets_sent`` (int64: JSON strings),
``start_time``, ``end_time`` (RFC 3339), and the metadata fields
``src_instance``/``dest_instance`` (InstanceDetails: ``project_id``, ``zone``,
``vm_name``, ``region``) and ``src_vpc``/``dest_vpc`` (VpcDetails: ``project_id``,
``vpc_name``, ``subnetwork_name``).

GCP writes a record for traffic a VM sent or received, never for traffic a
firewall rule denied (that is Firewall Rules Logging, not read): there is no
REJECT. The action is mapped from the reporter: ``ACCEPT`` when the destination
VM reported it (the packets reached it: its ingress firewall admitted them),
``SENT`` when the source VM did (they left it; whether the far side admitted
them is not in the record). An entry missing a required field, or with a
value the format does not allow, raises ValueError (counted as malformed by
the caller, never guessed); a gateway's record is well formed but has no VM
interface, so :func:`parse_entry` returns its reporter instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.base.flowrecords import FlowRecord, address

LOG_ID = "compute.googleapis.com%2Fvpc_flows"
"""The log id VPC Flow Logs write to (URL-encoded, as a filter's ``logName`` names it)."""

_VM_REPORTERS = {"SRC": ("src", "SENT"), "DEST": ("dest", "ACCEPT")}
GATEWAY_REPORTERS = ("SRC_GATEWAY", "DEST_GATEWAY")
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_PROJECT = re.compile(r"^[a-z][-a-z0-9.:]{4,61}[a-z0-9]$")


@dataclass(frozen=True, kw_only=True, slots=True)
class GcpFlowRecord:
    """One VM's record: the aggregation's record, and the network it was reported in."""

    record: FlowRecord
    """``interface`` is the reporting VM's full resource name (GCP models no interface
    of its own; the VM's interface in :attr:`network` is meant)."""
    network: str
    """``//compute.googleapis.com/projects/P/global/networks/N`` (the reporter's VPC)."""
    subnetwork: str
    """``//compute.googleapis.com/projects/P/regions/R/subnetworks/S`` ("" if no region)."""
    reporter: str


def _field(d: Mapping[str, Any], key: str, where: str = "") -> Any:
    if key not in d or d[key] is None:
        raise ValueError(f"no {where}{key}")
    return d[key]


def _count(value: Any, what: str, high: int | None = None) -> int:
    """A non-negative integer given as a JSON number or a decimal string (int64)."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: not a count: {value!r}")
    if isinstance(value, int):
        n = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    ):
        n = int(value)
    else:
        raise ValueError(f"{what}: not a count: {value!r}")
    if n < 0 or (high is not None and n > high):
        raise ValueError(f"{what}: {n} out of range")
    return n


def _address(conn: Mapping[str, Any], key: str) -> str:
    value = _field(conn, key, "connection.")
    if not isinstance(value, str):
        raise ValueError(f"connection.{key}: not an address: {value!r}")
    try:
        return address(value)
    except ValueError:
        raise ValueError(f"connection.{key}: not an address: {value!r}") from None


def _seconds(value: Any, what: str) -> int:
    m = _TIME.match(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"{what}: not an RFC 3339 time: {value!r}")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return int(dt.datetime.fromisoformat(m.group(1) + zone).timestamp())


def _name(d: Mapping[str, Any], key: str, where: str, pattern: re.Pattern[str] = _NAME) -> str:
    value = _field(d, key, where)
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{where}{key}: {value!r}")
    return value


def _vm(payload: Mapping[str, Any], side: str) -> tuple[str, str, str]:
    """The reporting VM's full name, its network and its subnetwork."""
    inst = _field(payload, f"{side}_instance", "")
    vpc = _field(payload, f"{side}_vpc", "")
    if not isinstance(inst, Mapping) or not isinstance(vpc, Mapping):
        raise ValueError(f"{side}_instance or {side}_vpc is not an object")
    where = f"{side}_instance."
    project = _name(inst, "project_id", where, _PROJECT)
    zone = _name(inst, "zone", where)
    vm = _name(inst, "vm_name", where)
    where = f"{side}_vpc."
    net_project = _name(vpc, "project_id", where, _PROJECT)
    net = _name(vpc, "vpc_name", where)
    sub = _name(vpc, "subnetwork_name", where)
    region = inst.get("region") if isinstance(inst.get("region"), str) else ""
    if region and not _NAME.match(region):
        raise ValueError(f"{side}_instance.region: {region!r}")
    cp = "//compute.googleapis.com/projects"
    subnet = f"{cp}/{net_project}/regions/{region}/subnetworks/{sub}" if region else ""
    return (
        f"{cp}/{project}/zones/{zone}/instances/{vm}",
        f"{cp}/{net_project}/global/networks/{net}",
        subnet,
    )


def parse_entry(entry: Mapping[str, Any]) -> GcpFlowRecord | str:
    """A VM's record, or the reporter of a gateway's record (no VM interface).

    Raises ValueError for an entry the vpc_flows format does not allow.
    """
    payload = _field(entry, "jsonPayload", "")
    if not isinstance(payload, Mapping):
        raise ValueError("jsonPayload is not an object")
    reporter = _field(payload, "reporter", "")
    if reporter in GATEWAY_REPORTERS:
        return str(reporter)
    if reporter not in _VM_REPORTERS:
        raise ValueError(f"reporter {reporter!r}")
    side, action = _VM_REPORTERS[reporter]
    conn = _field(payload, "connection", "")
    if not isinstance(conn, Mapping):
        raise ValueError("connection is not an object")
    src, dst = _address(conn, "src_ip"), _address(conn, "dest_ip")
    instance, network, subnet = _vm(payload, side)
    record = FlowRecord(
        interface=instance,
        src=src,
        dst=dst,
        src_port=_count(_field(conn, "src_port", "connection."), "src_port", 65535),
        dst_port=_count(_field(conn, "dest_port", "connection."), "dest_port", 65535),
        protocol=_count(_field(conn, "protocol", "connection."), "protocol", 255),
        packets=_count(_field(payload, "packets_sent"), "packets_sent"),
        bytes=_count(_field(payload, "bytes_sent"), "bytes_sent"),
        start=_seconds(_field(payload, "start_time"), "start_time"),
        end=_seconds(_field(payload, "end_time"), "end_time"),
        action=action,
    )
    if record.end < record.start:
        raise ValueError("end_time before start_time")
    return GcpFlowRecord(record=record, network=network, subnetwork=subnet, reporter=reporter)
