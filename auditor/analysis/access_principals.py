"""The principal side of the access model: who a principal is, and its policy layers.

A collected role or user carries its identity policies (its groups' too), its
permissions boundary and the SCPs of its account; the SCPs come from the
organizations collected in the graph (:func:`read_organizations`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.analysis.policy import NamedDocument, PolicyError, role_documents, statements
from auditor.analysis.policy_eval import PrincipalPolicies, action_in, doc_statements
from auditor.model import Kind, Resource

ASSUME = "sts:AssumeRole"
ORG_KIND = "organization"


@dataclass(frozen=True, kw_only=True)
class Principal:
    """A principal as the access model knows it."""

    id: str
    account: str
    kind: str
    """``role``, ``user``, ``account`` (any principal of it), ``anyone``."""
    collected: bool
    policies: PrincipalPolicies
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Organizations:
    """The AWS organizations of a graph: each account's organization and SCPs."""

    org_of: dict[str, str]
    """Account -> organization id (declared customer accounts: the declared organization)."""
    scps_of: dict[str, tuple[tuple[NamedDocument, ...], ...]]
    """Account -> one tuple of SCP documents per level of its path (root, OUs, account)."""
    management: frozenset[str]
    """Management accounts: SCPs do not apply to them."""

    def policies(
        self, account: str, identity: tuple[NamedDocument, ...] | None, **kw: Any
    ) -> PrincipalPolicies:
        """A principal's layers: its identity policies, and the SCPs of its account."""
        return PrincipalPolicies(
            identity=identity,
            scps=self.scps_of.get(account),
            scp_exempt=account in self.management,
            **kw,
        )


def read_organizations(graph: Any, customer_accounts: Iterable[str]) -> Organizations:
    """The organizations collected in ``graph`` (``organization`` resources) and declared."""
    org_of: dict[str, str] = {}
    scps_of: dict[str, tuple[tuple[NamedDocument, ...], ...]] = {}
    management: set[str] = set()
    for org in graph.of_kind(ORG_KIND):
        a = org.attributes
        oid = str(a.get("org_id") or "")
        if a.get("management_account"):
            management.add(str(a["management_account"]))
        accounts = a.get("accounts")
        if not isinstance(accounts, list):
            continue
        scps = a.get("scps")
        for acct in accounts:
            org_of[str(acct["id"])] = oid
            if not isinstance(scps, list):
                continue
            if a.get("scp_enabled") is False:
                scps_of[str(acct["id"])] = ()  # SCPs off: they limit nothing
                continue
            levels = []
            for target in acct.get("path") or []:
                levels.append(
                    tuple(
                        NamedDocument(f"scp {p['name'] or p['id']}", p["document"])
                        for p in scps
                        if target in (p.get("targets") or []) and p.get("document")
                    )
                )
            scps_of[str(acct["id"])] = tuple(levels)
    declared = graph.declaration.organization("customer")
    if declared:
        for acct in customer_accounts:
            org_of.setdefault(acct, declared)
    return Organizations(org_of=org_of, scps_of=scps_of, management=frozenset(management))


def collected_principal(r: Resource, orgs: Organizations) -> Principal:
    """A collected role or user: its policies, its groups', its boundary and its SCPs."""
    a = r.attributes
    docs, missing = role_documents(a)
    for g in a.get("group_policies") or []:
        gdocs, gmissing = role_documents(g)
        docs += [NamedDocument(f"group {g.get('name')} {d.name}", d.document) for d in gdocs]
        missing += gmissing
    if r.kind == Kind.PRINCIPAL and a.get("groups") and a.get("group_policies") is None:
        missing.append("group policies")
    boundary_arn = a.get("permissions_boundary")
    boundary_doc = a.get("permissions_boundary_document")
    boundary = (
        NamedDocument(f"boundary {boundary_arn}", boundary_doc)
        if boundary_arn and boundary_doc
        else None
    )
    return Principal(
        id=r.id,
        account=r.account,
        kind="role" if r.kind == Kind.ROLE else "user",
        collected=True,
        policies=orgs.policies(
            r.account,
            tuple(docs),
            boundary=boundary,
            boundary_missing=bool(boundary_arn) and boundary is None,
        ),
        unreadable=tuple(sorted(missing)),
    )


def documents_parse(policies: PrincipalPolicies) -> bool:
    """Whether every document of the principal's layers parses (else evaluation may raise)."""
    docs = [*(policies.identity or ()), *((policies.boundary,) if policies.boundary else ())]
    docs += [d for level in policies.scps or () for d in level]
    try:
        for doc in docs:
            doc_statements(doc)
    except PolicyError:
        return False
    return True


def assume_patterns(p: Principal) -> list[str] | None:
    """Resource patterns of identity Allows naming sts:AssumeRole (None: unknown = all)."""
    if p.policies.identity is None:
        return None
    out: list[str] = []
    for doc in p.policies.identity:
        try:
            sts = statements(doc.document)
        except PolicyError:
            return None
        for st in sts:
            if st.is_allow and action_in(st.actions.globs, st.actions.negated, ASSUME):
                out.extend(["*"] if st.not_resource else st.resources)
    return out
