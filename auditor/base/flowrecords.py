"""VPC Flow Log records (default or custom format): strict parsing and aggregation.

A flow log's format is ``${field} ${field} ...`` from the documented field list
(https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html, "Available
fields"); the default is the version 2 fields in order. A format is parsed once into
field positions (:class:`LineFormat`); it can be read when it holds the fields the
aggregate needs (:data:`NEEDED`). A line is taken only when every needed field is what
the documentation says (addresses, ports, counters, ``ACCEPT``/``REJECT``, a known log
status; ``version`` ``2`` in the default format, a number in a custom one); anything
else is counted as malformed, never guessed. AWS writes ``-`` for a field that does
not apply or could not be computed: allowed on ``NODATA``/``SKIPDATA`` lines (they
carry no flow), malformed in a needed field of an ``OK`` record. Records are
aggregated by (interface, source, destination, port, protocol, action) before they
reach the inventory, so a large window stays small. The aggregation
(:class:`FlowTally`) is the same for every cloud; each format brings its own strict
line parser (Azure's flow tuples: :mod:`auditor.base.flowtuples`).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

DEFAULT_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
)
"""The AWS default flow log format (version 2)."""

DEFAULT_HEADER = " ".join(f[2:-1] for f in DEFAULT_FORMAT.split(" "))
"""The first line of a plain-text flow log file in S3 for the default format: its field names."""

AVAILABLE = (
    # version 2 (the default format, in order)
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status",
    # later versions
    "vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr",
    "region", "az-id", "sublocation-type", "sublocation-id", "pkt-src-aws-service",
    "pkt-dst-aws-service", "flow-direction", "traffic-path", "ecs-cluster-arn",
    "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
    "ecs-container-id", "ecs-second-container-id", "ecs-service-name",
    "ecs-task-definition-arn", "ecs-task-arn", "ecs-task-id", "reject-reason",
    "resource-id", "encryption-status",
)  # fmt: skip
"""The documented flow log record fields (flow-log-records.html, "Available fields")."""
NEEDED = (
    "interface-id", "srcaddr", "dstaddr", "dstport", "protocol", "packets", "bytes",
    "start", "end", "action", "log-status",
)  # fmt: skip
"""The fields the aggregate needs: a format without one of them is not read."""

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


@functools.lru_cache(maxsize=1 << 16)
def address(text: str) -> str:
    """An IP address in its canonical text; ValueError if it is not one.

    Cached: a window repeats the same few addresses millions of times (a failure is
    not cached, so a bad address raises every time)."""
    return str(ipaddress.ip_address(text))


Values = tuple[str, str, str, int, int, int, int, int, int, int, str]
"""A record's fields in :class:`FlowRecord`'s order, without the object (the hot path)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class LineFormat:
    """A flow log format parsed once: its field names, in the order a line holds them."""

    fields: tuple[str, ...]
    default: bool = False
    """The default format: its ``version`` must be ``2``."""
    _at: tuple[int, ...] | None = field(default=None, init=False, repr=False, compare=False)
    """Positions of :data:`_POSITIONS` (-1: absent); None when a needed field is missing."""

    def __post_init__(self) -> None:
        if not self.missing():
            pos = {name: i for i, name in enumerate(self.fields)}
            object.__setattr__(self, "_at", tuple(pos.get(n, -1) for n in _POSITIONS))

    @property
    def header(self) -> str:
        """The first line of a plain-text file in S3: the field names, space-separated."""
        return " ".join(self.fields)

    def missing(self) -> tuple[str, ...]:
        """The :data:`NEEDED` fields the format lacks (empty: it can be read)."""
        return tuple(f for f in NEEDED if f not in self.fields)

    def parse(self, line: str) -> FlowRecord | str:
        """A record, or the log status (``NODATA``/``SKIPDATA``) of a line without one.

        Raises ValueError for a line the format does not allow.
        """
        got = self.values(line)
        if isinstance(got, str):
            return got
        iface, src, dst, sport, dport, proto, packets, octets, start, end, action = got
        return FlowRecord(
            interface=iface, src=src, dst=dst, src_port=sport, dst_port=dport, protocol=proto,
            packets=packets, bytes=octets, start=start, end=end, action=action,
        )  # fmt: skip

    def values(self, line: str) -> Values | str:
        """What :meth:`parse` returns, as a plain tuple (no object per record): the same
        checks in the same order, so the same lines are refused with the same reasons."""
        parts = line.split(" ")
        if len(parts) != len(self.fields):
            raise ValueError(f"{len(parts)} fields, expected {len(self.fields)}")
        at = self._at
        if at is None:  # a needed field the format does not hold: never read, kept exact
            return self._lacking(dict(zip(self.fields, parts, strict=True)))
        if at[0] >= 0:
            version = parts[at[0]]
            if version != "2" if self.default else not _is_count(version):
                raise ValueError(f"version {version!r}")
        status = parts[at[1]]
        if status not in _STATUSES:
            raise ValueError(f"log status {status!r}")
        if status != "OK":
            return status  # AWS writes '-' for the flow fields of such a line
        iface, action = parts[at[2]], parts[at[3]]
        if not iface.startswith("eni-"):
            raise ValueError(f"interface {iface!r}")
        if action not in _ACTIONS:
            raise ValueError(f"action {action!r}")
        return (
            iface,
            address(parts[at[4]]),
            address(parts[at[5]]),
            _count(parts[at[6]], 65535) if at[6] >= 0 else 0,
            _count(parts[at[7]], 65535),
            _count(parts[at[8]], 255),
            _count(parts[at[9]]),
            _count(parts[at[10]]),
            _count(parts[at[11]]),
            _count(parts[at[12]]),
            action,
        )

    def _lacking(self, v: dict[str, str]) -> Values | str:
        """A line of a format without every needed field: checked field by field until
        one it lacks is reached (then ValueError), as when every format was read so."""
        try:
            if "version" in v and (
                v["version"] != "2" if self.default else not _is_count(v["version"])
            ):
                raise ValueError(f"version {v['version']!r}")
            status = v["log-status"]
            if status not in _STATUSES:
                raise ValueError(f"log status {status!r}")
            if status != "OK":
                return status
            if not v["interface-id"].startswith("eni-"):
                raise ValueError(f"interface {v['interface-id']!r}")
            if v["action"] not in _ACTIONS:
                raise ValueError(f"action {v['action']!r}")
            address(v["srcaddr"])
            address(v["dstaddr"])
            if "srcport" in v:
                _count(v["srcport"], 65535)
            _count(v["dstport"], 65535)
            _count(v["protocol"], 255)
            for name in ("packets", "bytes", "start", "end"):
                _count(v[name])
        except KeyError:
            raise ValueError(f"the format lacks {', '.join(self.missing())}") from None
        raise AssertionError("unreachable: a format lacking a needed field lacks one of these")


