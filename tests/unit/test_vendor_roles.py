"""Azure role definitions and GCP roles against vendor allow/deny lists (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.analysis.vendor_roles import (
    azure_role_hits,
    azure_role_matches,
    gcp_member_matches,
    gcp_permission_hits,
    gcp_role_hits,
    vendor_access_cloud,
)
from auditor.boundary import VendorAccess
from auditor.model import Resource

LIST_KEYS = "Microsoft.Storage/storageAccounts/listKeys/action"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"


def azure_role(**block: Any) -> Resource:
    perms = {"actions": [], "not_actions": [], "data_actions": [], "not_data_actions": []}
    return Resource(
        id="/providers/microsoft.authorization/roledefinitions/0000",
        cloud="azure",
        kind="role",
        account="",
        region="global",
        name="0000",
        attributes={"role_name": "Custom", "permissions": [{**perms, **block}]},
    )


def va(principal: str, role: str, **kw: Any) -> VendorAccess:
    return VendorAccess(principal=principal, role=role, **kw)


def test_not_actions_carve_out_a_denied_action() -> None:
    wide = azure_role(actions=["*"])
    assert [h.matched for h in azure_role_hits(wide, [LIST_KEYS], outside=False)] == [LIST_KEYS]
    carved = azure_role(actions=["*"], not_actions=["Microsoft.Storage/*/listKeys/action"])
    assert azure_role_hits(carved, [LIST_KEYS], outside=False) == []


def test_a_known_data_action_is_searched_on_its_own_plane() -> None:
    planes = {BLOB_READ: True, LIST_KEYS: False}
    control = azure_role(actions=["*"])
    assert azure_role_hits(control, [BLOB_READ], outside=False, examples=planes) == []
    data = azure_role(data_actions=["Microsoft.Storage/*"])
    hits = azure_role_hits(data, [BLOB_READ], outside=False, examples=planes)
    assert [(h.matched, h.data) for h in hits] == [(BLOB_READ, True)]


def test_allow_list_wildcards_and_any_case() -> None:
    role = azure_role(actions=["Microsoft.Compute/virtualMachines/*", "*/read"])
    assert azure_role_hits(role, ["microsoft.compute/*", "*/read"], outside=True) == []
    hits = azure_role_hits(role, ["Microsoft.Compute/*"], outside=True)
    assert [h.granted_by for h in hits] == ["*/read"]


@pytest.mark.parametrize(
    ("declared", "matches"),
    [
        ("/providers/Microsoft.Authorization/roleDefinitions/0000", True),
        ("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/0000", True),
        ("custom", True),
        ("Reader", False),
    ],
)
def test_azure_role_named_by_id_or_name(declared: str, matches: bool) -> None:
    role = azure_role()
    assert azure_role_matches(va("x", declared), role.id, role) is matches


def test_gcp_basic_roles_in_outline_and_predefined_by_name() -> None:
    hits, by_name = gcp_role_hits("roles/editor", ["storage.objects.get"], outside=False)
    assert [h.witness for h in hits] == ["storage.objects.get"] and not by_name
    hits, _ = gcp_role_hits("roles/editor", ["*.setIamPolicy"], outside=False)
    assert hits == [], "Editor cannot change IAM policies"
    hits, by_name = gcp_role_hits("roles/storage.admin", ["storage.objects.get"], outside=False)
    assert hits == [] and by_name
    hits, _ = gcp_role_hits("roles/owner", ["roles/owner"], outside=False)
    assert [h.matched for h in hits] == ["roles/owner"]
    hits, by_name = gcp_role_hits("roles/compute.admin", ["roles/compute.*"], outside=True)
    assert hits == [] and by_name


def test_gcp_members_match_with_or_without_prefix() -> None:
    entry = va("automation@vendor-ops.iam.gserviceaccount.com", "roles/compute.admin")
    assert gcp_member_matches(entry, "serviceAccount:automation@vendor-ops.iam.gserviceaccount.com")
    assert not gcp_member_matches(entry, "serviceAccount:other@vendor-ops.iam.gserviceaccount.com")


@pytest.mark.parametrize(
    ("principal", "role", "cloud"),
    [
        ("arn:aws:iam::999999999999:role/a", "arn:aws:iam::111111111111:role/b", "aws"),
        (
            "/tenants/t/principals/o",
            "/providers/microsoft.authorization/roledefinitions/x",
            "azure",
        ),
        ("0a1b2c3d-0000-0000-0000-000000000001", "Contributor", "azure"),
        ("serviceAccount:a@p.iam.gserviceaccount.com", "roles/owner", "gcp"),
        ("principalSet://iam.googleapis.com/x", "roles/viewer", "gcp"),
    ],
)
def test_an_entry_is_read_on_the_cloud_it_names(principal: str, role: str, cloud: str) -> None:
    assert vendor_access_cloud(va(principal, role)) == cloud


ORG_ROLE = "organizations/500000000005/roles/kafkaOps"
PERMS = ["compute.instances.get", "compute.instances.reset", "storage.objects.get"]


def test_custom_role_permissions_against_deny_and_allow() -> None:
    denied = gcp_permission_hits(ORG_ROLE, PERMS, ["storage.objects.*"], outside=False)
    assert [h.granted_by for h in denied] == ["storage.objects.get"]
    outside = gcp_permission_hits(ORG_ROLE, PERMS, ["compute.instances.*"], outside=True)
    assert [h.witness for h in outside] == ["storage.objects.get"]


def test_twin_custom_role_named_by_the_allow_list_is_allowed_whole() -> None:
    assert gcp_permission_hits(ORG_ROLE, PERMS, ["organizations/*/roles/*"], outside=True) == []
    assert gcp_permission_hits(ORG_ROLE, PERMS[:2], ["roles/compute.*"], outside=False) == []
    hits = gcp_permission_hits(ORG_ROLE, PERMS, ["organizations/*/roles/kafka*"], outside=False)
    assert [h.matched for h in hits] == ["organizations/*/roles/kafka*"]
