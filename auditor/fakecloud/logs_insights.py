"""CloudWatch Logs Insights queries for the embedded AWS fake, evaluated over moto's events.

moto answers ``StartQuery`` but its engine knows only ``fields``, ``sort`` and ``limit``.
This WSGI layer (:func:`wrap`) answers ``StartQuery`` and ``GetQueryResults`` itself by
evaluating a subset of the query language (the Logs Insights query syntax reference)
over the events moto stores for the named groups:

- ``filter toMillis(@timestamp) >= N and toMillis(@timestamp) <= N`` (comparisons of a
  field, or ``toMillis(@timestamp)``, with a number, joined by ``and``);
- ``parse FIELD /REGEX/``: named groups ``(?<name>...)`` (letters and digits, as in Java
  regexes) become fields; an event the regex does not match gets none of them (its
  other fields are kept);
- ``stats AGG, ... by FIELD, ...`` with ``count(*)``, ``count(FIELD)`` (events where the
  field is set), ``sum``/``min``/``max`` of a numeric field (values that are not numbers
  are left out); ``AGG as NAME`` names a column; an unset ``by`` field groups as unset and
  is left out of the row, as the service omits empty fields;
- ``limit N`` (1 to 10,000; the service's largest): rows beyond it are dropped.

Anything else is refused as ``MalformedQueryException``, never answered approximately.
``startTime``/``endTime`` (seconds) select events whose second lies in between, both
included. The statistics are real: ``recordsScanned``/``bytesScanned`` count the events
of the time range and their message bytes, ``recordsMatched`` those the filters kept.
:attr:`InsightsFake.outcome` makes every query end ``Failed``, ``Timeout`` or stay
``Running`` (tests of the reader's fallback); by default queries are ``Complete`` at once.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_TARGET = "Logs_20140328."
MAX_ROWS = 10_000
"""The service's largest result (``limit`` 10,000)."""
Event = dict[str, str | int]


class QueryError(Exception):
    """A query the subset does not parse: the service's ``MalformedQueryException``."""


@dataclass(frozen=True, kw_only=True)
class _Agg:
    func: str
    arg: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Query:
    """A parsed query: its commands in order."""

    commands: tuple[tuple[str, Any], ...]


_AGG = re.compile(r"^(count|sum|min|max)\(\s*(\*|[@\w.-]+)\s*\)(?:\s+as\s+(\w+))?$")
_CMP = re.compile(r"^(toMillis\(@timestamp\)|[@\w.-]+)\s*(>=|<=|=|>|<)\s*(-?\d+)$")
_NAMED = re.compile(r"\(\?<(\w+)>")


def _split(text: str, sep: str) -> list[str]:
    """``text`` split on ``sep`` outside ``/regex/`` literals."""
    parts, cur, in_regex = [], "", False
    for i, ch in enumerate(text):
        if ch == "/" and (i == 0 or text[i - 1] != "\\"):
            in_regex = not in_regex
        if not in_regex and text.startswith(sep, i) and sep:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def _stats(body: str) -> tuple[tuple[_Agg, ...], tuple[str, ...]]:
    aggs_text, _, by_text = body.partition(" by ")
    aggs = []
    for part in _split(aggs_text, ","):
        m = _AGG.match(part)
        if m is None or (m.group(2) == "*" and m.group(1) != "count"):
            raise QueryError(f"unsupported aggregation {part!r}")
        aggs.append(_Agg(func=m.group(1), arg=m.group(2), name=m.group(3) or part))
    by = tuple(b for b in _split(by_text, ",") if b) if by_text else ()
    if any(not re.fullmatch(r"[@\w.-]+", b) for b in by):
        raise QueryError(f"unsupported stats grouping {by_text!r}")
    return tuple(aggs), by


