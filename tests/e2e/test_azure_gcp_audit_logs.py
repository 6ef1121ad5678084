"""End to end: where Azure and GCP audit logs and flow logs go, through the fakes and real SDKs.

Each estate is a fixture estate (``fixtures/azure-kafka``, ``fixtures/gcp-kafka``) plus
log resources, in a clean variant and a broken twin: the audit rules
(``control.audit-*``) and ``network.flow-logs`` PASS on the clean one and FAIL on the
broken one, for the reasons their Azure and GCP meanings name.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from auditor.boundary import Declaration, load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.azure_server import AzureFake, AzureFault
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)
RG1 = f"/subscriptions/{S1}/resourceGroups/rg-kafka-weu/providers"
RG2 = f"/subscriptions/{S2}/resourceGroups/rg-kafka-neu/providers"
WORKSPACE = f"{RG2}/Microsoft.OperationalInsights/workspaces/law-audit"
ARCHIVE = f"{RG2}/Microsoft.Storage/storageAccounts/staudituneu"
VENDOR_STORE = (
    "/subscriptions/44444444-4444-4444-4444-444444444444/resourceGroups/rg/providers/"
    "Microsoft.Storage/storageAccounts/stvendorlogs"
)
WEU = f"{RG1}/Microsoft.Network/virtualNetworks/vnet-kafka-weu"
NEU = f"{RG2}/Microsoft.Network/virtualNetworks/vnet-kafka-neu"


def _yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _setting(scope: str, name: str, logs: list[str], **dest: str) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Insights/diagnosticSettings/{name}",
        "name": name,
        "properties": {
            **dest,
            "logs": [{"category": c, "enabled": True} for c in logs],
            "metrics": [],
        },
    }


def _flow_log(name: str, target: str, storage: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{target.split('/')[2]}/resourceGroups/NetworkWatcherRG/providers/"
        f"Microsoft.Network/networkWatchers/NetworkWatcher_x/flowLogs/{name}",
        "type": "Microsoft.Network/networkWatchers/flowLogs",
        "location": "westeurope",
        "properties": {
            "targetResourceId": target,
            "storageId": storage,
            "enabled": enabled,
            "retentionPolicy": {"days": 90, "enabled": True},
            "format": {"type": "JSON", "version": 2},
        },
    }


def azure_estate(broken: bool) -> dict[str, Any]:
    """azure-kafka plus Activity Log exports, a workspace, an archive and flow logs."""
    estate = copy.deepcopy(_yaml(FIXTURES / "azure-kafka" / "estate.yaml"))
    estate["resources"] = [  # the fixture's own flow logs give way to this test's
        r for r in estate["resources"] if "/flowlogs/" not in str(r["id"]).lower()
    ]
    estate["resources"] += [
        {
            "id": WORKSPACE,
            "type": "Microsoft.OperationalInsights/workspaces",
            "location": "northeurope",
            "properties": {
                "customerId": "0f0f0f0f-0000-0000-0000-000000000001",
                "retentionInDays": 365,
                "publicNetworkAccessForIngestion": "Disabled",
                "publicNetworkAccessForQuery": "Disabled",
                "sku": {"name": "PerGB2018"},
            },
        },
        {
            "id": ARCHIVE,
            "type": "Microsoft.Storage/storageAccounts",
            "location": "northeurope",
            "kind": "StorageV2",
            "sku": {"name": "Standard_ZRS"},
            "properties": {
                "immutableStorageWithVersioning": {
                    "enabled": True,
                    "immutabilityPolicy": {
                        "immutabilityPeriodSinceCreationInDays": 365,
                        "state": "Unlocked" if broken else "Locked",
                    },
                }
            },
        },
        _flow_log(
            "fl-weu",
            WEU,
            VENDOR_STORE if broken else f"{RG1}/Microsoft.Storage/storageAccounts/stordersweu",
        ),
        _flow_log(
            "fl-neu",
            NEU,
            f"{RG2}/Microsoft.Storage/storageAccounts/stordersneu",
            enabled=not broken,
        ),
    ]
    sweu = f"{RG1}/Microsoft.Storage/storageAccounts/stordersweu/blobServices/default"
    sneu = f"{RG2}/Microsoft.Storage/storageAccounts/stordersneu/blobServices/default"
    estate["diagnostic_settings"] = [
        _setting(
            f"/subscriptions/{S1}",
            "activity-export",
            ["Security"] if broken else ["Administrative", "Security", "Policy"],
            workspaceId=WORKSPACE,
        ),
        _setting(
            f"/subscriptions/{S2}", "activity-archive", ["Administrative"], storageAccountId=ARCHIVE
        ),
        _setting(
            sweu,
            "blob-audit",
            ["StorageWrite"] if broken else ["StorageRead", "StorageWrite"],
            workspaceId=WORKSPACE,
        ),
        _setting(sneu, "blob-audit", ["StorageRead", "StorageWrite"], workspaceId=WORKSPACE),
    ]
    if not broken:  # the vault holding the data key logs who used it
        estate["diagnostic_settings"].append(
            _setting(
                f"{RG1}/Microsoft.KeyVault/vaults/kv-orders-weu",
                "kv-audit",
                ["AuditEvent"],
                workspaceId=WORKSPACE,
            )
        )
    if broken:
        estate["diagnostic_settings"].append(
            _setting(
                f"/subscriptions/{S2}",
                "activity-to-vendor",
                ["allLogs"],
                storageAccountId=VENDOR_STORE,
            )
        )
    return estate


def _decl(path: Path, **audit: Any) -> Declaration:
    decl = load_declaration(path)
    control = decl.control.model_copy(update={"audit": decl.control.audit.model_copy(update=audit)})
    return decl.model_copy(update={"control": control})


def _azure_scan(
    estate: dict[str, Any], fault: AzureFault | None = None, *, without: str = ""
) -> list[Verdict]:
    """Scan through the fake; ``without`` names a unit left out of the inventory, records
    and all (a bundle from a scan that did not run it)."""
    with AzureFake(estate, page_size=50) as fake:
        if fault is not None:
            fake.add_fault(fault)
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1, S2),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
    assert not without or any(u.service == without for u in result.units)
    inv = normalize(
        [r for r in result.records if r.service != without],
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=[u for u in result.units if u.service != without],
    )
    decl = _decl(FIXTURES / "azure-kafka" / "boundary.yaml", data_events=True)
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def _find(verdicts: list[Verdict], rule: str, contains: str, aspect: str = "") -> Verdict:
    got = [
        v
        for v in verdicts
        if v.rule == rule
        and contains.lower() in v.resource.lower()
        and (not aspect or v.aspect == aspect)
    ]
    assert len(got) == 1, (
        f"{rule} {contains}: {[(v.resource, v.status) for v in verdicts if v.rule == rule]}"
    )
    return got[0]


@pytest.fixture(scope="module")
def azure_clean() -> list[Verdict]:
    return _azure_scan(azure_estate(broken=False))


@pytest.fixture(scope="module")
def azure_broken() -> list[Verdict]:
    return _azure_scan(azure_estate(broken=True))


def test_azure_activity_log_exported_from_every_subscription(
    azure_clean: list[Verdict], azure_broken: list[Verdict]
) -> None:
    rule = "control.audit-trail-multi-region"
    for sub in (S1, S2):
        assert _find(azure_clean, rule, f"scope:azure/{sub}").status is Status.PASS
    bad = _find(azure_broken, rule, f"scope:azure/{S1}")
    assert bad.status is Status.FAIL and "not exported" in bad.message
    assert _find(azure_broken, rule, f"scope:azure/{S2}").status is Status.PASS


def test_azure_activity_log_store_is_the_customers(
    azure_clean: list[Verdict], azure_broken: list[Verdict]
) -> None:
    rule = "control.audit-log-store"
    assert _find(azure_clean, rule, "diagnosticsettings/activity-archive").status is Status.PASS
    bad = _find(azure_broken, rule, "diagnosticsettings/activity-to-vendor")
    assert bad.status is Status.FAIL and "44444444" in bad.message
    assert "outside the customer" in bad.message


def test_azure_activity_log_tamper(azure_clean: list[Verdict], azure_broken: list[Verdict]) -> None:
    rule = "control.audit-trail-tamper"
    good = _find(azure_clean, rule, "diagnosticsettings/activity-archive")
    assert good.status is Status.PASS, good.message
    assert "locked immutability" in good.message
    # the vendor's Lighthouse Contributor on subscription 1 may delete its export
    lighthouse = _find(azure_clean, rule, f"/subscriptions/{S1}/providers/microsoft.insights")
    assert lighthouse.status is Status.FAIL and "delete or redirect" in lighthouse.message
    # unlocked immutability: no outsider can write in subscription 2, so still no tampering
    assert _find(azure_broken, rule, "diagnosticsettings/activity-archive").status is Status.PASS
    unknown = _find(azure_broken, rule, "diagnosticsettings/activity-to-vendor")
    assert unknown.status is Status.INCONCLUSIVE, unknown.message


def test_azure_data_store_resource_logs(
    azure_clean: list[Verdict], azure_broken: list[Verdict]
) -> None:
    rule = "control.audit-data-events"
    assert _find(azure_clean, rule, "storageaccounts/stordersweu").status is Status.PASS
    bad = _find(azure_broken, rule, "storageaccounts/stordersweu")
    assert bad.status is Status.FAIL and "storageread" in bad.message.lower()
    assert _find(azure_clean, rule, "vaults/kv-orders-weu").status is Status.PASS
    vault = _find(azure_broken, rule, "vaults/kv-orders-weu")
    assert vault.status is Status.FAIL and "auditevent" in vault.message.lower()


def test_azure_flow_logs(azure_clean: list[Verdict], azure_broken: list[Verdict]) -> None:
    rule = "network.flow-logs"
    for vnet in ("vnet-kafka-weu", "vnet-kafka-neu"):
        v = _find(azure_clean, rule, f"virtualnetworks/{vnet}")
        assert v.status is Status.PASS, v.message
    weu = _find(azure_broken, rule, "virtualnetworks/vnet-kafka-weu")
    assert weu.status is Status.FAIL and "outside the customer" in weu.message
    neu = _find(azure_broken, rule, "virtualnetworks/vnet-kafka-neu")
    assert neu.status is Status.FAIL and "no enabled flow log" in neu.message


def test_azure_flow_log_without_its_enabled_state_is_inconclusive_naming_it() -> None:
    """A flow log whose record holds no ``enabled`` may be the one that covers the VNet:
    not a FAIL, an INCONCLUSIVE naming it."""
    estate = azure_estate(broken=False)
    for r in estate["resources"]:
        if str(r["id"]).endswith("/flowLogs/fl-neu"):
            del r["properties"]["enabled"]
    neu = _find(_azure_scan(estate), "network.flow-logs", "virtualnetworks/vnet-kafka-neu")
    assert neu.status is Status.INCONCLUSIVE, neu.message
    assert "fl-neu" in neu.unmodelled and "enabled" in neu.unmodelled


def test_unreadable_diagnostic_settings_are_a_gap_not_a_fail() -> None:
    fault = AzureFault(
        path=f"/subscriptions/{S1}/providers/microsoft.insights",
        status=403,
        code="AuthorizationFailed",
        method="GET",
    )
    verdicts = _azure_scan(azure_estate(broken=True), fault)
    got = [
        v
        for v in verdicts
        if v.rule == "control.audit-trail-multi-region"
        and v.resource.startswith(f"scope:azure/{S1}")
    ]
    assert got and all(v.status is Status.INCONCLUSIVE for v in got), got


def test_no_activity_log_export_fails_the_log_store_and_leaves_nothing_to_protect(
    azure_clean: list[Verdict], azure_broken: list[Verdict]
) -> None:
    """Subscription 1's settings were read and none exports Administrative (the broken
    twin's only setting logs Security): no store holds its Activity Log, a FAIL caused by
    the subscription; and there is no export to tamper with."""
    sid = f"scope:azure/{S1}/*"
    store = _find(azure_broken, "control.audit-log-store", sid)
    assert store.status is Status.FAIL, store.message
    assert "exports no Activity Log" in store.message and "Log Analytics" in store.message
    assert store.causes == (sid,) and not store.evidence.gaps
    trail = _find(azure_broken, "control.audit-trail-multi-region", sid)
    assert trail.status is Status.FAIL and trail.finding == store.finding  # one root cause
    tamper = _find(azure_broken, "control.audit-trail-tamper", sid)
    assert tamper.status is Status.NOT_APPLICABLE, tamper.message
    assert "no export to protect" in tamper.message
    # the clean twin exports it: judged on the export itself, no subscription-wide verdict
    ok = _find(azure_clean, "control.audit-log-store", "diagnosticsettings/activity-export")
    assert ok.status is Status.PASS, ok.message
    for rule in ("control.audit-log-store", "control.audit-trail-tamper"):
        assert not [v for v in azure_clean if v.rule == rule and v.resource == sid]


def test_unread_subscription_settings_keep_log_store_and_tamper_inconclusive() -> None:
    """The same absence behind a failed read is no FAIL: INCONCLUSIVE, the gap behind it."""
    fault = AzureFault(
        path=f"/subscriptions/{S1}/providers/microsoft.insights",
        status=403,
        code="AuthorizationFailed",
        method="GET",
    )
    verdicts = _azure_scan(azure_estate(broken=True), fault)
    for rule in ("control.audit-log-store", "control.audit-trail-tamper"):
        (v,) = [  # the engine adds its own verdict on the gap's scope; this is the rule's
            v
            for v in verdicts
            if v.rule == rule and v.resource == f"scope:azure/{S1}/*" and "not read" in v.message
        ]
        assert v.status is Status.INCONCLUSIVE, v.message
        assert "were not read" in v.message
        assert any("azure-diagnostics" in g for g in v.evidence.gaps), v.evidence.gaps
        assert not v.unmodelled


def test_settings_never_collected_are_inconclusive_naming_the_unit() -> None:
    """An inventory without the azure-diagnostics unit (no gap either): INCONCLUSIVE,
    naming what was not collected."""
    verdicts = _azure_scan(azure_estate(broken=True), without="azure-diagnostics")
    for rule in ("control.audit-log-store", "control.audit-trail-tamper"):
        for sub in (S1, S2):
            v = _find(verdicts, rule, f"scope:azure/{sub}/*")
            assert v.status is Status.INCONCLUSIVE, v.message
            assert not v.evidence.gaps and "azure-diagnostics" in v.unmodelled


def test_the_guard_lets_the_diagnostic_settings_read_through() -> None:
    from auditor.collect.azure._guard import is_read_request

    url = f"https://management.azure.com/subscriptions/{S1}/providers/Microsoft.Insights/diagnosticSettings"
    assert is_read_request("GET", url)
    assert not is_read_request("PUT", url + "/x")


# --- GCP ---------------------------------------------------------------------------------
P = "//cloudresourcemanager.googleapis.com/projects/100000000001"
ANC = ["projects/100000000001", "folders/700000000007", "organizations/500000000005"]
WRITER = "serviceAccount:service-100000000001@gcp-sa-logging.iam.gserviceaccount.com"
DEFAULT_FILTER = (
    'NOT LOG_ID("cloudaudit.googleapis.com/activity") AND NOT '
    'LOG_ID("externalaudit.googleapis.com/activity") AND NOT '
    'LOG_ID("cloudaudit.googleapis.com/system_event")'
)


def _asset(name: str, atype: str, data: dict[str, Any], location: str = "global") -> dict[str, Any]:
    return {
        "name": name,
        "assetType": atype,
        "ancestors": ANC,
        "resource": {"version": "v2", "parent": P, "location": location, "data": data},
    }


def _sink(name: str, destination: str, filt: str) -> dict[str, Any]:
    return _asset(
        f"//logging.googleapis.com/projects/orders-prod/sinks/{name}",
        "logging.googleapis.com/LogSink",
        {
            "name": name,
            "destination": destination,
            "filter": filt,
            "writerIdentity": WRITER,
        },
    )


def _bucket(name: str, location: str, days: int, locked: bool) -> dict[str, Any]:
    rel = f"projects/orders-prod/locations/{location}/buckets/{name}"
    return _asset(
        f"//logging.googleapis.com/{rel}",
        "logging.googleapis.com/LogBucket",
        {"name": rel, "retentionDays": days, "locked": locked, "lifecycleState": "ACTIVE"},
        location,
    )


def gcp_estate(broken: bool) -> list[dict[str, Any]]:
    assets = [  # the fixture's own sinks and log buckets give way to this test's
        a
        for a in copy.deepcopy(_yaml(FIXTURES / "gcp-kafka" / "estate.yaml")["assets"])
        if not str(a["assetType"]).startswith("logging.googleapis.com/")
    ]
    for a in assets:
        if a["assetType"] == "compute.googleapis.com/Subnetwork":
            cfg: dict[str, Any] = {
                "enable": True,
                "aggregationInterval": "INTERVAL_5_SEC",
                "flowSampling": 1.0,
                "metadata": "INCLUDE_ALL_METADATA",
            }
            if broken and a["name"].endswith("kafka-ew4"):
                cfg.update(
                    flowSampling=0.5, filterExpr="inIpRange(connection.src_ip, '10.0.0.0/8')"
                )
            a["resource"]["data"]["logConfig"] = cfg
        if a["name"] == P:
            a["iamPolicy"]["auditConfigs"] = [
                {
                    "service": "storage.googleapis.com",
                    "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
                },
                {
                    "service": "managedkafka.googleapis.com",
                    "auditLogConfigs": [{"logType": "DATA_WRITE"}]
                    if broken
                    else [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
                },
                {
                    "service": "cloudkms.googleapis.com",
                    "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
                },
            ]
    assets += [
        _bucket("_Required", "global", 400, True),
        _bucket("_Default", "global", 30, False),
        _bucket("audit-archive", "europe-west1", 3650, not broken),
        _sink(
            "_Required",
            "logging.googleapis.com/projects/orders-prod/locations/global/buckets/_Required",
            'LOG_ID("cloudaudit.googleapis.com/activity")',
        ),
        _sink(
            "_Default",
            "logging.googleapis.com/projects/orders-prod/locations/global/buckets/_Default",
            DEFAULT_FILTER,
        ),
        _sink(
            "audit-archive",
            "logging.googleapis.com/projects/orders-prod/locations/europe-west1/buckets/audit-archive",
            'logName:"cloudaudit.googleapis.com"',
        ),
    ]
    if broken:
        assets.append(
            _sink(
                "audit-to-vendor", "bigquery.googleapis.com/projects/vendor-ops/datasets/audit", ""
            )
        )
    return assets


def _gcp_scan(assets: list[dict[str, Any]]) -> list[Verdict]:
    with GcpFake(assets, page_size=50) as fake:
        result = collect_gcp(
            GcpScanOptions(
                projects=("orders-prod",),
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
            )
        )
    inv = normalize(
        result.records,
        scope=Scope(
            accounts=("orders-prod",), regions=("europe-west1", "europe-west4"), cloud="gcp"
        ),
        gaps=result.gaps,
        collected=result.units,
    )
    decl = _decl(FIXTURES / "gcp-kafka" / "boundary.yaml", data_events=True)
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


@pytest.fixture(scope="module")
def gcp_clean() -> list[Verdict]:
    return _gcp_scan(gcp_estate(broken=False))


@pytest.fixture(scope="module")
def gcp_broken() -> list[Verdict]:
    return _gcp_scan(gcp_estate(broken=True))


def test_gcp_admin_activity_logs_in_required_bucket(gcp_clean: list[Verdict]) -> None:
    v = _find(gcp_clean, "control.audit-trail-multi-region", "scope:gcp/orders-prod")
    assert v.status is Status.PASS and "_Required" in v.message


def test_gcp_required_bucket_not_listed_is_inconclusive() -> None:
    assets = [a for a in gcp_estate(broken=False) if not a["name"].endswith("buckets/_Required")]
    v = _find(_gcp_scan(assets), "control.audit-trail-multi-region", "scope:gcp/orders-prod")
    assert v.status is Status.INCONCLUSIVE


def test_gcp_audit_log_sinks_go_to_customer_stores(
    gcp_clean: list[Verdict], gcp_broken: list[Verdict]
) -> None:
    rule = "control.audit-log-store"
    assert _find(gcp_clean, rule, "scope:gcp/orders-prod").status is Status.PASS
    bad = _find(gcp_broken, rule, "scope:gcp/orders-prod")
    assert (
        bad.status is Status.FAIL and "audit-to-vendor" in bad.message and "vendor" in bad.message
    )


def test_gcp_audit_log_destination_locked(
    gcp_clean: list[Verdict], gcp_broken: list[Verdict]
) -> None:
    """A sink's retention (its destination's lock) is judged apart from who may change it."""
    rule = "control.audit-trail-tamper"
    for aspect in ("retention", "writers"):
        assert _find(gcp_clean, rule, "sinks/audit-archive", aspect).status is Status.PASS
    bad = _find(gcp_broken, rule, "sinks/audit-archive", "retention")
    assert bad.status is Status.FAIL and "not locked" in bad.message
    assert bad.causes == (
        "//logging.googleapis.com/projects/orders-prod/locations/europe-west1/buckets/audit-archive",
    )
    assert _find(gcp_broken, rule, "sinks/audit-archive", "writers").status is Status.PASS
    # a BigQuery destination has no lock: the sink must change
    vendor = _find(gcp_broken, rule, "sinks/audit-to-vendor", "retention")
    assert vendor.status is Status.FAIL and vendor.causes == (vendor.resource,)


def test_gcp_data_access_audit_configs(gcp_clean: list[Verdict], gcp_broken: list[Verdict]) -> None:
    rule = "control.audit-data-events"
    assert _find(gcp_clean, rule, "clusters/orders-mk").status is Status.PASS
    bad = _find(gcp_broken, rule, "clusters/orders-mk")
    assert bad.status is Status.FAIL and "DATA_READ" in bad.message


def test_gcp_subnetwork_flow_logs(gcp_clean: list[Verdict], gcp_broken: list[Verdict]) -> None:
    rule = "network.flow-logs"
    good = _find(gcp_clean, rule, "networks/kafka-net")
    assert good.status is Status.PASS, good.message
    bad = _find(gcp_broken, rule, "networks/kafka-net")
    assert bad.status is Status.FAIL and "samples 0.5" in bad.message and "matching" in bad.message


def test_gcp_outside_sink_writer_can_stop_the_export() -> None:
    """A vendor service account with roles/logging.configWriter may delete the sink: FAIL."""
    assets = gcp_estate(broken=False)
    for a in assets:
        if a["name"] == P:
            a["iamPolicy"]["bindings"].append(
                {
                    "role": "roles/logging.configWriter",
                    "members": ["serviceAccount:automation@vendor-ops.iam.gserviceaccount.com"],
                }
            )
    verdicts = _gcp_scan(assets)
    v = _find(verdicts, "control.audit-trail-tamper", "sinks/audit-archive", "writers")
    assert v.status is Status.FAIL and "automation@vendor-ops" in v.message
    assert v.causes == (P,), v.causes
    # the destination's lock still holds: that aspect stays PASS
    lock = _find(verdicts, "control.audit-trail-tamper", "sinks/audit-archive", "retention")
    assert lock.status is Status.PASS


def test_unreadable_resource_settings_make_that_store_inconclusive() -> None:
    fault = AzureFault(
        path="/storageaccounts/stordersweu/blobservices/default/providers/microsoft.insights",
        status=500,
        method="GET",
    )
    verdicts = _azure_scan(azure_estate(broken=True), fault)
    store = _find(verdicts, "control.audit-data-events", "storageaccounts/stordersweu")
    assert store.status is Status.INCONCLUSIVE, store.message
    # the subscription's own settings were read: its Activity Log export is still judged
    bad = _find(verdicts, "control.audit-trail-multi-region", f"scope:azure/{S1}")
    assert bad.status is Status.FAIL


# --- faults on the ARM diagnostic-settings reads (the azure-kafka fixture estate) ---------
DIAG_FAULTS = [
    ("429", AzureFault(path="diagnosticsettings", status=429, code="TooManyRequests")),
    ("500", AzureFault(path="diagnosticsettings", status=500)),
    ("403", AzureFault(path="diagnosticsettings", status=403, code="AuthorizationFailed")),
    ("malformed", AzureFault(path="diagnosticsettings", status=200, body=b"<html>oops {")),
]


def _fixture_scan(fault: AzureFault | None, retries: int = 2) -> tuple[list[Any], list[Verdict]]:
    estate = _yaml(FIXTURES / "azure-kafka" / "estate.yaml")
    with AzureFake(estate, page_size=50) as fake:
        if fault is not None:
            fake.add_fault(fault)
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1, S2),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=retries,
            )
        )
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    decl = load_declaration(FIXTURES / "azure-kafka" / "boundary.yaml")
    return list(result.gaps), evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


@pytest.fixture(scope="module")
def fixture_clean() -> list[Verdict]:
    gaps, verdicts = _fixture_scan(None)
    assert gaps == []
    return verdicts


def _by_key(verdicts: list[Verdict]) -> dict[tuple[str, str], Status]:
    return {(v.rule, v.resource): v.status for v in verdicts}


@pytest.mark.parametrize(("name", "fault"), DIAG_FAULTS, ids=[r[0] for r in DIAG_FAULTS])
def test_persistent_diagnostics_fault_is_a_gap_never_a_pass(
    fixture_clean: list[Verdict], name: str, fault: AzureFault
) -> None:
    gaps, verdicts = _fixture_scan(fault)
    assert {g.operation for g in gaps} == {"DiagnosticSettings.List"}
    assert {g.service for g in gaps} == {"azure-diagnostics"}
    before, after = _by_key(fixture_clean), _by_key(verdicts)
    assert not [k for k, s in after.items() if s is Status.PASS and before.get(k) is not s]
    changed = {k: s for k, s in after.items() if before.get(k) is not s}
    assert changed and set(changed.values()) == {Status.INCONCLUSIVE}, changed


@pytest.mark.parametrize("name", ["429", "500"])
def test_transient_diagnostics_fault_is_retried_away(
    fixture_clean: list[Verdict], name: str
) -> None:
    fault = next(f for n, f in DIAG_FAULTS if n == name)
    gaps, verdicts = _fixture_scan(AzureFault(**{**fault.__dict__, "times": 1}))
    assert gaps == []
    assert _by_key(verdicts) == _by_key(fixture_clean)


def _sink_to_storage(bucket: str) -> list[dict[str, Any]]:
    assets = gcp_estate(broken=False)
    assets.append(_sink("audit-copy", f"storage.googleapis.com/{bucket}", ""))
    return assets


def test_gcp_sink_to_a_bucket_in_no_listed_customer_project_fails() -> None:
    """Every customer project was listed completely: a bucket not among them is outside."""
    v = _find(
        _gcp_scan(_sink_to_storage("someone-elses-audit")),
        "control.audit-log-store",
        "scope:gcp/orders-prod",
    )
    assert v.status is Status.FAIL, v.message
    assert "someone-elses-audit" in v.message and "none of the customer projects" in v.message


def test_twin_gcp_sink_to_a_collected_customer_bucket_passes() -> None:
    v = _find(
        _gcp_scan(_sink_to_storage("orders-tiered-ew1")),
        "control.audit-log-store",
        "scope:gcp/orders-prod",
    )
    assert v.status is Status.PASS, v.message
