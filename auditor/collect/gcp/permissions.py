"""The least-privilege GCP custom role a scan needs, from the collector's declared permissions.

:data:`auditor.collect.gcp.guard.PERMISSIONS` lists the permissions the
collector's calls need; the role is built from it (never written by hand) and
printed as the YAML ``gcloud iam roles create --file`` reads. Pure, no SDK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from auditor.collect.gcp.guard import PERMISSIONS

ROLE_ID = "boundaryAuditor"
_READ = re.compile(r"^[a-z]+\.[a-zA-Z]+\.(list|get|search)[A-Za-z]*$")
_READ_VIEWS = frozenset({"logging.views.access"})
"""Read permissions whose verb is not list/get/search: reading a log bucket view's entries."""


class GcpPermissionsError(ValueError):
    """A declared permission that is malformed or not a read."""


def declared_permissions(
    permissions: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Permission -> why, sorted; raises when one is not a read permission."""
    perms = dict(PERMISSIONS if permissions is None else permissions)
    bad = sorted(p for p in perms if not _READ.match(p) and p not in _READ_VIEWS)
    if bad:
        raise GcpPermissionsError(f"not a read-only GCP permission: {', '.join(bad)}")
    return dict(sorted(perms.items()))


def role_yaml(permissions: Mapping[str, str] | None = None) -> str:
    """The custom role as YAML (``gcloud iam roles create ROLE --project P --file F``)."""
    perms = declared_permissions(permissions)
    lines = [
        "title: boundary-auditor",
        "description: Read-only Cloud Asset Inventory (and VPC Flow Logs) access for the "
        "boundary auditor",
        "stage: GA",
        "includedPermissions:",
        *(f"- {p}" for p in perms),
    ]
    return "\n".join(lines) + "\n"
