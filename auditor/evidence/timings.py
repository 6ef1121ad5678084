"""A scan's own timings: where its wall time went, so a slow scan explains itself.

:class:`ScanClock` measures the phases of one live scan (start-up and imports,
collection, normalise, graph build, evaluate, render, write) and what
collection reports of itself: each cloud's wall, AWS's longest dependent chain
(identity, discovery and entering accounts, then the slowest unit), the calls
and pacing waits per service, the SDK clients built. :func:`timings_document`
turns that into ``timings.json``, which the bundle lists in SHA256SUMS (it is
tamper-evident like every member) but which is NOT part of the byte-determinism
promise: it measures the run, so two scans of the same estate differ in it,
as they do in the manifest's ``started`` and ``finished``. Replays and imports
(:func:`auditor.pipeline.judge_and_write`) write none. :func:`summary_lines` is
the short critical-path view ``auditor scan --timings`` prints.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMINGS = "timings.json"
TIMINGS_FORMAT = 1

PHASES: Mapping[str, str] = {
    "startup": "start-up and imports",
    "collect": "collection",
    "normalise": "normalise",
    "build": "graph build",
    "evaluate": "evaluate",
    "render": "render",
    "write": "write",
}
"""The phases of a scan, in order, with the words the summary uses."""


def process_age() -> float | None:
    """Seconds since this process started, as the kernel tells (Linux); None elsewhere."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime, counted after the command name
        boot = time.clock_gettime(time.CLOCK_BOOTTIME)
    except (OSError, IndexError, ValueError, AttributeError):
        return None
    return max(0.0, boot - ticks / os.sysconf("SC_CLK_TCK"))


@dataclass(frozen=True, kw_only=True)
class CloudTiming:
    """What one cloud's collection took, and what it reported of itself."""

    cloud: str
    seconds: float
    calls: Mapping[str, int]
    setup_seconds: float = 0.0
    unit_seconds: Mapping[str, float] = field(default_factory=dict)
    waits: Mapping[str, float] = field(default_factory=dict)
    """Pacing waits per endpoint prefix, summed over workers (``*``: the ``--rate`` ceiling)."""
    clients: Mapping[tuple[str, str, str], tuple[float, ...]] = field(default_factory=dict)
    """(account, region, endpoint prefix) -> seconds each client built for it took."""


class ScanClock:
    """Wall seconds of one scan's phases, measured from ``origin`` (``time.perf_counter``).

    A phase may be entered more than once; its seconds add up. Thread-safe.
    """

    def __init__(self, *, origin: float | None = None) -> None:
        self.origin = time.perf_counter() if origin is None else origin
        self.phases: dict[str, float] = {}
        self.clouds: list[CloudTiming] = []
        self.members: dict[str, float] = {}
        self.normalising = 0.0
        """Seconds the spool spent normalising while collection ran (inside ``collect``)."""
        self._lock = threading.Lock()
        self._startup_pending = False
        self.document: dict[str, Any] = {}
        """The ``timings.json`` document, once the bundle has been written."""

    @classmethod
    def from_process_start(cls) -> ScanClock:
        """A clock whose origin is this process's start: :meth:`scan_begins` then counts
        everything before the scan (interpreter, imports, reading the inputs) as start-up.

        For the command line, where the scan is what the process is for. Where the
        start cannot be told, the clock starts now and has no ``startup``.
        """
        age = process_age()
        if age is None:
            return cls()
        clock = cls(origin=time.perf_counter() - age)
        clock._startup_pending = True
        return clock

    def scan_begins(self) -> None:
        """The scan proper starts now: the time since the process started is start-up."""
        if self._startup_pending:
            self._startup_pending = False
            self.add("startup", self.elapsed())

    def elapsed(self) -> float:
        return time.perf_counter() - self.origin

    def add(self, phase: str, seconds: float) -> None:
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}")
        with self._lock:
            self.phases[phase] = self.phases.get(phase, 0.0) + seconds

    def add_normalising(self, seconds: float) -> None:
        with self._lock:
            self.normalising += seconds

    def collected(self, cloud: str, seconds: float, result: Any) -> None:
        """``cloud`` was collected in ``seconds``; ``result`` is its ``CollectionResult``."""
        self.add("collect", seconds)
        timing = cloud_timing(cloud, seconds, result)
        with self._lock:
            self.clouds.append(timing)

    def member(self, name: str, seconds: float) -> None:
        """One bundle member made and written in ``seconds``."""
        with self._lock:
            self.members[name] = self.members.get(name, 0.0) + seconds

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)


