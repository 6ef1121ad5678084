"""AWS policy evaluation for the questions a boundary review asks.

Terms used here:

- A *request* (:class:`Request`) is one principal asking for one action on one
  resource, with what is known of its request context.
- A *layer* is one kind of policy AWS consults: identity policies (managed and
  inline, and the groups' of a user), the permissions boundary, the SCPs of the
  principal's account (one set per level of the organization tree) and the
  resource policy (bucket, key, cluster or role trust policy).
- A :class:`Tri` is a three-valued truth: ``YES``, ``NO`` or ``MAYBE``. A
  condition whose key the auditor cannot know (an unknown key, a network
  origin, a tag) is ``MAYBE``, and so is every conclusion that depends on it.
  ``MAYBE`` is never rounded up to ``YES``: it surfaces as the decision
  ``CONDITIONAL``.

The logic follows the AWS policy evaluation documentation for the subset that
decides boundary questions:

1. an explicit ``Deny`` in any layer wins;
2. every level of the principal's SCPs must allow the action (SCPs do not
   limit the organization's management account or service principals);
3. the identity side is identity policies ∩ permissions boundary;
4. same account: the identity side *or* a resource policy naming the principal
   allows it; cross-account: the identity side *and* the resource policy must
   both allow it; a resource policy naming an account (its root) delegates to
   that account's identity policies;
5. KMS key policies and role trust policies are mandatory: without an allow in
   them nothing else helps.

*Caller-chosen* condition keys (``sts:ExternalId``, ``aws:MultiFactorAuthPresent``,
``aws:SecureTransport``) are values the caller supplies: an Allow that needs one
is reachable by a caller that supplies it, and the requirement is recorded
(``requires``); a Deny that a caller can avoid by supplying the right value is
recorded the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from auditor.analysis.globs import glob_match
from auditor.analysis.policy import (
    ANYONE,
    Condition,
    NamedDocument,
    PolicyError,
    Principal,
    Statement,
    statements,
)

# --- three-valued logic ------------------------------------------------------------------


class Tri(Enum):
    NO = 0
    MAYBE = 1
    YES = 2

    def __and__(self, other: Tri) -> Tri:
        return self if self.value <= other.value else other

    def __or__(self, other: Tri) -> Tri:
        return self if self.value >= other.value else other

    def __invert__(self) -> Tri:
        return Tri(2 - self.value)


def any_of(values: Iterable[Tri]) -> Tri:
    out = Tri.NO
    for v in values:
        out = out | v
        if out is Tri.YES:
            break
    return out


def all_of(values: Iterable[Tri]) -> Tri:
    out = Tri.YES
    for v in values:
        out = out & v
        if out is Tri.NO:
            break
    return out


class Decision(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    """An explicit Deny applies."""
    NOT_ALLOWED = "not_allowed"
    """No layer allows it (implicit deny)."""
    CONDITIONAL = "conditional"
    """Allowed or not depending on facts the auditor does not know."""


# --- globs over actions and ARNs ------------------------------------------------------------


def action_in(globs: Sequence[str], negated: bool, action: str) -> bool:
    hit = any(glob_match(g, action, ignore_case=True) for g in globs)
    return hit != negated


def resource_match(patterns: Sequence[str], negated: bool, resource: str) -> Tri:
    """Whether a statement's Resource (or NotResource) covers ``resource``.

    A pattern with a policy variable (``${aws:username}``) is ``MAYBE`` when the
    rest of it could match.
    """
    result = Tri.NO
    for p in patterns:
        if "${" in p:
            loose = re.sub(r"\$\{[^}]*\}", "*", p)
            if glob_match(loose, resource):
                result = result | Tri.MAYBE
        elif glob_match(p, resource):
            result = Tri.YES
            break
    return ~result if negated else result


# --- request context ---------------------------------------------------------------------------

OUTSIDE = "<outside>"
"""A value no policy names: the account, org or endpoint of an arbitrary outsider."""

CALLER_KEYS: frozenset[str] = frozenset(
    {"sts:externalid", "aws:multifactorauthpresent", "aws:securetransport"}
)
"""Keys whose value the caller supplies (and can choose to satisfy a condition)."""

PRINCIPAL_KEYS: frozenset[str] = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "kms:calleraccount",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principaltype",
    }
)
SERVICE_ONLY_KEYS: frozenset[str] = frozenset({"aws:sourceaccount", "aws:sourcearn"})
"""Present only on requests a service makes on a resource's behalf."""

