"""Plan and run collection: accounts (declared, or the whole organisation) x regions x services.

The runner learns who the credentials are, optionally discovers the
organisation's ACTIVE accounts and each account's enabled regions, enters each
account (directly, or by assuming a read-only role), plans one work unit per
(account, region, service) (one per account for global services), and hands
the units to the :mod:`~auditor.collect.scheduler` (per account-region and
global concurrency caps) on the chosen executor (threads, or Dask). Finished
units are checkpointed when a checkpoint folder is given, and ``resume``
reuses them. An account it cannot enter is a gap, not a crash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from auditor.base.redact import redact_text
from auditor.collect.access import SESSION_NAME, AccountAccess, EnterError, role_arn
from auditor.collect.aws_context import AwsService, Sink, error_code
from auditor.collect.checkpoint import Checkpoint
from auditor.collect.progress import Progress, ProgressUpdate
from auditor.collect.threads import thread_pool
from auditor.collect.worker import (
    GLOBAL,
    ClientSettings,
    UnitResult,
    WorkUnit,
    forget_run,
    run_state,
)
from auditor.model import CollectionUnit, Gap, RawRecord

__all__ = [
    "GLOBAL",
    "AwsScanOptions",
    "CollectionResult",
    "Progress",
    "ProgressUpdate",
    "collect_aws",
    "plan",
]


class UnitSink(Protocol):
    """Where a finished unit's records go as soon as it finishes.

    The pipeline passes an :class:`~auditor.normalize.spool.InventorySpool`, which
    normalises them; collection only needs this much of it, so it does not import
    the normalisation layer.
    """

    def add(self, records: Iterable[RawRecord], *, unit: CollectionUnit | None = None) -> bool:
        """Take one unit's records; False (and a gap) when they cannot be read."""
        ...


@dataclass(frozen=True, kw_only=True)
class AwsScanOptions:
    """How to reach AWS and how hard to push: credentials, scope, executor, limits."""

    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    profile: str | None = None
    assume_role: str | None = None
    external_id: str | None = None
    role_session_name: str = SESSION_NAME
    """RoleSessionName of every role the scan assumes."""
    session_duration: int | None = None
    """DurationSeconds of each role session (None: STS's default hour)."""
    max_workers: int = 16
    """Global cap: units running at once, all accounts together."""
    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    services: tuple[str, ...] = ()
    """Limit to these collector names (empty: all)."""
    organization: bool = False
    """Also scan every ACTIVE account of the caller's AWS Organization."""
    organizational_units: tuple[str, ...] = ()
    """With ``organization``: only discovered accounts below these OU (or root) ids."""
    all_regions: bool = False
    """Scan each account's enabled regions (ec2:DescribeRegions) instead of ``regions``."""
    per_region_workers: int = 4
    """Units running at once in one account-region (AWS throttles per account and region)."""
    rate: float | None = None
    """A ceiling, requests per second per account-region over all services (None: none)."""
    burst: float | None = None
    pacing: bool = True
    """Pace each service by its documented limits (see collect/pacing.py)."""
    executor: str = "threads"
    """``threads`` or ``dask://HOST:PORT``."""
    checkpoint: Path | None = None
    """Folder to checkpoint finished units in (None: no checkpoint)."""
    resume: bool = False
    """Reuse the finished units found in ``checkpoint``."""
    flows_since: int | None = None
    """Read observed flows (VPC Flow Log records) of the last this many seconds (None: not)."""
    flows_insights: bool = False
    """Read CloudWatch Logs flow log groups with one Logs Insights query each (uncapped;
    billed per GB scanned), FilterLogEvents when that fails (``--flows-insights``)."""

    def settings(self) -> ClientSettings:
        return ClientSettings(
            max_attempts=self.max_attempts,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=max(10, self.per_region_workers * 2),
            rate=self.rate,
            burst=self.burst,
            pacing=self.pacing,
        )

    def scope_key(self) -> dict[str, Any]:
        """What makes two scans the same scan (for the checkpoint key); no secrets."""
        import hashlib

        ext = hashlib.sha256(self.external_id.encode()).hexdigest() if self.external_id else None
        return {
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "profile": self.profile,
            "assume_role": self.assume_role,
            "external_id_sha256": ext,
            "services": list(self.services),
            "organization": self.organization,
            "organizational_units": list(self.organizational_units),
            "all_regions": self.all_regions,
            "flows_since": self.flows_since,
            **({"flows_insights": True} if self.flows_insights else {}),
        }