class TimedSink:
    """A unit sink (the scan's spool) whose normalising time goes on ``clock``."""

    def __init__(self, spool: Any, clock: ScanClock) -> None:
        self._spool, self._clock = spool, clock

    def add(self, records: Iterable[Any], *, unit: Any = None) -> bool:
        began = time.perf_counter()
        try:
            return bool(self._spool.add(records, unit=unit))
        finally:
            self._clock.add_normalising(time.perf_counter() - began)


def bundle_timing(
    clock: ScanClock, rendered: set[str]
) -> tuple[dict[str, Callable[[], bytes]], Callable[[str, float], None]]:
    """What :func:`~auditor.evidence.bundle.write_bundle` needs to time a scan's bundle.

    Its ``timed`` hook adds each member's seconds to ``render`` (the ``rendered``
    reports) or ``write`` (the evidence files); its ``last`` member is
    ``timings.json``, made once every other member is on disk (and kept as
    ``clock.document``).
    """

    def timed(member: str, seconds: float) -> None:
        if member != TIMINGS:
            clock.member(member, seconds)
            clock.add("render" if member in rendered else "write", seconds)

    def timings() -> bytes:
        clock.document = timings_document(clock)
        return timings_bytes(clock.document)

    return {TIMINGS: timings}, timed


def cloud_timing(cloud: str, seconds: float, result: Any) -> CloudTiming:
    """A cloud's timing from its :class:`~auditor.collect.runner.CollectionResult`.

    Its ``pacer`` (set by the AWS runner; any pacer with ``waits()`` serves) gives
    the waits and, for AWS, the clients built.
    """
    pacer = getattr(result, "pacer", None)
    return CloudTiming(
        cloud=cloud,
        seconds=seconds,
        calls=dict(result.api_calls),
        setup_seconds=float(getattr(result, "setup_seconds", 0.0)),
        unit_seconds=dict(getattr(result, "unit_seconds", {}) or {}),
        waits=_waits(pacer),
        clients={k: tuple(v) for k, v in (getattr(pacer, "clients", None) or {}).items()},
    )


def _waits(pacer: Any) -> dict[str, float]:
    """A pacer's waits by service: AWS's by endpoint prefix; any other pacer's own keys."""
    if pacer is None:
        return {}
    by_prefix = getattr(pacer, "waits_by_prefix", None)
    return dict(by_prefix() if by_prefix is not None else pacer.waits())


def _service(call: str) -> str:
    """``ec2`` from ``ec2:DescribeVpcs``."""
    return call.split(":", 1)[0]


def _r(seconds: float) -> float:
    return round(seconds, 4)


def _cloud_doc(c: CloudTiming) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "seconds": _r(c.seconds),
        "calls": sum(c.calls.values()),
    }
    if c.unit_seconds:
        label, slowest = max(c.unit_seconds.items(), key=lambda kv: (kv[1], kv[0]))
        doc["units"] = len(c.unit_seconds)
        doc["units_seconds_summed"] = _r(sum(c.unit_seconds.values()))
        doc["chain"] = {
            "seconds": _r(c.setup_seconds + slowest),
            "setup_seconds": _r(c.setup_seconds),
            "slowest_unit": label,
            "slowest_unit_seconds": _r(slowest),
        }
    else:  # no unit times handed over: the whole collection is its chain
        doc["chain"] = {"seconds": _r(c.seconds)}
    return doc