NETWORK_KEYS: frozenset[str] = frozenset({"aws:sourcevpce", "aws:sourcevpc", "aws:sourceip"})

KNOWN_KEYS: frozenset[str] = CALLER_KEYS | PRINCIPAL_KEYS | SERVICE_ONLY_KEYS | NETWORK_KEYS


@dataclass(frozen=True, kw_only=True)
class Request:
    """One principal asking for one action on one resource.

    ``principal`` is a role or user ARN, an account root ARN (any principal of
    that account), ``*`` (an arbitrary outsider: an account no policy names) or
    ``service:<name>``. ``context`` holds known key values (lower-case keys);
    keys in ``absent`` are known to be missing; any other key is unknown,
    except those the evaluator derives from the principal.
    """

    principal: str
    action: str
    resource: str
    principal_account: str = ""
    principal_org: str | None = None
    """The principal's organization id when known (``None``: unknown)."""
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()

    @property
    def is_outsider(self) -> bool:
        return self.principal == ANYONE

    @property
    def is_service(self) -> bool:
        return self.principal.startswith("service:")

    def value_of(self, key: str) -> tuple[str, ...] | str | None:
        """Known values, ``None`` when the key is absent, or ``"?"`` when unknown."""
        k = key.lower()
        if k in self.context:
            return self.context[k]
        if k in self.absent:
            return None
        if k in ("aws:principalaccount", "kms:calleraccount"):
            if self.is_service:
                return None
            return (OUTSIDE,) if self.is_outsider else (self.principal_account,)
        if k == "aws:principalarn":
            if self.is_service:
                return None
            return (OUTSIDE,) if self.is_outsider else (self.principal,)
        if k == "aws:principalorgid":
            if self.is_service:
                return None
            if self.is_outsider:
                return (OUTSIDE,)
            return "?" if self.principal_org is None else (self.principal_org,)
        if k == "aws:principalisawsservice":
            return ("true" if self.is_service else "false",)
        if k == "aws:principalservicename":
            return (self.principal.split(":", 1)[1],) if self.is_service else None
        if k in SERVICE_ONLY_KEYS:
            return "?" if self.is_service else None
        if k == "sts:externalid" and not self.action.lower().startswith("sts:assumerole"):
            return None
        if k in NETWORK_KEYS and self.is_outsider and k != "aws:sourceip":
            return (OUTSIDE,)
        return "?"


# --- conditions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CondResult:
    value: Tri
    requires: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


_NEGATED = {
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "arnnotequals",
    "arnnotlike",
    "notipaddress",
    "numericnotequals",
}
_STRING_OPS = {
    "stringequals": ("eq", False),
    "stringnotequals": ("eq", False),
    "stringequalsignorecase": ("eq", True),
    "stringnotequalsignorecase": ("eq", True),
    "stringlike": ("like", False),
    "stringnotlike": ("like", False),
    "arnequals": ("like", False),
    "arnnotequals": ("like", False),
    "arnlike": ("like", False),
    "arnnotlike": ("like", False),
    "bool": ("eq", True),
}


def _describe(c: Condition) -> str:
    return f"{c.operator} {c.key} {list(c.values)}"


def _one_match(
    mode: str, ignore_case: bool, request_value: str, policy_values: Sequence[str]
) -> Tri:
    """Whether one request value matches any policy value (``OUTSIDE`` handled)."""
    if request_value == OUTSIDE:
        # An arbitrary outsider equals no written value; it matches a pattern whose
        # wildcards leave its account, org or endpoint free.
        if mode == "eq":
            return Tri.NO
        for pv in policy_values:
            if pv == "*":
                return Tri.YES
            if ("*" in pv or "?" in pv) and not re.search(r"\d{12}|o-[a-z0-9]+|vpce?-", pv):
                return Tri.YES
        return Tri.NO
    for pv in policy_values:
        if "${" in pv:
            return Tri.MAYBE
        if mode == "eq":
            if (pv.lower() == request_value.lower()) if ignore_case else (pv == request_value):
                return Tri.YES
        elif glob_match(pv, request_value, ignore_case=ignore_case):
            return Tri.YES
    return Tri.NO


