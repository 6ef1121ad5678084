"""Whether a Cloud Logging filter (a sink's inclusion or exclusion filter) selects given logs.

A filter is read in the Logging query language (``AND``/``OR``/``NOT``/``-``,
parentheses, implicit ``AND`` between terms, comparisons ``field OP value``,
``LOG_ID("...")``). Only what decides a log's entries is modelled: the log name
(``logName``, ``LOG_ID``) and the payload type (``protoPayload."@type"``). Each term is
judged for every log asked about (:class:`LogSpec`) as true, false or unknown (a term on
any other field: whether the log's entries pass it depends on values not seen), combined
in three-valued logic. The filter routes the logs when the entries of some log pass for
certain, does not when none can, and is UNKNOWN otherwise, or when it cannot be read.
Cloud Audit Logs (:mod:`auditor.checks._gcp_sink_filter`) and the flow logs the observed
flows read (:data:`VPC_FLOWS`, :data:`FIREWALL`) are asked about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Routes(Enum):
    """Whether a filter selects the logs asked about."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True, slots=True)
class LogSpec:
    """A log as a filter sees it: its log id and its entries' proto payload type."""

    log_id: str
    """``service.googleapis.com/name``, decoded (``/``, not ``%2F``)."""
    payload_type: str | None = None
    """``protoPayload."@type"`` of its entries; None when they carry a JSON payload."""


VPC_FLOWS = LogSpec(log_id="compute.googleapis.com/vpc_flows")
FIREWALL = LogSpec(log_id="compute.googleapis.com/firewall")

_T, _F, _U = True, False, None
Tri = bool | None
Vec = tuple[Tri, ...]

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>!=|>=|<=|=~|!~|[=:<>()])|(?P<minus>-(?=\S))'
    r"|(?P<word>[^\s\"()=:<>!~]+))"
)


