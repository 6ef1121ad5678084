"""Who can assume which role, and what they can then do to the boundary's resources.

Terms used here:

- A *principal* is a collected role or user (its policies known), an
  uncollected ARN a policy names (a vendor role: its owner controls its
  policies, so its identity side counts as allowing), an account root of an
  unscanned account (any principal of that account), or ``*`` (an arbitrary
  outsider: an account no policy names).
- ``control.can_assume`` P → R: P may call ``sts:AssumeRole`` on role R, by the
  trust policy of R, P's identity policies, boundary and SCPs, as decided by
  :mod:`auditor.analysis.policy_eval`. Chains are paths of these edges; they are
  followed with graph reachability (``networkx``), never by pairing every
  principal with every role.
- ``control.can_act_on`` P → T: P may perform a *boundary capability* (data
  read, data write, decrypt, key/bucket/cluster policy change, replication
  change, network change, IAM change, trail tampering) on T, a resource the
  boundary cares about; the edge carries the witness action and the granting
  statements.

The graph holds ``can_act_on`` edges only for principals that matter to the
boundary (every principal outside the customer party and every role those can
reach, declared vendor and break-glass roles); :class:`AccessModel` answers any
other principal on demand (``auditor access``, ``auditor who-can``).

Candidate pairs come from indexes: a trust policy that names a principal
(by ARN) indexes the role under that ARN, one that names an account under the
account, one that names ``*`` in a short wildcard list. A principal is tried
only against the roles that name it, its account, or anyone, and the last two
only when its identity policies grant some ``sts:AssumeRole``.

The principal side (organizations, SCPs, a collected principal's layers) is read
in :mod:`auditor.analysis.access_principals`, the resource side (capability
probes, resource policies) in :mod:`auditor.analysis.access_resources`.
"""

from __future__ import annotations

import itertools
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from auditor.analysis.access_principals import (
    ASSUME,
    ORG_KIND,
    Principal,
    assume_patterns,
    collected_principal,
    documents_parse,
    read_organizations,
)
from auditor.analysis.access_resources import (
    ACCOUNT_ID,
    CAPABILITIES,
    CAPABILITY_NAMES,
    policy_accounts,
    resource_policy,
    topic_prefix,
    trust_index,
)
from auditor.analysis.azure_access import principal_party
from auditor.analysis.derive import deriver
from auditor.analysis.globs import glob_match
from auditor.analysis.policy import (
    ANYONE,
    NamedDocument,
    PolicyError,
    statements,
)
from auditor.analysis.policy_eval import (
    OUTSIDE,
    Decision,
    PrincipalPolicies,
    Request,
    ResourceKind,
    Result,
    account_of,
    action_in,
    doc_statements,
    safe_evaluate,
)
from auditor.base.edges import CAN_ACT_ON, CAN_ASSUME, ENCRYPTED_BY, LOGS_TO
from auditor.model import JSONValue, Kind, Relation, Resource


@dataclass(frozen=True, kw_only=True)
class Grant:
    """One answer: principal may (or may conditionally) do ``action`` on ``resource``."""

    principal: str
    resource: str
    capability: str
    action: str
    result: Result

    def attributes(self) -> dict[str, JSONValue]:
        return {
            "capability": self.capability,
            "action": self.action,
            "decision": self.result.decision.value,
            "requires": list(self.result.requires),
            "statements": [h.as_json() for h in self.result.allows],
            "notes": list(self.result.notes),
        }

    def reason(self) -> str:
        via = ", ".join(h.label() for h in self.result.allows[:2]) or "no named statement"
        cond = " (conditional)" if self.result.decision is Decision.CONDITIONAL else ""
        return f"{self.capability}: {self.action} via {via}{cond}"


