"""Whether a Cloud Logging filter (a sink's inclusion filter) selects Cloud Audit Logs.

A filter is read in the Logging query language (``AND``/``OR``/``NOT``/``-``,
parentheses, implicit ``AND`` between terms, comparisons ``field OP value``,
``LOG_ID("...")``). Only what decides audit entries is modelled: the log name
(``logName``, ``LOG_ID``) and the payload type (``protoPayload."@type"``). Each term
is judged for every Cloud Audit Logs log (``activity``, ``data_access``,
``system_event``, ``policy``, ``access_transparency``) as true, false or unknown (a
term on any other field: whether audit entries pass it depends on values the
auditor does not see), combined in three-valued logic. The filter routes audit
logs when some audit log passes for certain, does not when none can, and is
UNKNOWN otherwise, or when it cannot be read.
"""

from __future__ import annotations

import re
from enum import Enum

AUDIT_LOGS = ("activity", "data_access", "system_event", "policy", "access_transparency")
AUDIT_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
_SERVICE = "cloudaudit.googleapis.com"


class Routes(Enum):
    """Whether a filter selects Cloud Audit Logs."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


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


_UNKNOWN: Vec = (_U,) * len(AUDIT_LOGS)


def _log_id(value: str) -> str:
    return value.replace("%2F", "/").replace("%2f", "/")


def _log_name_term(op: str, value: str, parent: str) -> Vec:
    """``logName OP value`` for each audit log.

    ``parent`` is the log-name prefix of the sink's own entries (``projects/P``) when it
    routes one resource's logs, ``""`` for an aggregated sink (its children's names vary).
    """
    value = _log_id(value)
    out: list[Tri] = []
    for log in AUDIT_LOGS:
        tail = f"/logs/{_SERVICE}/{log}"
        if parent:
            full = parent + tail
            if op == ":":
                hit: Tri = value.lower() in full.lower()
            elif op in ("=", "!="):
                hit = value == full
            elif op in ("=~", "!~"):
                hit = _search(value, full)
            else:
                return _UNKNOWN
        elif op == ":":
            hit = _T if value.lower() in tail.lower() else _U
            if "/logs/" in value and not tail.startswith("/logs/" + value.split("/logs/", 1)[1]):
                hit = _F
        elif op in ("=", "!="):
            hit = _U if value.endswith(tail) else _F
        else:
            return _UNKNOWN
        if op in ("!=", "!~"):
            hit = None if hit is None else not hit
        out.append(hit)
    return tuple(out)


def _search(pattern: str, text: str) -> Tri:
    try:
        return re.search(pattern, text) is not None or (
            re.search(pattern, text.replace(f"{_SERVICE}/", f"{_SERVICE}%2F")) is not None
        )
    except re.error as exc:
        raise _Unreadable(f"bad regular expression: {exc}") from exc


def _type_term(op: str, value: str) -> Vec:
    if op == "=":
        hit: Tri = value == AUDIT_TYPE
    elif op == "!=":
        hit = value != AUDIT_TYPE
    elif op == ":":
        hit = value.lower() in AUDIT_TYPE.lower()
    else:
        return _UNKNOWN
    return (hit,) * len(AUDIT_LOGS)


class _Parser:
    def __init__(self, text: str, parent: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.parent = parent

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
                return tuple(lid == f"{_SERVICE}/{log}" for log in AUDIT_LOGS)
            return _UNKNOWN
        nxt = self.peek()
        if nxt is None or nxt[0] != "op" or nxt[1] in "()":
            return _UNKNOWN  # a bare value: searched in every field
        op = self.take()[1]
        value = _unquote(self.take())
        field = _field(kind, text)
        if field == "logname":
            return _log_name_term(op, value, self.parent)
        if field == 'protopayload."@type"':
            return _type_term(op, value)
        return _UNKNOWN


def _field(kind: str, text: str) -> str:
    if kind != "word":
        raise _Unreadable(f"expected a field, found {text!r}")
    return text.lower()


def routes(filter_text: str, parent: str = "") -> Routes:
    """Whether ``filter_text`` selects Cloud Audit Logs (an empty filter selects every log).

    ``parent``: the log-name prefix of the entries the sink sees when they are one
    resource's (``projects/P``), else ``""``.
    """
    if not filter_text.strip():
        return Routes.YES
    try:
        parser = _Parser(filter_text, parent)
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


def routes_after_exclusions(filter_text: str, exclusions: list[str], parent: str = "") -> Routes:
    """The inclusion filter with the sink's enabled exclusion filters taken out."""
    if not exclusions:
        return routes(filter_text, parent)
    inner = f"({filter_text})" if filter_text.strip() else ""
    drop = " AND ".join(f"NOT ({e})" for e in exclusions if e.strip())
    return routes(" AND ".join(x for x in (inner, drop) if x), parent)
