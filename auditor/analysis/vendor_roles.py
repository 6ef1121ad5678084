"""Azure and GCP roles held against ``control.vendor_access``.

A ``vendor_access`` entry is read on the cloud its principal and role name:

- AWS: an ARN principal and role (judged by :mod:`auditor.analysis.access`);
- Azure: ``principal`` is a principal id ``/tenants/{tenant}/principals/{object id}``, a
  tenant-qualified ``{tenant}/{object id}``, an object id or an application (client) id;
  ``role`` is a role definition id (``/providers/Microsoft.Authorization/roleDefinitions/
  {guid}``, with or without a subscription prefix), its GUID, or its name (``Contributor``);
  ``allow``/``deny`` are Azure actions or data actions with ``*`` wildcards. Resource
  Graph lists no service principals: an application id is known only for managed
  identities (their ``clientId``), so name another party's service principal in the
  customer tenant by object id (``azure.principals``) as well;
- GCP: ``principal`` is a binding member (``serviceAccount:x@p.iam.gserviceaccount.com``,
  ``user:``, ``group:``, ``domain:``, ``principal://``) or its bare e-mail, globs allowed;
  ``role`` is a role name (``roles/compute.admin``, ``projects/p/roles/x``), globs allowed;
  ``allow``/``deny`` are role names or permissions (``storage.objects.get``).

A role held is what the role definition (Azure) or role (GCP) grants. Azure role
definitions carry their ``actions``/``notActions``/``dataActions``/``notDataActions``;
a GCP custom role (``iam.googleapis.com/Role``, project or organisation) lists its
``includedPermissions``, which are judged one by one; a predefined role's permissions
are not in the inventory, so it is judged by its name against the globs (except the
basic roles, whose reach is known in outline), and the verdict says so.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from auditor.analysis.policy import ActionSet, find_action
from auditor.boundary import VendorAccess
from auditor.graph.build import BoundaryGraph
from auditor.model import Resource

Cloud = Literal["aws", "azure", "gcp"]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_GCP_MEMBER = ("serviceAccount:", "user:", "group:", "domain:", "principal:", "principalSet:")
_ROLE_MARKER = "/providers/microsoft.authorization/roledefinitions/"

GCP_BASIC_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "roles/owner": (("*",), ()),
    "roles/editor": (("*",), ("*.setIamPolicy", "resourcemanager.projects.delete")),
    "roles/viewer": (("*.get", "*.list"), ()),
}
"""Basic roles as (permission globs, excluded globs): Owner holds every permission,
Editor every one but IAM policy changes, Viewer reads. An outline, not Google's list."""


def vendor_access_cloud(va: VendorAccess) -> Cloud:
    """The cloud a ``vendor_access`` entry is about, from the shape of its principal and role."""
    p, r = va.principal, va.role
    if p.startswith("arn:") or r.startswith("arn:"):
        return "aws"
    if p.startswith(_GCP_MEMBER) or "gserviceaccount.com" in p or "@" in p:
        return "gcp"
    if r.startswith(("roles/", "projects/", "organizations/")):
        return "gcp"
    return "azure"


def declared_role(graph: BoundaryGraph, ref: str) -> Resource | None:
    """The role a ``vendor_access`` entry names: an ARN or Azure id as is; a GCP custom role
    (``projects/p/roles/x``, ``organizations/n/roles/x``) under its asset name."""
    found = graph.get(ref)
    if found is None and ref.startswith(("projects/", "organizations/")) and "/roles/" in ref:
        found = graph.get(f"//iam.googleapis.com/{ref}")
    return found


def entries(vas: Iterable[VendorAccess], cloud: Cloud) -> list[VendorAccess]:
    return [va for va in vas if vendor_access_cloud(va) == cloud]


# --- Azure -----------------------------------------------------------------------------------


def azure_principal_names(p: Resource, client_ids: dict[str, str]) -> list[str]:
    """What an Azure principal is known by: id, tenant/object id, object id, application id."""
    oid = str(p.attributes.get("object_id") or p.id.rsplit("/", 1)[-1]).lower()
    names = [p.id.lower(), oid]
    if p.account:
        names.append(f"{p.account.lower()}/{oid}")
    client = p.attributes.get("client_id") or client_ids.get(oid)
    if client:
        names.append(str(client).lower())
    return names


def azure_client_ids(principals: Iterable[Resource]) -> dict[str, str]:
    """Object id -> application (client) id, for the principals whose client id is known."""
    out: dict[str, str] = {}
    for p in principals:
        a = p.attributes
        if a.get("object_id") and a.get("client_id"):
            out[str(a["object_id"]).lower()] = str(a["client_id"]).lower()
    return out


def azure_principal_matches(va: VendorAccess, names: Sequence[str]) -> bool:
    want = va.principal.lower()
    return any(fnmatch.fnmatchcase(n, want) for n in names)


def azure_role_matches(va: VendorAccess, role_id: str, role: Resource | None) -> bool:
    """Whether the entry's ``role`` names this role definition (id, GUID or role name)."""
    want = va.role.lower()
    rid = role_id.lower()
    guid = rid.rsplit("/", 1)[-1]
    if _ROLE_MARKER in want:
        return want.split(_ROLE_MARKER, 1)[1] == guid
    if _GUID.match(want):
        return want == guid
    name = str((role.attributes.get("role_name") if role else "") or "").lower()
    return bool(name) and fnmatch.fnmatchcase(name, want)


