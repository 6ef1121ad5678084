"""Azure flow log blobs for fixture estates, as Network Watcher writes them to storage.

VNet flow logs: container ``insights-logs-flowlogflowevent``, blob
``flowLogResourceID=/<FLOW LOG ID, upper case>/y=/m=/d=/h=/m=00/macAddress=<MAC>/PT1H.json``
holding ``{"records": [{"macAddress", "flowLogResourceID", "flowRecords": {"flows":
[{"aclID", "flowGroups": [{"rule", "flowTuples"}]}]}}]}``; NSG flow logs (version 2):
container ``insights-logs-networksecuritygroupflowevent``, blob
``resourceId=/<NSG ID, upper case>/y=.../PT1H.json`` holding ``{"records": [{"resourceId",
"properties": {"Version": 2, "flows": [{"rule", "flows": [{"mac", "flowTuples"}]}]}}]}``.
Tuples: see :mod:`auditor.base.flowtuples`. Fixture data only (the fake serves it; the
auditor only reads it); :class:`~auditor.fakecloud.flow_records.Flow` says what to write.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from auditor.fakecloud.flow_records import Flow

VNET_CONTAINER = "insights-logs-flowlogflowevent"
NSG_CONTAINER = "insights-logs-networksecuritygroupflowevent"


def _hour_path(stamp: int, mac: str) -> str:
    t = time.gmtime(stamp)
    return (
        f"y={t.tm_year:04d}/m={t.tm_mon:02d}/d={t.tm_mday:02d}/h={t.tm_hour:02d}/m=00/"
        f"macAddress={mac}/PT1H.json"
    )


def _stamps(f: Flow, now: int) -> list[int]:
    return [now - 60 * i for i in range(f.count)]


def vnet_tuples(flows: Sequence[Flow], now: int) -> list[str]:
    """VNet flow tuples of ``flows`` (milliseconds; accepted ones end, rejected ones deny)."""
    out: list[str] = []
    for f in flows:
        state = "E" if f.action == "ACCEPT" else "D"
        half_p, half_b = f.packets // 2, f.bytes // 2
        for t in _stamps(f, now):
            counters = f"{half_p},{half_b},{f.packets - half_p},{f.bytes - half_b}"
            out.append(
                f"{t * 1000},{f.src},{f.dst},{f.src_port},{f.dst_port},{f.protocol},I,{state},NX,"
                + (counters if state == "E" else "0,0,0,0")
            )
    return out


def vnet_blob(
    flow_log_id: str, mac: str, tuples: Sequence[str], now: int
) -> tuple[str, dict[str, Any]]:
    """(blob name, JSON) of one VNet flow log hour of one interface."""
    upper = flow_log_id.upper()
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "flowLogVersion": 4,
        "macAddress": mac,
        "category": "FlowLogFlowEvent",
        "flowLogResourceID": upper,
        "operationName": "FlowLogFlowEvent",
        "flowRecords": {
            "flows": [
                {
                    "aclID": "00000000-1234-abcd-ef00-c1c2c3c4c5c6",
                    "flowGroups": [{"rule": "kafka-rules", "flowTuples": list(tuples)}],
                }
            ]
        },
    }
    return f"flowLogResourceID={upper}/{_hour_path(now, mac)}", {"records": [record]}


def nsg_tuples(flows: Sequence[Flow], now: int) -> list[str]:
    """NSG flow log version 2 tuples of ``flows`` (seconds; ``T``/``U``; decision A/D)."""
    out: list[str] = []
    for f in flows:
        proto = {6: "T", 17: "U"}[f.protocol]
        decision = "A" if f.action == "ACCEPT" else "D"
        half_p, half_b = f.packets // 2, f.bytes // 2
        for t in _stamps(f, now):
            out.append(
                f"{t},{f.src},{f.dst},{f.src_port},{f.dst_port},{proto},I,{decision},E,"
                f"{half_p},{half_b},{f.packets - half_p},{f.bytes - half_b}"
            )
    return out


def nsg_blob(nsg_id: str, mac: str, tuples: Sequence[str], now: int) -> tuple[str, dict[str, Any]]:
    """(blob name, JSON) of one NSG flow log hour of one interface."""
    upper = nsg_id.upper()
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "systemId": "00000000-0000-0000-0000-000000000000",
        "category": "NetworkSecurityGroupFlowEvent",
        "resourceId": upper,
        "operationName": "NetworkSecurityGroupFlowEvents",
        "properties": {
            "Version": 2,
            "flows": [{"rule": "kafka-rules", "flows": [{"mac": mac, "flowTuples": list(tuples)}]}],
        },
    }
    return f"resourceId={upper}/{_hour_path(now, mac)}", {"records": [record]}
