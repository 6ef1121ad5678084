"""IAM policy documents, read without an AWS evaluator.

Terms used here:

- A *statement* is one ``Statement`` entry of a policy document, normalised to a
  :class:`Statement` (single values become tuples, ``Principal: "*"`` becomes an
  ``AWS`` principal ``*``, a bare account id becomes its root ARN).
- An *action glob* is an IAM action pattern (``kms:*``, ``s3:Get*``, ``*``):
  ``*`` matches any run of characters, ``?`` exactly one, and matching ignores
  case, as IAM does.
- An :class:`ActionSet` is the set of actions a statement's ``Action`` (or, when
  negated, ``NotAction``) names. Sets of globs are regular languages, so "does
  this allow any action in that set but not in those" has an exact answer and
  a shortest *witness* action, found by :func:`find_action`.
- A :class:`PermissionSet` is what a set of identity policy documents grants.
  It over-approximates on purpose: every ``Allow`` counts whatever its resources
  or conditions, and only an unconditional ``Deny`` on every resource takes an
  action away. A rule built on it can say "this may be granted" safely; it
  never under-reports a grant.

Issue #4 grows this into full AWS policy evaluation (resources, conditions,
boundaries, SCPs); the names here are the ones that evaluation will keep.
"""

from __future__ import annotations

import functools
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from auditor.analysis.globs import glob_match

ANYONE = "*"
"""The principal id of ``Principal: "*"`` (anyone, any account)."""

ASSUME_ACTIONS: tuple[str, ...] = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
)
"""The actions a trust policy statement must allow to let a principal assume a role."""

RESTRICTING_CONDITION_KEYS: frozenset[str] = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:userid",
        "sts:externalid",
        "kms:calleraccount",
    }
)
"""Condition keys (lower case) that pin who may use a statement that names anyone."""

_POSITIVE_OPERATORS: frozenset[str] = frozenset(
    {"stringequals", "stringlike", "arnequals", "arnlike", "ipaddress", "stringequalsignorecase"}
)
"""Condition operators that let a request through only when a key matches a value."""

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ARN_ACCOUNT = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):")


class PolicyError(ValueError):
    """A policy document that cannot be read as IAM JSON."""


# --- principals and conditions ---------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Principal:
    """One principal a statement names: its type (``AWS``, ``Service``, ...) and value."""

    type: str
    value: str

    @property
    def is_anyone(self) -> bool:
        return self.value == ANYONE and self.type in ("AWS", ANYONE)

    @property
    def is_service(self) -> bool:
        return self.type == "Service"

    @property
    def account(self) -> str | None:
        """The twelve-digit account the principal lives in, when its value names one."""
        if _ACCOUNT_ID.match(self.value):
            return self.value
        m = _ARN_ACCOUNT.match(self.value)
        return m.group(1) if m else None

    @property
    def id(self) -> str:
        """The graph node id this principal has (as the normalisers write it)."""
        if self.is_anyone:
            return ANYONE
        if self.is_service:
            return f"service:{self.value}"
        if self.type == "AWS" and _ACCOUNT_ID.match(self.value):
            return f"arn:aws:iam::{self.value}:root"
        return self.value


@dataclass(frozen=True, slots=True, order=True)
class Condition:
    """One condition test: ``{operator: {key: values}}``."""

    operator: str
    key: str
    values: tuple[str, ...]

    @property
    def base_operator(self) -> str:
        """The operator without set qualifiers or ``IfExists``, lower case."""
        op = self.operator.lower().split(":", 1)[-1]
        return op.removesuffix("ifexists")

    @property
    def if_exists(self) -> bool:
        return self.operator.lower().endswith("ifexists")

    @property
    def restricts(self) -> bool:
        """Whether the test only lets requests through with a specific value of its key."""
        if self.if_exists or self.base_operator not in _POSITIVE_OPERATORS:
            return False
        return any(v.strip("*?") for v in self.values)

    def as_json(self) -> dict[str, Any]:
        return {"operator": self.operator, "key": self.key, "values": list(self.values)}


