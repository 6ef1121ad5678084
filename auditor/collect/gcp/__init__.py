"""GCP collection through Cloud Asset Inventory (``google-cloud-asset``), read-only.

One unit per declared scope (project, folder, organisation) and content type
(RESOURCE, IAM_POLICY) through the one collection runner
(:mod:`auditor.collect.units`: checkpoint and resume, scheduler, threads):
``list_assets`` paged to the end, each page paced by the ListAssets quota and
asked again after a 429 (RESOURCE_EXHAUSTED) back-off. Every failure (an API
error, a transport error, a malformed answer, a page token that repeats)
becomes a :class:`~auditor.model.Gap` with cloud ``gcp``; nothing raises for a cloud error.
Answers become raw records through :mod:`auditor.collect.gcp.records` (shared
with the offline importer).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.base.redact import redact_text
from auditor.collect.gcp.guard import ReadOnlyAssetClient
from auditor.collect.gcp.records import (
    ASSET_TYPES,
    IAM_ASSET_TYPES,
    IAM_UNIT,
    RESOURCE_UNIT,
    AssetFormatError,
    AssetIndex,
    records_of,
    trim_asset,
)
from auditor.collect.pacing import QuotaPacer
from auditor.collect.worker import ClientSettings, UnitResult, WorkUnit

__all__ = [
    "IAM_UNIT",
    "RESOURCE_UNIT",
    "SDK_DEFAULT",
    "GcpScanOptions",
    "collect_gcp",
    "scopes",
]
from auditor.collect.progress import Progress
from auditor.collect.runner import CollectionResult
from auditor.extras import import_extra
from auditor.model import CollectionUnit, Gap, RawRecord

SDK_DEFAULT = "sdk-default"
"""``GcpScanOptions.retry`` value meaning: the client library's own retry policy."""

MAX_PAGES = 10_000
"""A list longer than this many pages is treated as endless pagination (a gap)."""

SDK_MODULES = ("google.auth", "google.api_core", "google.cloud.asset_v1", "requests")
"""The Google packages a scan uses (the ``gcp`` extra brings them all)."""


def require_sdk() -> None:
    """Raise :class:`~auditor.extras.MissingExtra` unless every Google SDK a scan uses imports."""
    for module in SDK_MODULES:
        import_extra(module, "gcp")


@dataclass(frozen=True, kw_only=True)
class GcpScanOptions:
    """What to read and how to reach Cloud Asset Inventory."""

    projects: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    """Folder numbers (``123`` or ``folders/123``)."""
    organization: str | None = None
    """Organisation number (``456`` or ``organizations/456``)."""
    api_endpoint: str | None = None
    """None for real GCP; ``http://127.0.0.1:PORT`` for the fake."""
    credentials: Any = None
    """None: Application Default Credentials (``google.auth.default()``)."""
    retry: Any = SDK_DEFAULT
    """A ``google.api_core.retry.Retry``, None (no retries: tests) or :data:`SDK_DEFAULT`."""
    timeout: float = 60.0
    page_size: int = 500
    max_workers: int = 8
    pacing: bool = True
    """Pace ListAssets by its per-consumer-project quota (see collect/pacing.py)."""
    throttle_retries: int = 5
    """A page answered 429 (RESOURCE_EXHAUSTED) is asked again this often, after the
    back-off, before it is a gap."""
    checkpoint: Path | None = None
    """Folder to checkpoint finished units in (None: no checkpoint)."""
    resume: bool = False
    """Reuse the finished units found in ``checkpoint``."""
    flows_since: int | None = None
    """Seconds of VPC Flow Logs to read from Cloud Logging, ending now; None: none
    (:mod:`auditor.collect.gcp.vpc_flow_records`)."""
    logging_endpoint: str | None = None
    """None for real Cloud Logging; ``http://127.0.0.1:PORT`` for the fake."""

    def scope_key(self) -> dict[str, Any]:
        """What makes two scans the same scan (for the checkpoint); no secrets."""
        return {"cloud": "gcp", "scopes": scopes(self)}


def scopes(opts: GcpScanOptions) -> list[str]:
    """The Cloud Asset parents to list, in a stable order."""
    out = [f"projects/{p}" for p in opts.projects]
    out += [f if f.startswith("folders/") else f"folders/{f}" for f in opts.folders]
    if opts.organization:
        org = opts.organization
        out.append(org if org.startswith("organizations/") else f"organizations/{org}")
    return list(dict.fromkeys(out))


def _scope_account(scope: str) -> str:
    """Gaps of a project scope belong to the project; of a folder/org, to every project."""
    kind, _, ident = scope.partition("/")
    return ident if kind == "projects" else "*"