@dataclass
class CollectionResult:
    records: list[RawRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    units: list[CollectionUnit] = field(default_factory=list)
    accounts_entered: list[str] = field(default_factory=list)
    caller_account: str | None = None
    accounts: list[str] = field(default_factory=list)
    """Every account the scan set out to read (declared, plus discovered ones)."""
    regions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Regions scanned, by entered account."""
    organization: Any = None
    """The discovered :class:`~auditor.collect.discovery.Organization` (``organization``)."""
    resumed_units: int = 0
    started: dt.datetime | None = None
    """When collection began (a resumed scan: when the checkpointed scan began)."""
    peak_concurrency: dict[str, int] = field(default_factory=dict)
    checkpoint: Checkpoint | None = None
    """The locked checkpoint: ``remove()`` it once the results are kept (the bundle)."""
    notes: list[str] = field(default_factory=list)
    """Things the person running the scan should know (checkpoint busy or failing)."""
    setup_seconds: float = 0.0
    """Identity, discovery and entering accounts: what every unit waits for (timings)."""
    unit_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds each unit this run collected took, by label (timings)."""
    pacer: Any = None
    """The scan's :class:`~auditor.collect.pacing.Pacer`: waits and clients built (timings)."""


def plan(
    services: Sequence[AwsService],
    accounts: Sequence[str],
    regions: Sequence[str] | dict[str, tuple[str, ...]],
) -> list[tuple[str, str, AwsService]]:
    """Every (account, region, service) unit, global services once per account.

    ``regions`` is one list for every account, or a list per account.
    """
    units: list[tuple[str, str, AwsService]] = []
    for acct in accounts:
        mine = regions.get(acct, ()) if isinstance(regions, dict) else regions
        for svc in services:
            if svc.scope == "global":
                units.append((acct, GLOBAL, svc))
            else:
                units.extend((acct, region, svc) for region in mine)
    return units


def _account_gap(account: str, operation: str, code: str, message: str) -> Gap:
    return Gap(
        cloud="aws",
        account=account,
        region="*",
        service="*",
        operation=operation,
        error_code=code,
        message=redact_text(message)[:300],
    )


def _caller(opts: AwsScanOptions, state: Any, sink: Sink, home: str) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:  # an unknown profile (ProfileNotFound) is a BotoCoreError too: a gap, not a crash
        sts = state.sessions.sts(opts.profile, home)
        sink.count("sts:GetCallerIdentity")
        return str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as exc:
        for acct in opts.accounts:
            sink.gap(
                _account_gap(
                    acct, "GetCallerIdentity", error_code(exc), f"no usable credentials: {exc}"
                )
            )
        return None


def _targets(opts: AwsScanOptions, state: Any, sink: Sink, home: str) -> tuple[list[str], Any]:
    """Declared accounts, plus the organisation's ACTIVE ones with ``organization``."""
    accounts = list(dict.fromkeys(opts.accounts))
    if not opts.organization:
        return accounts, None
    from auditor.collect.discovery import discover_organization

    base = state.sessions.base(opts.profile)
    try:
        org = discover_organization(base, state.config, home, sink.count)
    except EnterError as exc:
        sink.gap(
            _account_gap(
                "*",
                exc.operation,
                exc.code,
                f"cannot list the organisation's accounts (--organization needs the management "
                f"or a delegated administrator account): {exc}",
            )
        )
        return accounts, None
    return sorted(set(accounts) | set(org.active(opts.organizational_units))), org


def _access(opts: AwsScanOptions, account: str, caller: str, home: str) -> AccountAccess | None:
    if account == caller:
        return AccountAccess(account=account, profile=opts.profile, home_region=home)
    if not opts.assume_role:
        return None
    return AccountAccess(
        account=account,
        profile=opts.profile,
        role_arn=role_arn(account, opts.assume_role),
        external_id=opts.external_id,
        home_region=home,
        session_name=opts.role_session_name,
        duration_seconds=opts.session_duration,
    )


def _enter(
    opts: AwsScanOptions,
    state: Any,
    sink: Sink,
    caller: str,
    accounts: list[str],
    home: str,
) -> tuple[dict[str, AccountAccess], dict[str, tuple[str, ...]]]:
    """Enter every account (in parallel) and learn its regions; failures become gaps."""
    from auditor.collect.discovery import discover_regions

    accesses: dict[str, AccountAccess] = {}
    for acct in accounts:
        access = _access(opts, acct, caller, home)
        if access is None:
            sink.gap(
                _account_gap(
                    acct,
                    "AssumeRole",
                    "NotEntered",
                    f"credentials are for {caller}; pass --assume-role to read {acct}",
                )
            )
        else:
            accesses[acct] = access
    regions: dict[str, tuple[str, ...]] = {}
    lock = threading.Lock()

    def enter(acct: str) -> None:
        try:
            session = state.sessions.session(accesses[acct], sink.count)
        except EnterError as exc:
            sink.gap(_account_gap(acct, exc.operation, exc.code, str(exc)))
            return
        mine = opts.regions
        if opts.all_regions:
            try:
                mine = discover_regions(session, state.config, home, sink.count)
            except EnterError as exc:
                # Scan the declared regions, but every verdict about this account stays
                # INCONCLUSIVE: the regions it could also use are unknown.
                sink.gap(
                    _account_gap(
                        acct,
                        exc.operation,
                        exc.code,
                        f"enabled regions unknown (scanned the declared ones only): {exc}",
                    )
                )
        with lock:
            regions[acct] = tuple(mine)

    with thread_pool(min(16, opts.max_workers)) as pool:
        list(pool.map(enter, sorted(accesses)))
    return {a: accesses[a] for a in sorted(regions)}, dict(sorted(regions.items()))


def _work_units(
    services: Sequence[AwsService],
    accesses: dict[str, AccountAccess],
    regions: dict[str, tuple[str, ...]],
    home: str,
    run_id: str,
    opts: AwsScanOptions | None = None,
    started: dt.datetime | None = None,
) -> list[WorkUnit]:
    """One work unit per planned (account, region, service) of the entered accounts; the
    flow window (``opts.flows_since``) ends at the scan's ``started`` (kept by a checkpoint
    across a resume)."""
    until = int(started.timestamp()) * 1000 if started is not None else None
    return [
        WorkUnit(
            account=acct,
            region=region,
            service=svc.name,
            client_region=home if region == GLOBAL else region,
            scan_regions=regions[acct],
            access=accesses[acct],
            run_id=run_id,
            flows_since=opts.flows_since if opts else None,
            flows_until=until,
            peers=tuple(a for o, a in accesses.items() if o != acct) if svc.reads_peers else (),
            flows_insights=bool(opts and opts.flows_insights),
        )
        for acct, region, svc in plan(services, list(accesses), regions)
    ]


def collect_aws(
    opts: AwsScanOptions,
    progress: Progress | None = None,
    *,
    spool: UnitSink | None = None,
    keep_records: bool = True,
) -> CollectionResult:
    """Collect every targeted account and region; never raises for cloud errors.

    With ``spool`` each unit is normalised into it as soon as it finishes (a unit
    read back from a checkpoint too), and its raw records are kept in the result
    only with ``keep_records`` (``--keep-raw``): memory then holds the units in
    flight, not every raw answer of the scan.

    Raises :class:`~auditor.collect.executors.ExecutorError` when the executor
    cannot be named or reached (nothing was collected then).
    """
    from auditor.collect.aws import services as all_services
    from auditor.collect.units import Limits, UnitRun, open_checkpoint, run_wave

    services = [
        s
        for s in all_services()
        if (not opts.services or s.name in opts.services)
        and (not s.opt_in or opts.flows_since is not None)
    ]
    settings = opts.settings()
    run_id = uuid.uuid4().hex[:12]
    state = run_state(run_id, settings)
    sink = Sink()
    home = opts.regions[0] if opts.regions else "us-east-1"
    notes: list[str] = []
    clock = time.monotonic()
    checkpoint, started = open_checkpoint(
        opts.checkpoint,
        resume=opts.resume,
        scope=opts.scope_key(),
        started=dt.datetime.now(dt.UTC).replace(microsecond=0),
        notes=notes,
    )
    try:
        caller = _caller(opts, state, sink, home)
        if caller is None:
            failed = _merge(sink, [], opts, caller=None, started=started)
            failed.checkpoint, failed.notes = checkpoint, notes
            return failed
        accounts, org = _targets(opts, state, sink, home)
        accesses, regions = _enter(opts, state, sink, caller, accounts, home)
        run = UnitRun(
            limits=Limits(
                max_workers=opts.max_workers,
                per_key=opts.per_region_workers,
                executor=opts.executor,
                settings=settings,
            ),
            take=functools.partial(_spooled, spool=spool, keep=keep_records),
            checkpoint=checkpoint,
            resume=opts.resume,
            progress=progress,
            notes=notes,
        )
        setup = time.monotonic() - clock
        units = _work_units(services, accesses, regions, home, run_id, opts, started)
        run_wave(run, units)
        result = _merge(sink, run.results, opts, caller=caller, started=started)
        result.setup_seconds, result.pacer = setup, state.limits
        result.accounts = accounts
        result.accounts_entered = sorted(accesses)
        result.regions = regions
        result.organization = org
        result.resumed_units = run.resumed
        result.peak_concurrency = {
            "global": run.peak_global,
            "per_account_region": run.peak_per_key,
        }
        result.checkpoint = run.checkpoint if run.checkpoint is not None else checkpoint
        result.notes = notes
        return result
    finally:
        forget_run(run_id)


def _spooled(result: UnitResult, *, spool: UnitSink | None, keep: bool) -> UnitResult:
    """``result`` once its records are normalised into ``spool`` (dropped unless ``keep``).

    Only units that ran are spooled; an unreadable answer is a gap in the spool.
    """
    if spool is None or not result.ran:
        return result
    readable = spool.add(result.records, unit=result.unit.collection_unit())
    return dataclasses.replace(result, records=result.records if keep else (), normalised=readable)


def _merge(
    sink: Sink,
    results: list[UnitResult],
    opts: AwsScanOptions,
    *,
    caller: str | None,
    started: dt.datetime,
) -> CollectionResult:
    """One result from the runner's own calls and every unit's, in a stable order."""
    records: list[RawRecord] = []
    gaps = list(sink.gaps)
    calls: Counter[str] = Counter(sink.calls)
    units: list[CollectionUnit] = []
    entered: set[str] = set()
    for r in sorted(results, key=lambda r: r.unit):
        records.extend(r.records)
        gaps.extend(r.gaps)
        calls.update(r.calls)
        if r.ran:
            units.extend(r.coverage())  # an unreadable answer: the unit did not cover its scope
            entered.add(r.unit.account)
    return CollectionResult(
        records=records,
        gaps=gaps,
        api_calls=dict(sorted(calls.items())),
        units=units,
        accounts_entered=sorted(entered),
        caller_account=caller,
        accounts=list(opts.accounts),
        resumed_units=0,
        started=started,
        unit_seconds={r.unit.label: r.seconds for r in results if r.ran and not r.resumed},
    )