@dataclass(frozen=True, kw_only=True)
class ActionHit:
    """An action a role holds that a declared glob denies (or no allowed glob names)."""

    matched: str
    """The deny glob hit, or ``outside allow list``."""
    granted_by: str
    """The role's own pattern (action, permission or role name) that grants it."""
    witness: str
    data: bool = False

    def text(self) -> str:
        kind = "data action " if self.data else ""
        eg = "" if self.witness.lower() == self.granted_by.lower() else f" (e.g. {self.witness})"
        return f"{kind}{self.granted_by}{eg}"

    def as_json(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "granted_by": self.granted_by,
            "witness": self.witness,
            "data_action": self.data,
        }


_AZURE_SHAPE = ActionSet(("?*/?*",))


def azure_role_hits(
    role: Resource,
    globs: Sequence[str],
    *,
    outside: bool,
    examples: Mapping[str, bool] | None = None,
) -> list[ActionHit]:
    """Actions of an Azure role definition within ``globs`` (deny) or outside them (allow).

    Each pattern of ``actions``/``dataActions`` is searched minus the block's
    ``notActions``/``notDataActions`` (wildcards as Azure matches them, any case).
    ``examples`` maps well-known actions to whether they are data actions: a denied
    glob that is one of them is searched on its own plane only (``actions: *`` grants
    no data action), and the witness shown is the first example that fits, else the
    shortest action that does.
    """
    planes = {k.lower(): v for k, v in (examples or {}).items()}
    out: list[ActionHit] = []
    for block in role.attributes.get("permissions") or []:
        for key, not_key, data in (
            ("actions", "not_actions", False),
            ("data_actions", "not_data_actions", True),
        ):
            excluded = [ActionSet(tuple(block.get(not_key) or ()))]
            for pattern in block.get(key) or []:
                mine = ActionSet((str(pattern),))
                if outside:
                    targets = [("outside allow list", ActionSet(tuple(globs), negated=True))]
                else:
                    targets = [
                        (g, ActionSet((g,))) for g in globs if planes.get(g.lower(), data) == data
                    ]
                for matched, target in targets:
                    w = find_action([mine, target, _AZURE_SHAPE], excluded)
                    if w is not None:
                        w = next(
                            (
                                x
                                for x, is_data in sorted((examples or {}).items())
                                if is_data == data
                                and find_action([mine, target, ActionSet((x,))], excluded)
                            ),
                            w,
                        )
                        out.append(
                            ActionHit(
                                matched=matched, granted_by=str(pattern), witness=w, data=data
                            )
                        )
    return out


# --- GCP -------------------------------------------------------------------------------------


def gcp_member_matches(va: VendorAccess, member: str) -> bool:
    """Whether the entry's ``principal`` names this binding member (with or without prefix)."""
    want = va.principal.lower()
    low = member.lower()
    bare = low.partition(":")[2] if low.startswith(tuple(m.lower() for m in _GCP_MEMBER)) else low
    return fnmatch.fnmatchcase(low, want) or fnmatch.fnmatchcase(bare, want)


def gcp_role_matches(va: VendorAccess, role: str) -> bool:
    return fnmatch.fnmatchcase(role, va.role)


_GCP_SHAPE = ActionSet(("?*.?*.?*",))


def gcp_role_hits(
    role: str, globs: Sequence[str], *, outside: bool
) -> tuple[list[ActionHit], bool]:
    """Permissions (or the role itself) within ``globs`` (deny) or outside them (allow).

    Returns the hits and whether the role was judged by its name only (its permissions
    unknown: a predefined or custom role the inventory does not list).
    """
    named = [g for g in globs if fnmatch.fnmatchcase(role, g)]
    basic = GCP_BASIC_ROLES.get(role)
    if outside:
        if named:
            return [], basic is None
        if basic is None:
            return [ActionHit(matched="outside allow list", granted_by=role, witness=role)], True
        allow = ActionSet(tuple(g for g in globs if not g.startswith(("roles/", "projects/"))))
        perms, excluded = basic
        w = find_action(
            [ActionSet(perms), ActionSet(allow.globs, negated=True), _GCP_SHAPE],
            [ActionSet(excluded)],
        )
        hits = (
            []
            if w is None
            else [ActionHit(matched="outside allow list", granted_by=role, witness=w)]
        )
        return hits, False
    hits = [ActionHit(matched=g, granted_by=role, witness=role) for g in named]
    if basic is not None:
        perms, excluded = basic
        for g in globs:
            if g in named or g.startswith(("roles/", "projects/", "organizations/")):
                continue
            w = find_action([ActionSet(perms), ActionSet((g,))], [ActionSet(excluded)])
            if w is not None:
                hits.append(ActionHit(matched=g, granted_by=role, witness=w))
    return hits, basic is None


def gcp_permission_hits(
    role: str, permissions: Sequence[str], globs: Sequence[str], *, outside: bool
) -> list[ActionHit]:
    """A custom role's listed permissions within ``globs`` (deny) or outside them (allow).

    A glob that names the role itself (``projects/p/roles/x``) covers all its permissions
    (allow) or is one hit (deny); the other globs are matched against each permission.
    """
    named = [g for g in globs if fnmatch.fnmatchcase(role, g)]
    perm_globs = [g for g in globs if not g.startswith(("roles/", "projects/", "organizations/"))]
    if outside:
        if named:
            return []
        return [
            ActionHit(matched="outside allow list", granted_by=p, witness=p)
            for p in permissions
            if not any(fnmatch.fnmatchcase(p, g) for g in perm_globs)
        ]
    hits = [ActionHit(matched=g, granted_by=role, witness=role) for g in named]
    for g in perm_globs:
        hits += [
            ActionHit(matched=g, granted_by=p, witness=p)
            for p in permissions
            if fnmatch.fnmatchcase(p, g)
        ]
    return hits