def _gap(scope: str, operation: str, code: str, message: str) -> Gap:
    return Gap(
        cloud="gcp",
        account=_scope_account(scope),
        region="*",
        service="*",
        operation=operation,
        error_code=code,
        message=f"{scope}: {redact_text(message)}"[:300],
    )


def _client(opts: GcpScanOptions) -> Any:
    import google.auth
    from google.api_core.client_options import ClientOptions
    from google.cloud import asset_v1

    creds = opts.credentials
    if creds is None:
        creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    options = ClientOptions(api_endpoint=opts.api_endpoint) if opts.api_endpoint else None
    return ReadOnlyAssetClient(
        asset_v1.AssetServiceClient(credentials=creds, transport="rest", client_options=options)
    )


def _errors() -> tuple[type[BaseException], ...]:
    import requests
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError
    from google.protobuf.json_format import ParseError  # type: ignore[import-untyped]

    return (GoogleAPIError, GoogleAuthError, ParseError, requests.RequestException, ValueError)


def _code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    name = getattr(code, "name", None)
    if isinstance(name, str):
        return name
    if isinstance(code, int):
        return str(code)
    return type(exc).__name__


Keep = Callable[[list[dict[str, Any]]], None]


def _throttled(exc: BaseException) -> bool:
    from google.api_core.exceptions import ResourceExhausted, TooManyRequests

    return isinstance(exc, ResourceExhausted | TooManyRequests)


def _first_page(
    client: Any, request: Any, opts: GcpScanOptions, pacer: QuotaPacer, sent: list[int]
) -> Any:
    """One page of ``request``, paced; a 429 is backed off and asked again (``throttle_retries``).

    Raises what the client raises (the last throttle too, once the retries are spent).
    """
    from google.api_core.gapic_v1.method import DEFAULT

    retry = DEFAULT if opts.retry == SDK_DEFAULT else opts.retry
    for attempt in range(opts.throttle_retries + 1):
        pacer.before(PACE, CONSUMER)
        sent[0] += 1
        try:
            pager = client.list_assets(request=request, retry=retry, timeout=opts.timeout)
            page = next(iter(pager.pages))  # the answer already fetched: no further request
        except _errors() as exc:
            response = getattr(exc, "response", None)
            headers = getattr(response, "headers", None) or {}
            status = 429 if _throttled(exc) else 0
            pacer.after(PACE, CONSUMER, status=status, retry_after=headers.get("Retry-After"))
            if status != 429 or attempt == opts.throttle_retries:
                raise
            continue
        pacer.after(PACE, CONSUMER, status=200)
        return page
    raise AssertionError("unreachable: the last attempt returns or raises")


def _list(
    client: Any, opts: GcpScanOptions, scope: str, content: str, keep: Keep, pacer: QuotaPacer
) -> tuple[Gap | None, int]:
    """Hand every asset of one scope and content type, trimmed, to ``keep`` a page at a
    time; a gap or None, and the requests sent.

    Each page is its own request (its page token), paced by the scan's
    :class:`~auditor.collect.pacing.QuotaPacer`. A malformed asset ends the listing
    with a ``MalformedResponse`` gap whose operation is ``cloudasset.assets.list``:
    the caller then uses none of its assets.
    """
    from google.cloud import asset_v1
    from google.protobuf.json_format import MessageToDict

    operation = "cloudasset.assets." + (
        "listResource" if content == "RESOURCE" else "listIamPolicy"
    )
    tokens: set[str] = set()
    pages = 0
    sent = [0]
    token = ""
    try:
        while True:
            request = asset_v1.ListAssetsRequest(
                parent=scope,
                content_type=getattr(asset_v1.ContentType, content),
                asset_types=list(ASSET_TYPES if content == "RESOURCE" else IAM_ASSET_TYPES),
                page_size=opts.page_size,
                page_token=token,
            )
            page = _first_page(client, request, opts, pacer, sent)
            pages += 1
            try:
                keep([trim_asset(MessageToDict(type(a).pb(a))) for a in page.assets])
            except AssetFormatError as exc:
                return _gap(scope, MALFORMED_OPERATION, "MalformedResponse", str(exc)), sent[0]
            token = str(page.next_page_token or "")
            if not token:
                break
            if token in tokens:
                return _gap(scope, operation, "RepeatedPageToken", f"token {token!r}"), sent[0]
            if pages >= MAX_PAGES:
                return _gap(scope, operation, "EndlessPagination", f"{pages} pages"), sent[0]
            tokens.add(token)
    except _errors() as exc:
        return _gap(scope, operation, _code(exc), f"{type(exc).__name__}: {exc}"), sent[0]
    return None, sent[0]


