"""The attributes of one ``observed_flow`` aggregate, the same for every cloud.

Each cloud's flow read (AWS VPC Flow Logs, Azure VNet/NSG flow logs, GCP
``vpc_flows``) aggregates its records with :class:`~auditor.base.flowrecords.FlowTally`;
this turns one aggregate into the kind's attributes, so the rules read one shape.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from auditor.model import JSONValue


@functools.lru_cache(maxsize=1 << 16)
def utc(seconds: float) -> str:
    """Seconds since the epoch as an ISO 8601 UTC time (``...Z``); remembered, as a
    window's aggregates share their first and last seconds many times over."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat().replace("+00:00", "Z")


def flow_attributes(
    flow: Mapping[str, Any], *, read_id: str, interface: str
) -> dict[str, JSONValue]:
    """An aggregate's attributes: the read it came from, the interface that logged it, the
    five-tuple less the source port, and its counts and first/last times."""
    return {
        "flow_read": read_id,
        "interface_id": interface,
        "src": str(flow["src"]),
        "dst": str(flow["dst"]),
        "dst_port": int(flow["dst_port"]),
        "protocol": int(flow["protocol"]),
        "action": str(flow["action"]),
        "records": int(flow["records"]),
        "packets": int(flow["packets"]),
        "bytes": int(flow["bytes"]),
        "first_seen": utc(int(flow["first_seen"])),
        "last_seen": utc(int(flow["last_seen"])),
    }


def observed_reason(flow: Mapping[str, Any], what: str = "record") -> str:
    """The ``network.observed`` relation's reason: how many of what went where."""
    return (
        f"{flow['records']} {flow['action']} {what}(s) from {flow['src']} to "
        f"{flow['dst']}:{flow['dst_port']}"
    )
