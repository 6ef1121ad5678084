"""GCP IAM bindings: which members sit outside the boundary, and public buckets.

A binding member is read as:

- ``allUsers`` / ``allAuthenticatedUsers``: anyone (``anyone``);
- a member a party names explicitly (``gcp.service_accounts``, e-mail globs) is that
  party's, whatever project it lives in: a vendor's service account created in a
  customer project is the vendor's;
- ``serviceAccount:x@P.iam.gserviceaccount.com``: the party owning project P (by id,
  by its number, or by a declared folder among its ancestors when the project was
  collected); Google service agents (``@gcp-sa-*``, ``cloudservices``,
  ``*.gserviceaccount.com`` of Google) are the provider;
- ``user:``/``group:``/``domain:`` in a domain a party declares (``gcp.domains``),
  else ``unknown``; ``principal://`` and ``principalSet://`` (workload and workforce
  identity federation: the subject is an outside identity even when the pool lives
  in a customer project) are ``unknown`` unless a party names them in
  ``gcp.service_accounts`` (globs over the whole member).

Only customer members (and Google's agents) are inside the boundary. Every other
member's binding must be declared: a ``control.vendor_access`` entry names the member
as ``principal`` (with or without the ``serviceAccount:`` prefix, globs allowed) and
the binding's role matches its ``role`` (glob). A vendor service account holding
``roles/owner`` where ``roles/compute.admin`` is declared is undeclared.

A binding on an organisation, folder or project applies to every resource below
it: :func:`inherited_grants` adds them to a resource's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.analysis.vendor_roles import entries, gcp_member_matches, gcp_role_matches
from auditor.boundary import Declaration, VendorAccess
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

PUBLIC = ("allUsers", "allAuthenticatedUsers")
IAM_UNIT = "cloudasset-iam"
"""The collection unit meaning a project's IAM policies were listed (as the GCP
collector and importer record it; analysis does not import collection code)."""
_SA = re.compile(r"^serviceAccount:[^@]+@(?P<project>[a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$")
_GOOGLE_SA = re.compile(
    r"^serviceAccount:(?:service-\d+@(?:gcp-sa-[a-z0-9-]+|compute-system|container-engine-robot"
    r"|gs-project-accounts|containerregistry|serverless-robot-prod"
    r"|dataflow-service-producer-prod|cloud-ml\.google\.com)\.iam\.gserviceaccount\.com"
    r"|\d+@cloudservices\.gserviceaccount\.com"
    r"|\d+-compute@developer\.gserviceaccount\.com"
    r"|[^@]+@[a-z0-9-]+\.gserviceaccount\.com)$"
)
"""Google-managed service agents (``service-NUMBER@`` in Google's own ``gcp-sa-*`` and
legacy agent projects, ``NUMBER@cloudservices``) and default service accounts: the
provider acting for the project, not another party. Any project can create an account
named ``service-NUMBER``, so the agent's domain, not its name, is what proves Google."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Grant:
    """One (role, member) of a binding and the party the member belongs to."""

    resource: str
    role: str
    member: str
    party: str
    conditional: bool


def _domains(decl: Declaration) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, party in decl.parties.items():
        for d in (party.gcp.domains if party.gcp else []) or []:
            out[d.lower()] = name
    return out


def ancestry(graph: BoundaryGraph | None, project: str) -> tuple[str, list[str]]:
    """A collected project's number and its ancestors above it (``folders/F``,
    ``organizations/O``, nearest first); ``""`` and [] when it was not collected."""
    if graph is None:
        return "", []
    for acct in graph.of_kind(Kind.ACCOUNT):
        a = acct.attributes
        if acct.cloud != "gcp" or project not in (a.get("account_id"), a.get("project_number")):
            continue
        above = [str(x) for x in a.get("ancestors") or [] if not str(x).startswith("projects/")]
        return str(a.get("project_number") or ""), above
    return "", []


def project_party(decl: Declaration, project: str, graph: BoundaryGraph | None = None) -> str:
    """The party of a project, by id, by number, or by a declared folder above it."""
    party = decl.party_of("gcp", project)
    if party != "unknown":
        return party
    number, above = ancestry(graph, project)
    if number and (party := decl.party_of("gcp", number)) != "unknown":
        return party
    folders = [a.split("/", 1)[1] for a in above if a.startswith("folders/")]
    for name, p in sorted(decl.parties.items()):
        if p.gcp and set(p.gcp.folders) & set(folders):
            return name
    return "unknown"