MALFORMED_OPERATION = "cloudasset.assets.list"


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def collect_gcp(
    opts: GcpScanOptions,
    progress: Progress | None = None,
    *,
    on_records: Callable[[list[RawRecord]], None] | None = None,
    batch: int = 1000,
    work_dir: Path | None = None,
) -> CollectionResult:
    """Collect every declared scope; never raises for cloud errors.

    Assets go to disk page by page (one file per unit under ``work_dir``, or a
    temporary folder), and only the small :class:`AssetIndex` stays in memory;
    once every unit has listed, the files are read back into records. With
    ``on_records`` they are handed over in batches of ``batch`` (the scan
    normalises them into its spool) and the result carries none; without it,
    the result carries them all, sorted. Raises
    :class:`~auditor.extras.MissingExtra` when the ``gcp`` extra is not installed.
    """
    require_sdk()
    with tempfile.TemporaryDirectory(prefix="auditor-gcp-", dir=work_dir) as tmp:
        return _collect(opts, progress, on_records, batch, Path(tmp))


ASSET_RECORD = "cloudasset.asset"
"""Type of a unit's raw record: one trimmed asset as listed (the records proper are made
once every unit has listed: an IAM policy takes its location from its resource's asset)."""
PACE = "gcp-cloudasset-list"
CONSUMER = "consumer"
"""ListAssets is metered per consumer project: the credentials' one, whatever is listed."""


def _collect(
    opts: GcpScanOptions,
    progress: Progress | None,
    on_records: Callable[[list[RawRecord]], None] | None,
    batch: int,
    folder: Path,
) -> CollectionResult:
    from auditor.collect.units import Limits, UnitRun, open_checkpoint, run_wave

    result = CollectionResult()
    targets = scopes(opts)
    try:
        client = _client(opts)
    except _errors() as exc:
        for scope in targets:
            result.gaps.append(
                _gap(scope, "google.auth.default", _code(exc), f"no usable credentials: {exc}")
            )
        return result
    notes: list[str] = []
    checkpoint, started = open_checkpoint(
        opts.checkpoint,
        resume=opts.resume,
        scope=opts.scope_key(),
        started=dt.datetime.now(dt.UTC).replace(microsecond=0),
        notes=notes,
    )
    units = [
        WorkUnit(cloud="gcp", account=scope, region="global", service=service)
        for scope in targets
        for service in (RESOURCE_UNIT, IAM_UNIT)
    ]
    take = _ToDisk({u.key: folder / f"{n:05d}.jsonl" for n, u in enumerate(units)})
    pacer = QuotaPacer(enabled=opts.pacing)
    run = UnitRun(
        limits=Limits(max_workers=opts.max_workers, per_key=2),
        take=take,
        run=functools.partial(_run_unit, client, opts, pacer, take),
        checkpoint=checkpoint,
        resume=opts.resume,
        progress=progress,
        notes=notes,
    )
    run_wave(run, units)  # an interrupted wave releases the checkpoint
    good = [u.key for u in units if u.key in take.indexes]
    flows = _flows(opts, [take.files[u] for u in good], targets, started)
    records = _records(good, take.files, take.indexes, on_records, batch)
    if on_records is not None:
        on_records(flows.records)
    if records is not None:
        result.records = [*records, *flows.records]  # the reads come after the assets
    calls: Counter[str] = Counter()
    for r in run.results:
        result.gaps.extend(r.gaps)
        calls.update(r.calls)
        result.units.extend(r.coverage())
    result.units.sort(key=lambda u: (targets.index(f"projects/{u.account}"), u.service))
    result.units.extend(flows.units)
    result.gaps.extend(flows.gaps)
    if flows.calls:
        calls["logging:ListLogEntries"] += flows.calls
    result.accounts_entered = [u.account for u in result.units if u.service == RESOURCE_UNIT]
    result.accounts = [_scope_account(s) for s in targets if s.startswith("projects/")]
    result.gaps.sort(key=lambda g: (g.account, g.operation, g.error_code, g.message))
    result.api_calls = dict(sorted(calls.items()))
    result.resumed_units, result.started = run.resumed, started
    result.checkpoint = run.checkpoint if run.checkpoint is not None else checkpoint
    result.notes = notes
    result.unit_seconds = {r.unit.label: r.seconds for r in run.results if r.ran and not r.resumed}
    result.pacer = pacer
    return result


def _flows(
    opts: GcpScanOptions, files: list[Path], targets: list[str], started: dt.datetime
) -> Any:
    """The VPC Flow Logs and Firewall Rules Logging read after the listing
    (``opts.flows_since``; else nothing), the window ending when the scan started."""
    from auditor.collect.gcp.firewall_records import read_all

    assets = (a for f in files for a in _read(f))
    projects = [s.removeprefix("projects/") for s in targets if s.startswith("projects/")]
    return read_all(opts, assets, projects, started)


