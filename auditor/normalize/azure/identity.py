"""Azure RBAC: role assignments, role definitions, managed identities, Lighthouse delegations.

A principal has no resource id: it is ``/tenants/{tenant}/principals/{object id}``
(kind ``principal``, account = its tenant). A role assignment becomes a
``role_assignment`` resource and a ``control.role_assigned`` edge from the
principal to the scope it is assigned at. Lighthouse registration assignments
delegate roles to principals of the managing tenant: the same edges, with
``via: lighthouse``.
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import ROLE_ASSIGNED
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import UNKNOWN_TENANT, lid, place, principal_id, props

AWS_PRINCIPAL_FACTS: dict[str, None] = dict.fromkeys(
    (
        "user_name",
        "attached_policies",
        "inline_policies",
        "groups",
        "group_policies",
        "permissions_boundary",
        "permissions_boundary_document",
    )
)
"""IAM-user facts an Azure principal does not have (null: not applicable)."""

AWS_ROLE_FACTS: dict[str, None] = dict.fromkeys(
    (
        "path",
        "attached_policies",
        "inline_policies",
        "permissions_boundary",
        "permissions_boundary_document",
        "max_session_duration",
    )
)
"""IAM-role facts an Azure role definition does not have (its ``permissions`` hold them)."""

FOREIGN_TYPES = frozenset({"foreigngroup"})
"""Principal types whose object lives in another tenant that the assignment does not name."""


def _principal(
    b: Builder, source: str, tenant: str | None, object_id: str, ptype: str, name: str = ""
) -> str:
    pid = principal_id(tenant, object_id)
    b.resource(
        id=pid,
        cloud="azure",
        kind=Kind.PRINCIPAL,
        account=(tenant or "").lower(),
        region="global",
        name=name or object_id.lower(),
        source=source,
        attributes={
            **AWS_PRINCIPAL_FACTS,
            "object_id": object_id.lower(),
            "client_id": None,
            "tenant_id": tenant.lower() if tenant else None,
            "principal_type": ptype or None,
            "managed_identity": None,
        },
    )
    return pid


def scope_of(assignment_id: str) -> str:
    """The scope a role or registration assignment is made at (its id's prefix)."""
    low = assignment_id.lower()
    for marker in (
        "/providers/microsoft.authorization/roleassignments/",
        "/providers/microsoft.managedservices/registrationassignments/",
    ):
        if marker in low:
            return low.split(marker, 1)[0] or "/"
    return low


def role_definition_ref(value: Any) -> str:
    """A role definition id without its subscription prefix (built-in roles are tenant-wide)."""
    text = lid(value)
    marker = "/providers/microsoft.authorization/roledefinitions/"
    return marker + text.split(marker, 1)[1] if marker in text else text


@normalizes("azure", "microsoft.authorization/roleassignments")
def role_assignment(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    ptype = str(p.get("principalType") or "")
    tenant = None if ptype.lower() in FOREIGN_TYPES else (lid(rec.data.get("tenantId")) or None)
    pid = _principal(b, base["source"], tenant, str(p["principalId"]), ptype)
    scope = lid(p.get("scope")) or scope_of(base["id"])
    role = role_definition_ref(p.get("roleDefinitionId"))
    b.resource(
        **{**base, "region": "global"},
        kind="role_assignment",
        attributes={
            "principal": pid,
            "principal_type": ptype or None,
            "principal_tenant": tenant,
            "role_definition_id": role,
            "scope": scope,
            "condition": p.get("condition"),
            "via": "rbac",
            "authorizations": None,
            "managed_by_tenant": None,
        },
    )
    b.relation(
        pid,
        scope,
        ROLE_ASSIGNED,
        f"role {role.rsplit('/', 1)[-1]} assigned at {scope} ({base['name']})",
        {
            "role_definition_id": role,
            "assignment": base["id"],
            "via": "rbac",
            "condition": p.get("condition"),
        },
    )


@normalizes("azure", "microsoft.authorization/roledefinitions")
def role_definition(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    listed = p.get("permissions")
    # No permissions in the row: what the role allows is unknown (null), not nothing.
    perms = (
        None
        if not isinstance(listed, list)
        else [
            {
                "actions": sorted(str(a) for a in x.get("actions") or []),
                "not_actions": sorted(str(a) for a in x.get("notActions") or []),
                "data_actions": sorted(str(a) for a in x.get("dataActions") or []),
                "not_data_actions": sorted(str(a) for a in x.get("notDataActions") or []),
            }
            for x in listed
        ]
    )
    b.resource(
        **{**base, "id": role_definition_ref(base["id"]), "region": "global"},
        kind=Kind.ROLE,
        attributes={
            **AWS_ROLE_FACTS,
            "role_name": p.get("roleName") or base["name"],
            "role_type": p.get("type"),
            "permissions": perms,
            "assignable_scopes": sorted(lid(s) for s in p.get("assignableScopes") or []),
            "trust_policy": None,
        },
    )


@normalizes("azure", "microsoft.managedidentity/userassignedidentities")
def managed_identity(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    b.resource(
        **base,
        kind=Kind.PRINCIPAL,
        attributes={
            **AWS_PRINCIPAL_FACTS,
            "object_id": lid(p.get("principalId")) or None,
            "client_id": lid(p.get("clientId")) or None,
            "tenant_id": lid(p.get("tenantId")) or None,
            "principal_type": "ServicePrincipal",
            "managed_identity": True,
        },
    )


@normalizes("azure", "microsoft.managedservices/registrationassignments")
def lighthouse_assignment(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    p = props(rec)
    definition = (p.get("registrationDefinition") or {}).get("properties") or {}
    tenant = lid(definition.get("managedByTenantId")) or UNKNOWN_TENANT
    scope = scope_of(base["id"])
    auths = []
    for a in definition.get("authorizations") or []:
        role = role_definition_ref(
            "/providers/microsoft.authorization/roledefinitions/" + str(a["roleDefinitionId"])
        )
        pid = _principal(
            b,
            base["source"],
            tenant,
            str(a["principalId"]),
            "Lighthouse",
            str(a.get("principalIdDisplayName") or ""),
        )
        auths.append({"principal": pid, "role_definition_id": role})
        b.relation(
            pid,
            scope,
            ROLE_ASSIGNED,
            f"role {role.rsplit('/', 1)[-1]} delegated at {scope} to tenant {tenant} (Lighthouse)",
            {
                "role_definition_id": role,
                "assignment": base["id"],
                "via": "lighthouse",
                "condition": None,
            },
        )
    b.resource(
        **{**base, "region": "global"},
        kind="role_assignment",
        attributes={
            "principal": None,
            "principal_type": "Lighthouse",
            "principal_tenant": tenant,
            "role_definition_id": None,
            "scope": scope,
            "condition": None,
            "via": "lighthouse",
            "authorizations": sorted(
                auths, key=lambda x: (x["principal"], x["role_definition_id"])
            ),
            "managed_by_tenant": tenant,
        },
    )
