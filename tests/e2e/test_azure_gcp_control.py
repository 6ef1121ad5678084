"""End to end: Azure and GCP identities and roles held against ``control.vendor_access``.

Each case edits the azure-kafka or gcp-kafka estate (or its declaration), serves it
from ``AzureFake`` / ``GcpFake``, collects it through the real Azure and Google
clients and runs the control rules. Every capability has a case that FAILs and a
clean twin that PASSes:

- a vendor identity living in the customer tenant or project (named by application
  id, object id, service account e-mail, project number or folder) is the vendor's;
- a role an outside identity holds must match a vendor_access entry (principal and
  role), on Azure (assignments, Lighthouse delegations, management group scope) and
  GCP (``roles/owner`` on the project for the vendor's service account);
- the Azure role definitions and GCP roles a vendor holds are judged against its
  allow and deny lists;
- a GCP binding on the project reaches the keys below it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from auditor.boundary import Declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.gcp_helpers import LOG_KEY, PROJECT, PROJECT_ID, TIERED, asset, estate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "fixtures" / "azure-kafka"
GCP = ROOT / "fixtures" / "gcp-kafka"
TODAY = dt.date(2026, 11, 29)
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
CUSTOMER_TENANT = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
MI_OBJECT = "dddddddd-0000-0000-0000-000000000001"
MI_CLIENT = "dddddddd-0000-0000-0000-0000000000c1"
MI_PRINCIPAL = f"/tenants/{CUSTOMER_TENANT}/principals/{MI_OBJECT}"
MI_ASSIGNMENT = (
    f"/subscriptions/{S1}/resourcegroups/rg-kafka-weu/providers/microsoft.keyvault/vaults/"
    "kv-orders-weu/providers/microsoft.authorization/roleassignments/"
    "11111111-0000-0000-0000-00000000ra01"
)
KV_KEY = (
    f"/subscriptions/{S1}/resourcegroups/rg-kafka-weu/providers/microsoft.keyvault/vaults/"
    "kv-orders-weu/keys/kafka-log-key"
)
CRYPTO_USER = "Key Vault Crypto Service Encryption User"
CONTRIBUTOR = (
    "/providers/microsoft.authorization/roledefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
)
VM_OPERATOR = "0c6f2e1a-7d34-4b8e-9a51-3f0e5a1c2b77"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
VENDOR_SA = "serviceAccount:automation@vendor-ops.iam.gserviceaccount.com"


# --- scanning ---------------------------------------------------------------------------------


def _yaml(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return doc


def _decl(base: Path, edit: Callable[[dict[str, Any]], object] | None = None) -> Declaration:
    doc = _yaml(base / "boundary.yaml")
    if edit is not None:
        edit(doc)
    return Declaration.model_validate(doc)


def azure_verdicts(
    decl: Declaration, edit: Callable[[dict[str, Any]], object] | None = None
) -> list[Verdict]:
    data = copy.deepcopy(load_estate(AZURE / "estate.yaml"))
    if edit is not None:
        edit(data)
    with AzureFake(data, page_size=25) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1, S2),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
    assert result.gaps == []
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def gcp_verdicts(
    decl: Declaration,
    edit: Callable[[list[dict[str, Any]]], object] | None = None,
    projects: Sequence[str] = (PROJECT,),
) -> list[Verdict]:
    assets = estate()
    if edit is not None:
        edit(assets)
    with GcpFake(assets, page_size=25) as fake:
        result = collect_gcp(
            GcpScanOptions(
                projects=tuple(projects),
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=25,
                max_workers=2,
            )
        )
    assert result.gaps == []
    inv = normalize(
        result.records,
        scope=Scope(
            accounts=tuple(projects), regions=("europe-west1", "europe-west4"), cloud="gcp"
        ),
        gaps=result.gaps,
        collected=result.units,
    )
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def verdict(verdicts: list[Verdict], rule: str, resource: str) -> Verdict:
    found = [v for v in verdicts if v.rule == rule and v.resource == resource]
    assert len(found) == 1, (
        f"{rule} on {resource}: {[(v.resource, v.status) for v in verdicts if v.rule == rule]}"
    )
    return found[0]


# --- Azure: vendor identities inside the customer tenant --------------------------------------


def _vendor_names(field: str, value: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["parties"]["vendor"]["azure"][field] = [value]

    return edit


def _declare_mi(principal: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["parties"]["vendor"]["azure"]["applications"] = [MI_CLIENT]
        doc["control"]["vendor_access"].append(
            {"principal": principal, "role": CRYPTO_USER, "require_external_id": False}
        )

    return edit


@pytest.mark.parametrize(
    ("field", "value"), [("applications", MI_CLIENT), ("principals", MI_OBJECT)]
)
def test_a_vendor_identity_in_the_customer_tenant_is_the_vendors(field: str, value: str) -> None:
    vs = azure_verdicts(_decl(AZURE, _vendor_names(field, value)))
    ext = verdict(vs, "control.external-assume-declared", MI_ASSIGNMENT)
    assert ext.status is Status.FAIL
    assert CRYPTO_USER in ext.message and "(vendor)" in ext.message
    assert verdict(vs, "control.outside-reach-declared", MI_PRINCIPAL).status is Status.FAIL
    key = verdict(vs, "control.vendor-key-control", KV_KEY)
    assert key.status is Status.FAIL and MI_PRINCIPAL in key.message


def test_twin_the_same_identity_unnamed_is_the_customers() -> None:
    vs = azure_verdicts(_decl(AZURE))
    assert not [v for v in vs if v.resource in (MI_ASSIGNMENT, MI_PRINCIPAL)]
    key = verdict(vs, "control.vendor-key-control", KV_KEY)
    assert MI_PRINCIPAL not in key.message


@pytest.mark.parametrize("principal", [MI_CLIENT, f"{CUSTOMER_TENANT}/{MI_OBJECT}", MI_PRINCIPAL])
def test_twin_a_declared_vendor_identity_and_role_pass(principal: str) -> None:
    vs = azure_verdicts(_decl(AZURE, _declare_mi(principal)))
    assert verdict(vs, "control.external-assume-declared", MI_ASSIGNMENT).status is Status.PASS
    assert verdict(vs, "control.outside-reach-declared", MI_PRINCIPAL).status is Status.PASS


def test_a_declared_vendor_identity_holding_another_role_fails() -> None:
    def edit(doc: dict[str, Any]) -> None:
        _declare_mi(MI_CLIENT)(doc)
        doc["control"]["vendor_access"][-1]["role"] = "Reader"

    vs = azure_verdicts(_decl(AZURE, edit))
    ext = verdict(vs, "control.external-assume-declared", MI_ASSIGNMENT)
    assert ext.status is Status.FAIL and "no control.vendor_access entry declares" in ext.message


# --- Azure: role definitions against allow / deny ---------------------------------------------


def _narrow_lighthouse(data: dict[str, Any]) -> None:
    """The vendor's Lighthouse delegation holds a custom VM operator role instead of Contributor."""
    data["authorizationresources"].append(
        {
            "id": f"/providers/Microsoft.Authorization/roleDefinitions/{VM_OPERATOR}",
            "type": "Microsoft.Authorization/roleDefinitions",
            "location": "",
            "subscriptionId": "",
            "resourceGroup": "",
            "tenantId": "",
            "name": VM_OPERATOR,
            "properties": {
                "roleName": "Kafka VM Operator",
                "type": "CustomRole",
                "assignableScopes": [f"/subscriptions/{S1}"],
                "permissions": [
                    {
                        "actions": ["Microsoft.Compute/virtualMachines/*", "*/read"],
                        "notActions": [],
                        "dataActions": [],
                        "notDataActions": [],
                    }
                ],
            },
        }
    )
    for row in data["resources"]:
        if row["id"].endswith("00000000aa01"):
            auth = row["properties"]["registrationDefinition"]["properties"]["authorizations"]
            auth[0]["roleDefinitionId"] = VM_OPERATOR