def _run_unit(
    client: Any,
    opts: GcpScanOptions,
    pacer: QuotaPacer,
    spool: _ToDisk,
    unit: WorkUnit,
    _: ClientSettings,
) -> UnitResult:
    """List one (scope, content) unit, each page written to the unit's spool file as it
    arrives: its records (read back from that file), its gap, its calls."""
    started = time.monotonic()
    scope = unit.account
    content = "RESOURCE" if unit.service == RESOURCE_UNIT else "IAM_POLICY"
    account = _scope_account(scope)
    with spool.writer(unit.key) as writer:
        gap, sent = _list(client, opts, scope, content, writer.page, pacer)
    covered: tuple[CollectionUnit, ...] = ()
    if gap is None and account != "*":
        covered = (
            CollectionUnit(cloud="gcp", account=account, region="global", service=unit.service),
        )
    return UnitResult(
        unit=unit,
        records=_Spooled(path=writer.path, count=writer.count, account=account, unit=unit),
        gaps=() if gap is None else (gap,),
        calls={"cloudasset:ListAssets": max(1, sent)},
        seconds=time.monotonic() - started,
        covered=covered,
    )


def _record(asset: dict[str, Any], account: str, service: str) -> RawRecord:
    return RawRecord(
        cloud="gcp",
        account=account,
        region="global",
        service=service,
        type=ASSET_RECORD,
        data=asset,
        operation="cloudasset:ListAssets",
    )


@dataclass(frozen=True, kw_only=True)
class _Spooled(Collection[RawRecord]):
    """A unit's records where its listing spooled them: read back one at a time (for the
    checkpoint), never held together."""

    path: Path
    count: int
    account: str
    unit: WorkUnit

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[RawRecord]:
        for asset in _read(self.path):
            yield _record(asset, self.account, self.unit.service)

    def __contains__(self, item: object) -> bool:
        return any(item == r for r in self)


class _UnitWriter:
    """One unit's spool file, written and indexed a page at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index = AssetIndex()
        self.count = 0
        self._out = path.open("w", encoding="utf-8")

    def page(self, assets: list[dict[str, Any]]) -> None:
        for asset in assets:
            self.index.add(asset)
            self._out.write(json.dumps(asset, sort_keys=True) + "\n")
        self._out.flush()  # on disk before the next page is asked for
        self.count += len(assets)

    def __enter__(self) -> _UnitWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self._out.close()


class _ToDisk:
    """Each unit's assets in its own file, indexed as they go: a listing writes its pages
    as they arrive (:meth:`writer`); a resumed unit's checkpointed records are written
    when it is taken. A malformed answer's assets are not used (no index then)."""

    def __init__(self, files: dict[tuple[str, str, str], Path]) -> None:
        self.files = files
        self.indexes: dict[tuple[str, str, str], AssetIndex] = {}
        self._listed: dict[tuple[str, str, str], AssetIndex] = {}
        self._lock = threading.Lock()

    def writer(self, key: tuple[str, str, str]) -> _UnitWriter:
        out = _UnitWriter(self.files[key])
        with self._lock:
            self._listed[key] = out.index
        return out

    def __call__(self, result: UnitResult) -> UnitResult:
        key = result.unit.key
        with self._lock:
            index = self._listed.pop(key, None)
        if any(g.operation == MALFORMED_OPERATION for g in result.gaps):
            return dataclasses.replace(result, records=())
        if index is None or result.resumed:  # from the checkpoint: not yet on disk
            with self.writer(key) as out:
                out.page([dict(rec.data) for rec in result.records])
                index = out.index
            with self._lock:
                self._listed.pop(key, None)
        self.indexes[key] = index
        return dataclasses.replace(result, records=())


def _records(
    good: list[tuple[str, str, str]],
    files: dict[tuple[str, str, str], Path],
    indexes: dict[tuple[str, str, str], AssetIndex],
    on_records: Callable[[list[RawRecord]], None] | None,
    batch: int,
) -> list[RawRecord] | None:
    """The raw records of the well-formed units' assets, read back from their files.

    Every asset is read against one index of all of them (an IAM policy takes
    its location from its resource's asset). With ``on_records`` they are
    handed over in batches of about ``batch`` and None is returned; otherwise
    they are returned sorted.
    """
    index = AssetIndex()
    for unit in good:
        index.update(indexes[unit])
    seen: set[bytes] = set()
    pending: list[RawRecord] = []
    for unit in good:
        for asset in _read(files[unit]):
            pending.extend(records_of(asset, index, seen))
            if on_records is not None and len(pending) >= batch:
                on_records(pending)
                pending = []
    if on_records is not None:
        on_records(pending)
        return None
    pending.sort(key=lambda r: (r.account, r.type, str(r.data["name"]), r.service))
    return pending