def parse_query(text: str) -> Query:
    """The commands of ``text``; :class:`QueryError` for anything outside the subset."""
    commands: list[tuple[str, Any]] = []
    for part in _split(text, "|"):
        verb, _, body = part.partition(" ")
        body = body.strip()
        if verb == "parse":
            m = re.fullmatch(r"([@\w.-]+)\s+/(.*)/", body, re.S)
            if m is None:
                raise QueryError(f"parse needs FIELD /REGEX/: {body[:80]!r}")
            names = _NAMED.findall(m.group(2))
            if not names or any(not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", n) for n in names):
                raise QueryError(f"named groups must be letters and digits: {names}")
            try:
                regex = re.compile(_NAMED.sub(r"(?P<\1>", m.group(2)))
            except re.error as exc:
                raise QueryError(f"bad regex: {exc}") from None
            commands.append(("parse", (m.group(1), regex)))
        elif verb == "filter":
            tests = []
            for cond in re.split(r"\s+and\s+", body):
                c = _CMP.match(cond.strip())
                if c is None:
                    raise QueryError(f"unsupported filter {cond!r}")
                tests.append((c.group(1), c.group(2), int(c.group(3))))
            commands.append(("filter", tuple(tests)))
        elif verb == "stats":
            commands.append(("stats", _stats(body)))
        elif verb == "limit":
            if not body.isdigit() or not 1 <= int(body) <= MAX_ROWS:
                raise QueryError(f"limit must be 1 to {MAX_ROWS}: {body!r}")
            commands.append(("limit", int(body)))
        else:
            raise QueryError(f"unsupported command {verb!r}")
    if [c for c, _ in commands].count("stats") > 1:
        raise QueryError("one stats command at most")
    return Query(commands=tuple(commands))


def _number(value: str | int | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _kept(event: Event, tests: tuple[tuple[str, str, int], ...]) -> bool:
    for name, op, bound in tests:
        key = "@timestamp" if name.startswith("toMillis(") else name
        got = _number(event.get(key))
        if got is None:
            return False
        ok = {
            ">=": got >= bound, "<=": got <= bound, "=": got == bound,
            ">": got > bound, "<": got < bound,
        }[op]  # fmt: skip
        if not ok:
            return False
    return True


def _text(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


def _aggregate(events: list[Event], aggs: tuple[_Agg, ...], by: tuple[str, ...]) -> list[Event]:
    groups: dict[tuple[str | int | None, ...], list[Event]] = {}
    for e in events:
        groups.setdefault(tuple(e.get(b) for b in by), []).append(e)
    rows: list[Event] = []
    for key, members in groups.items():
        row: Event = {b: v for b, v in zip(by, key, strict=True) if v is not None}
        for a in aggs:
            if a.func == "count":
                row[a.name] = len(members) if a.arg == "*" else sum(a.arg in m for m in members)
                continue
            nums = [n for m in members if (n := _number(m.get(a.arg))) is not None]
            if nums:
                total = sum(nums, Decimal(0))
                row[a.name] = _text(
                    total if a.func == "sum" else min(nums) if a.func == "min" else max(nums)
                )
        rows.append(row)
    return rows


def run_query(query: Query, events: list[Event]) -> tuple[list[Event], int]:
    """The result rows of ``query`` over ``events`` and how many events it matched."""
    rows = [dict(e) for e in events]
    limit = MAX_ROWS
    aggregated = False
    matched = len(rows)
    for verb, arg in query.commands:
        if verb == "parse":
            source, regex = arg
            for r in rows:
                m = regex.search(str(r.get(source, "")))
                if m is not None:
                    r.update({k: v for k, v in m.groupdict().items() if v is not None})
        elif verb == "filter":
            rows = [r for r in rows if _kept(r, arg)]
            matched = len(rows) if not aggregated else matched
        elif verb == "stats":
            rows, aggregated = _aggregate(rows, *arg), True
        else:
            limit = min(limit, int(arg))
    return rows[:limit], matched


@dataclass
class InsightsFake:
    """Queries started in the fake, by id."""

    outcome: str = "Complete"
    """The status every query ends with (tests set ``Failed``, ``Timeout``, ``Running``)."""
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.queries.clear()
            self.outcome = "Complete"

    def start(self, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        from moto.logs.models import logs_backends

        query = parse_query(str(params.get("queryString") or ""))
        backend = logs_backends[account][region]
        names = list(params.get("logGroupNames") or [])
        if params.get("logGroupName"):
            names.append(str(params["logGroupName"]))
        low, high = int(params["startTime"]), int(params["endTime"])
        events: list[Event] = []
        for name in names:
            group = backend.groups.get(name)
            if group is None:
                raise LookupError(f"The specified log group does not exist: {name}")
            for stream_name, stream in group.streams.items():
                events.extend(
                    {"@timestamp": e.timestamp, "@message": e.message, "@logStream": stream_name}
                    for e in stream.events
                    if low <= e.timestamp // 1000 <= high
                )
        rows, matched = run_query(query, events)
        stats = {
            "recordsMatched": float(matched),
            "recordsScanned": float(len(events)),
            "bytesScanned": float(sum(len(str(e["@message"]).encode()) for e in events)),
        }
        qid = str(uuid.uuid4())
        with self._lock:
            self.queries[qid] = {"rows": rows, "stats": stats, "status": self.outcome}
        return {"queryId": qid}

    def results(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            q = self.queries.get(str(params.get("queryId")))
        if q is None:
            raise LookupError("Query does not exist.")
        if q["status"] != "Complete":
            return {"status": q["status"], "results": [], "statistics": q["stats"]}
        results = [[{"field": k, "value": str(v)} for k, v in r.items()] for r in q["rows"]]
        return {"status": "Complete", "results": results, "statistics": q["stats"]}


def _respond(start: StartResponse, status: str, body: Any, code: str = "") -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))]
    if code:
        headers.append(("x-amzn-ErrorType", code))
    start(status, headers)
    return [data]


def wrap(app: WsgiApp, fake: InsightsFake) -> WsgiApp:
    """``app`` (moto) with ``StartQuery`` and ``GetQueryResults`` answered by ``fake``."""
    from auditor.fakecloud.aws_kafka import _account

    def middleware(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
        op = target[len(_TARGET) :] if target.startswith(_TARGET) else ""
        scope = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        if op not in ("StartQuery", "GetQueryResults") or scope is None:
            return app(environ, start)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        params = json.loads(environ["wsgi.input"].read(length) or b"{}")
        account, region = _account(environ, scope.group(1)), scope.group(2)
        try:
            if op == "StartQuery":
                return _respond(start, "200 OK", fake.start(account, region, params))
            return _respond(start, "200 OK", fake.results(params))
        except QueryError as exc:
            body = {"__type": "MalformedQueryException", "message": str(exc)}
            return _respond(start, "400 Bad Request", body, "MalformedQueryException")
        except LookupError as exc:
            body = {"__type": "ResourceNotFoundException", "message": str(exc.args[0])}
            return _respond(start, "400 Bad Request", body, "ResourceNotFoundException")

    return middleware