def member_party(decl: Declaration, member: str, graph: BoundaryGraph | None = None) -> str:
    """The party a binding member belongs to (``anyone``, ``provider``, a party, ``unknown``)."""
    if member in PUBLIC:
        return "anyone"
    kind, _, ident = member.partition(":")
    ident = ident.removeprefix("deleted:").split("?", 1)[0]
    named = decl.identity_party("gcp", [ident, member])
    if named is not None:
        return str(named)
    if _GOOGLE_SA.match(member) and not _SA.match(member):
        return "provider"
    if member.startswith("serviceAccount:service-") and _GOOGLE_SA.match(member):
        return "provider"
    if m := _SA.match(member):
        return project_party(decl, m.group("project"), graph)
    if kind in ("user", "group"):
        domain = ident.rsplit("@", 1)[-1].lower()
        return _domains(decl).get(domain, "unknown")
    if kind == "domain":
        return _domains(decl).get(ident.lower(), "unknown")
    if kind in ("projectOwner", "projectEditor", "projectViewer"):
        return project_party(decl, ident, graph)
    return "unknown"


def grants(decl: Declaration, res: Resource, graph: BoundaryGraph) -> list[Grant] | None:
    """Every (role, member) bound on ``res``; None when its policy was not read.

    Cloud Asset lists only resources that have a policy: a resource without
    ``iam_bindings`` in a project whose IAM listing succeeded has none.
    """
    bindings = res.attributes.get("iam_bindings")
    if bindings is None:
        if not graph.inventory.was_collected(IAM_UNIT, res.account):
            return None
        bindings = []
    out: list[Grant] = []
    for b in bindings:
        if not isinstance(b, Mapping):
            continue
        for member in b.get("members") or []:
            out.append(
                Grant(
                    resource=res.id,
                    role=str(b.get("role") or ""),
                    member=str(member),
                    party=member_party(decl, str(member), graph),
                    conditional=bool(b.get("condition")),
                )
            )
    return sorted(out, key=lambda g: (g.role, g.member))


def declared_for(decl: Declaration, g: Grant) -> VendorAccess | None:
    """The vendor access entry that declares this outside grant (member and role), if any."""
    for va in entries(decl.control.vendor_access, "gcp"):
        if gcp_member_matches(va, g.member) and gcp_role_matches(va, g.role):
            return va
    return None


def outside_grants(decl: Declaration, res: Resource, graph: BoundaryGraph) -> list[Grant] | None:
    """Grants on ``res`` to members outside the customer and the provider."""
    found = grants(decl, res, graph)
    if found is None:
        return None
    return [g for g in found if g.party not in ("customer", "provider")]


def undeclared(decl: Declaration, grants_: list[Grant]) -> list[Grant]:
    """Grants outside the customer (a declared party's member too) no vendor access declares."""
    return [
        g
        for g in grants_
        if g.party not in ("customer", "provider") and declared_for(decl, g) is None
    ]


def public_grants(decl: Declaration, res: Resource, graph: BoundaryGraph) -> list[Grant] | None:
    """Grants on ``res`` to ``allUsers`` or ``allAuthenticatedUsers``."""
    found = grants(decl, res, graph)
    if found is None:
        return None
    return [g for g in found if g.party == "anyone"]


def inherited_grants(
    decl: Declaration, res: Resource, graph: BoundaryGraph
) -> tuple[list[Grant], list[str]]:
    """Grants set on the project, folders and organisation above ``res``.

    Returns the grants and the ancestors whose IAM policy is unknown (not collected).
    """
    number, above = ancestry(graph, res.account)
    if not number:
        return [], [f"project {res.account}"]
    ids = [f"//cloudresourcemanager.googleapis.com/projects/{number}"]
    ids += [f"//cloudresourcemanager.googleapis.com/{a}" for a in above]
    out: list[Grant] = []
    unknown: list[str] = []
    for anc_id in ids:
        if anc_id == res.id:
            continue
        anc = graph.get(anc_id)
        if anc is None or anc.attributes.get("iam_bindings") is None:
            unknown.append(anc_id)
            continue
        out.extend(grants(decl, anc, graph) or [])
    return out, unknown