def timings_document(clock: ScanClock) -> dict[str, Any]:
    """``timings.json``: phases, each cloud's collection, and per-service load.

    ``wall_seconds`` runs from the clock's origin to this call (made as the last
    bundle member but SHA256SUMS, so the writing of the rest is inside it).
    """
    wall = clock.elapsed()
    phases = {p: _r(clock.phases[p]) for p in PHASES if p in clock.phases}
    calls: Counter[str] = Counter()
    waits: dict[str, float] = defaultdict(float)
    clients: Counter[str] = Counter()
    client_seconds: dict[str, float] = defaultdict(float)
    for c in clock.clouds:
        for op, n in c.calls.items():
            calls[_service(op)] += n
        for prefix, w in c.waits.items():
            waits[prefix] += w
        for (_, _, prefix), built in c.clients.items():
            clients[prefix] += len(built)
            client_seconds[prefix] += sum(built)
    services = {
        s: {
            "calls": calls.get(s, 0),
            "wait_seconds": _r(waits.get(s, 0.0)),
            "clients": clients.get(s, 0),
            "client_seconds": _r(client_seconds.get(s, 0.0)),
        }
        for s in sorted(set(calls) | set(waits) | set(clients))
    }
    return {
        "format": TIMINGS_FORMAT,
        "note": "run-time measurements of this scan: they differ between runs and are "
        "not part of the bundle's byte-determinism (the evidence files are)",
        "wall_seconds": _r(wall),
        "phases": phases,
        "unaccounted_seconds": _r(max(0.0, wall - sum(clock.phases.values()))),
        "collection": {
            "clouds": {c.cloud: _cloud_doc(c) for c in clock.clouds},
            "normalise_while_collecting_seconds": _r(clock.normalising),
            "clients_built": sum(clients.values()),
            "client_seconds_summed": _r(sum(client_seconds.values())),
        },
        "services": services,
        "members": {n: _r(s) for n, s in sorted(clock.members.items())},
    }


def timings_bytes(doc: Mapping[str, Any]) -> bytes:
    """``timings.json``'s bytes: sorted, indented, a final newline."""
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def summary_lines(doc: Mapping[str, Any]) -> list[str]:
    """The critical path of a scan in a few lines, from its ``timings.json`` document."""
    wall = float(doc["wall_seconds"])
    phases: Mapping[str, float] = doc["phases"]
    lines = [f"timings: {_s(wall)} wall ({TIMINGS} in the bundle has the detail)"]
    clouds: Mapping[str, Any] = doc["collection"]["clouds"]
    for phase, words in PHASES.items():
        if phase not in phases:
            continue
        note = ""
        if phase == "collect":
            note = "; ".join(_cloud_line(name, c) for name, c in clouds.items())
        elif phase == "normalise" and doc["collection"]["normalise_while_collecting_seconds"]:
            seconds = doc["collection"]["normalise_while_collecting_seconds"]
            note = f"(and {_s(seconds)} while collecting, inside collection)"
        share = phases[phase] / wall if wall else 0.0
        lines.append(f"  {words:<22}{_s(phases[phase]):>10} {share:>4.0%}  {note}".rstrip())
    lines.append(f"  {'not in a phase':<22}{_s(doc['unaccounted_seconds']):>10}")
    services: Mapping[str, Mapping[str, Any]] = doc["services"]
    waited = sorted(
        ((s, v) for s, v in services.items() if v["wait_seconds"] > 0),
        key=lambda sv: (-sv[1]["wait_seconds"], sv[0]),
    )
    if waited:
        lines.append(
            "  pacing waits (summed over workers): "
            + ", ".join(f"{s} {_s(v['wait_seconds'])} / {v['calls']} calls" for s, v in waited[:5])
        )
    built = doc["collection"]["clients_built"]
    if built:
        lines.append(
            f"  SDK clients: {built} built in "
            f"{_s(doc['collection']['client_seconds_summed'])} (summed over workers)"
        )
    if phases:
        top = max(phases, key=lambda p: phases[p])
        lines.append(f"  critical path: {PHASES[top]} ({phases[top] / wall:.0%} of the wall)")
    return lines


def _cloud_line(name: str, c: Mapping[str, Any]) -> str:
    text = f"{name} {_s(c['seconds'])}, {c['calls']} calls"
    chain = c["chain"]
    if "slowest_unit" in chain:
        ratio = c["seconds"] / chain["seconds"] if chain["seconds"] else 0.0
        pace = (
            "the slowest unit sets the pace"
            if ratio < 1.25
            else "the rest is waiting for workers, caps or pacing"
        )
        text += (
            f", longest chain {_s(chain['seconds'])} (setup {_s(chain['setup_seconds'])} + "
            f"{chain['slowest_unit']} {_s(chain['slowest_unit_seconds'])}; wall {ratio:.1f}x it:"
            f" {pace})"
        )
    return text
