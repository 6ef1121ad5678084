"""One work unit of collection (cloud x account x region x service) and the function that runs it.

Every cloud plans its collection as these units (AWS: account, region, service;
Azure: subscription, ``global``, collector; GCP: project, ``global``, content),
so the scheduler, executors, checkpoints and progress treat them alike.

Everything here is picklable: a :class:`WorkUnit` and :class:`ClientSettings`
go to whichever process runs the unit (a local thread, or a Dask worker), and
a :class:`UnitResult` (raw records, gaps, call counts) comes back. The process
builds its own session from the unit's :class:`~auditor.collect.access.AccountAccess`
and keeps sessions, SDK clients and rate-limit buckets per scan (``run_id``), so
several units of one account share one assumed role, one client per service and
region, and one bucket, and a listing two collectors of one account-region both make
(MSK clusters) is made once.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from auditor.base.redact import redact_text
from auditor.collect.access import AccountAccess, EnterError, SessionCache
from auditor.collect.aws_clients import AwsClients
from auditor.collect.aws_context import AwsContext, SharedListings, Sink
from auditor.collect.malloc_arenas import cap_arenas
from auditor.collect.pacing import Pacer
from auditor.model import CollectionUnit, Gap, RawRecord

GLOBAL = "global"


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    """botocore settings and the client-side rate limit, the same in every process."""

    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_pool_connections: int = 16
    rate: float | None = None
    """A ceiling in requests per second per (account, region); None: none."""
    burst: float | None = None
    pacing: bool = True
    """Pace each service by its documented limits (False: no client-side pacing)."""

    def config(self) -> Any:
        from botocore.config import Config

        return Config(
            retries={"mode": "adaptive", "max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=self.max_pool_connections,
            user_agent_extra="boundary-auditor",
        )


@dataclass(frozen=True, kw_only=True, order=True)
class WorkUnit:
    """One (cloud, account, region, service) to collect, with what its runner needs to get in."""

    cloud: str = "aws"
    account: str
    region: str
    """A region, or ``global`` for global services."""
    service: str
    client_region: str = field(default="", compare=False)
    """The endpoint region of the unit's clients (the home region for global services)."""
    scan_regions: tuple[str, ...] = field(default=(), compare=False)
    """Every region scanned in this account (collectors may skip what another unit reads)."""
    access: AccountAccess | None = field(default=None, compare=False)
    """AWS: how to enter the account (None for clouds entered by one credential)."""
    run_id: str = field(default="", compare=False)
    inputs: tuple[str, ...] = field(default=(), compare=False)
    """What earlier units found that this one reads (Azure: the scopes of a later wave)."""
    flows_since: int | None = field(default=None, compare=False)
    """Seconds of observed flows to read (None: not asked for)."""
    flows_until: int | None = field(default=None, compare=False)
    """The end of that window, ms since the epoch: the scan's start, so every unit (and a
    resumed run) reads the same window (None: now)."""
    peers: tuple[AccountAccess, ...] = field(default=(), compare=False)
    """How to enter the scan's other accounts, for a collector that reads them (a log
    archive account's flow records: :attr:`AwsService.reads_peers`)."""
    flows_insights: bool = field(default=False, compare=False)
    """AWS: read CloudWatch Logs flow log groups with Logs Insights first."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.account, self.region, self.service)

    @property
    def label(self) -> str:
        return f"{self.account}/{self.region}/{self.service}"

    def collection_unit(self) -> CollectionUnit:
        return CollectionUnit(
            cloud=self.cloud, account=self.account, region=self.region, service=self.service
        )


@dataclass(frozen=True, kw_only=True)
class UnitResult:
    """What one unit produced; ``ran`` is False when the account could not be entered."""

    unit: WorkUnit
    records: Collection[RawRecord] = ()
    """The unit's raw records: a tuple, or a collection read back from where the unit
    already spooled them (GCP writes each page as it arrives)."""
    gaps: tuple[Gap, ...] = ()
    calls: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    ran: bool = True
    resumed: bool = False
    """Read back from a checkpoint rather than collected by this run."""
    normalised: bool = True
    """False when its answer could not be normalised (a gap; its records are not used)."""
    covered: tuple[CollectionUnit, ...] | None = None
    """The collection units it read completely; None: the unit itself (when it ran).

    A unit may cover several (one Resource Graph query answers every subscription)."""

    def coverage(self) -> tuple[CollectionUnit, ...]:
        """What this unit read completely (empty when it did not run or was unreadable)."""
        if not self.ran or not self.normalised:
            return ()
        return (self.unit.collection_unit(),) if self.covered is None else self.covered


class _RunState:
    def __init__(self, settings: ClientSettings) -> None:
        cap_arenas()  # before this scan's worker threads: each would otherwise keep a heap
        self.config = settings.config()
        self.sessions = SessionCache(self.config)
        self.limits = Pacer(
            enabled=settings.pacing, ceiling=settings.rate, ceiling_burst=settings.burst
        )
        self.listings = SharedListings()
        """Listings two collectors of one account-region both need (made once)."""
        self.clients = AwsClients(config=self.config, limits=self.limits)
        """One client per (account, service, region), shared by every unit of the scan."""


_RUNS: OrderedDict[str, _RunState] = OrderedDict()
_RUNS_LOCK = threading.Lock()
_KEEP_RUNS = 4


def run_state(run_id: str, settings: ClientSettings) -> _RunState:
    """This process's sessions and buckets for one scan (a few recent scans are kept)."""
    with _RUNS_LOCK:
        state = _RUNS.get(run_id)
        if state is None:
            state = _RunState(settings)
            _RUNS[run_id] = state
            while len(_RUNS) > _KEEP_RUNS:
                _RUNS.popitem(last=False)
        return state


