"""GCP IAM bindings: which members sit outside the boundary, and public buckets.

A binding member is read as:

- ``allUsers`` / ``allAuthenticatedUsers``: anyone (``anyone``);
- ``serviceAccount:x@P.iam.gserviceaccount.com``: the party owning project P;
  Google service agents (``@gcp-sa-*``, ``cloudservices``, ``*.gserviceaccount.com``
  of Google) are the provider;
- ``user:``/``group:``/``domain:`` in a domain a party declares (``gcp.domains``),
  else ``unknown``; ``principal://`` and other forms are ``unknown``.

A member of a declared party (customer or another, e.g. the vendor) is
declared; ``anyone`` and ``unknown`` members are outside the boundary unless a
``control.vendor_access`` entry names the member as ``principal`` (with or
without the ``serviceAccount:`` prefix) and the binding's role matches its
``role`` (glob).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass

from auditor.boundary import Declaration, VendorAccess
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource

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


def member_party(decl: Declaration, member: str) -> str:
    """The party a binding member belongs to (``anyone``, ``provider``, a party, ``unknown``)."""
    if member in PUBLIC:
        return "anyone"
    if _GOOGLE_SA.match(member) and not _SA.match(member):
        return "provider"
    if member.startswith("serviceAccount:service-") and _GOOGLE_SA.match(member):
        return "provider"
    if m := _SA.match(member):
        return decl.party_of("gcp", m.group("project"))
    kind, _, ident = member.partition(":")
    ident = ident.removeprefix("deleted:")
    if kind in ("user", "group"):
        domain = ident.rsplit("@", 1)[-1].split("?", 1)[0].lower()
        return _domains(decl).get(domain, "unknown")
    if kind == "domain":
        return _domains(decl).get(ident.lower(), "unknown")
    if kind in ("projectOwner", "projectEditor", "projectViewer"):
        return decl.party_of("gcp", ident)
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
                    party=member_party(decl, str(member)),
                    conditional=bool(b.get("condition")),
                )
            )
    return sorted(out, key=lambda g: (g.role, g.member))


def declared_for(decl: Declaration, g: Grant) -> VendorAccess | None:
    """The vendor access entry that declares this outside grant, if any."""
    bare = g.member.partition(":")[2]
    for va in decl.control.vendor_access:
        if va.principal in (g.member, bare) and fnmatch.fnmatchcase(g.role, va.role):
            return va
    return None


def outside_grants(decl: Declaration, res: Resource, graph: BoundaryGraph) -> list[Grant] | None:
    """Grants on ``res`` to members outside the customer and the provider."""
    found = grants(decl, res, graph)
    if found is None:
        return None
    return [g for g in found if g.party not in ("customer", "provider")]


def undeclared(decl: Declaration, grants_: list[Grant]) -> list[Grant]:
    """Grants to members of no declared party (or anyone) that vendor access does not name."""
    return [
        g for g in grants_ if g.party in ("anyone", "unknown") and declared_for(decl, g) is None
    ]


def public_grants(decl: Declaration, res: Resource, graph: BoundaryGraph) -> list[Grant] | None:
    """Grants on ``res`` to ``allUsers`` or ``allAuthenticatedUsers``."""
    found = grants(decl, res, graph)
    if found is None:
        return None
    return [g for g in found if g.party == "anyone"]