class AccessModel:
    """Policy evaluation over one graph: principals, SCPs, assumption chains."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        decl = graph.declaration
        self.decl = decl
        self.customer_accounts = frozenset(decl.accounts("aws", "customer"))
        primary = [r for r, role in decl.regions_of("aws").items() if role.value == "primary"]
        self.primary_region = primary[0] if primary else next(iter(decl.regions_of("aws")), "*")
        self.orgs = read_organizations(graph, self.customer_accounts)
        self.org_of, self.scps_of = self.orgs.org_of, self.orgs.scps_of
        self.management = self.orgs.management
        self.principals: dict[str, Principal] = {}
        for r in graph.of_kind(Kind.ROLE, Kind.PRINCIPAL):
            if r.account and r.account not in ("*", "aws"):
                self.principals[r.id] = collected_principal(r, self.orgs)
        self._assume: Any = None
        self._results: dict[tuple[str, str, str], Result] = {}
        self._targets: list[Resource] | None = None
        self._target_cache: dict[str, Resource | None] = {}
        self._roles_by_name: dict[tuple[str, str], Resource] | None = None
        self._may: dict[tuple[str, str], bool] = {}
        self._from: dict[str, dict[str, list[str]]] = {}
        self._probes: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {}
        self._names: dict[str, tuple[bool, frozenset[str]]] = {}
        self._policy_of: dict[str, tuple[NamedDocument | None, bool, ResourceKind]] = {}
        self._confined: dict[str, str | None] = {}
        self._granting: dict[str, frozenset[str] | None] = {}
        self._hops: dict[str, tuple[ActorIndex, dict[str, list[str]]]] = {}
        self._party: dict[str, str] = {}

    # --- organizations and principals ---------------------------------------------------
    def org_for(self, account: str) -> str | None:
        """The organization of ``account`` (OUTSIDE for a declared outside party, None: unknown)."""
        if account in self.org_of:
            return self.org_of[account]
        party = self.decl.party_of("aws", account)
        if party not in ("customer", "unknown") and self.decl.organization("customer"):
            return OUTSIDE  # a declared outside party is not in the customer's organization
        return None

    def _policies(
        self, account: str, identity: tuple[NamedDocument, ...] | None, **kw: Any
    ) -> PrincipalPolicies:
        """A principal's layers in ``account``: see :meth:`Organizations.policies`."""
        return self.orgs.policies(account, identity, **kw)

    def principal(self, pid: str) -> Principal:
        """The principal with this id, collected or not."""
        if pid in self.principals:
            return self.principals[pid]
        if pid == ANYONE:
            return Principal(
                id=pid,
                account="",
                kind="anyone",
                collected=False,
                policies=PrincipalPolicies(identity=None),
            )
        acct = account_of(pid)
        kind = "account" if pid.endswith(":root") else ("role" if ":role/" in pid else "user")
        p = Principal(
            id=pid,
            account=acct,
            kind=kind,
            collected=False,
            policies=self._policies(acct, None),
        )
        self.principals[pid] = p
        return p

    # --- single decisions ----------------------------------------------------------------
    def request(self, p: Principal, action: str, resource: str) -> Request:
        return Request(
            principal=p.id,
            action=action,
            resource=resource,
            principal_account=p.account,
            principal_org=None if p.kind == "anyone" else self.org_for(p.account),
        )

    def can(self, principal: str, action: str, resource: str) -> Result:
        """Whether ``principal`` may do ``action`` on ``resource`` (a concrete ARN)."""
        key = (principal, action, resource)
        hit = self._results.get(key)
        if hit is not None:
            return hit
        p = self.principal(principal)
        target = self._target_of(resource)
        tkey = target.id if target is not None else ""
        cached = self._policy_of.get(tkey)
        if cached is None:
            cached = resource_policy(target)
            self._policy_of[tkey] = cached
        policy, missing, kind = cached
        account = target.account if target is not None else account_of(resource)
        if not account.isdigit():
            # "*" or a pattern over accounts: it covers the principal's own account too.
            account = p.account
        if target is None or target.kind not in (
            Kind.KEY,
            Kind.ROLE,
            Kind.BUCKET,
            Kind.KAFKA_CLUSTER,
        ):
            policy, missing, kind = None, False, ResourceKind.OPTIONAL
        elif target.kind in (Kind.BUCKET, Kind.KAFKA_CLUSTER) and p.account == account:
            missing = False  # same account: IAM alone can grant it
        if (
            not missing
            and p.policies.identity is not None
            and not p.unreadable
            and not self._identity_may(p, action)
            and (policy is None or not self._may_name(tkey, policy, p))
        ):
            # Nothing on either side can allow it: an implicit deny, without evaluating.
            fast = Result(decision=Decision.NOT_ALLOWED, notes=("no identity policy allows it",))
            self._results[key] = fast
            return fast
        result = safe_evaluate(
            self.request(p, action, resource),
            p.policies,
            resource_account=account,
            resource_policy=policy,
            resource_kind=kind,
            resource_policy_missing=missing,
            trust_policy=target is not None and target.kind == Kind.ROLE,
        )
        if p.unreadable and result.decision is Decision.NOT_ALLOWED:
            result = Result(
                decision=Decision.CONDITIONAL,
                notes=(*result.notes, f"unreadable policies: {', '.join(p.unreadable)}"),
            )
        self._results[key] = result
        return result

    def _target_of(self, resource: str) -> Resource | None:
        if resource in self._target_cache:
            return self._target_cache[resource]
        res: Resource | None = self.graph.get(resource)
        if res is None and resource.startswith("arn:aws:s3:::") and "/" in resource:
            res = self.graph.get(resource.split("/", 1)[0])
        if res is None and ":topic/" in resource:
            for c in self.graph.of_kind(Kind.KAFKA_CLUSTER):
                if resource.startswith(topic_prefix(c.id)):
                    res = c
                    break
        if res is None and ":role/" in resource and "*" not in resource:
            if self._roles_by_name is None:
                self._roles_by_name = {
                    (r.account, r.name): r for r in self.graph.of_kind(Kind.ROLE)
                }
            res = self._roles_by_name.get((account_of(resource), resource.rsplit("/", 1)[-1]))
        self._target_cache[resource] = res
        return res

    def _may_name(self, tkey: str, policy: NamedDocument, p: Principal) -> bool:
        """Whether the resource policy could name ``p`` itself (not only its account)."""
        names = self._names.get(tkey)
        if names is None:
            wild = False
            named: set[str] = set()
            names_set: frozenset[str]
            try:
                sts = statements(policy.document)
            except PolicyError:
                sts = []
                wild = True
            for st in sts:
                if not st.is_allow:
                    continue
                wild |= st.names_anyone
                named.update(
                    x.id for x in st.principals if x.type == "AWS" and not x.id.endswith(":root")
                )
            names = (wild, frozenset(named))
            self._names[tkey] = names
        wild, names_set = names
        if wild or p.id in names_set:
            return True
        return any(account_of(n) == p.account for n in names_set)

    def _identity_may(self, p: Principal, action: str) -> bool:
        """Whether any identity Allow of ``p`` names ``action`` (a cheap filter; cached)."""
        key = (p.id, action.lower())
        hit = self._may.get(key)
        if hit is None:
            hit = False
            for doc in p.policies.identity or ():
                try:
                    sts = doc_statements(doc)
                except PolicyError:  # unreadable: it may name the action, evaluation decides
                    hit = True
                    break
                for st in sts:
                    if st.is_allow and action_in(st.actions.globs, st.actions.negated, action):
                        hit = True
                        break
                if hit:
                    break
            self._may[key] = hit
        return hit

    # --- which principals may act on a target, without trying them all ----------------------
    #
    # A principal acting on a resource in another account needs the resource policy to
    # name it (its ARN, its account root, or anyone): without that the evaluator's answer
    # is NOT_ALLOWED or DENIED, whatever its identity policies say. So a principal of
    # account A can hold a capability on a target only if a probe of the target lives in
    # A or the target's resource policy names A. Indexing principals by account turns
    # "every principal x every target" (quadratic in accounts) into "each target x the
    # principals of the few accounts that can matter".

    def confined_account(self, pid: str) -> str | None:
        """The account outside which ``pid`` acts only where a resource policy names it.

        ``None`` when that cannot be relied on: ``*`` and services (the evaluator treats
        them apart), a principal with unreadable policies (turned CONDITIONAL) or with a
        document that does not parse (CONDITIONAL too).
        """
        if pid in self._confined:
            return self._confined[pid]
        account: str | None = None
        if pid != ANYONE and not pid.startswith("service:"):
            p = self.principal(pid)
            if (
                not p.unreadable
                and ACCOUNT_ID.match(p.account)
                and account_of(pid) == p.account
                and documents_parse(p.policies)
            ):
                account = p.account
        self._confined[pid] = account
        return account

    def granting_accounts(self, target: Resource) -> frozenset[str] | None:
        """Accounts whose confined principals may hold a capability on ``target``.

        The accounts of the target's probes (IAM alone can grant there) and the accounts
        its resource policy's Allow statements name; ``None`` when any principal may (a
        policy naming anyone, a NotPrincipal, a wildcard account, an unreadable policy).
        """
        if target.id in self._granting:
            return self._granting[target.id]
        accounts: set[str] | None = set()
        for probes in self.probes(target).values():
            for _, resource in probes:
                found = self._target_of(resource)
                account = found.account if found is not None else account_of(resource)
                if accounts is None or not ACCOUNT_ID.match(account):
                    accounts = None
                    break
                accounts.add(account)
                if found is None or found.kind not in (
                    Kind.KEY,
                    Kind.ROLE,
                    Kind.BUCKET,
                    Kind.KAFKA_CLUSTER,
                ):
                    continue  # as in can(): no resource policy takes part
                cached = self._policy_of.get(found.id)
                if cached is None:
                    cached = resource_policy(found)
                    self._policy_of[found.id] = cached
                policy, missing, _ = cached
                named = policy_accounts(policy) if not missing else None
                if named is None:
                    accounts = None
                    break
                accounts |= named
        result = None if accounts is None else frozenset(accounts)
        self._granting[target.id] = result
        return result

    def hops_from(self, principal: str) -> tuple[ActorIndex, dict[str, list[str]]]:
        """``principal`` and every role it reaches (shortest chains first), indexed by account."""
        hit = self._hops.get(principal)
        if hit is None:
            chains = {principal: [principal], **self.chains_from(principal)}
            order = sorted(chains, key=lambda node: (len(chains[node]), node))
            hit = (ActorIndex(self, order), chains)
            self._hops[principal] = hit
        return hit

    # --- assumption -----------------------------------------------------------------------
    def assume_graph(self) -> Any:
        """DiGraph of ``can_assume``: edge attr ``result`` (a :class:`Result`)."""
        if self._assume is not None:
            return self._assume
        named, by_account, wildcard = trust_index(self.graph.of_kind(Kind.ROLE))
        g: Any = nx.DiGraph()
        candidates: dict[str, set[str]] = {}
        customer_scanned = set(self.graph.inventory.scope.accounts)
        for pid, p in sorted(self.principals.items()):
            pats = assume_patterns(p)
            cands = set(named.get(pid, ()))
            if ":role/" in pid:
                # trusts written with the role's path-free ARN still name it
                short = f"arn:aws:iam::{p.account}:role/{pid.rsplit('/', 1)[-1]}"
                cands |= set(named.get(short, ()))
            if pats is None or pats:
                wide = set(by_account.get(p.account, ())) | set(wildcard)
                if pats:
                    wide = {r for r in wide if any(glob_match(pt, r) for pt in pats)}
                cands |= wide
            candidates[pid] = cands
        # principals named in trusts that were not collected
        for pid in sorted(named):
            if pid not in self.principals:
                candidates[pid] = set(named[pid]) | set(wildcard)
        for acct in sorted(by_account):
            if acct not in customer_scanned:
                candidates[f"arn:aws:iam::{acct}:root"] = set(by_account[acct]) | set(wildcard)
        if wildcard:
            candidates[ANYONE] = set(wildcard)
        for pid in sorted(candidates):
            for rid in sorted(candidates[pid]):
                if rid == pid:
                    continue
                res = self.can(pid, ASSUME, rid)
                if res.reachable:
                    g.add_edge(pid, rid, result=res)
        self._assume = g
        return g

    def chains_from(self, principal: str) -> dict[str, list[str]]:
        """Every role reachable from ``principal`` by assumption, with one shortest chain."""
        hit = self._from.get(principal)
        if hit is not None:
            return hit
        g = self.assume_graph()
        out: dict[str, list[str]] = {}
        if principal in g:
            paths: dict[str, list[str]] = nx.single_source_shortest_path(g, principal)
            out = {k: v for k, v in sorted(paths.items()) if k != principal}
        self._from[principal] = out
        return out

    def chains_to(self, role: str) -> dict[str, list[str]]:
        """Every principal that can reach ``role`` by assumption, with one shortest chain."""
        g = self.assume_graph()
        if role not in g:
            return {}
        rev: dict[str, list[str]] = nx.single_source_shortest_path(g.reverse(copy=False), role)
        return {k: list(reversed(v)) for k, v in sorted(rev.items()) if k != role}

    def chain_requires(self, chain: list[str]) -> list[str]:
        g = self.assume_graph()
        out: list[str] = []
        for a, b in itertools.pairwise(chain):
            out.extend(g.edges[a, b]["result"].requires)
        return sorted(set(out))

    def chain_conditional(self, chain: list[str]) -> bool:
        g = self.assume_graph()
        return any(
            g.edges[a, b]["result"].decision is Decision.CONDITIONAL
            for a, b in itertools.pairwise(chain)
        )

    # --- parties ------------------------------------------------------------------------------
    def party(self, pid: str) -> str:
        got = self._party.get(pid)
        if got is None:
            got = self._party[pid] = self._find_party(pid)
        return got

    def _find_party(self, pid: str) -> str:
        """A principal's party: named explicitly, else its tenant's or account's."""
        if pid == ANYONE:
            return "anyone"
        if pid.startswith("/tenants/"):  # an Azure principal: named, else its tenant's party
            res = self.graph.get(pid)
            return principal_party(self.graph, res) if res is not None else "unknown"
        named = self.decl.identity_party("aws", [pid])  # a vendor role in a customer account
        if named is not None:
            return str(named)
        acct = account_of(pid)
        return self.decl.party_of("aws", acct) if acct else "unknown"

    def outside_principals(self) -> list[str]:
        """Principals outside the customer party that appear in the assumption graph."""
        g = self.assume_graph()
        return sorted(
            n for n in g.nodes if self.party(n) != "customer" and not n.startswith("service:")
        )

    # --- capabilities -------------------------------------------------------------------------
    def probes(self, target: Resource) -> dict[str, tuple[tuple[str, str], ...]]:
        hit = self._probes.get(target.id)
        if hit is None:
            hit = self._make_probes(target)
            self._probes[target.id] = hit
        return hit

    def _make_probes(self, target: Resource) -> dict[str, tuple[tuple[str, str], ...]]:
        if target.cloud != "aws":
            # AWS IAM policies govern AWS resources only ("Resource": "*" included): Azure
            # RBAC is judged by auditor.analysis.azure_access, GCP IAM by analysis.gcp_iam.
            return {}
        per_kind = CAPABILITIES.get(target.kind, {})
        out: dict[str, tuple[tuple[str, str], ...]] = {}
        for cap, probes in per_kind.items():
            out[cap] = tuple(
                (
                    action,
                    tmpl.format(
                        arn=target.id,
                        acct=target.account,
                        region=self.primary_region,
                        topic=topic_prefix(target.id) + "*",
                    ),
                )
                for action, tmpl in probes
            )
        return out

    def grants(
        self, principal: str, target: Resource, capabilities: Iterable[str] | None = None
    ) -> list[Grant]:
        """The capabilities ``principal`` holds on ``target`` (one witness action each)."""
        wanted = set(capabilities) if capabilities is not None else None
        out: list[Grant] = []
        p = self.principal(principal)
        if p.policies.identity is not None and not p.unreadable:
            # Skip the target outright when nothing can grant this principal any probe.
            actions = {a for probes in self.probes(target).values() for a, _ in probes}
            policy, missing, _ = self._policy_of.get(target.id) or resource_policy(target)
            if (
                not missing
                and not any(self._identity_may(p, a) for a in actions)
                and (policy is None or not self._may_name(target.id, policy, p))
            ):
                return out
        for cap, probes in sorted(self.probes(target).items()):
            if wanted is not None and cap not in wanted:
                continue
            best: Grant | None = None
            for action, resource in probes:
                res = self.can(principal, action, resource)
                if res.decision is Decision.ALLOWED:
                    best = Grant(
                        principal=principal,
                        resource=target.id,
                        capability=cap,
                        action=action,
                        result=res,
                    )
                    break
                if res.decision is Decision.CONDITIONAL and best is None:
                    best = Grant(
                        principal=principal,
                        resource=target.id,
                        capability=cap,
                        action=action,
                        result=res,
                    )
            if best is not None:
                out.append(best)
        return out

    def boundary_targets(self) -> list[Resource]:
        """Resources whose control the boundary is about (sorted, no stubs)."""
        if self._targets is None:
            self._targets = self._boundary_targets()
        return self._targets

    def _boundary_targets(self) -> list[Resource]:
        from auditor.analysis.boundary_scope import (
            data_stores,
            platform_resources,
            system_log_stores,
        )

        g = self.graph
        chosen: dict[str, Resource] = {}
        stores = [*data_stores(g), *system_log_stores(g), *platform_resources(g)]
        for s in stores:
            if s.kind in CAPABILITIES:
                chosen[s.id] = s
            for rel in g.out_edges(s.id, ENCRYPTED_BY):
                key = g.get(rel.target)
                if key is not None and not key.attributes.get("stub"):
                    chosen[key.id] = key
        for t in g.of_kind(Kind.AUDIT_TRAIL):
            chosen[t.id] = t
            for rel in [
                *g.out_edges(t.id, LOGS_TO),
                *g.out_edges(t.id, ENCRYPTED_BY),
            ]:
                tgt = g.get(rel.target)
                if tgt is not None and not tgt.attributes.get("stub"):
                    chosen[tgt.id] = tgt
        for acct in sorted(self.customer_accounts):
            node = g.get(f"arn:aws:iam::{acct}:root")
            if node is not None and not node.attributes.get("stub"):
                chosen[node.id] = node
        return [chosen[k] for k in sorted(chosen)]

    def named_outsiders(self) -> list[str]:
        """Outside principals (and ``*``) that resource policies of boundary resources name."""
        out: set[str] = set()
        for t in self.boundary_targets():
            policy, _, _ = resource_policy(t)
            if policy is None:
                continue
            try:
                sts = statements(policy.document)
            except PolicyError:
                continue
            for st in sts:
                if not st.is_allow:
                    continue
                if st.names_anyone:
                    out.add(ANYONE)
                for p in st.principals:
                    if p.type == "AWS" and not p.is_anyone and self.party(p.id) != "customer":
                        out.add(p.id)
        return sorted(out)

    def outsiders(self) -> list[str]:
        """Every principal outside the customer the model knows of (assumption or policies)."""
        return sorted({*self.outside_principals(), *self.named_outsiders()})

    def boundary_principals(self) -> list[str]:
        """Principals whose capabilities the graph records: outsiders, what they reach, declared."""
        out: set[str] = set()
        for o in self.outsiders():
            out.add(o)
            out.update(self.chains_from(o))
        for va in self.decl.control.vendor_access:
            out.add(va.principal)
            out.add(va.role)
        out.update(self.decl.control.break_glass)
        return sorted(p for p in out if not p.startswith("service:"))