class _Unreadable(ValueError):
    """The filter is outside what this reader models (it is then UNKNOWN)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _Unreadable(f"cannot read at {pos}")
        pos = m.end()
        kind = str(m.lastgroup)
        out.append((kind, m.group(kind)))
    return out


def _unquote(tok: tuple[str, str]) -> str:
    kind, text = tok
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "word":
        return text
    raise _Unreadable(f"expected a value, found {text!r}")


def _not(v: Vec) -> Vec:
    return tuple(None if x is None else not x for x in v)


def _and(a: Vec, b: Vec) -> Vec:
    return tuple(
        _F if x is _F or y is _F else (_T if x and y else _U) for x, y in zip(a, b, strict=True)
    )


def _or(a: Vec, b: Vec) -> Vec:
    return tuple(
        _T if x is _T or y is _T else (_F if x is _F and y is _F else _U)
        for x, y in zip(a, b, strict=True)
    )


def _log_id(value: str) -> str:
    return value.replace("%2F", "/").replace("%2f", "/")


def _log_name_term(op: str, value: str, parent: str, logs: Sequence[LogSpec]) -> Vec:
    """``logName OP value`` for each log.

    ``parent`` is the log-name prefix of the sink's own entries (``projects/P``) when it
    routes one resource's logs, ``""`` for an aggregated sink (its children's names vary).
    """
    value = _log_id(value)
    out: list[Tri] = []
    for log in logs:
        tail = f"/logs/{log.log_id}"
        if parent:
            full = parent + tail
            if op == ":":
                hit: Tri = value.lower() in full.lower()
            elif op in ("=", "!="):
                hit = value == full
            elif op in ("=~", "!~"):
                hit = _search(value, full, log.log_id)
            else:
                return _unknown(logs)
        elif op == ":":
            hit = _T if value.lower() in tail.lower() else _U
            if "/logs/" in value and not tail.startswith("/logs/" + value.split("/logs/", 1)[1]):
                hit = _F
        elif op in ("=", "!="):
            hit = _U if value.endswith(tail) else _F
        else:
            return _unknown(logs)
        if op in ("!=", "!~"):
            hit = None if hit is None else not hit
        out.append(hit)
    return tuple(out)


def _search(pattern: str, text: str, log_id: str) -> Tri:
    """Whether ``pattern`` matches the log name, as written or with its log id URL-encoded."""
    encoded = text.replace(log_id, log_id.replace("/", "%2F"))
    try:
        return re.search(pattern, text) is not None or re.search(pattern, encoded) is not None
    except re.error as exc:
        raise _Unreadable(f"bad regular expression: {exc}") from exc


def _type_term(op: str, value: str, logs: Sequence[LogSpec]) -> Vec:
    """``protoPayload."@type" OP value`` per log; a log without a proto payload never has
    the value (``=``, ``:``), and whether ``!=`` holds on an absent field is left unknown."""
    out: list[Tri] = []
    for log in logs:
        kind = log.payload_type
        if op == "=":
            out.append(value == kind if kind else _F)
        elif op == "!=":
            out.append(value != kind if kind else _U)
        elif op == ":":
            out.append(value.lower() in kind.lower() if kind else _F)
        else:
            out.append(_U)
    return tuple(out)


class _Parser:
    def __init__(self, text: str, parent: str, logs: Sequence[LogSpec]) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.parent = parent
        self.logs = tuple(logs)

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise _Unreadable("ends early")
        self.i += 1
        return tok

    def expr(self) -> Vec:
        v = self.conj()
        while (tok := self.peek()) is not None and tok == ("word", "OR"):
            self.take()
            v = _or(v, self.conj())
        return v

    def conj(self) -> Vec:
        v = self.unary()
        while (tok := self.peek()) is not None and tok != ("op", ")") and tok != ("word", "OR"):
            if tok == ("word", "AND"):
                self.take()
            v = _and(v, self.unary())
        return v

    def unary(self) -> Vec:
        tok = self.peek()
        if tok in (("word", "NOT"), ("minus", "-")):
            self.take()
            return _not(self.unary())
        if tok == ("op", "("):
            self.take()
            v = self.expr()
            if self.take() != ("op", ")"):
                raise _Unreadable("unbalanced parenthesis")
            return v
        return self.term()

    def term(self) -> Vec:
        kind, text = self.take()
        while kind == "word" and text.endswith(".") and (nxt := self.peek()) and nxt[0] == "str":
            text += self.take()[1]  # a quoted path segment: protoPayload."@type"
        if kind == "word" and self.peek() == ("op", "("):  # a function: LOG_ID, SEARCH, ...
            self.take()
            args = []
            while (tok := self.take()) != ("op", ")"):
                args.append(_unquote(tok))
            if text.upper() == "LOG_ID" and len(args) == 1:
                lid = _log_id(args[0])
                return tuple(lid == log.log_id for log in self.logs)
            return _unknown(self.logs)
        nxt = self.peek()
        if nxt is None or nxt[0] != "op" or nxt[1] in "()":
            return _unknown(self.logs)  # a bare value: searched in every field
        op = self.take()[1]
        value = _unquote(self.take())
        field = _field(kind, text)
        if field == "logname":
            return _log_name_term(op, value, self.parent, self.logs)
        if field == 'protopayload."@type"':
            return _type_term(op, value, self.logs)
        return _unknown(self.logs)


def _field(kind: str, text: str) -> str:
    if kind != "word":
        raise _Unreadable(f"expected a field, found {text!r}")
    return text.lower()


def _unknown(logs: Sequence[LogSpec]) -> Vec:
    return (_U,) * len(logs)


def routes(filter_text: str, logs: Sequence[LogSpec], parent: str = "") -> Routes:
    """Whether ``filter_text`` selects ``logs`` (an empty filter selects every log): YES when
    every entry of some log passes, NO when no entry of any can.

    ``parent``: the log-name prefix of the entries the sink sees when they are one
    resource's (``projects/P``), else ``""``.
    """
    if not filter_text.strip():
        return Routes.YES
    try:
        parser = _Parser(filter_text, parent, logs)
        got = parser.expr()
        if parser.peek() is not None:
            raise _Unreadable("text after the expression")
    except _Unreadable:
        return Routes.UNKNOWN
    if any(x is _T for x in got):
        return Routes.YES
    if all(x is _F for x in got):
        return Routes.NO
    return Routes.UNKNOWN


def routes_after_exclusions(
    filter_text: str, exclusions: Sequence[str], logs: Sequence[LogSpec], parent: str = ""
) -> Routes:
    """The inclusion filter with the sink's enabled exclusion filters taken out."""
    if not exclusions:
        return routes(filter_text, logs, parent)
    inner = f"({filter_text})" if filter_text.strip() else ""
    drop = " AND ".join(f"NOT ({e})" for e in exclusions if e.strip())
    return routes(" AND ".join(x for x in (inner, drop) if x), logs, parent)
