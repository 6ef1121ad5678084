"""GCP collection through Cloud Asset Inventory (``google-cloud-asset``), read-only.

One unit per declared scope (project, folder, organisation) and content type
(RESOURCE, IAM_POLICY): ``list_assets`` paged to the end, on a bounded thread
pool. Every failure (an API error, a transport error, a malformed answer, a
page token that repeats) becomes a :class:`~auditor.model.Gap` with cloud
``gcp``; nothing raises for a cloud error. Answers become raw records through
:mod:`auditor.collect.gcp.records`, which the offline importer shares.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
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
from auditor.collect.threads import thread_pool

__all__ = [
    "IAM_UNIT",
    "RESOURCE_UNIT",
    "SDK_DEFAULT",
    "GcpScanOptions",
    "collect_gcp",
    "scopes",
]
from auditor.collect.progress import Progress, ProgressUpdate
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


def _list(
    client: Any, opts: GcpScanOptions, scope: str, content: str, keep: Keep
) -> tuple[Gap | None, int]:
    """Hand every asset of one scope and content type, trimmed, to ``keep`` a page at a
    time; a gap or None, and the pages fetched.

    A malformed asset ends the listing with a ``MalformedResponse`` gap whose
    operation is ``cloudasset.assets.list``: the caller then uses none of its assets.
    """
    from google.api_core.gapic_v1.method import DEFAULT
    from google.cloud import asset_v1
    from google.protobuf.json_format import MessageToDict

    operation = "cloudasset.assets." + (
        "listResource" if content == "RESOURCE" else "listIamPolicy"
    )
    request = asset_v1.ListAssetsRequest(
        parent=scope,
        content_type=getattr(asset_v1.ContentType, content),
        asset_types=list(ASSET_TYPES if content == "RESOURCE" else IAM_ASSET_TYPES),
        page_size=opts.page_size,
    )
    retry = DEFAULT if opts.retry == SDK_DEFAULT else opts.retry
    tokens: set[str] = set()
    pages = 0
    try:
        pager = client.list_assets(request=request, retry=retry, timeout=opts.timeout)
        for page in pager.pages:
            pages += 1
            try:
                keep([trim_asset(MessageToDict(type(a).pb(a))) for a in page.assets])
            except AssetFormatError as exc:
                return _gap(scope, MALFORMED_OPERATION, "MalformedResponse", str(exc)), pages
            token = str(page.next_page_token or "")
            if token and token in tokens:
                return _gap(scope, operation, "RepeatedPageToken", f"token {token!r}"), pages
            if pages >= MAX_PAGES and token:
                return _gap(scope, operation, "EndlessPagination", f"{pages} pages"), pages
            tokens.add(token)
    except _errors() as exc:
        return _gap(scope, operation, _code(exc), f"{type(exc).__name__}: {exc}"), pages
    return None, pages


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


def _collect(
    opts: GcpScanOptions,
    progress: Progress | None,
    on_records: Callable[[list[RawRecord]], None] | None,
    batch: int,
    folder: Path,
) -> CollectionResult:
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
    units = [(scope, content) for scope in targets for content in ("RESOURCE", "IAM_POLICY")]
    files = {unit: folder / f"{n:05d}.jsonl" for n, unit in enumerate(units)}
    indexes, malformed, complete = _list_units(client, opts, units, files, result, progress)
    good = [unit for unit in units if unit not in malformed]
    records = _records(good, files, indexes, on_records, batch)
    if records is not None:
        result.records = records
    _add_coverage(result, targets, complete)
    result.gaps.sort(key=lambda g: (g.account, g.operation, g.error_code, g.message))
    result.api_calls = dict(sorted(result.api_calls.items()))
    return result


def _list_units(
    client: Any,
    opts: GcpScanOptions,
    units: list[tuple[str, str]],
    files: dict[tuple[str, str], Path],
    result: CollectionResult,
    progress: Progress | None,
) -> tuple[dict[tuple[str, str], AssetIndex], set[tuple[str, str]], set[tuple[str, str]]]:
    """List every (scope, content) unit on the thread pool, each into its own file.

    Assets are indexed as pages arrive (so the files are read back once). API
    calls and gaps go into ``result``. Returns each unit's index, the units
    whose answers were malformed (their assets are not used) and the units
    listed to the end.
    """
    indexes = {unit: AssetIndex() for unit in units}
    malformed: set[tuple[str, str]] = set()
    complete: set[tuple[str, str]] = set()
    lock = threading.Lock()
    done = 0
    per_scope: dict[str, int] = {}
    started = time.monotonic()

    def run(unit: tuple[str, str]) -> None:
        nonlocal done
        scope, content = unit
        with files[unit].open("w", encoding="utf-8") as out:

            def keep(assets: list[dict[str, Any]]) -> None:
                for a in assets:
                    indexes[unit].add(a)
                out.writelines(json.dumps(a, sort_keys=True) + "\n" for a in assets)

            gap, pages = _list(client, opts, scope, content, keep)
        with lock:
            if gap is not None and gap.operation == MALFORMED_OPERATION:
                malformed.add(unit)
            key = "cloudasset:ListAssets"
            result.api_calls[key] = result.api_calls.get(key, 0) + max(1, pages)
            if gap is not None:
                result.gaps.append(gap)
            else:
                complete.add(unit)
            done += 1
            per_scope[scope] = per_scope.get(scope, 0) + 1
            if progress:
                progress(
                    ProgressUpdate(
                        label=f"{scope}/{content}",
                        account=_scope_account(scope) if scope.startswith("projects/") else scope,
                        account_done=per_scope[scope],
                        account_total=2,
                        done=done,
                        total=len(units),
                        resumed=0,
                        elapsed=time.monotonic() - started,
                    )
                )

    with thread_pool(opts.max_workers) as pool:
        list(pool.map(run, units))
    return indexes, malformed, complete


def _records(
    good: list[tuple[str, str]],
    files: dict[tuple[str, str], Path],
    indexes: dict[tuple[str, str], AssetIndex],
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


def _add_coverage(
    result: CollectionResult, targets: list[str], complete: set[tuple[str, str]]
) -> None:
    """The units (per project and content) listed to the end, and the projects entered."""
    for scope in targets:
        account = _scope_account(scope)
        if account == "*":
            continue
        for content, service in (("RESOURCE", RESOURCE_UNIT), ("IAM_POLICY", IAM_UNIT)):
            if (scope, content) in complete:
                result.units.append(
                    CollectionUnit(cloud="gcp", account=account, region="global", service=service)
                )
        if (scope, "RESOURCE") in complete:
            result.accounts_entered.append(account)
    result.accounts = [_scope_account(s) for s in targets if s.startswith("projects/")]