def forget_run(run_id: str) -> None:
    """Drop a finished scan's sessions (credentials) from this process."""
    with _RUNS_LOCK:
        _RUNS.pop(run_id, None)


def run_unit(unit: WorkUnit, settings: ClientSettings) -> UnitResult:
    """Collect one unit; cloud errors become gaps, never exceptions."""
    from auditor.collect.aws import services

    started = time.monotonic()
    state = run_state(unit.run_id, settings)
    sink = Sink()
    svc = next((s for s in services() if s.name == unit.service), None)
    if svc is None:
        raise ValueError(f"no AWS collector named {unit.service!r}")
    if unit.access is None:
        raise ValueError(f"AWS unit {unit.label} has no access recipe")
    try:
        session = state.sessions.session(unit.access, sink.count)
    except EnterError as exc:
        sink.gap(
            Gap(
                cloud="aws",
                account=unit.account,
                region=unit.region,
                service=unit.service,
                operation=exc.operation,
                error_code=exc.code,
                message=redact_text(str(exc))[:300],
            )
        )
        return _result(unit, sink, started, ran=False)
    ctx = AwsContext(
        session=session,
        account=unit.account,
        region=unit.region,
        client_region=unit.client_region,
        service=svc,
        sink=sink,
        config=state.config,
        scan_regions=unit.scan_regions,
        limits=state.limits,
        shared=state.listings,
        clients=state.clients,
        flows_since=unit.flows_since,
        flows_until=unit.flows_until,
        peers={p.account: functools.partial(_peer_session, state, p, sink) for p in unit.peers},
        flows_insights=unit.flows_insights,
    )
    try:
        with ctx.counted():  # calls the collector makes on its clients directly count too
            svc.collect(ctx)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # An API answer without a field the collector needs: record it, keep scanning.
        ctx.gap("collect", "MalformedResponse", f"{type(exc).__name__}: {exc}")
    return _result(unit, sink, started, ran=True)


def _peer_session(state: _RunState, access: AccountAccess, sink: Sink) -> Any:
    """The session of another account of the scan (its role assumed once, counted by the
    unit asking), or why it cannot be entered."""
    try:
        return state.sessions.session(access, sink.count)
    except EnterError as exc:
        return f"{exc.code}: {exc}"


def _result(unit: WorkUnit, sink: Sink, started: float, *, ran: bool) -> UnitResult:
    return UnitResult(
        unit=unit,
        records=tuple(sink.records),
        gaps=tuple(sink.gaps),
        calls=dict(sink.calls),
        seconds=time.monotonic() - started,
        ran=ran,
    )
