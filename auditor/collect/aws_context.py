"""What an AWS service collector sees: one account, one region, one guarded client.

A collector module under ``auditor/collect/aws/`` declares ``SERVICE`` (an
:class:`AwsService`) and a ``collect(ctx)`` function that only makes SDK calls
through the context and emits raw records. The context turns every failed
call into a :class:`~auditor.model.Gap`, counts calls, and pages with the
largest page sizes the collector asks for.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from auditor.base.redact import redact_text
from auditor.collect.aws_clients import AwsClients, counted_by
from auditor.model import CollectionUnit, Gap, JSONValue, RawRecord

if TYPE_CHECKING:
    from auditor.collect.pacing import Pacer

MAX_PAGES = 10_000
"""A paginated listing longer than this is cut and recorded as a gap (no endless loops)."""


@dataclass(frozen=True, kw_only=True)
class AwsService:
    """A collector's declaration: its boto3 client, scope, and the IAM actions it needs."""

    name: str
    client: str
    scope: Literal["regional", "global"]
    actions: tuple[str, ...]
    """IAM actions the collector calls, e.g. ``ec2:DescribeVpcs`` (least-privilege policy)."""
    collect: Callable[[AwsContext], None] = field(repr=False)
    opt_in: bool = False
    """Planned only when the scan asks for it (observed flows: ``flows_since``)."""
    reads_peers: bool = False
    """Its units may read the scan's other accounts with their own credentials
    (:meth:`AwsContext.peer`: flow records a log archive account holds)."""


