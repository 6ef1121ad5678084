"""Azure flow tuples (VNet flow logs, NSG flow logs version 2): strict parsers.

Both formats write one comma-separated tuple per flow event in a JSON blob
(:mod:`auditor.collect.azure.flow_records`); the interface is not in the tuple
but in the record around it (its MAC address). Documented fields, 13 each:

- VNet flow logs (https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview,
  "Log format"): time stamp (UNIX epoch; milliseconds in the sample record), source IP,
  destination IP, source port, destination port, protocol (IANA number), direction
  ``I``/``O``, flow state ``B``/``C``/``E``/``D`` (``D``: denied), encryption (``X``,
  ``NX``, ``NX_...``), packets and bytes source to destination, packets and bytes
  destination to source.
- NSG flow logs version 2
  (https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview, "Log format"):
  time stamp (UNIX epoch, seconds), source IP, destination IP, source port, destination
  port, protocol ``T``/``U``, direction ``I``/``O``, decision ``A``/``D``, flow state
  ``B``/``C``/``E``, then the same four counters.

The VNet page's bandwidth example writes seconds where its sample record writes
milliseconds; milliseconds are read, so a tuple stamped in seconds lands in 1970 and is
counted outside the window, never taken as recent. A begin (``B``) tuple carries no
statistics: its counters are empty or zero (NSG deny tuples are begin tuples). A tuple
with any other shape raises ValueError (counted as malformed, never guessed); the
shared aggregation is :class:`~auditor.base.flowrecords.FlowTally`.
"""

from __future__ import annotations

from auditor.base.flowrecords import FlowRecord, address

FIELDS = 13
VNET_STATES = ("B", "C", "E", "D")
NSG_STATES = ("B", "C", "E")
ENCRYPTION = (
    "X",
    "NX",
    "NX_HW_NOT_SUPPORTED",
    "NX_SW_NOT_READY",
    "NX_NOT_ACCEPTED",
    "NX_NOT_SUPPORTED",
    "NX_LOCAL_DST",
    "NX_FALLBACK",
)
"""The encryption states the VNet flow log documentation lists."""
NSG_PROTOCOLS = {"T": 6, "U": 17}


def _count(text: str, high: int | None = None) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"not a count: {text!r}")
    value = int(text)
    if high is not None and value > high:
        raise ValueError(f"{value} is above {high}")
    return value


def _counters(parts: list[str], state: str) -> tuple[int, int]:
    """(packets, bytes) of both directions; empty only on a begin tuple."""
    if state == "B" and all(p == "" for p in parts):
        return 0, 0
    pk_out, by_out, pk_in, by_in = (_count(p) for p in parts)
    return pk_out + pk_in, by_out + by_in


def _common(parts: list[str], interface: str) -> tuple[str, str, int, int]:
    if len(parts) != FIELDS:
        raise ValueError(f"{len(parts)} fields, expected {FIELDS}")
    if not interface:
        raise ValueError("no interface (MAC address) around the tuple")
    if parts[6] not in ("I", "O"):
        raise ValueError(f"direction {parts[6]!r}")
    src = address(parts[1])
    dst = address(parts[2])
    return src, dst, _count(parts[3], 65535), _count(parts[4], 65535)


def parse_vnet_tuple(text: str, interface: str) -> FlowRecord:
    """One VNet flow log tuple seen at ``interface``; ValueError if the format forbids it."""
    parts = text.split(",")
    src, dst, sport, dport = _common(parts, interface)
    state, encryption = parts[7], parts[8]
    if state not in VNET_STATES:
        raise ValueError(f"flow state {state!r}")
    if encryption not in ENCRYPTION:
        raise ValueError(f"encryption {encryption!r}")
    seconds = _count(parts[0]) // 1000
    packets, octets = _counters(parts[9:], state)
    return FlowRecord(
        interface=interface,
        src=src,
        dst=dst,
        src_port=sport,
        dst_port=dport,
        protocol=_count(parts[5], 255),
        packets=packets,
        bytes=octets,
        start=seconds,
        end=seconds,
        action="REJECT" if state == "D" else "ACCEPT",
    )


def parse_nsg_tuple(text: str, interface: str) -> FlowRecord:
    """One NSG flow log (version 2) tuple seen at ``interface``; ValueError if not allowed."""
    parts = text.split(",")
    src, dst, sport, dport = _common(parts, interface)
    protocol = NSG_PROTOCOLS.get(parts[5])
    if protocol is None:
        raise ValueError(f"protocol {parts[5]!r}")
    decision, state = parts[7], parts[8]
    if decision not in ("A", "D"):
        raise ValueError(f"decision {decision!r}")
    if state not in NSG_STATES:
        raise ValueError(f"flow state {state!r}")
    seconds = _count(parts[0])
    packets, octets = _counters(parts[9:], state)
    return FlowRecord(
        interface=interface,
        src=src,
        dst=dst,
        src_port=sport,
        dst_port=dport,
        protocol=protocol,
        packets=packets,
        bytes=octets,
        start=seconds,
        end=seconds,
        action="ACCEPT" if decision == "A" else "REJECT",
    )