def eval_condition(c: Condition, req: Request, *, in_deny: bool) -> CondResult:
    """One condition test against what is known of the request."""
    key = c.key.lower()
    op = c.base_operator
    qualifier = c.operator.lower().split(":", 1)[0] if ":" in c.operator else ""
    negated = op in _NEGATED
    if key in CALLER_KEYS and req.value_of(key) == "?":
        # The caller chooses: an Allow is satisfiable by supplying the value, a Deny avoidable.
        verb = "avoid Deny" if in_deny else "needs"
        return CondResult(Tri.NO if in_deny else Tri.YES, requires=(f"{verb}: {_describe(c)}",))
    have = req.value_of(key)
    if op == "null":
        want_absent = any(v.lower() == "true" for v in c.values)
        if have == "?":
            return CondResult(Tri.MAYBE, unknown=(_describe(c),))
        return CondResult(Tri.YES if (have is None) == want_absent else Tri.NO)
    if have == "?":
        return CondResult(Tri.MAYBE, unknown=(_describe(c),))
    if have is None:
        if c.if_exists:
            return CondResult(Tri.YES)
        if qualifier == "forallvalues":
            return CondResult(Tri.YES)
        if qualifier == "foranyvalue":
            return CondResult(Tri.NO)
        return CondResult(Tri.YES if negated else Tri.NO)
    assert isinstance(have, tuple)
    if op not in _STRING_OPS:
        # Numeric, date, IP and binary comparisons over values the auditor never knows.
        return CondResult(Tri.MAYBE, unknown=(_describe(c),))
    mode, ignore_case = _STRING_OPS[op]
    per_value = []
    for rv in have:
        m = _one_match(mode, ignore_case, rv, c.values)
        per_value.append(~m if negated else m)
    if qualifier == "forallvalues":
        return CondResult(all_of(per_value))
    if negated and qualifier != "foranyvalue":
        return CondResult(all_of(per_value))
    return CondResult(any_of(per_value))


def eval_conditions(st: Statement, req: Request) -> CondResult:
    out = Tri.YES
    requires: list[str] = []
    unknown: list[str] = []
    for c in st.conditions:
        r = eval_condition(c, req, in_deny=st.is_deny)
        out = out & r.value  # every condition must hold (for a Deny too)
        requires.extend(r.requires)
        unknown.extend(r.unknown)
        if out is Tri.NO:
            break
    return CondResult(out, tuple(requires), tuple(unknown))


# --- principals ------------------------------------------------------------------------

_ACCOUNT = re.compile(r"^\d{12}$")


@functools.lru_cache(maxsize=262144)
def account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) > 4 and parts[0] == "arn":
        return parts[4]
    return ""