class Sink:
    """Thread-safe accumulator of raw records, gaps and call counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[RawRecord] = []
        self.gaps: list[Gap] = []
        self.calls: Counter[str] = Counter()
        self.units: list[CollectionUnit] = []

    def record(self, rec: RawRecord) -> None:
        with self._lock:
            self.records.append(rec)

    def drain(self) -> list[RawRecord]:
        """The records so far, handed over and forgotten (streamed collection)."""
        with self._lock:
            out, self.records = self.records, []
        return out

    def gap(self, gap: Gap) -> None:
        with self._lock:
            self.gaps.append(gap)

    def ran(self, unit: CollectionUnit) -> None:
        with self._lock:
            self.units.append(unit)

    def count(self, key: str) -> None:
        with self._lock:
            self.calls[key] += 1


ListingKey = tuple[str, ...]
Listed = tuple[tuple[tuple[str, JSONValue], ...], tuple[tuple[str, str], ...]]
"""A finished listing: its (result key, item) pairs and its failures (error code, message)."""


class SharedListings:
    """Listings that several units of one scan make alike, made once per process and scan.

    The first unit to ask makes the listing (its calls count as its own); the
    others wait for it and reuse its items and failures. Each unit records the
    failures as gaps of its own service, so a listing that failed is a gap for
    every unit that needed it, as if each had made it.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[ListingKey, threading.Lock] = {}
        self._done: dict[ListingKey, Listed] = {}

    def once(self, key: ListingKey, make: Callable[[], Listed]) -> Listed:
        """The listing ``key``, made by ``make`` unless another unit made it already."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # a unit making the listing holds it; the others wait, then reuse
            done = self._done.get(key)
            if done is None:
                done = self._done[key] = make()
            return done


def jsonable(value: Any) -> JSONValue:
    """SDK values (datetimes, bytes, Decimals, streams) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    read = getattr(value, "read", None)
    if callable(read):
        data = read()
        return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)
    return str(value)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore exception (its class name for transport errors).

    An unparseable error body (an HTML 500 from a proxy) is ``MalformedResponse``.
    """
    if type(exc).__name__ == "ResponseParserError":
        return "MalformedResponse"
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def _next_token(pager: Any, page: Mapping[str, Any]) -> str:
    """The next-page token of ``page`` as one string ("" on the last page).

    botocore stops only when a token repeats on two pages in a row; a cycle
    (A, B, A, ...) would page forever, so :meth:`AwsContext.pages` remembers them all.
    """
    exprs = getattr(pager, "_output_token", None) or ()
    values = [e.search(page) for e in exprs]
    if all(v is None for v in values):
        return ""
    return json.dumps(values, sort_keys=True, default=str)


def _snake(op: str) -> str:
    out = []
    for i, ch in enumerate(op):
        if (
            ch.isupper()
            and i
            and (not op[i - 1].isupper() or (i + 1 < len(op) and op[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class AwsContext:
    """One (account, region, service) unit of collection."""

    def __init__(
        self,
        *,
        session: Any,
        account: str,
        region: str,
        client_region: str,
        service: AwsService,
        sink: Sink,
        config: Any = None,
        scan_regions: tuple[str, ...] = (),
        limits: Pacer | None = None,
        shared: SharedListings | None = None,
        clients: AwsClients | None = None,
        flows_since: int | None = None,
        flows_until: int | None = None,
        peers: Mapping[str, Callable[[], Any]] | None = None,
        flows_insights: bool = False,
    ) -> None:
        self.account = account
        self.flows_since = flows_since
        """Seconds of flow log records to read (None: not asked for)."""
        self.flows_until = flows_until
        """The window's end, ms since the epoch (None: now)."""
        self.flows_insights = flows_insights
        """Read CloudWatch Logs flow log groups with Logs Insights first (billed per GB)."""
        self.region = region
        self.scan_regions = scan_regions
        """Every region this scan covers (a collector may skip what another unit reads)."""
        self.service = service
        self._sink = sink
        self._session = session
        self._client_region = client_region
        self._shared = shared
        self._clients = (
            clients
            if clients is not None
            else AwsClients(config=config, limits=limits, count=sink.count)
        )
        """The scan's clients (shared by its units), or this context's own."""
        self._peers = dict(peers or {})
        """The scan's other accounts this unit may read: account -> opens its session
        (a string: why it could not be entered)."""
        self._entered: dict[tuple[str, str], AwsContext | str] = {}

    @property
    def peer_accounts(self) -> tuple[str, ...]:
        """The scan's other accounts :meth:`peer` can enter, sorted."""
        return tuple(sorted(self._peers))

    def peer(self, account: str, region: str | None = None) -> AwsContext | str:
        """This unit acting in ``account`` (another account of the scan) with that account's
        own credentials and clients (in ``region``, default the unit's), or why it cannot.

        Its calls count as this unit's and its gaps go to this unit (the same sink); it
        emits nothing itself: what it reads is recorded by the unit, as the unit's.
        """
        where = region or self.region
        known = self._entered.get((account, where))
        if known is not None:
            return known
        enter = self._peers.get(account)
        made: AwsContext | str
        if enter is None:
            made = f"account {account} is not among the accounts this scan entered"
        else:
            session = enter()
            if isinstance(session, str):
                made = f"account {account} could not be entered: {session}"
            else:
                made = AwsContext(
                    session=session,
                    account=account,
                    region=where,
                    client_region=where,
                    service=self.service,
                    sink=self._sink,
                    scan_regions=self.scan_regions,
                    shared=self._shared,
                    clients=self._clients,
                    flows_since=self.flows_since,
                    flows_until=self.flows_until,
                    flows_insights=self.flows_insights,
                )
        self._entered[(account, where)] = made
        return made

    def client(self, name: str | None = None, region: str | None = None) -> Any:
        """A read-only guarded boto3 client (the service's own unless ``name`` is given).

        ``region`` overrides the unit's region, for reads that must go to a
        resource's home region (a bucket's location, a trail's home). The client
        is the scan's, shared with its other units: a call made on it directly
        counts for this unit only inside :meth:`counted` (the worker runs the
        whole collector inside it).
        """
        return self._clients.get(
            self._session,
            account=self.account,
            service=name or self.service.client,
            region=region or self._client_region,
        )

    def counted(self) -> AbstractContextManager[None]:
        """A block whose calls on the scan's clients count as this unit's."""
        return counted_by(self._sink.count)

    def gap(self, operation: str, error_code: str, message: str = "", resource: str = "") -> None:
        self._sink.gap(
            Gap(
                cloud="aws",
                account=self.account,
                region=self.region,
                service=self.service.name,
                operation=operation,
                error_code=error_code,
                message=redact_text(message)[:300],
                resource=resource,
            )
        )

    def call(
        self,
        operation: str,
        *,
        client: str | None = None,
        region: str | None = None,
        absent: Iterable[str] = (),
        resource: str = "",
        **params: Any,
    ) -> dict[str, Any] | None:
        """Call ``operation`` (CamelCase). Errors become gaps and return None.

        ``absent`` lists error codes that mean "this resource has no such
        setting" (e.g. ``NoSuchBucketPolicy``): they return ``{}`` without a gap.
        """
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        c = self.client(client, region)
        try:
            with self.counted():
                response = getattr(c, _snake(operation))(**params)
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            code = error_code(exc)
            if code in set(absent):
                return {}
            self.gap(operation, code, str(exc), resource)
            return None
        result = jsonable(response)
        assert isinstance(result, dict)
        return result

    def pages(
        self,
        operation: str,
        result_key: str,
        *,
        client: str | None = None,
        page_size: int | None = None,
        resource: str = "",
        share: bool = False,
        **params: Any,
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of ``result_key`` across pages; a failure records a gap.

        Items already yielded stay valid; the gap makes dependent verdicts
        INCONCLUSIVE because the listing is incomplete. ``share``: another
        collector of the same account and region makes the very same listing;
        it is made once for both (see :class:`SharedListings`).
        """
        for _, item in self.page_lists(
            operation,
            (result_key,),
            client=client,
            page_size=page_size,
            resource=resource,
            share=share,
            **params,
        ):
            yield item

    def page_lists(
        self,
        operation: str,
        result_keys: tuple[str, ...],
        *,
        client: str | None = None,
        page_size: int | None = None,
        resource: str = "",
        share: bool = False,
        **params: Any,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (result key, item) for every item of every ``result_keys`` list, page by page.

        For an operation whose pages carry several lists (IAM's
        ``GetAccountAuthorizationDetails``): one listing reads them all. Failures
        are gaps, as in :meth:`pages`.
        """

        def fail(code: str, message: str) -> None:
            self.gap(operation, code, message, resource)

        if not share or self._shared is None:
            yield from self._listing(
                operation, result_keys, fail, client=client, page_size=page_size, params=params
            )
            return
        key = (
            self.account,
            self._client_region,
            client or self.service.client,
            operation,
            *result_keys,
            str(page_size),
            json.dumps(jsonable(params), sort_keys=True),
        )

        def make() -> Listed:
            failures: list[tuple[str, str]] = []
            items = tuple(
                self._listing(
                    operation,
                    result_keys,
                    lambda code, message: failures.append((code, message)),
                    client=client,
                    page_size=page_size,
                    params=params,
                )
            )
            return items, tuple(failures)

        items, failures = self._shared.once(key, make)
        for code, message in failures:
            fail(code, message)
        for name, item in items:
            copied = jsonable(item)  # units never share a mutable item
            yield name, copied

    def _listing(
        self,
        operation: str,
        result_keys: tuple[str, ...],
        fail: Callable[[str, str], None],
        *,
        client: str | None,
        page_size: int | None,
        params: Mapping[str, Any],
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        c = self.client(client)
        snake = _snake(operation)
        try:
            if c.can_paginate(snake):
                config: dict[str, Any] = {"MaxItems": None}
                if page_size:
                    config["PageSize"] = page_size
                pager = c.get_paginator(snake).paginate(**params, PaginationConfig=config)
                seen: set[str] = set()
                for n, page in enumerate(self._counted_pages(pager)):
                    if n >= MAX_PAGES:
                        fail("TooManyPages", f"stopped after {MAX_PAGES} pages")
                        return
                    for name in result_keys:
                        for item in page.get(name, []) or []:
                            yield name, jsonable(item)
                    token = _next_token(pager, page)
                    if token in seen:
                        fail(
                            "RepeatedPageToken",
                            f"the page token {token[:80]} came back: the listing would not end",
                        )
                        return
                    if token:
                        seen.add(token)
            else:
                with self.counted():
                    response = getattr(c, snake)(**params)
                for name in result_keys:
                    for item in response.get(name, []) or []:
                        yield name, jsonable(item)
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            fail(error_code(exc), str(exc))

    def _counted_pages(self, pager: Iterable[Any]) -> Iterator[Any]:
        """``pager``'s pages, each fetched as this unit's calls (the unit is named only while
        a page is fetched: set across a ``yield`` it would stay set in the consumer's code)."""
        pages = iter(pager)
        while True:
            with self.counted():
                page = next(pages, None)
            if page is None:
                return
            yield page

    def emit(self, type: str, data: Mapping[str, Any], operation: str = "") -> None:
        """Hand one raw API object to normalisation."""
        payload = jsonable(data)
        assert isinstance(payload, dict)
        self._sink.record(
            RawRecord(
                cloud="aws",
                account=self.account,
                region=self.region,
                service=self.service.name,
                type=type,
                data=payload,
                operation=operation,
            )
        )
