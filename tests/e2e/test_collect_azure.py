"""Azure collection through the real SDK clients against the local fake, and the rules on it.

Every test drives ``ResourceManagementClient`` and ``ResourceGraphClient`` over
HTTPS (the fake's throwaway CA), with small pages so paging is exercised.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.boundary import Declaration, load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.readonly import MutatingCallRefused
from auditor.collect.runner import CollectionResult
from auditor.fakecloud.azure_server import AzureFake, AzureFault, load_estate
from auditor.importers import ExportFormatError
from auditor.importers.azure_graph import read as read_export
from auditor.model import Inventory, RawRecord, Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def decl() -> Declaration:
    return load_declaration(FIXTURE / "boundary.yaml")


@pytest.fixture(scope="module")
def estate() -> dict[str, Any]:
    return load_estate(FIXTURE / "estate.yaml")


def _opts(fake: AzureFake, **kw: Any) -> AzureScanOptions:
    return AzureScanOptions(
        subscriptions=(S1, S2),
        base_url=fake.base_url,
        credential=fake.credential(),
        connection_verify=fake.ca_path,
        retry_total=0,
        **kw,
    )


def _inventory(result: CollectionResult) -> Inventory:
    return normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )


def _verdicts(inv: Inventory, decl: Declaration) -> list[Verdict]:
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def _scan(estate: dict[str, Any], decl: Declaration) -> list[Verdict]:
    with AzureFake(estate, page_size=5) as fake:
        result = collect_azure(_opts(fake))
    assert result.gaps == []
    return _verdicts(_inventory(result), decl)


def _status(verdicts: list[Verdict], rule: str, suffix: str) -> Status:
    hits = {v.status for v in verdicts if v.rule == rule and v.resource.endswith(suffix)}
    assert len(hits) == 1, (rule, suffix, hits)
    return hits.pop()


@pytest.fixture(scope="module")
def live(estate: dict[str, Any]) -> Iterator[tuple[AzureFake, CollectionResult]]:
    with AzureFake(estate, page_size=2) as fake:
        yield fake, collect_azure(_opts(fake, page_size=1000))


@pytest.fixture(scope="module")
def verdicts(live: tuple[AzureFake, CollectionResult], decl: Declaration) -> list[Verdict]:
    return _verdicts(_inventory(live[1]), decl)


# --- collection ----------------------------------------------------------------------------


def test_collection_pages_through_every_listing(live: tuple[AzureFake, CollectionResult]) -> None:
    fake, result = live
    assert result.gaps == []
    assert result.accounts_entered == [S1, S2]
    types = {r.type for r in result.records}
    assert "microsoft.network/virtualnetworks" in types
    assert "microsoft.authorization/roleassignments" in types
    assert "microsoft.resources/subscriptions/resourcegroups" in types
    assert all(r.cloud == "azure" for r in result.records)
    # the resources rows (47, with ippre-spare-weu) in pages of 2: 24 Resource Graph requests
    assert result.api_calls["resourcegraph:resources"] == 24
    posts = [p for m, p in fake.requests if m == "POST"]
    assert len(posts) == 24 + 2 + 1  # resources, authorizationresources, resourcecontainers
    gets = [p for m, p in fake.requests if m == "GET"]
    assert sum(1 for p in gets if p.endswith("/resourcegroups")) == 3  # 3 groups in S1: 2 pages
    # diagnostic settings through ARM: 2 subscriptions, 2 vaults, 4 storage accounts, 1 namespace
    assert sum(1 for p in gets if p.lower().endswith("/diagnosticsettings")) == 9
    assert result.api_calls["DiagnosticSettings.List"] == 9
    groups = [r for r in result.records if r.type.endswith("/resourcegroups")]
    assert len(groups) == 5
    assert {u.service for u in result.units} == {
        "azure-containers",
        "azure-resources",
        "azure-authorization",
        "azure-diagnostics",
        "azure-eventhubs-dr",
    }
    # Event Hubs geo-DR aliases through ARM: one namespace
    assert result.api_calls["DisasterRecoveryConfigs.List"] == 1


def test_rows_streamed_in_small_batches_give_the_same_inventory(
    estate: dict[str, Any], live: tuple[AzureFake, CollectionResult]
) -> None:
    """Rows handed over as they arrive (batches of 3) and normalised into a spool
    give the inventory of the whole listing normalised at once."""
    from auditor.base.serialize import inventory_jsonl
    from auditor.normalize.spool import InventorySpool

    batches: list[int] = []
    with AzureFake(estate, page_size=2) as fake, InventorySpool() as spool:

        def take(batch: list[RawRecord]) -> None:
            batches.append(len(batch))
            spool.add(batch)

        result = collect_azure(_opts(fake, page_size=1000), on_records=take, batch=3)
        assert result.records == []
        streamed = spool.inventory(
            scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
            gaps=result.gaps,
            api_calls=result.api_calls,
            collected=result.units,
        )
    # the first batch also holds the resource groups listed on entering
    assert len(batches) > 3 and max(batches[1:]) <= 3
    assert sum(batches) == len(live[1].records)
    assert inventory_jsonl(streamed) == inventory_jsonl(_inventory(live[1]))


def test_guard_refuses_a_mutating_call_through_the_collectors_client(
    estate: dict[str, Any],
) -> None:
    from auditor.collect.azure._context import AzureContext

    with AzureFake(estate) as fake:
        ctx = AzureContext(opts=_opts(fake), credential=fake.credential())
        client = ctx.resource_client(S1)
        with pytest.raises(MutatingCallRefused, match="PUT"):
            client.resource_groups.create_or_update("rg-new", {"location": "westeurope"})
        with pytest.raises(MutatingCallRefused, match="DELETE"):
            client.resource_groups.begin_delete("rg-kafka-weu")
        assert [p for p in fake.requests if p[0] != "GET"] == []
        assert [g.name for g in client.resource_groups.list()]  # reads still pass


def test_denied_subscription_is_a_gap_and_its_verdicts_inconclusive(
    estate: dict[str, Any], decl: Declaration
) -> None:
    denied = copy.deepcopy(estate)
    denied["subscriptions"][1]["denied"] = True
    with AzureFake(denied, page_size=50) as fake:
        result = collect_azure(_opts(fake))
    assert result.accounts_entered == [S1]
    (gap,) = result.gaps
    assert (gap.cloud, gap.account, gap.service, gap.error_code) == (
        "azure",
        S2,
        "*",
        "AuthorizationFailed",
    )
    vs = _verdicts(_inventory(result), decl)
    scope = [v for v in vs if v.resource == f"scope:azure/{S2}/*"]
    # every rule that looked is INCONCLUSIVE there; rules that cannot judge Azure at all
    # also say NOT_APPLICABLE; none PASSes or FAILs
    assert scope and {v.status for v in scope} == {Status.INCONCLUSIVE, Status.NOT_APPLICABLE}
    na = {v.rule for v in scope if v.status is Status.NOT_APPLICABLE}
    assert na <= {v.rule for v in scope if v.status is Status.INCONCLUSIVE}
    cross_cloud = {
        "data.store-location",
        "data.customer-key",
        "network.public-ingress",
        "network.peering-declared",
        "control.outside-reach-declared",
    }
    assert not any(
        v.status is Status.PASS and S2 in v.resource for v in vs if v.rule in cross_cloud
    )
    # no rule speaks for the unentered subscription as if it were an AWS account
    assert not [v for v in vs if v.resource.startswith(f"scope:aws/{S2}/")]
    k8s = {v.resource: v.status for v in vs if v.rule == "network.k8s-endpoint-private"}
    assert k8s[f"scope:azure/{S2}/*"] is Status.INCONCLUSIVE
    # listed, and no AKS cluster there: nothing to judge (NOT_APPLICABLE, never a PASS)
    assert k8s[f"scope:azure/{S1}/*"] is Status.NOT_APPLICABLE
    assert not any(s is Status.PASS for r, s in k8s.items() if S2 in r)


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (AzureFault(path="resourcegraph", status=429, code="RateLimiting"), "RateLimiting"),
        (
            AzureFault(path="resourcegraph", status=503, code="ServiceUnavailable"),
            "ServiceUnavailable",
        ),
        (AzureFault(path="resourcegraph", status=200, body=b"<html>oops"), "MalformedResponse"),
        (AzureFault(path="resourcegraph", status=200, body=b'{"data": 7}'), "MalformedResponse"),
    ],
)
def test_graph_faults_become_gaps_never_passes(
    estate: dict[str, Any], decl: Declaration, fault: AzureFault, code: str
) -> None:
    with AzureFake(estate, page_size=4) as fake:
        fake.add_fault(AzureFault(**{**fault.__dict__, "body_contains": '"resources |'}))
        result = collect_azure(_opts(fake))
    gaps = [g for g in result.gaps if g.operation == "resourcegraph:resources"]
    assert {(g.account, g.service, g.error_code) for g in gaps} == {
        (S1, "*", code),
        (S2, "*", code),
    }
    vs = _verdicts(_inventory(result), decl)
    judged = [v for v in vs if v.rule == "network.public-ingress"]
    assert judged and all(v.status is Status.INCONCLUSIVE for v in judged)


def test_authorization_failure_makes_outside_reach_inconclusive(
    estate: dict[str, Any], decl: Declaration
) -> None:
    with AzureFake(estate) as fake:
        fake.add_fault(
            AzureFault(path="resourcegraph", status=500, body_contains="authorizationresources")
        )
        result = collect_azure(_opts(fake))
    assert {g.service for g in result.gaps} == {"azure-authorization"}
    vs = [
        v for v in _verdicts(_inventory(result), decl) if v.rule == "control.outside-reach-declared"
    ]
    scopes = {v.resource: v.status for v in vs if v.resource.startswith("scope:azure/")}
    assert set(scopes) == {f"scope:azure/{S1}/*", f"scope:azure/{S2}/*"}
    assert set(scopes.values()) == {Status.INCONCLUSIVE}
    # without the role definitions, the partner's delegated role cannot be judged
    assert _status(vs, "control.outside-reach-declared", "0000000000c1") is Status.INCONCLUSIVE
    keys = [
        v
        for v in _verdicts(_inventory(result), decl)
        if v.rule == "control.vendor-key-control" and "/keys/" in v.resource
    ]
    assert len(keys) == 2 and {v.status for v in keys} == {Status.INCONCLUSIVE}


def test_unusable_credentials_are_gaps(estate: dict[str, Any]) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    class NoToken:
        def get_token(self, *scopes: str, **kw: Any) -> Any:
            raise ClientAuthenticationError("no credential in this environment")

    with AzureFake(estate) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1, S2),
                base_url=fake.base_url,
                credential=NoToken(),
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
        assert fake.requests == []
    assert result.records == [] and result.accounts_entered == []
    assert {g.account for g in result.gaps} == {S1, S2}
    assert all(g.service == "*" for g in result.gaps)


# --- offline import ------------------------------------------------------------------------


def test_import_of_an_export_equals_live_collection(
    live: tuple[AzureFake, CollectionResult], tmp_path: Path
) -> None:
    fake, result = live
    records = []
    for table in ("resourcecontainers", "resources", "authorizationresources"):
        path = tmp_path / f"{table}.json"
        path.write_text(json.dumps(fake.export(table)))
        records.extend(read_export(path).records)
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(fake.export("resources")["data"]))
    assert read_export(bare).records == tuple(r for r in records if r.service == "azure-resources")
    # diagnostic settings and geo-DR aliases are read through ARM: no Resource Graph export
    # holds them
    graph_records = [
        r for r in result.records if r.service not in ("azure-diagnostics", "azure-eventhubs-dr")
    ]
    assert len(graph_records) < len(result.records)
    assert sorted(records, key=repr) == sorted(graph_records, key=repr)
    imported = _inventory(CollectionResult(records=records))
    collected = _inventory(CollectionResult(records=graph_records))
    assert imported.resources == collected.resources
    assert imported.relations == collected.relations


@pytest.mark.parametrize(
    "page", [{"skip_token": "ew0KICAiJGlkIjogIjEi"}, {"total_records": 10_000}]
)
def test_a_truncated_export_covers_nothing_completely(
    live: tuple[AzureFake, CollectionResult], tmp_path: Path, page: dict[str, object]
) -> None:
    """``az graph query --first 1000`` of a bigger estate is one page: not "none beyond"."""
    fake, _ = live
    path = tmp_path / "resources.json"
    path.write_text(json.dumps({**fake.export("resources"), **page}))
    imported = read_export(path)
    assert imported.records and imported.units == ()
    assert imported.gaps and {g.error_code for g in imported.gaps} == {"NotInExport"}
    assert {g.account for g in imported.gaps} == {r.account for r in imported.records}
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps(fake.export("resources")))
    assert read_export(whole).units and read_export(whole).gaps == ()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{not json", ":1:2: not JSON"),
        ('{"rows": []}', ": data: expected"),
        ('{"data": [{"id": "/subscriptions/x"}]}', ": data[0]: a row needs"),
        ('{"data": [7]}', ": data[0]: a row must be"),
    ],
)
def test_bad_export_names_file_and_place(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(text)
    with pytest.raises(ExportFormatError) as err:
        read_export(path)
    assert str(err.value).startswith(str(path)) and where in str(err.value)


# --- rules on Azure resources -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "suffix", "status"),
    [
        ("data.store-location", "storageaccounts/stordersweu", Status.PASS),
        ("data.store-location", "storageaccounts/stbackupsdc", Status.FAIL),
        ("data.replication-in-boundary", "storageaccounts/stordersweu", Status.PASS),
        ("data.replication-in-boundary", "storageaccounts/stbackupsdc", Status.FAIL),
        ("data.customer-key", "storageaccounts/stordersneu", Status.PASS),
        ("data.customer-key", "storageaccounts/stbackupsdc", Status.FAIL),
        (
            "control.outside-reach-declared",
            "principals/bbbbbbbb-0000-0000-0000-0000000000b1",
            Status.PASS,
        ),
        (
            "control.outside-reach-declared",
            "principals/cccccccc-0000-0000-0000-0000000000c1",
            Status.FAIL,
        ),
        ("control.outside-reach-declared", f"scope:azure/{S2}/*", Status.PASS),
        ("network.public-ingress", "virtualmachines/vm-broker-0", Status.FAIL),
        ("network.public-ingress", "namespaces/evh-orders-neu", Status.PASS),
        ("network.peering-declared", "peer-weu-to-neu", Status.PASS),
        ("network.peering-declared", "peer-weu-to-partner", Status.FAIL),
        ("failure.secondary-capacity", "scope:azure/*/northeurope", Status.PASS),
        ("failure.dns-failover-records", "dns:orders-kafka.trafficmanager.net", Status.PASS),
        ("failure.dns-health-checks", "externalendpoints/weu", Status.PASS),
        # the vendor's delegated Contributor may write kv-orders-weu (and so grant itself the
        # key); no outside role reaches kv-orders-neu
        ("control.vendor-key-control", "kv-orders-weu/keys/kafka-log-key", Status.FAIL),
        ("control.vendor-key-control", "kv-orders-neu/keys/kafka-log-key", Status.PASS),
        ("network.k8s-endpoint-private", "managedclusters/aks-kafka-neu", Status.PASS),
        # listed and empty in the subscription scope: nothing judged there
        ("network.k8s-endpoint-private", f"scope:azure/{S1}/*", Status.NOT_APPLICABLE),
        ("failure.single-write-region", "scope:azure/*/westeurope", Status.PASS),
        # the declared Contributor's `*` includes listKeys, which the vendor is denied
        (
            "control.vendor-denied-actions",
            "roledefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
            Status.FAIL,
        ),
    ],
)
def test_fixture_verdicts(verdicts: list[Verdict], rule: str, suffix: str, status: Status) -> None:
    assert _status(verdicts, rule, suffix) is status


def test_geo_secondary_in_an_undeclared_pair_region_fails(verdicts: list[Verdict]) -> None:
    (v,) = [
        v
        for v in verdicts
        if v.rule == "data.replication-in-boundary" and v.resource.endswith("stbackupsdc")
    ]
    assert "undeclared region swedensouth" in v.message


def _resource(estate: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in estate["resources"] if r["id"].endswith("/" + name))


def test_closed_nsg_unseen_key_vault_and_small_secondary(
    estate: dict[str, Any], decl: Declaration
) -> None:
    changed = copy.deepcopy(estate)
    nsg = _resource(changed, "nsg-brokers-weu")
    nsg["properties"]["securityRules"][0]["properties"]["sourceAddressPrefix"] = "10.0.0.0/8"
    _resource(changed, "vmss-brokers-neu")["sku"]["capacity"] = 2
    store = _resource(changed, "stordersneu")["properties"]["encryption"]["keyvaultproperties"]
    store["keyvaulturi"] = "https://kv-vendor.vault.azure.net/"
    changed["resources"] = [r for r in changed["resources"] if "/evh-orders-neu" not in r["id"]]
    vs = _scan(changed, decl)
    assert _status(vs, "network.public-ingress", "virtualmachines/vm-broker-0") is Status.PASS
    assert _status(vs, "failure.secondary-capacity", "scope:azure/*/northeurope") is Status.FAIL
    # a key in a vault the scan did not see, while every customer subscription was listed
    # completely: the vault is in none of them, so the key is outside the customer
    assert _status(vs, "data.customer-key", "storageaccounts/stordersneu") is Status.FAIL


def test_dns_without_priority_routing_or_monitor_fails(
    estate: dict[str, Any], decl: Declaration
) -> None:
    changed = copy.deepcopy(estate)
    tm = _resource(changed, "tm-orders-kafka")["properties"]
    tm["trafficRoutingMethod"] = "Weighted"
    del tm["monitorConfig"]
    vs = _scan(changed, decl)
    assert (
        _status(vs, "failure.dns-failover-records", "dns:orders-kafka.trafficmanager.net")
        is Status.FAIL
    )


def test_standard_public_ip_without_nsg_is_closed_basic_is_open(
    estate: dict[str, Any], decl: Declaration
) -> None:
    changed = copy.deepcopy(estate)
    vnet = _resource(changed, "vnet-kafka-weu")
    del vnet["properties"]["subnets"][0]["properties"]["networkSecurityGroup"]
    vs = _scan(changed, decl)
    assert _status(vs, "network.public-ingress", "virtualmachines/vm-broker-0") is Status.PASS
    _resource(changed, "pip-broker-0")["sku"]["name"] = "Basic"
    vs = _scan(changed, decl)
    assert _status(vs, "network.public-ingress", "virtualmachines/vm-broker-0") is Status.FAIL


def test_permissions_azure_prints_a_read_only_role() -> None:
    from auditor.cli import main

    out = CliRunner().invoke(main, ["permissions", "azure", "--subscription", S1])
    assert out.exit_code == 0, out.output
    role = json.loads(out.output)
    assert role["AssignableScopes"] == [f"/subscriptions/{S1}"]
    assert "Microsoft.ResourceGraph/resources/read" in role["Actions"]
    assert "Microsoft.Authorization/roleAssignments/read" in role["Actions"]
    assert all(a.endswith("/read") for a in role["Actions"])
    # the flow log blobs (--flows-since) are read with a data-plane token, never account keys
    assert role["DataActions"] == [
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    ]
    assert not any("listkeys" in a.lower() for a in role["Actions"] + role["DataActions"])


@pytest.mark.parametrize(
    ("profile", "status"),
    [
        ({"enablePrivateCluster": True}, Status.PASS),
        ({}, Status.FAIL),
        ({"authorizedIPRanges": ["0.0.0.0/0"]}, Status.FAIL),
        ({"authorizedIPRanges": ["198.51.100.0/24"]}, Status.PASS),
    ],
)
def test_aks_api_endpoint_private_or_restricted(
    estate: dict[str, Any], decl: Declaration, profile: dict[str, Any], status: Status
) -> None:
    changed = copy.deepcopy(estate)
    _resource(changed, "aks-kafka-neu")["properties"]["apiServerAccessProfile"] = profile
    vs = _scan(changed, decl)
    assert _status(vs, "network.k8s-endpoint-private", "managedclusters/aks-kafka-neu") is status


def test_aks_listing_failure_is_never_a_pass(estate: dict[str, Any], decl: Declaration) -> None:
    with AzureFake(estate) as fake:
        fake.add_fault(AzureFault(path="resourcegraph", status=500, body_contains='"resources |'))
        result = collect_azure(_opts(fake))
    vs = [
        v for v in _verdicts(_inventory(result), decl) if v.rule == "network.k8s-endpoint-private"
    ]
    assert {v.resource for v in vs} >= {f"scope:azure/{S1}/*", f"scope:azure/{S2}/*"}
    assert {v.status for v in vs} == {Status.INCONCLUSIVE}


def test_rules_that_cannot_judge_azure_say_not_applicable(verdicts: list[Verdict]) -> None:
    got = {v.resource: v.status for v in verdicts if v.rule == "control.no-wildcard-trust"}
    assert got == {
        f"scope:azure/{S1}/*": Status.NOT_APPLICABLE,
        f"scope:azure/{S2}/*": Status.NOT_APPLICABLE,
    }
    # VPN/ExpressRoute gateways and connections are collected and judged, not NOT_APPLICABLE.
    got = {
        v.resource.rsplit("/", 1)[-1]: v.status
        for v in verdicts
        if v.rule == "network.transit-declared"
    }
    assert got == {"cn-dc-amsterdam": Status.FAIL, "cn-er-equinix": Status.PASS}
    assert _status(verdicts, "data.no-public-access", "storageaccounts/stordersweu") is Status.PASS
    assert (
        _status(verdicts, "data.versioning", "storageaccounts/stordersweu") is Status.INCONCLUSIVE
    )


def test_storage_open_to_anonymous_blob_access_fails(
    estate: dict[str, Any], decl: Declaration
) -> None:
    changed = copy.deepcopy(estate)
    props = _resource(changed, "stordersweu")["properties"]
    props["allowBlobPublicAccess"] = True
    props["publicNetworkAccess"] = "Enabled"
    props["networkAcls"]["defaultAction"] = "Allow"
    vs = _scan(changed, decl)
    assert _status(vs, "data.no-public-access", "storageaccounts/stordersweu") is Status.FAIL
    assert (
        _status(vs, "control.no-anonymous-data-access", "storageaccounts/stordersweu")
        is Status.FAIL
    )


def test_names_in_an_azure_dns_zone_are_unknown_not_missing(
    live: tuple[AzureFake, CollectionResult], tmp_path: Path
) -> None:
    text = (FIXTURE / "boundary.yaml").read_text(encoding="utf-8")
    text = text.replace("zone: orders-kafka.trafficmanager.net", "zone: orders.example.com")
    path = tmp_path / "boundary.yaml"
    path.write_text(text.replace('records: ["@"]', "records: [bootstrap]"), encoding="utf-8")
    vs = _verdicts(_inventory(live[1]), load_declaration(path))
    dns = {v.rule: v for v in vs if v.rule.startswith("failure.dns-")}
    assert dns["failure.dns-failover-records"].status is Status.INCONCLUSIVE
    assert "record sets of zone orders.example.com are not collected" in (
        dns["failure.dns-failover-records"].message
    )
    assert all(v.status is Status.INCONCLUSIVE for v in dns.values())


@pytest.mark.parametrize("change", ["no-sku", "geo-sku-unpaired-region"])
def test_storage_replication_that_cannot_be_told_is_inconclusive(change: str) -> None:
    """A storage row without a SKU, or GRS in a region with no known pair and no
    secondaryLocation, must not read as 'replicates nowhere'."""
    from auditor.model import RawRecord, Scope
    from auditor.normalize import normalize

    data: dict[str, Any] = {
        "id": "/subscriptions/s1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st1",
        "name": "st1",
        "type": "microsoft.storage/storageaccounts",
        "location": "westeurope" if change == "no-sku" else "atlantis",
        "subscriptionId": "s1",
        "resourceGroup": "rg",
        "tags": {},
        "properties": {},
    }
    if change != "no-sku":
        data["sku"] = {"name": "Standard_GRS"}
    rec = RawRecord(
        cloud="azure",
        account="s1",
        region=str(data["location"]),
        service="resources",
        type="microsoft.storage/storageaccounts",
        data=data,
    )
    inv = normalize([rec], scope=Scope(accounts=("s1",), regions=(), cloud="azure"))
    (res,) = [r for r in inv.resources if r.kind == "bucket"]
    assert res.attributes["replication"] is None


def test_unknown_storage_replication_is_not_a_pass() -> None:
    """data.replication-in-boundary on a storage account whose copy cannot be told."""
    from auditor.model import RawRecord, Scope
    from auditor.normalize import normalize
    from tests.helpers import declaration, run_rules, status_of

    data: dict[str, Any] = {
        "id": "/subscriptions/s1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st1",
        "name": "st1",
        "type": "microsoft.storage/storageaccounts",
        "location": "westeurope",
        "subscriptionId": "s1",
        "resourceGroup": "rg",
        "tags": {"data-class": "kafka-log"},
        "properties": {},
    }
    rec = RawRecord(
        cloud="azure",
        account="s1",
        region="westeurope",
        service="resources",
        type="microsoft.storage/storageaccounts",
        data=data,
    )
    inv = normalize([rec], scope=Scope(accounts=("s1",), regions=(), cloud="azure"))
    decl = declaration(parties={"customer": {"azure": {"subscriptions": ["s1"]}}})
    verdicts = run_rules(inv, decl, ["data.replication-in-boundary"])
    assert status_of(verdicts, "data.replication-in-boundary", data["id"]).value == "INCONCLUSIVE"
