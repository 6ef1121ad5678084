"""GCP collection through Cloud Asset Inventory (``google-cloud-asset``), read-only.

One unit per declared scope (project, folder, organisation) and content type
(RESOURCE, IAM_POLICY): ``list_assets`` paged to the end, on a bounded thread
pool. Every failure (an API error, a transport error, a malformed answer, a
page token that repeats) becomes a :class:`~auditor.model.Gap` with cloud
``gcp``; nothing raises for a cloud error. Answers become raw records through
:mod:`auditor.collect.gcp.records`, which the offline importer shares.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from auditor.collect.gcp.guard import ReadOnlyAssetClient
from auditor.collect.gcp.records import (
    ASSET_TYPES,
    IAM_ASSET_TYPES,
    IAM_UNIT,
    RESOURCE_UNIT,
    AssetFormatError,
    to_records,
)

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
from auditor.model import CollectionUnit, Gap

SDK_DEFAULT = "sdk-default"
"""``GcpScanOptions.retry`` value meaning: the client library's own retry policy."""

MAX_PAGES = 10_000
"""A list longer than this many pages is treated as endless pagination (a gap)."""


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
        message=f"{scope}: {message}"[:300],
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


def _list(
    client: Any, opts: GcpScanOptions, scope: str, content: str
) -> tuple[list[dict[str, Any]], Gap | None, int]:
    """Every asset of one scope and content type, or a gap; and the pages fetched."""
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
    assets: list[dict[str, Any]] = []
    tokens: set[str] = set()
    pages = 0
    try:
        pager = client.list_assets(request=request, retry=retry, timeout=opts.timeout)
        for page in pager.pages:
            pages += 1
            for asset in page.assets:
                assets.append(MessageToDict(type(asset).pb(asset)))
            token = str(page.next_page_token or "")
            if token and token in tokens:
                return (
                    assets,
                    _gap(scope, operation, "RepeatedPageToken", f"token {token!r}"),
                    pages,
                )
            if pages >= MAX_PAGES and token:
                return assets, _gap(scope, operation, "EndlessPagination", f"{pages} pages"), pages
            tokens.add(token)
    except _errors() as exc:
        return assets, _gap(scope, operation, _code(exc), f"{type(exc).__name__}: {exc}"), pages
    return assets, None, pages


def collect_gcp(opts: GcpScanOptions, progress: Progress | None = None) -> CollectionResult:
    """Collect every declared scope; never raises for cloud errors."""
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
    answers: dict[tuple[str, str], list[dict[str, Any]]] = {}
    complete: set[tuple[str, str]] = set()
    lock = threading.Lock()
    done = 0
    per_scope: dict[str, int] = {}
    started = time.monotonic()

    def run(unit: tuple[str, str]) -> None:
        nonlocal done
        scope, content = unit
        assets, gap, pages = _list(client, opts, scope, content)
        with lock:
            answers[unit] = assets
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

    with ThreadPoolExecutor(max_workers=max(1, opts.max_workers)) as pool:
        list(pool.map(run, units))

    good: list[dict[str, Any]] = []
    for unit in sorted(answers):
        try:
            to_records(answers[unit])
        except AssetFormatError as exc:
            result.gaps.append(
                _gap(unit[0], "cloudasset.assets.list", "MalformedResponse", str(exc))
            )
            complete.discard(unit)
            continue
        good.extend(answers[unit])
    result.records = to_records(good)
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
    result.gaps.sort(key=lambda g: (g.account, g.operation, g.error_code, g.message))
    result.api_calls = dict(sorted(result.api_calls.items()))
    return result