_POSITIONS = (
    "version", "log-status", "interface-id", "action", "srcaddr", "dstaddr", "srcport",
    "dstport", "protocol", "packets", "bytes", "start", "end",
)  # fmt: skip
"""The fields :meth:`LineFormat.values` reads, in this order of :attr:`LineFormat._at`."""


def _is_count(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_format(text: str) -> LineFormat:
    """Parse a flow log's ``LogFormat``; ValueError for a token that is not a documented
    ``${field}`` or a field named twice."""
    tokens = text.split(" ")
    names: list[str] = []
    for token in tokens:
        name = token[2:-1] if token.startswith("${") and token.endswith("}") else ""
        if name not in AVAILABLE:
            raise ValueError(f"{token[:60]!r} is not a documented ${{field}}")
        if name in names:
            raise ValueError(f"field {name!r} named twice")
        names.append(name)
    return LineFormat(fields=tuple(names), default=text == DEFAULT_FORMAT)


DEFAULT = parse_format(DEFAULT_FORMAT)
"""The default format (version 2), parsed."""


def parse_line(line: str) -> FlowRecord | str:
    """A default-format line: a record or its log status; ValueError if not allowed."""
    return DEFAULT.parse(line)


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

    def add(
        self, line: str, parse: Callable[[str], FlowRecord | Values | str] | None = None
    ) -> None:
        """Take one line: a record into its aggregate, or a count of what it was.

        ``parse`` is the format's strict parser (default: AWS's default format,
        :meth:`LineFormat.values`); it returns a record (or its values as a tuple, which
        spares an object per line), or a log status, and raises ValueError for a line
        the format does not allow.
        """
        self._add_one(line.rstrip("\n"), parse or DEFAULT.values)

    def add_lines(
        self, lines: Iterable[str], parse: Callable[[str], FlowRecord | Values | str]
    ) -> None:
        """:meth:`add` each line that is not empty once a trailing ``\\r`` is cut (the
        lines of a file, in one call). The default format's own parser gets
        :meth:`_add_default`, which takes a line it can check at once itself."""
        owner = getattr(parse, "__self__", None)
        if isinstance(owner, LineFormat) and owner.default and parse == owner.values:
            self._add_default(lines, parse)
            return
        for text in lines:
            line = text.rstrip("\r")
            if line:
                self._add_one(line, parse)

    def _add_one(self, line: str, parse: Callable[[str], FlowRecord | Values | str]) -> None:
        """:meth:`add`'s body for a line without its line end."""
        try:
            got = parse(line)
        except ValueError as exc:
            self.malformed += 1
            if len(self.examples) < MALFORMED_EXAMPLES:
                self.examples.append(f"{line[:200]!r}: {exc}")
            return
        if type(got) is tuple:
            self._take(*got)
        elif isinstance(got, FlowRecord):
            self.take(got)
        elif got == "NODATA":
            self.no_data += 1
        else:
            self.skip_data += 1

    def _add_default(self, lines: Iterable[str], parse: Callable[[str], Values | str]) -> None:
        """:meth:`add_lines` for the default format (version 2), the S3 read's hot loop.

        A line passing every check :meth:`LineFormat.values` makes (14 fields, version
        ``2``, status ``OK``, ``eni-`` interface, ``ACCEPT``/``REJECT``, canonical
        addresses, seven ASCII-digit counters, ports and protocol in range) is taken
        here, with :meth:`_take`'s body inline (the same window, cap and sums); any
        other line goes to ``parse`` by :meth:`_add_one`, which refuses it with its
        reason or counts its status. So the tally is the one :meth:`add` would make.
        """
        bounded = self.window is not None
        lo, hi = self.window or (0, 0)
        cap, taken, sums = self.cap, self._taken, self._sums
        for text in lines:
            line = text.rstrip("\r")
            if not line:
                continue
            parts = line.split(" ")
            if len(parts) != 14:
                self._add_one(line, parse)
                continue
            version, _, iface, s, d, sport, dport, proto, pk, octets, start, end, act, st = parts
            digits = "".join((sport, dport, proto, pk, octets, start, end))
            if not (
                version == "2" and st == "OK" and iface.startswith("eni-")
                and (act == "ACCEPT" or act == "REJECT") and digits.isascii()
                and digits.isdigit() and sport and dport and proto and pk and octets
                and start and end
            ):  # fmt: skip
                self._add_one(line, parse)
                continue
            try:
                src, dst = address(s), address(d)
            except ValueError:
                self._add_one(line, parse)
                continue
            port, protocol = int(dport), int(proto)
            if port > 65535 or protocol > 255 or int(sport) > 65535:
                self._add_one(line, parse)
                continue
            last = int(end)
            if bounded and not lo <= last <= hi:
                self.outside += 1
                continue
            if cap is not None:
                n = taken.get(iface, 0)
                if n >= cap:
                    self.capped.add(iface)
                    continue
                taken[iface] = n + 1
            self.records += 1
            key = (iface, src, dst, port, protocol, act)
            sm = sums.get(key)
            first = int(start)
            if sm is None:
                sums[key] = _Sum(
                    records=1, packets=int(pk), bytes=int(octets), first=first, last=last
                )
                continue
            sm.records += 1
            sm.packets += int(pk)
            sm.bytes += int(octets)
            if first < sm.first:
                sm.first = first
            if last > sm.last:
                sm.last = last

    def take(self, got: FlowRecord) -> None:
        """Take one parsed record (any format's parser feeds the aggregation here)."""
        self._take(
            got.interface, got.src, got.dst, got.src_port, got.dst_port, got.protocol,
            got.packets, got.bytes, got.start, got.end, got.action,
        )  # fmt: skip

    def _take(
        self,
        interface: str,
        src: str,
        dst: str,
        _src_port: int,
        dst_port: int,
        protocol: int,
        packets: int,
        octets: int,
        start: int,
        end: int,
        action: str,
    ) -> None:
        """Take one record's values (:data:`Values`) into its aggregate, in place."""
        if self.window is not None and not self.window[0] <= end <= self.window[1]:
            self.outside += 1
            return
        if self.cap is not None:
            taken = self._taken.get(interface, 0)
            if taken >= self.cap:
                self.capped.add(interface)
                return
            self._taken[interface] = taken + 1
        self.records += 1
        key = (interface, src, dst, dst_port, protocol, action)
        s = self._sums.get(key)
        if s is None:
            self._sums[key] = _Sum(records=1, packets=packets, bytes=octets, first=start, last=end)
            return
        s.records += 1
        s.packets += packets
        s.bytes += octets
        if start < s.first:
            s.first = start
        if end > s.last:
            s.last = end

    def add_aggregate(self, values: Values, records: int) -> None:
        """Take ``records`` records aggregated elsewhere (a Logs Insights ``stats`` row):
        ``values`` holds their summed packets and bytes, first start and last end."""
        iface, src, dst, _, dst_port, protocol, packets, octets, first, last, action = values
        self.records += records
        key = (iface, src, dst, dst_port, protocol, action)
        s = self._sums.get(key)
        if s is None:
            self._sums[key] = _Sum(
                records=records, packets=packets, bytes=octets, first=first, last=last
            )
            return
        s.records += records
        s.packets += packets
        s.bytes += octets
        s.first = min(s.first, first)
        s.last = max(s.last, last)

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