def _vendor_role(role: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["control"]["vendor_access"][0]["role"] = role

    return edit


def test_contributor_breaks_the_vendor_allow_and_deny_lists() -> None:
    vs = azure_verdicts(_decl(AZURE))
    denied = verdict(vs, "control.vendor-denied-actions", CONTRIBUTOR)
    assert denied.status is Status.FAIL
    assert "Microsoft.Storage/storageAccounts/listKeys/action" in denied.message
    assert "decrypt" not in denied.message, "actions: * grants no data action"
    assert verdict(vs, "control.vendor-allowed-actions", CONTRIBUTOR).status is Status.FAIL


@pytest.mark.parametrize("role", [VM_OPERATOR, "Kafka VM Operator"])
def test_twin_a_narrow_vendor_role_holds_only_allowed_actions(role: str) -> None:
    vs = azure_verdicts(_decl(AZURE, _vendor_role(role)), _narrow_lighthouse)
    rid = f"/providers/microsoft.authorization/roledefinitions/{VM_OPERATOR}"
    assert verdict(vs, "control.vendor-denied-actions", rid).status is Status.PASS
    assert verdict(vs, "control.vendor-allowed-actions", rid).status is Status.PASS
    assert verdict(vs, "control.declared-roles-exist", rid).status is Status.PASS
    aa01 = [v for v in vs if v.rule == "control.external-assume-declared" and "aa01" in v.resource]
    assert [v.status for v in aa01] == [Status.PASS]


def test_a_vendor_holding_a_role_it_is_not_declared_with_fails() -> None:
    vs = azure_verdicts(_decl(AZURE), _narrow_lighthouse)
    aa01 = [v for v in vs if v.rule == "control.external-assume-declared" and "aa01" in v.resource]
    assert [v.status for v in aa01] == [Status.FAIL]
    assert verdict(vs, "control.declared-roles-exist", CONTRIBUTOR).status is Status.FAIL


# --- Azure: management group scope ------------------------------------------------------------

FOREIGN = "eeeeeeee-0000-0000-0000-0000000000e1"


def _mg_assignment(group: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        scope = f"/providers/Microsoft.Management/managementGroups/{group}"
        data["authorizationresources"].append(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/mg-ra-01",
                "type": "Microsoft.Authorization/roleAssignments",
                "location": "",
                "subscriptionId": "",
                "resourceGroup": "",
                "tenantId": CUSTOMER_TENANT,
                "properties": {
                    "principalId": FOREIGN,
                    "principalType": "ForeignGroup",
                    "roleDefinitionId": (
                        f"/providers/Microsoft.Authorization/roleDefinitions/{BLOB_READER}"
                    ),
                    "scope": scope,
                },
            }
        )

    return edit


def _outsider(vs: list[Verdict], rule: str) -> Verdict:
    found = [v for v in vs if v.rule == rule and v.resource.endswith(f"/principals/{FOREIGN}")]
    assert len(found) == 1, [(v.rule, v.resource) for v in vs if FOREIGN in v.resource]
    return found[0]


def test_a_tenant_root_group_assignment_reaches_every_subscription() -> None:
    vs = azure_verdicts(_decl(AZURE), _mg_assignment(CUSTOMER_TENANT))
    reach = _outsider(vs, "control.outside-reach-declared")
    assert reach.status is Status.FAIL
    assert "stordersneu" in reach.message or S2 in str(reach.evidence.attributes)
    ext = [
        v for v in vs if v.rule == "control.external-assume-declared" and "mg-ra-01" in v.resource
    ]
    assert [v.status for v in ext] == [Status.FAIL]


def _under_groups(sub: str, groups: list[str] | None) -> Callable[[dict[str, Any]], None]:
    """Place a subscription below management groups (None: its ancestry is not listed)."""

    def edit(data: dict[str, Any]) -> None:
        for s in data["subscriptions"]:
            if s["id"] == sub:
                s["management_groups"] = groups

    return edit


def _both(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        for e in edits:
            e(data)

    return edit


def test_a_management_group_reaches_the_subscriptions_below_it() -> None:
    """resourcecontainers lists each subscription's ancestors: S2 sits below mg-platform."""
    vs = azure_verdicts(
        _decl(AZURE), _both(_under_groups(S2, ["mg-platform"]), _mg_assignment("mg-platform"))
    )
    reach = _outsider(vs, "control.outside-reach-declared")
    assert reach.status is Status.FAIL
    assert "stordersneu" in reach.message or S2 in str(reach.evidence.attributes)


def test_twin_a_management_group_no_subscription_sits_below_reaches_nothing() -> None:
    """Every subscription's chain is listed (only the tenant root above it): no reach."""
    vs = azure_verdicts(_decl(AZURE), _mg_assignment("mg-platform"))
    # The assignment was read (its role is undeclared) ...
    (ext,) = [
        v for v in vs if v.rule == "control.external-assume-declared" and "mg-ra-01" in v.resource
    ]
    assert ext.status is Status.FAIL
    # ... but it reaches no boundary resource, so no reach verdict names the outsider.
    assert not [
        v
        for v in vs
        if v.rule == "control.outside-reach-declared"
        and (FOREIGN in v.resource or FOREIGN in v.message)
    ]


def test_an_unlisted_ancestry_leaves_a_management_group_reach_open() -> None:
    unlisted = _both(*(_under_groups(s, None) for s in (S1, S2)))
    vs = azure_verdicts(_decl(AZURE), _both(unlisted, _mg_assignment("mg-platform")))
    assert _outsider(vs, "control.outside-reach-declared").status is Status.INCONCLUSIVE


def test_twin_a_declared_management_group_assignment_passes() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["control"]["vendor_access"].append(
            {"principal": FOREIGN, "role": "Storage Blob Data Reader", "require_external_id": False}
        )

    vs = azure_verdicts(_decl(AZURE, edit), _mg_assignment(CUSTOMER_TENANT))
    assert _outsider(vs, "control.outside-reach-declared").status is Status.PASS
    ext = [
        v for v in vs if v.rule == "control.external-assume-declared" and "mg-ra-01" in v.resource
    ]
    assert [v.status for v in ext] == [Status.PASS]


# --- GCP: roles held against vendor_access ----------------------------------------------------


def _no_contractor(assets: list[dict[str, Any]]) -> None:
    bindings = asset(assets, PROJECT_ID)["iamPolicy"]["bindings"]
    bindings[:] = [b for b in bindings if "user:contractor@gmail.com" not in b["members"]]


def _vendor_owner(assets: list[dict[str, Any]]) -> None:
    _no_contractor(assets)
    asset(assets, PROJECT_ID)["iamPolicy"]["bindings"].append(
        {"role": "roles/owner", "members": [VENDOR_SA]}
    )


def test_vendor_service_account_owning_the_project_fails() -> None:
    vs = gcp_verdicts(_decl(GCP), _vendor_owner)
    ext = verdict(vs, "control.external-assume-declared", PROJECT_ID)
    assert ext.status is Status.FAIL and "roles/owner" in ext.message
    assert "roles/compute.admin" not in ext.message.split("undeclared")[-1]
    denied = verdict(vs, "control.vendor-denied-actions", PROJECT_ID)
    assert denied.status is Status.FAIL and "roles/owner" in denied.message
    assert verdict(vs, "control.vendor-allowed-actions", PROJECT_ID).status is Status.FAIL
    key = verdict(vs, "control.vendor-key-control", LOG_KEY)
    assert key.status is Status.FAIL and "roles/owner" in key.message


def test_twin_the_declared_vendor_role_passes() -> None:
    vs = gcp_verdicts(_decl(GCP), _no_contractor)
    assert verdict(vs, "control.external-assume-declared", PROJECT_ID).status is Status.PASS
    for rule in ("control.vendor-denied-actions", "control.vendor-allowed-actions"):
        v = verdict(vs, rule, PROJECT_ID)
        assert v.status is Status.PASS and "judged by role name" in v.message
    assert verdict(vs, "control.vendor-key-control", LOG_KEY).status is Status.PASS
    assert verdict(vs, "control.declared-roles-exist", PROJECT_ID).status is Status.PASS


def test_editor_is_judged_by_its_permissions_outline() -> None:
    def edit(assets: list[dict[str, Any]]) -> None:
        _no_contractor(assets)
        asset(assets, PROJECT_ID)["iamPolicy"]["bindings"].append(
            {"role": "roles/editor", "members": [VENDOR_SA]}
        )

    def deny_reads(doc: dict[str, Any]) -> None:
        doc["control"]["vendor_access"][0]["deny"] = ["storage.objects.get"]

    vs = gcp_verdicts(_decl(GCP, deny_reads), edit)
    denied = verdict(vs, "control.vendor-denied-actions", PROJECT_ID)
    assert denied.status is Status.FAIL and "storage.objects.get" in denied.message


# --- GCP: vendor identities inside the customer project ---------------------------------------

KAFKA_OPS = "kafka-ops@orders-prod.iam.gserviceaccount.com"


def _kafka_ops_on_key(assets: list[dict[str, Any]]) -> None:
    policy = asset(assets, LOG_KEY).setdefault("iamPolicy", {"bindings": []})
    policy["bindings"].append(
        {
            "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "members": [f"serviceAccount:{KAFKA_OPS}"],
        }
    )


def test_a_vendor_service_account_in_the_customer_project_is_the_vendors() -> None:
    def named(doc: dict[str, Any]) -> None:
        doc["parties"]["vendor"]["gcp"]["service_accounts"] = [
            "kafka-ops@*.iam.gserviceaccount.com"
        ]

    vs = gcp_verdicts(_decl(GCP, named), _kafka_ops_on_key)
    key = verdict(vs, "control.vendor-key-control", LOG_KEY)
    assert key.status is Status.FAIL and KAFKA_OPS in key.message
    ext = verdict(vs, "control.external-assume-declared", LOG_KEY)
    assert ext.status is Status.FAIL and "(vendor," in ext.message


def test_twin_the_same_service_account_unnamed_is_the_customers() -> None:
    vs = gcp_verdicts(_decl(GCP), _kafka_ops_on_key)
    assert verdict(vs, "control.vendor-key-control", LOG_KEY).status is Status.PASS
    assert verdict(vs, "control.external-assume-declared", LOG_KEY).status is Status.PASS


PARTNER = {
    "name": "//cloudresourcemanager.googleapis.com/projects/300000000003",
    "assetType": "cloudresourcemanager.googleapis.com/Project",
    "ancestors": ["projects/300000000003", "folders/800000000008", "organizations/600000000006"],
    "resource": {
        "version": "v1",
        "parent": "//cloudresourcemanager.googleapis.com/folders/800000000008",
        "location": "global",
        "data": {
            "projectId": "vendor-tools",
            "projectNumber": "300000000003",
            "lifecycleState": "ACTIVE",
            "parent": {"type": "folder", "id": "800000000008"},
        },
    },
}
ROBOT = "serviceAccount:robot@vendor-tools.iam.gserviceaccount.com"


def _robot_reads_tiered(assets: list[dict[str, Any]]) -> None:
    assets.append(copy.deepcopy(PARTNER))
    policy = asset(assets, TIERED).setdefault("iamPolicy", {"bindings": []})
    policy["bindings"].append({"role": "roles/storage.objectViewer", "members": [ROBOT]})


@pytest.mark.parametrize(
    ("field", "value"), [("folders", "800000000008"), ("project_numbers", "300000000003")]
)
def test_a_project_under_a_vendor_folder_or_number_is_the_vendors(field: str, value: str) -> None:
    def named(doc: dict[str, Any]) -> None:
        doc["parties"]["vendor"]["gcp"][field] = [value]

    vs = gcp_verdicts(_decl(GCP, named), _robot_reads_tiered, (PROJECT, "vendor-tools"))
    ext = verdict(vs, "control.external-assume-declared", TIERED)
    assert (
        ext.status is Status.FAIL and f"{ROBOT} (vendor, roles/storage.objectViewer)" in ext.message
    )


def test_twin_a_declared_vendor_project_member_passes() -> None:
    def named(doc: dict[str, Any]) -> None:
        doc["parties"]["vendor"]["gcp"]["folders"] = ["800000000008"]
        doc["control"]["vendor_access"].append(
            {
                "principal": ROBOT.removeprefix("serviceAccount:"),
                "role": "roles/storage.objectViewer",
                "require_external_id": False,
            }
        )

    vs = gcp_verdicts(_decl(GCP, named), _robot_reads_tiered, (PROJECT, "vendor-tools"))
    ext = verdict(vs, "control.external-assume-declared", TIERED)
    assert ext.status is Status.PASS and "(vendor)" in ext.message


# --- GCP: who reaches the platform ------------------------------------------------------------


def test_an_undeclared_member_bound_on_the_project_reaches_the_platform() -> None:
    vs = gcp_verdicts(_decl(GCP))
    reach = verdict(vs, "control.outside-reach-declared", "user:contractor@gmail.com")
    assert reach.status is Status.FAIL and "roles/viewer" in reach.message
    assert verdict(vs, "control.outside-reach-declared", VENDOR_SA).status is Status.PASS


def test_twin_no_outside_member_bound_passes_the_project() -> None:
    def edit(assets: list[dict[str, Any]]) -> None:
        _no_contractor(assets)
        bindings = asset(assets, PROJECT_ID)["iamPolicy"]["bindings"]
        bindings[:] = [b for b in bindings if VENDOR_SA not in b["members"]]

    vs = gcp_verdicts(_decl(GCP), edit)
    scope = verdict(vs, "control.outside-reach-declared", f"scope:gcp/{PROJECT}/*")
    assert scope.status is Status.PASS
    assert [v.resource for v in vs if v.rule == "control.outside-reach-declared"] == [
        f"scope:gcp/{PROJECT}/*"
    ]


FEDERATED = (
    "principalSet://iam.googleapis.com/projects/100000000001/locations/global/"
    "workloadIdentityPools/vendor-ci/attribute.repository/vendor/deploy"
)


def _federated_writer(assets: list[dict[str, Any]]) -> None:
    policy = asset(assets, TIERED).setdefault("iamPolicy", {"bindings": []})
    policy["bindings"].append({"role": "roles/storage.objectAdmin", "members": [FEDERATED]})


def test_a_federated_principal_set_is_outside_even_in_a_customer_pool() -> None:
    vs = gcp_verdicts(_decl(GCP), _federated_writer)
    ext = verdict(vs, "control.external-assume-declared", TIERED)
    assert ext.status is Status.FAIL and f"{FEDERATED} (unknown" in ext.message
    assert verdict(vs, "control.outside-reach-declared", FEDERATED).status is Status.FAIL


def test_twin_a_named_and_declared_principal_set_passes() -> None:
    def named(doc: dict[str, Any]) -> None:
        doc["parties"]["vendor"]["gcp"]["service_accounts"] = [
            "principalset://iam.googleapis.com/*/workloadidentitypools/vendor-ci/*"
        ]
        doc["control"]["vendor_access"].append(
            {
                "principal": FEDERATED,
                "role": "roles/storage.objectAdmin",
                "require_external_id": False,
            }
        )

    vs = gcp_verdicts(_decl(GCP, named), _federated_writer)
    ext = verdict(vs, "control.external-assume-declared", TIERED)
    assert ext.status is Status.PASS and f"{FEDERATED} (vendor)" in ext.message
    assert verdict(vs, "control.outside-reach-declared", FEDERATED).status is Status.PASS


# --- GCP: custom roles are judged by their permissions ------------------------------------------

ROLE_NAME = "projects/orders-prod/roles/kafkaOps"
ROLE_ID = f"//iam.googleapis.com/{ROLE_NAME}"


def _custom_role(permissions: list[str]) -> Callable[[list[dict[str, Any]]], None]:
    """The vendor's automation account bound on the project to a custom role instead."""

    def edit(assets: list[dict[str, Any]]) -> None:
        project = asset(assets, PROJECT_ID)
        assets.append(
            {
                "name": ROLE_ID,
                "assetType": "iam.googleapis.com/Role",
                "ancestors": list(project["ancestors"]),
                "resource": {
                    "version": "v1",
                    "parent": PROJECT_ID,
                    "location": "global",
                    "data": {
                        "name": ROLE_NAME,
                        "title": "Kafka ops",
                        "stage": "GA",
                        "includedPermissions": permissions,
                    },
                },
            }
        )
        for b in project["iamPolicy"]["bindings"]:
            if VENDOR_SA in b["members"]:
                b["role"] = ROLE_NAME

    return edit


def _declare_custom(doc: dict[str, Any]) -> None:
    doc["control"]["vendor_access"][0]["role"] = ROLE_NAME


def test_a_custom_roles_permissions_are_judged_on_the_role() -> None:
    perms = ["compute.instances.get", "storage.objects.get", "iam.roles.update"]
    vs = gcp_verdicts(_decl(GCP, _declare_custom), _custom_role(perms))
    allowed = verdict(vs, "control.vendor-allowed-actions", ROLE_ID)
    assert allowed.status is Status.FAIL and "iam.roles.update" in allowed.message
    assert "judged by role name" not in allowed.message
    denied = verdict(vs, "control.vendor-denied-actions", ROLE_ID)
    assert denied.status is Status.FAIL and "storage.objects.get" in denied.message
    assert "compute.instances.get" not in denied.message


def test_twin_a_custom_role_within_the_allow_list_passes() -> None:
    perms = ["compute.instances.get", "compute.instances.reset"]
    vs = gcp_verdicts(_decl(GCP, _declare_custom), _custom_role(perms))
    for rule in ("control.vendor-allowed-actions", "control.vendor-denied-actions"):
        v = verdict(vs, rule, ROLE_ID)
        assert v.status is Status.PASS and "2 permissions compared" in v.message
        assert f"on {PROJECT_ID}" in v.message