class ActorIndex:
    """Principals, in a given order, grouped by the account they are confined to.

    :meth:`candidates` returns the principals that may hold a capability on a target
    (see :meth:`AccessModel.granting_accounts`) in the given order; the others hold none,
    so callers skip them without evaluating.
    """

    def __init__(self, model: AccessModel, principals: Sequence[str]) -> None:
        self._model = model
        self.principals: tuple[str, ...] = tuple(principals)
        self._by_account: dict[str, list[int]] = defaultdict(list)
        self._unconfined: list[int] = []
        for i, pid in enumerate(self.principals):
            account = model.confined_account(pid)
            if account is None:
                self._unconfined.append(i)
            else:
                self._by_account[account].append(i)

    def candidates(self, target: Resource) -> list[str]:
        accounts = self._model.granting_accounts(target)
        if accounts is None:
            return list(self.principals)
        positions = list(self._unconfined)
        for account in accounts:
            positions.extend(self._by_account.get(account, ()))
        return [self.principals[i] for i in sorted(positions)]


_MODELS: weakref.WeakKeyDictionary[Any, AccessModel] = weakref.WeakKeyDictionary()


def access_model(graph: Any) -> AccessModel:
    """The access model of a graph (built once per graph)."""
    model = _MODELS.get(graph)
    if model is None:
        model = AccessModel(graph)
        _MODELS[graph] = model
    return model


