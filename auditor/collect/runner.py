"""Fan collection out over (account, region, service) units, in parallel.

The runner enters each declared account (directly, or by assuming a read-only
role), plans one unit per service and region (one per account for global
services), runs them on a bounded thread pool, and returns raw records, gaps
and call counts. An account it cannot enter is a gap, not a crash.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from auditor.collect.aws_context import AwsContext, AwsService, Sink, error_code
from auditor.collect.readonly import guard_client
from auditor.model import CollectionUnit, Gap, RawRecord

GLOBAL = "global"


@dataclass(frozen=True, kw_only=True)
class AwsScanOptions:
    """How to reach AWS: credentials profile, regions, cross-account role, limits."""

    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    profile: str | None = None
    assume_role: str | None = None
    external_id: str | None = None
    max_workers: int = 16
    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    services: tuple[str, ...] = ()
    """Limit to these collector names (empty: all)."""


@dataclass
class CollectionResult:
    records: list[RawRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    units: list[CollectionUnit] = field(default_factory=list)
    accounts_entered: list[str] = field(default_factory=list)
    caller_account: str | None = None


Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)`` after each finished unit."""


def _config(opts: AwsScanOptions) -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "max_attempts": opts.max_attempts},
        connect_timeout=opts.connect_timeout,
        read_timeout=opts.read_timeout,
        max_pool_connections=max(10, opts.max_workers),
        user_agent_extra="boundary-auditor",
    )


def _base_session(opts: AwsScanOptions) -> Any:
    import boto3

    return boto3.Session(profile_name=opts.profile) if opts.profile else boto3.Session()


def _sessions(
    opts: AwsScanOptions, base: Any, config: Any, sink: Sink, home_region: str
) -> tuple[dict[str, Any], str | None]:
    """A session per reachable account; unreachable ones become gaps."""
    from botocore.exceptions import BotoCoreError, ClientError

    sts = guard_client(base.client("sts", region_name=home_region, config=config))
    sink.count("sts:GetCallerIdentity")
    try:
        caller = str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as exc:
        for acct in opts.accounts:
            sink.gap(
                _account_gap(
                    acct, "GetCallerIdentity", error_code(exc), f"no usable credentials: {exc}"
                )
            )
        return {}, None

    sessions: dict[str, Any] = {}
    for acct in opts.accounts:
        if acct == caller:
            sessions[acct] = base
            continue
        if not opts.assume_role:
            sink.gap(
                _account_gap(
                    acct,
                    "AssumeRole",
                    "NotEntered",
                    f"credentials are for {caller}; pass --assume-role to read {acct}",
                )
            )
            continue
        arn = (
            opts.assume_role
            if opts.assume_role.startswith("arn:")
            else f"arn:aws:iam::{acct}:role/{opts.assume_role}"
        )
        params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": "boundary-auditor"}
        if opts.external_id:
            params["ExternalId"] = opts.external_id
        sink.count("sts:AssumeRole")
        try:
            creds = sts.assume_role(**params)["Credentials"]
        except (ClientError, BotoCoreError) as exc:
            sink.gap(_account_gap(acct, "AssumeRole", error_code(exc), str(exc)))
            continue
        import boto3

        sessions[acct] = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    return sessions, caller


def _account_gap(account: str, operation: str, code: str, message: str) -> Gap:
    return Gap(
        cloud="aws",
        account=account,
        region="*",
        service="*",
        operation=operation,
        error_code=code,
        message=message[:300],
    )


def plan(
    services: Sequence[AwsService], accounts: Sequence[str], regions: Sequence[str]
) -> list[tuple[str, str, AwsService]]:
    """Every (account, region, service) unit, global services once per account."""
    units: list[tuple[str, str, AwsService]] = []
    for acct in accounts:
        for svc in services:
            if svc.scope == "global":
                units.append((acct, GLOBAL, svc))
            else:
                units.extend((acct, region, svc) for region in regions)
    return units


def collect_aws(opts: AwsScanOptions, progress: Progress | None = None) -> CollectionResult:
    """Collect every declared account and region; never raises for cloud errors."""
    from auditor.collect.aws import services as all_services

    services = [s for s in all_services() if not opts.services or s.name in opts.services]
    sink = Sink()
    config = _config(opts)
    home = opts.regions[0] if opts.regions else "us-east-1"
    base = _base_session(opts)
    sessions, caller = _sessions(opts, base, config, sink, home)
    units = plan(services, sorted(sessions), opts.regions)

    done = 0
    lock = threading.Lock()

    def run(unit: tuple[str, str, AwsService]) -> str:
        acct, region, svc = unit
        ctx = AwsContext(
            session=sessions[acct],
            account=acct,
            region=region,
            client_region=home if region == GLOBAL else region,
            service=svc,
            sink=sink,
            config=config,
            scan_regions=opts.regions,
        )
        try:
            svc.collect(ctx)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            # An API answer without a field the collector needs: record it, keep scanning.
            ctx.gap("collect", "MalformedResponse", f"{type(exc).__name__}: {exc}")
        sink.ran(CollectionUnit(cloud="aws", account=acct, region=region, service=svc.name))
        return f"{acct}/{region}/{svc.name}"

    with ThreadPoolExecutor(max_workers=max(1, opts.max_workers)) as pool:
        futures = [pool.submit(run, u) for u in units]
        for fut in as_completed(futures):
            label = fut.result()
            with lock:
                done += 1
                if progress:
                    progress(label, done, len(units))

    return CollectionResult(
        records=sink.records,
        gaps=sink.gaps,
        api_calls=dict(sink.calls),
        units=sink.units,
        accounts_entered=sorted(sessions),
        caller_account=caller,
    )