# --- action sets -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionSet:
    """The actions a list of globs names, or (``negated``) every action it does not name."""

    globs: tuple[str, ...]
    negated: bool = False

    def contains(self, action: str) -> bool:
        hit = any(action_matches(g, action) for g in self.globs)
        return hit != self.negated

    def describe(self) -> str:
        names = ", ".join(self.globs) or "nothing"
        return f"every action except {names}" if self.negated else names


def action_matches(pattern: str, action: str) -> bool:
    """Whether IAM action glob ``pattern`` matches the concrete ``action`` (any case)."""
    return glob_match(pattern, action, ignore_case=True)


def globs_overlap(a: str, b: str) -> bool:
    """Whether two action globs share at least one action (``kms:*`` and ``*:Decrypt``)."""
    return find_action([ActionSet((a,)), ActionSet((b,))]) is not None


class _Glob:
    """A glob as a small NFA over lower-case characters: states are pattern positions."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern.lower()

    def _close(self, states: Iterable[int]) -> frozenset[int]:
        out = set(states)
        todo = list(out)
        while todo:
            i = todo.pop()
            if i < len(self.p) and self.p[i] == "*" and i + 1 not in out:
                out.add(i + 1)
                todo.append(i + 1)
        return frozenset(out)

    def start(self) -> frozenset[int]:
        return self._close([0])

    def step(self, states: frozenset[int], ch: str) -> frozenset[int]:
        nxt: set[int] = set()
        for i in states:
            if i >= len(self.p):
                continue
            c = self.p[i]
            if c == "*":
                nxt.add(i)
            elif c == "?" or c == ch:
                nxt.add(i + 1)
        return self._close(nxt)

    def run(self, text: str) -> frozenset[int]:
        states = self.start()
        for ch in text:
            states = self.step(states, ch)
        return states

    def accepts(self, states: frozenset[int]) -> bool:
        return len(self.p) in states

    def literals(self) -> set[str]:
        return {c for c in self.p if c not in "*?"}


_MAX_SEARCH_STATES = 200_000


def find_action(include: Sequence[ActionSet], exclude: Sequence[ActionSet] = ()) -> str | None:
    """A shortest action in every ``include`` set and in no ``exclude`` set, or ``None``.

    Exact for globs: the search walks the product of the sets' automata over
    the characters the globs use plus one character none of them uses. When a
    single include set is one wildcard-free name, that name is returned as
    written; otherwise the witness is in lower case.
    """
    if not include:
        raise ValueError("find_action needs at least one set to search in")
    return _find_action(tuple(include), tuple(exclude))


@functools.lru_cache(maxsize=4096)
def _find_action(include: tuple[ActionSet, ...], exclude: tuple[ActionSet, ...]) -> str | None:
    """:func:`find_action`, memoised.

    The same role in every account (the vendor's operator role, say) would otherwise ask
    the same costly search once per account.
    """
    sets = [*include, *exclude]
    globs = [[_Glob(g) for g in s.globs] for s in sets]
    alphabet: set[str] = set()
    for gl in globs:
        for g in gl:
            alphabet |= g.literals()
    spare = next(c for c in "x0123456789abcdefghijklmnopqrstuvwyz_-" if c not in alphabet)
    chars = sorted(alphabet | {spare})

    State = tuple[tuple[frozenset[int], ...], ...]

    def member(state: State, k: int) -> bool:
        hit = any(g.accepts(st) for g, st in zip(globs[k], state[k], strict=True))
        return hit != sets[k].negated

    def dead(state: State) -> bool:
        # A positive include set whose globs can no longer match anything.
        return any(
            not sets[k].negated and all(not st for st in state[k]) for k in range(len(include))
        )

    start: State = tuple(tuple(g.start() for g in gl) for gl in globs)
    seen: dict[State, tuple[State | None, str]] = {start: (None, "")}
    queue: deque[State] = deque([start])
    found: State | None = None
    while queue:
        state = queue.popleft()
        if all(member(state, k) for k in range(len(include))) and not any(
            member(state, k) for k in range(len(include), len(sets))
        ):
            found = state
            break
        if dead(state):
            continue
        for ch in chars:
            nxt: State = tuple(
                tuple(g.step(st, ch) for g, st in zip(globs[k], state[k], strict=True))
                for k in range(len(sets))
            )
            if nxt not in seen:
                seen[nxt] = (state, ch)
                queue.append(nxt)
        if len(seen) > _MAX_SEARCH_STATES:
            raise PolicyError("action sets too complex to compare")
    if found is None:
        return None
    text: list[str] = []
    cur: State | None = found
    while cur is not None:
        prev, ch = seen[cur]
        text.append(ch)
        cur = prev
    witness = "".join(reversed(text))
    for aset in include:
        if not aset.negated:
            for name in aset.globs:
                if "*" not in name and "?" not in name and name.lower() == witness:
                    return name
    return witness


# --- statements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """One normalised policy statement; ``raw`` is the statement as written (evidence)."""

    index: int
    sid: str
    effect: str
    actions: ActionSet
    resources: tuple[str, ...]
    not_resource: bool
    principals: tuple[Principal, ...]
    not_principal: bool
    conditions: tuple[Condition, ...]
    raw: Mapping[str, Any] = field(compare=False)

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect == "Deny"

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"

    @property
    def names_anyone(self) -> bool:
        """Whether the statement applies to any principal (``*`` or ``NotPrincipal``)."""
        return self.not_principal or any(p.is_anyone for p in self.principals)

    @property
    def on_every_resource(self) -> bool:
        return not self.not_resource and any(r == "*" for r in self.resources)

    def allows_any(self, actions: ActionSet) -> str | None:
        """An action of ``actions`` this statement names (regardless of effect), or None."""
        return find_action([self.actions, actions])

    def conditions_on(self, key: str) -> tuple[Condition, ...]:
        k = key.lower()
        return tuple(c for c in self.conditions if c.key.lower() == k)

    def restricting_conditions(self) -> tuple[Condition, ...]:
        """Conditions that pin who may use the statement (org, account, ExternalId, ...)."""
        return tuple(
            c
            for c in self.conditions
            if c.key.lower() in RESTRICTING_CONDITION_KEYS and c.restricts
        )

    def requires_value(self, key: str, operators: Iterable[str] = ("StringEquals",)) -> bool:
        """Whether a condition demands a specific value of ``key`` with one of ``operators``."""
        ops = {o.lower() for o in operators}
        return any(
            c.base_operator in ops
            and not c.if_exists
            and not c.operator.lower().startswith("forallvalues:")
            and any(v.strip() for v in c.values)
            for c in self.conditions_on(key)
        )


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int | bool) for v in value):
        return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in value)
    if isinstance(value, int | bool):
        return (str(value).lower() if isinstance(value, bool) else str(value),)
    raise PolicyError(f"{what} must be a string or a list of strings, got {type(value).__name__}")


def _principals(value: Any) -> tuple[Principal, ...]:
    if value is None:
        return ()
    if value == ANYONE:
        return (Principal("AWS", ANYONE),)
    if not isinstance(value, Mapping):
        raise PolicyError(f"Principal must be '*' or a mapping, got {type(value).__name__}")
    out = {
        Principal(str(ptype), v)
        for ptype, vals in value.items()
        for v in _strings(vals, f"Principal.{ptype}")
    }
    return tuple(sorted(out))


def _conditions(value: Any) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise PolicyError("Condition must be a mapping")
    out: list[Condition] = []
    for op, tests in value.items():
        if not isinstance(tests, Mapping):
            raise PolicyError(f"Condition.{op} must be a mapping")
        for key, vals in tests.items():
            out.append(Condition(str(op), str(key), _strings(vals, f"Condition.{op}.{key}")))
    return tuple(sorted(out))


def load_document(document: Any) -> Mapping[str, Any] | None:
    """A policy document as a mapping: parsed JSON, a JSON string, or URL-encoded JSON."""
    if document is None:
        return None
    if isinstance(document, str):
        text = document.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = unquote(text)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"policy document is not JSON ({exc.msg})") from exc
    if not isinstance(document, Mapping):
        raise PolicyError(f"policy document must be a JSON object, got {type(document).__name__}")
    return document


def statements(document: Any) -> list[Statement]:
    """The statements of a policy document, normalised, in document order."""
    doc = load_document(document)
    if doc is None:
        return []
    raw = doc.get("Statement", [])
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise PolicyError("Statement must be an object or a list of objects")
    out: list[Statement] = []
    for i, st in enumerate(items):
        if not isinstance(st, Mapping):
            raise PolicyError(f"statement #{i + 1} is not an object")
        effect = str(st.get("Effect", ""))
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"statement #{i + 1} has Effect {effect!r}")
        if "NotAction" in st:
            actions = ActionSet(_strings(st["NotAction"], "NotAction"), negated=True)
        else:
            actions = ActionSet(_strings(st.get("Action"), "Action"))
        not_principal = "NotPrincipal" in st
        out.append(
            Statement(
                index=i,
                sid=str(st.get("Sid", "")),
                effect=effect,
                actions=actions,
                resources=_strings(st.get("NotResource", st.get("Resource")), "Resource"),
                not_resource="NotResource" in st,
                principals=_principals(st.get("NotPrincipal" if not_principal else "Principal")),
                not_principal=not_principal,
                conditions=_conditions(st.get("Condition")),
                raw=dict(st),
            )
        )
    return out


# --- what a set of documents grants ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NamedDocument:
    """A policy document and where it came from (``attached:arn`` or ``inline:name``)."""

    name: str
    document: Any


@dataclass(frozen=True, slots=True)
class Grant:
    """Evidence that a permission set grants an action: the witness and the statement."""

    action: str
    policy: str
    statement: Statement

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "policy": self.policy,
            "statement": dict(self.statement.raw),
        }


class PermissionSet:
    """What a set of identity policy documents allows, after their explicit denies."""

    def __init__(self, documents: Iterable[NamedDocument]) -> None:
        self.allows: list[tuple[str, Statement]] = []
        self.denies: list[tuple[str, Statement]] = []
        for doc in sorted(documents, key=lambda d: d.name):
            for st in statements(doc.document):
                if st.is_allow:
                    self.allows.append((doc.name, st))
                elif not st.conditions and st.on_every_resource:
                    self.denies.append((doc.name, st))

    @property
    def _denied(self) -> list[ActionSet]:
        return [st.actions for _, st in self.denies]

    def grant(self, action: str) -> Grant | None:
        """The first statement that grants the concrete ``action``, unless it is denied."""
        if any(d.contains(action) for d in self._denied):
            return None
        for name, st in self.allows:
            if st.actions.contains(action):
                return Grant(action=action, policy=name, statement=st)
        return None

    def grant_within(self, globs: Sequence[str]) -> list[Grant]:
        """One grant per allowing statement of some action matching ``globs`` (not denied)."""
        return self._search(ActionSet(tuple(globs)))

    def grant_outside(self, globs: Sequence[str]) -> list[Grant]:
        """One grant per allowing statement of some action no glob of ``globs`` matches."""
        return self._search(ActionSet(tuple(globs), negated=True))

    def _search(self, target: ActionSet) -> list[Grant]:
        out: list[Grant] = []
        shape = ActionSet(("?*:?*",))  # witnesses look like service:Action
        for name, st in self.allows:
            action = find_action([target, st.actions, shape], self._denied)
            if action is not None:
                out.append(Grant(action=action, policy=name, statement=st))
        return out


def role_documents(attributes: Mapping[str, Any]) -> tuple[list[NamedDocument], list[str]]:
    """A role's (or user's) identity policy documents, and the names of unreadable ones."""
    docs: list[NamedDocument] = []
    missing: list[str] = []
    for p in attributes.get("attached_policies") or []:
        name = f"attached:{p.get('arn') or p.get('name')}"
        if p.get("document") is None:
            missing.append(name)
        else:
            docs.append(NamedDocument(name, p["document"]))
    for p in attributes.get("inline_policies") or []:
        name = f"inline:{p.get('name')}"
        if p.get("document") is None:
            missing.append(name)
        else:
            docs.append(NamedDocument(name, p["document"]))
    return docs, sorted(missing)


def assume_statements(trust_policy: Any) -> list[Statement]:
    """Allow statements of a trust policy that let their principals assume the role."""
    # The assume actions are concrete names: membership is exact without the automaton.
    return [
        st
        for st in statements(trust_policy)
        if st.is_allow and any(st.actions.contains(a) for a in ASSUME_ACTIONS)
    ]
