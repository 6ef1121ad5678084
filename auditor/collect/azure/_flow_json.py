"""The documented JSON of Azure flow log blobs: blob names, records, tuples.

Pure functions (no SDK) used by :mod:`auditor.collect.azure._flow_blobs`; the layout and
the fields are cited in :mod:`auditor.collect.azure.flow_records`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.base.flowrecords import FlowTally
from auditor.base.flowtuples import parse_nsg_tuple, parse_vnet_tuple

VNET_CONTAINER = "insights-logs-flowlogflowevent"
NSG_CONTAINER = "insights-logs-networksecuritygroupflowevent"
_HOUR = re.compile(
    r"/y=(?P<y>\d{4})/m=(?P<mo>\d{2})/d=(?P<d>\d{2})/h=(?P<h>\d{2})/m=00/"
    r"macAddress=(?P<mac>[0-9A-Fa-f-]+)/PT1H\.json$"
)


def mac_key(mac: str) -> str:
    """A MAC address as 12 upper-case hex digits (Azure writes ``00-0D-3A-..`` and ``000D3A..``)."""
    return re.sub(r"[^0-9A-F]", "", mac.upper())


def is_nsg(target: str) -> bool:
    return "/providers/microsoft.network/networksecuritygroups/" in target.lower()


def hours(name: str) -> tuple[int, str] | None:
    """(hour start in seconds, MAC) of a flow log blob's name, None if not one."""
    m = _HOUR.search("/" + name)
    if not m:
        return None
    try:
        start = dt.datetime(
            int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), tzinfo=dt.UTC
        ).timestamp()
    except ValueError:
        return None
    return int(start), mac_key(m["mac"])


def day_prefixes(since: int, until: int) -> list[str]:
    """``YYYY/m=MM/d=DD/`` per UTC day the window touches (after a folder's ``/y=``)."""
    day = dt.datetime.fromtimestamp(since, dt.UTC).date()
    last = dt.datetime.fromtimestamp(until, dt.UTC).date()
    out: list[str] = []
    while day <= last:
        out.append(f"{day:%Y}/m={day:%m}/d={day:%d}/")
        day += dt.timedelta(days=1)
    return out


def tuples_of(blob: Any, container: str) -> Iterable[tuple[str, str, str]]:
    """(tuple text, MAC, owner id) of every tuple of a parsed blob; ValueError when the
    JSON is not the documented shape. Owner: the flow log (VNet) or NSG (NSG) it names."""
    records = blob.get("records") if isinstance(blob, dict) else None
    if not isinstance(records, list):
        raise ValueError("no 'records' list")
    for rec in records:
        if not isinstance(rec, dict):
            raise ValueError("a record is not an object")
        if container == VNET_CONTAINER:
            yield from _vnet_tuples(rec)
        else:
            yield from _nsg_tuples(rec)


def _list_of(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"'{what}' is not a list")
    return value


def _vnet_tuples(rec: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    mac = mac_key(str(rec.get("macAddress") or ""))
    owner = str(rec.get("flowLogResourceID") or "").lower()
    flows = rec.get("flowRecords")
    if not isinstance(flows, dict):
        raise ValueError("a record has no 'flowRecords' object")
    for acl in _list_of(flows.get("flows"), "flows"):
        for group in _list_of(
            acl.get("flowGroups") if isinstance(acl, dict) else None, "flowGroups"
        ):
            for t in _list_of(
                group.get("flowTuples") if isinstance(group, dict) else None, "flowTuples"
            ):
                yield str(t), mac, owner


def _nsg_tuples(rec: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    owner = str(rec.get("resourceId") or "").lower()
    props = rec.get("properties")
    if not isinstance(props, dict):
        raise ValueError("a record has no 'properties' object")
    if props.get("Version") != 2:
        raise ValueError(f"NSG flow log version {props.get('Version')!r}, expected 2")
    for rule in _list_of(props.get("flows"), "flows"):
        for per_mac in _list_of(rule.get("flows") if isinstance(rule, dict) else None, "flows"):
            if not isinstance(per_mac, dict):
                raise ValueError("a flow is not an object")
            mac = mac_key(str(per_mac.get("mac") or ""))
            for t in _list_of(per_mac.get("flowTuples"), "flowTuples"):
                yield str(t), mac, owner


def take(
    tally: FlowTally,
    blob: Any,
    container: str,
    owners: set[str],
    nics: Mapping[str, str],
) -> int:
    """Parse one blob's tuples into ``tally``; how many belonged to another owner (not
    taken). Raises ValueError (before taking anything) when the blob is not the shape."""
    found = list(tuples_of(blob, container))
    parse = parse_vnet_tuple if container == VNET_CONTAINER else parse_nsg_tuple
    other = 0
    for text, mac, owner in found:
        if owner not in owners:
            other += 1
            continue
        interface = nics.get(mac) or (f"mac:{mac}" if mac else "")
        tally.add(text, functools.partial(_parse, parse, interface))
    return other


def _parse(parse: Any, interface: str, text: str) -> Any:
    return parse(text, interface)