def _statements_json(result: Result) -> list[JSONValue]:
    return [h.as_json() for h in result.allows]


@deriver("control.access")
def derive_access(graph: Any) -> Iterator[Relation]:
    """``control.can_assume`` for every reachable pair; ``can_act_on`` for boundary principals."""
    model = access_model(graph)
    g = model.assume_graph()
    for src, dst, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        res: Result = data["result"]
        via = ", ".join(h.label() for h in res.allows[:2]) or "trust policy"
        req = f" requiring {'; '.join(res.requires)}" if res.requires else ""
        cond = " (conditional)" if res.decision is Decision.CONDITIONAL else ""
        yield Relation(
            source=src,
            target=dst,
            kind=CAN_ASSUME,
            reason=f"may assume via {via}{req}{cond}",
            attributes={
                "decision": res.decision.value,
                "requires": list(res.requires),
                "statements": _statements_json(res),
                "notes": list(res.notes),
            },
        )
    principals = ActorIndex(model, model.boundary_principals())
    for t in model.boundary_targets():
        for pid in principals.candidates(t):
            for grant in model.grants(pid, t):
                yield Relation(
                    source=pid,
                    target=t.id,
                    kind=CAN_ACT_ON,
                    reason=grant.reason(),
                    attributes=grant.attributes(),
                )


def describe_chain(model: AccessModel, chain: list[str]) -> str:
    """``a -> b (requires ...) -> c`` for a chain of assumptions."""
    if not chain:
        return ""
    g = model.assume_graph()
    parts = [chain[0]]
    for a, b in itertools.pairwise(chain):
        res: Result = g.edges[a, b]["result"]
        note = f" [{'; '.join(res.requires)}]" if res.requires else ""
        cond = " [conditional]" if res.decision is Decision.CONDITIONAL else ""
        parts.append(f"-> {b}{note}{cond}")
    return " ".join(parts)


__all__ = [
    "ASSUME",
    "CAPABILITIES",
    "CAPABILITY_NAMES",
    "ORG_KIND",
    "AccessModel",
    "ActorIndex",
    "Grant",
    "Principal",
    "access_model",
    "derive_access",
    "describe_chain",
]