def _session_arn(role_arn: str) -> str:
    """The assumed-role session ARN pattern of a role (path dropped, any session)."""
    acct = account_of(role_arn)
    name = role_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{acct}:assumed-role/{name}/*"


class PrincipalMatch(Enum):
    NONE = 0
    ACCOUNT = 1
    """The statement names the principal's account: it delegates to that account's IAM."""
    DIRECT = 2
    """The statement names the principal itself, or everyone."""


def principal_match(st: Statement, req: Request) -> PrincipalMatch:
    """How a resource-policy statement's Principal (or NotPrincipal) covers the requester."""
    if st.not_principal:
        names = {p.id for p in st.principals}
        ids = _identities(req)
        if any(glob_match(n, i) for n in names for i in ids):
            return PrincipalMatch.NONE
        return PrincipalMatch.DIRECT
    best = PrincipalMatch.NONE
    for p in st.principals:
        m = _one_principal(p, req)
        if m.value > best.value:
            best = m
    return best


def _identities(req: Request) -> list[str]:
    """The ARNs a request carries for NotPrincipal: the session (roles), user, account root."""
    if req.is_service:
        return [req.principal]
    if req.is_outsider:
        return []
    if ":role/" in req.principal:
        name = req.principal.rsplit("/", 1)[-1]
        return [f"arn:aws:sts::{req.principal_account}:assumed-role/{name}/session"]
    return [req.principal]


def _one_principal(p: Principal, req: Request) -> PrincipalMatch:
    if p.is_anyone:
        return PrincipalMatch.DIRECT
    if p.is_service:
        return PrincipalMatch.DIRECT if req.principal == p.id else PrincipalMatch.NONE
    if req.is_service or req.is_outsider:
        return PrincipalMatch.NONE
    pid = p.id
    if pid.endswith(":root") and account_of(pid) == req.principal_account:
        if req.principal.endswith(":root"):
            return PrincipalMatch.DIRECT
        return PrincipalMatch.ACCOUNT
    if pid == req.principal:
        return PrincipalMatch.DIRECT
    session = _session_arn(req.principal).replace("*", "session")
    if ":assumed-role/" in pid and ":role/" in req.principal and glob_match(pid, session):
        return PrincipalMatch.DIRECT
    return PrincipalMatch.NONE


# --- layers and the decision ---------------------------------------------------------------------


class ResourceKind(StrEnum):
    """How AWS treats the resource policy of a kind of resource."""

    OPTIONAL = "optional"
    """S3 bucket, MSK cluster: same-account access may come from either side."""
    MANDATORY = "mandatory"
    """KMS key, role trust: the resource policy must allow (directly or via the account)."""


@dataclass(frozen=True, kw_only=True)
class PrincipalPolicies:
    """The layers that belong to the principal.

    ``identity`` is ``None`` for a principal whose policies were not collected
    (a role in an unscanned account): its owner can grant it anything, so the
    identity side counts as allowing, and ``assumed`` says so.
    ``boundary`` is ``None`` without a boundary; ``boundary_missing`` means one is
    set but its document is unknown. ``scps`` is one tuple of documents per
    organization level (root, OUs, account); ``None`` means not known.
    """

    identity: tuple[NamedDocument, ...] | None
    boundary: NamedDocument | None = None
    boundary_missing: bool = False
    scps: tuple[tuple[NamedDocument, ...], ...] | None = None
    scp_exempt: bool = False
    """The organization's management account: SCPs do not apply."""


@dataclass(frozen=True, kw_only=True)
class Hit:
    """A statement that applies to the request, and how surely."""

    layer: str
    policy: str
    statement: Statement
    applies: Tri
    requires: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "policy": self.policy,
            "statement": dict(self.statement.raw),
            "sure": self.applies is Tri.YES,
            **({"requires": list(self.requires)} if self.requires else {}),
            **({"unknown_conditions": list(self.unknown)} if self.unknown else {}),
        }

    def label(self) -> str:
        return f"{self.layer} {self.policy} {self.statement.label}"


@dataclass(frozen=True, kw_only=True)
class Result:
    decision: Decision
    allows: tuple[Hit, ...] = ()
    """Allow statements that grant the request (the evidence of an ALLOWED)."""
    denies: tuple[Hit, ...] = ()
    notes: tuple[str, ...] = ()
    """Assumptions and reasons: unknown SCPs, uncollected identity, missing allows."""

    @property
    def reachable(self) -> bool:
        """Allowed, or possibly allowed."""
        return self.decision in (Decision.ALLOWED, Decision.CONDITIONAL)

    @property
    def requires(self) -> tuple[str, ...]:
        return tuple(sorted({r for h in (*self.allows, *self.denies) for r in h.requires}))

    def as_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "allows": [h.as_json() for h in self.allows],
            "denies": [h.as_json() for h in self.denies],
            "notes": list(self.notes),
            "requires": list(self.requires),
        }


def doc_statements(doc: NamedDocument) -> tuple[Statement, ...]:
    """Statements of a named document, parsed once per document object."""
    return _cached_by_id(doc)


_BY_ID: dict[int, tuple[Any, tuple[Statement, ...]]] = {}


def _cached_by_id(doc: NamedDocument) -> tuple[Statement, ...]:
    key = id(doc.document)
    hit = _BY_ID.get(key)
    if hit is not None and hit[0] is doc.document:
        return hit[1]
    parsed = tuple(statements(doc.document))
    if len(_BY_ID) > 200_000:
        _BY_ID.clear()
    _BY_ID[key] = (doc.document, parsed)
    return parsed


def _hits(
    layer: str,
    docs: Iterable[NamedDocument],
    req: Request,
    *,
    resource_policy: bool = False,
    no_resource_element: bool = False,
) -> tuple[list[Hit], list[Hit], list[Hit]]:
    """(allow hits, deny hits, account-delegating allow hits) of one layer."""
    allows: list[Hit] = []
    denies: list[Hit] = []
    delegated: list[Hit] = []
    for doc in docs:
        for st in doc_statements(doc):
            if not action_in(st.actions.globs, st.actions.negated, req.action):
                continue
            if st.resources or not no_resource_element:
                if not st.resources:
                    continue
                res = resource_match(st.resources, st.not_resource, req.resource)
                if res is Tri.NO:
                    continue
            else:
                res = Tri.YES
            pm = PrincipalMatch.DIRECT
            if resource_policy:
                pm = principal_match(st, req)
                if pm is PrincipalMatch.NONE:
                    continue
            cond = eval_conditions(st, req)
            applies = res & cond.value
            if applies is Tri.NO:
                continue
            hit = Hit(
                layer=layer,
                policy=doc.name,
                statement=st,
                applies=applies,
                requires=cond.requires,
                unknown=cond.unknown,
            )
            if st.is_deny:
                denies.append(hit)
            elif pm is PrincipalMatch.ACCOUNT:
                delegated.append(hit)
            else:
                allows.append(hit)
    return allows, denies, delegated


def _best(hits: Sequence[Hit]) -> Tri:
    return any_of(h.applies for h in hits)


@dataclass
class _Evidence:
    """What one evaluation has gathered so far: matching statements and notes, in order."""

    allows: list[Hit] = field(default_factory=list)
    denies: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _identity_side(req: Request, principal: PrincipalPolicies, ev: _Evidence) -> tuple[Tri, Tri]:
    """(identity ∩ boundary, boundary) for the principal's own layers (rule 3)."""
    bound = Tri.YES
    if req.is_outsider:
        ev.notes.append("an arbitrary outside principal controls its own identity policies")
        return Tri.YES, bound
    if req.is_service:
        return Tri.NO, bound
    if principal.identity is None:
        ev.notes.append(
            f"identity policies of {req.principal} were not collected; its owner can grant it "
            "anything"
        )
        return Tri.YES, bound
    i_allow, i_deny, _ = _hits("identity", principal.identity, req)
    ev.allows += i_allow
    ev.denies += i_deny
    identity = _best(i_allow)
    if principal.boundary_missing:
        bound = Tri.MAYBE
        identity = identity & bound
        ev.notes.append("its permissions boundary document was not collected")
    elif principal.boundary is not None:
        b_allow, b_deny, _ = _hits("boundary", [principal.boundary], req)
        ev.denies += b_deny
        bound = _best(b_allow)
        if bound is Tri.NO and identity is not Tri.NO:
            ev.notes.append(f"permissions boundary {principal.boundary.name} does not allow it")
        identity = identity & bound
    return identity, bound


def _scp_side(req: Request, principal: PrincipalPolicies, ev: _Evidence) -> Tri:
    """Whether the SCPs let it through: every level must allow (rule 2)."""
    scp = Tri.YES
    if req.is_service or req.is_outsider or principal.scp_exempt:
        return scp
    if principal.scps is None:
        if principal.identity is not None:
            ev.notes.append("SCPs of its account are not known; they could only narrow this")
        return scp
    for level in principal.scps:
        s_allow, s_deny, _ = _hits("scp", level, req)
        ev.denies += s_deny
        level_ok = _best(s_allow)
        if level_ok is Tri.NO:
            ev.notes.append("an SCP level of its account allows no such action")
        scp = scp & level_ok
    return scp


def _resource_side(
    req: Request,
    resource_policy: NamedDocument | None,
    *,
    missing: bool,
    trust_policy: bool,
    identity: Tri,
    ev: _Evidence,
) -> tuple[Tri, Tri]:
    """(names the principal, delegates to its account) for the resource policy."""
    direct = Tri.NO
    delegated = Tri.NO
    if resource_policy is not None:
        r_allow, r_deny, r_deleg = _hits(
            "resource",
            [resource_policy],
            req,
            resource_policy=True,
            no_resource_element=trust_policy,
        )
        ev.denies += r_deny
        direct = _best(r_allow)
        delegated = _best(r_deleg)
        ev.allows += r_allow
        if r_deleg and identity is not Tri.NO:
            ev.allows += r_deleg
    if missing:
        direct = direct | Tri.MAYBE
        delegated = delegated | Tri.MAYBE
        ev.notes.append("the resource policy could not be read")
    return direct, delegated


def _allowed(
    req: Request,
    *,
    identity: Tri,
    direct: Tri,
    delegated: Tri,
    same_account: bool,
    resource_kind: ResourceKind,
    ev: _Evidence,
) -> Tri:
    """Whether some side allows it, by account and kind of resource (rules 4 and 5)."""
    via_account = delegated & identity
    if req.is_service:
        allowed = direct
    elif not same_account:
        allowed = identity & (direct | delegated)
        if identity is not Tri.NO and (direct | delegated) is Tri.NO:
            ev.notes.append("cross-account: the resource policy does not allow it")
    elif resource_kind is ResourceKind.MANDATORY:
        allowed = direct | via_account
        if (direct | delegated) is Tri.NO:
            ev.notes.append("the key or trust policy does not allow it")
    else:
        allowed = identity | direct | via_account
    if identity is Tri.NO and allowed is Tri.NO and not req.is_service:
        ev.notes.append("no identity policy allows it")
    return allowed


def _decision(deny: Tri, final: Tri) -> Decision:
    """The decision from the explicit-deny truth and the allow truth (rule 1 first)."""
    if deny is Tri.YES:
        return Decision.DENIED
    if final is Tri.YES:
        return Decision.ALLOWED
    if final is Tri.NO:
        return Decision.NOT_ALLOWED
    return Decision.CONDITIONAL


def evaluate(
    req: Request,
    principal: PrincipalPolicies,
    *,
    resource_account: str,
    resource_policy: NamedDocument | None = None,
    resource_kind: ResourceKind = ResourceKind.OPTIONAL,
    resource_policy_missing: bool = False,
    trust_policy: bool = False,
) -> Result:
    """Decide ``req`` the way AWS would, for what is known.

    ``resource_policy_missing`` means the resource has a policy the auditor
    could not read (the answer is at best CONDITIONAL). ``trust_policy`` says
    the resource policy is a role trust policy (no Resource element).
    """
    ev = _Evidence()
    identity, bound = _identity_side(req, principal, ev)
    scp = _scp_side(req, principal, ev)
    direct, delegated = _resource_side(
        req,
        resource_policy,
        missing=resource_policy_missing,
        trust_policy=trust_policy,
        identity=identity,
        ev=ev,
    )
    if ":role/" in req.principal:
        # A resource policy naming a role (not a session) is still limited by its boundary.
        direct = direct & bound
    allowed = _allowed(
        req,
        identity=identity,
        direct=direct,
        delegated=delegated,
        same_account=req.principal_account == resource_account and not req.is_outsider,
        resource_kind=resource_kind,
        ev=ev,
    )
    deny = _best(ev.denies)
    decision = _decision(deny, ~deny & scp & allowed)
    if decision is Decision.CONDITIONAL:
        for h in (*ev.allows, *ev.denies):
            ev.notes.extend(f"unknown condition: {u}" for u in h.unknown)
    keep_allows = tuple(ev.allows) if decision in (Decision.ALLOWED, Decision.CONDITIONAL) else ()
    keep_denies = tuple(h for h in ev.denies if h.applies is not Tri.NO)
    return Result(
        decision=decision,
        allows=keep_allows,
        denies=keep_denies,
        notes=tuple(dict.fromkeys(ev.notes)),
    )


def safe_evaluate(*args: Any, **kwargs: Any) -> Result:
    """:func:`evaluate`, with an unreadable document giving CONDITIONAL instead of raising."""
    try:
        return evaluate(*args, **kwargs)
    except PolicyError as exc:
        return Result(decision=Decision.CONDITIONAL, notes=(f"a policy cannot be read: {exc}",))


def is_account_id(value: str) -> bool:
    return bool(_ACCOUNT.match(value))


__all__ = [
    "ANYONE",
    "Decision",
    "Hit",
    "PrincipalPolicies",
    "Request",
    "ResourceKind",
    "Result",
    "Tri",
    "evaluate",
    "safe_evaluate",
]
