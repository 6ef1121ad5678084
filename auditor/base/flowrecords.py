"""VPC Flow Log records (default format, version 2): strict parsing and aggregation.

A line is taken only when every field is what the format says (14 fields,
version ``2``, addresses, ports, counters, ``ACCEPT``/``REJECT``, a known
log status); anything else is counted as malformed, never guessed. Records
are aggregated by (interface, source, destination, port, protocol, action)
before they reach the inventory, so a large window stays small. The aggregation
(:class:`FlowTally`) is the same for every cloud; each format brings its own
strict line parser (Azure's flow tuples: :mod:`auditor.base.flowtuples`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

DEFAULT_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
)
"""The AWS default flow log format (version 2); other formats are not parsed yet."""

DEFAULT_HEADER = " ".join(f[2:-1] for f in DEFAULT_FORMAT.split(" "))
"""The first line of a plain-text flow log file in S3 for the default format: its field names."""

_FIELDS = 14
_STATUSES = ("OK", "NODATA", "SKIPDATA")
_ACTIONS = ("ACCEPT", "REJECT")
MALFORMED_EXAMPLES = 5
"""How many malformed lines the evidence keeps, as written (cut to 200 characters)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FlowRecord:
    """One parsed ``OK`` record."""

    interface: str
    src: str
    dst: str
    src_port: int
    dst_port: int
    protocol: int
    packets: int
    bytes: int
    start: int
    end: int
    action: str


def _count(text: str, high: int | None = None) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"not a count: {text!r}")
    value = int(text)
    if high is not None and value > high:
        raise ValueError(f"{value} is above {high}")
    return value


def parse_line(line: str) -> FlowRecord | str:
    """A record, or the log status (``NODATA``/``SKIPDATA``) of a line without one.

    Raises ValueError for a line the default version 2 format does not allow.
    """
    parts = line.split(" ")
    if len(parts) != _FIELDS:
        raise ValueError(f"{len(parts)} fields, expected {_FIELDS}")
    version, _account, interface, src, dst, sport, dport, proto, pk, by, st, en, act, status = parts
    if version != "2":
        raise ValueError(f"version {version!r}, expected 2")
    if status not in _STATUSES:
        raise ValueError(f"log status {status!r}")
    if status != "OK":
        return status
    if not interface.startswith("eni-"):
        raise ValueError(f"interface {interface!r}")
    if act not in _ACTIONS:
        raise ValueError(f"action {act!r}")
    return FlowRecord(
        interface=interface,
        src=str(ipaddress.ip_address(src)),
        dst=str(ipaddress.ip_address(dst)),
        src_port=_count(sport, 65535),
        dst_port=_count(dport, 65535),
        protocol=_count(proto, 255),
        packets=_count(pk),
        bytes=_count(by),
        start=_count(st),
        end=_count(en),
        action=act,
    )


@dataclass(kw_only=True, slots=True)
class _Sum:
    records: int = 0
    packets: int = 0
    bytes: int = 0
    first: int = 0
    last: int = 0


@dataclass(kw_only=True)
class FlowTally:
    """What a read of flow log lines found: aggregates and what could not be read."""

    records: int = 0
    """``OK`` records taken."""
    malformed: int = 0
    examples: list[str] = field(default_factory=list)
    no_data: int = 0
    """``NODATA`` and ``SKIPDATA`` lines (an interface without traffic, or records lost)."""
    skip_data: int = 0
    window: tuple[int, int] | None = None
    """Seconds (since, until): a record whose ``end`` lies outside is not taken (S3 reads;
    CloudWatch Logs filters by event time in the call)."""
    outside: int = 0
    """``OK`` records left out because they ended outside :attr:`window`."""
    cap: int | None = None
    """Records taken per interface at most (S3 reads: an object mixes interfaces)."""
    capped: set[str] = field(default_factory=set)
    """Interfaces that had more records than :attr:`cap`."""
    _taken: dict[str, int] = field(default_factory=dict)
    _sums: dict[tuple[str, str, str, int, int, str], _Sum] = field(default_factory=dict)

    def add(self, line: str, parse: Callable[[str], FlowRecord | str] | None = None) -> None:
        """Take one line: a record into its aggregate, or a count of what it was.

        ``parse`` is the format's strict parser (default: AWS's default format,
        :func:`parse_line`); it raises ValueError for a line the format does not allow.
        """
        try:
            got = (parse or parse_line)(line.rstrip("\n"))
        except ValueError as exc:
            self.malformed += 1
            if len(self.examples) < MALFORMED_EXAMPLES:
                self.examples.append(f"{line[:200]!r}: {exc}")
            return
        if isinstance(got, str):
            if got == "NODATA":
                self.no_data += 1
            else:
                self.skip_data += 1
            return
        self.take(got)

    def take(self, got: FlowRecord) -> None:
        """Take one parsed record (any format's parser feeds the aggregation here)."""
        if self.window is not None and not self.window[0] <= got.end <= self.window[1]:
            self.outside += 1
            return
        if self.cap is not None:
            taken = self._taken.get(got.interface, 0)
            if taken >= self.cap:
                self.capped.add(got.interface)
                return
            self._taken[got.interface] = taken + 1
        self.records += 1
        key = (got.interface, got.src, got.dst, got.dst_port, got.protocol, got.action)
        s = self._sums.get(key)
        if s is None:
            s = self._sums[key] = _Sum(first=got.start, last=got.end)
        s.records += 1
        s.packets += got.packets
        s.bytes += got.bytes
        s.first = min(s.first, got.start)
        s.last = max(s.last, got.end)

    def bad(self, why: str) -> None:
        """Count one unit that could not be read as lines at all (a corrupt object)."""
        self.malformed += 1
        if len(self.examples) < MALFORMED_EXAMPLES:
            self.examples.append(why[:300])

    def add_all(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.add(line)

    def flows(self) -> list[dict[str, str | int]]:
        """The aggregates, sorted (deterministic): one per interface, source, destination,
        port, protocol and action."""
        out: list[dict[str, str | int]] = []
        for key in sorted(self._sums):
            iface, src, dst, port, proto, action = key
            s = self._sums[key]
            out.append(
                {
                    "interface": iface,
                    "src": src,
                    "dst": dst,
                    "dst_port": port,
                    "protocol": proto,
                    "action": action,
                    "records": s.records,
                    "packets": s.packets,
                    "bytes": s.bytes,
                    "first_seen": s.first,
                    "last_seen": s.last,
                }
            )
        return out
