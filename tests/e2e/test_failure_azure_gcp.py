"""End to end: the failure-path rules judge Azure and GCP regions, through the fakes.

Each case edits the azure-kafka or gcp-kafka estate (the documented Resource Graph
and Cloud Asset shapes), serves it through ``AzureFake`` / ``GcpFake``, collects it
with the real SDK clients and runs the rule through the real engine: a planted
failure and its clean twin.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.fakecloud.gcp_server import GcpFake, load_assets
from auditor.model import RawRecord, Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory

ROOT = Path(__file__).resolve().parents[2] / "fixtures"
AZURE = ROOT / "azure-kafka"
GCP = ROOT / "gcp-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)
TM = "microsoft.network/trafficmanagerprofiles"
NEU = "scope:azure/*/northeurope"
EW4 = "scope:gcp/*/europe-west4"
GCP_BOOTSTRAP = (
    "//dns.googleapis.com/projects/orders-prod/managedZones/kafka-internal/rrsets/"
    "bootstrap.kafka.example.internal./A"
)
CP = "//compute.googleapis.com/projects/orders-prod"

Edit = Callable[[Any], object]


def _azure_records(edits: tuple[Edit, ...]) -> list[RawRecord]:
    estate = copy.deepcopy(load_estate(AZURE / "estate.yaml"))
    for fn in edits:
        fn(estate)
    with AzureFake(estate, page_size=50) as fake:
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
    return list(result.records)


def _gcp_records(edits: tuple[Edit, ...]) -> list[RawRecord]:
    assets = copy.deepcopy(load_assets(GCP / "estate.yaml"))
    for fn in edits:
        fn(assets)
    with GcpFake(assets, page_size=50) as fake:
        result = collect_gcp(
            GcpScanOptions(
                projects=("orders-prod",),
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=50,
                max_workers=2,
            )
        )
    assert result.gaps == []
    return list(result.records)


def _verdicts(
    records: list[RawRecord], boundary: Path, rule: str, decl_edit: Edit | None, tmp: Path | None
) -> dict[str, Verdict]:
    inv = normalize(
        records,
        scope=Scope(
            accounts=tuple(sorted({r.account for r in records if "/" not in r.account})),
            regions=("westeurope", "northeurope", "europe-west1", "europe-west4"),
            cloud=records[0].cloud,
        ),
    )
    path = boundary
    if decl_edit is not None:
        assert tmp is not None
        doc = yaml.safe_load(boundary.read_text(encoding="utf-8"))
        decl_edit(doc)
        path = tmp / "boundary.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    decl = load_declaration(path)
    got = evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts
    return {v.resource: v for v in got if v.rule == rule}


def azure(rule: str, *edits: Edit, decl: Edit | None = None, tmp: Path | None = None) -> Any:
    return _verdicts(_azure_records(edits), AZURE / "boundary.yaml", rule, decl, tmp)


def gcp(rule: str, *edits: Edit, decl: Edit | None = None, tmp: Path | None = None) -> Any:
    return _verdicts(_gcp_records(edits), GCP / "boundary.yaml", rule, decl, tmp)


def _row(estate: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    found = [
        r
        for r in estate["resources"]
        if str(r["type"]).lower() == type_ and str(r["id"]).lower().endswith("/" + name)
    ]
    assert len(found) == 1, name
    return found[0]


def _tm(estate: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = _row(estate, TM, "tm-orders-kafka")["properties"]
    return props


def _endpoint(estate: dict[str, Any], name: str) -> dict[str, Any]:
    found = [e for e in _tm(estate)["endpoints"] if e["name"] == name]
    props: dict[str, Any] = found[0]["properties"]
    return props


def _one(vs: dict[str, Verdict], suffix: str = "") -> Verdict:
    found = [v for k, v in vs.items() if k.endswith(suffix)]
    assert len(found) == 1, sorted(vs)
    return found[0]


# --- Traffic Manager ------------------------------------------------------------------------


def test_traffic_manager_always_serve_primary_fails_health_checks() -> None:
    rule = "failure.dns-health-checks"
    assert _one(azure(rule), "/weu").status is Status.PASS

    def always(estate: dict[str, Any]) -> None:
        _endpoint(estate, "weu")["alwaysServe"] = "Enabled"
        _endpoint(estate, "weu")["endpointMonitorStatus"] = "Unmonitored"

    v = _one(azure(rule, always), "/weu")
    assert v.status is Status.FAIL and "alwaysServe" in v.message


def test_traffic_manager_without_monitoring_fails_health_checks() -> None:
    def no_monitor(estate: dict[str, Any]) -> None:
        _tm(estate).pop("monitorConfig")

    v = _one(azure("failure.dns-health-checks", no_monitor), "/weu")
    assert v.status is Status.FAIL and "no health check" in v.message


def test_traffic_manager_ttl_plus_detection_against_the_rto() -> None:
    rule = "failure.dns-ttl"
    assert _one(azure(rule), "/weu").status is Status.PASS

    def slow(estate: dict[str, Any]) -> None:
        _tm(estate)["dnsConfig"]["ttl"] = 880  # + 10 s x 3 tolerated failures > 900 s

    v = _one(azure(rule, slow), "/weu")
    assert v.status is Status.FAIL and "30s to detect" in v.message


def test_traffic_manager_priority_primary_must_be_in_the_primary_region() -> None:
    rule = "failure.dns-failover-records"
    assert _one(azure(rule)).status is Status.PASS

    def swapped(estate: dict[str, Any]) -> None:
        _endpoint(estate, "weu")["priority"] = 3

    v = _one(azure(rule, swapped))
    assert v.status is Status.FAIL
    assert "northeurope" in v.message and "westeurope" in v.message


def test_a_zone_declared_in_another_cloud_is_not_found(tmp_path: Path) -> None:
    def on_gcp(doc: dict[str, Any]) -> None:
        doc["failure"]["dns"]["cloud"] = "gcp"

    v = _one(azure("failure.dns-failover-records", decl=on_gcp, tmp=tmp_path))
    assert v.status is Status.FAIL and "of gcp" in v.message


# --- Azure capacity -------------------------------------------------------------------------


def _vmss(estate: dict[str, Any], region: str) -> list[dict[str, Any]]:
    return [
        r
        for r in estate["resources"]
        if str(r["type"]).lower() == "microsoft.compute/virtualmachinescalesets"
        and r.get("location") == region
    ]


def test_event_hubs_counted_apart_and_scale_set_short_fails() -> None:
    rule = "failure.secondary-capacity"
    ok = azure(rule)[NEU]
    assert ok.status is Status.PASS and "Event Hubs" in ok.message

    def shrink(estate: dict[str, Any]) -> None:
        for r in _vmss(estate, "northeurope"):
            r["sku"]["capacity"] = 1

    assert azure(rule, shrink)[NEU].status is Status.FAIL


def test_kraft_controllers_are_not_broker_capacity() -> None:
    def controllers(estate: dict[str, Any]) -> None:
        for r in _vmss(estate, "northeurope"):
            r.setdefault("tags", {})["kafka-role"] = "controller"

    v = azure("failure.secondary-capacity", controllers)[NEU]
    assert v.status is Status.FAIL and "KRaft controller" in v.message


def test_region_capacity_judges_each_azure_region() -> None:
    got = azure("failure.region-capacity")
    assert got["scope:azure/*/westeurope"].status is Status.PASS
    assert got[NEU].status is Status.PASS

    def none_in_neu(estate: dict[str, Any]) -> None:
        estate["resources"] = [
            r
            for r in estate["resources"]
            if not (
                r.get("location") == "northeurope"
                and str(r["type"]).lower()
                in (
                    "microsoft.compute/virtualmachinescalesets",
                    "microsoft.compute/virtualmachines",
                    "microsoft.eventhub/namespaces",
                )
            )
        ]

    assert azure("failure.region-capacity", none_in_neu)[NEU].status is Status.FAIL


def _scale_ew4(size: int) -> Edit:
    def scale(assets: list[dict[str, Any]]) -> None:
        _asset(assets, f"{CP}/zones/europe-west4-a/instanceGroupManagers/kafka-ew4")[
            "targetSize"
        ] = size

    return scale


def test_a_cloud_without_a_primary_is_compared_with_another_clouds(tmp_path: Path) -> None:

    def both(doc: dict[str, Any]) -> None:
        doc["regions"] = {
            "azure/westeurope": "primary",
            "azure/northeurope": "secondary",
            "gcp/europe-west4": "secondary",
        }
        doc["parties"]["customer"]["gcp"] = {"projects": ["orders-prod"]}

    def judge(*edits: Edit) -> Verdict:
        records = _azure_records(()) + _gcp_records(edits)
        got = _verdicts(
            records, AZURE / "boundary.yaml", "failure.secondary-capacity", both, tmp_path
        )
        return got[EW4]

    # westeurope: 4 x Standard_D4s_v5 brokers; europe-west4: 2 x n2-standard-8.
    v = judge()
    assert v.status is Status.FAIL and "the AZURE primary" in v.message
    assert v.evidence.attributes["primary_region"] == "azure/westeurope"
    assert judge(_scale_ew4(4)).status is Status.PASS


# --- Cloud DNS and GCP capacity ---------------------------------------------------------------


def _asset(assets: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in assets if a["name"] == name)["resource"]["data"]
    return found


def test_a_traffic_manager_zone_without_records_is_judged_as_its_one_name(
    tmp_path: Path,
) -> None:
    """A profile answers for one name: no ``records`` means that name, not nothing."""

    def unnamed(doc: dict[str, Any]) -> None:
        doc["failure"]["dns"].pop("records")

    for rule in ("failure.dns-failover-records", "failure.dns-health-checks", "failure.dns-ttl"):
        got = azure(rule, decl=unnamed, tmp=tmp_path)
        assert got and all(v.status is Status.PASS for v in got.values()), (rule, got)


def test_cloud_dns_tripping_percentage_zero_never_fails_over() -> None:
    rule = "failure.dns-health-checks"
    assert _one(gcp(rule), "#primary").status is Status.PASS

    def never(assets: list[dict[str, Any]]) -> None:
        _asset(assets, GCP_BOOTSTRAP)["routingPolicy"]["primaryBackup"]["trippingPercentage"] = 0

    v = _one(gcp(rule, never), "#primary")
    assert v.status is Status.FAIL and "trippingPercentage" in v.message


def test_cloud_dns_geo_policy_without_health_check_fails(tmp_path: Path) -> None:
    def geo(assets: list[dict[str, Any]]) -> None:
        _asset(assets, GCP_BOOTSTRAP)["routingPolicy"] = {
            "geo": {
                "items": [
                    {"location": "europe-west1", "rrdatas": ["10.10.0.11"]},
                    {"location": "europe-west4", "rrdatas": ["10.20.0.11"]},
                ]
            }
        }

    def geo_checked(assets: list[dict[str, Any]]) -> None:
        geo(assets)
        _asset(assets, GCP_BOOTSTRAP)["routingPolicy"]["healthCheck"] = (
            "projects/orders-prod/global/healthChecks/kafka-hc"
        )

    def routing(doc: dict[str, Any]) -> None:
        doc["failure"]["dns"]["routing"] = "latency"
        doc["failure"]["dns"]["cloud"] = "gcp"

    rule = "failure.dns-health-checks"
    bad = gcp(rule, geo, decl=routing, tmp=tmp_path)
    assert _one(bad).status is Status.FAIL
    good = gcp(rule, geo_checked, decl=routing, tmp=tmp_path)
    assert _one(good).status is Status.PASS


def test_cloud_dns_primary_must_answer_from_the_primary_region() -> None:
    rule = "failure.dns-failover-records"
    assert _one(gcp(rule)).status is Status.PASS

    def backwards(assets: list[dict[str, Any]]) -> None:
        pb = _asset(assets, GCP_BOOTSTRAP)["routingPolicy"]["primaryBackup"]
        pb["primaryTargets"] = {"externalEndpoints": ["10.20.0.11", "10.20.0.12"]}

    v = _one(gcp(rule, backwards))
    assert v.status is Status.FAIL and "europe-west4" in v.message


def test_managed_kafka_capacity_in_vcpus_through_the_fake() -> None:
    rule = "failure.secondary-capacity"
    v = gcp(rule)[EW4]
    assert v.status is Status.FAIL and "vCPUs" in v.message

    assert gcp(rule, _scale_ew4(5))[EW4].status is Status.PASS


def test_a_group_starting_kraft_controllers_is_not_broker_capacity() -> None:
    """A MIG is judged by what its instance template starts (its role label), not its name."""
    rule = "failure.secondary-capacity"

    def quorum(assets: list[dict[str, Any]]) -> None:
        mig = copy.deepcopy(
            next(a for a in assets if a["name"].endswith("/instanceGroupManagers/kafka-ew1"))
        )
        tpl = copy.deepcopy(
            next(a for a in assets if a["name"].endswith("/instanceTemplates/broker"))
        )
        tpl["name"] = f"{CP}/global/instanceTemplates/quorum"
        tpl["resource"]["data"]["name"] = "quorum"
        tpl["resource"]["data"]["properties"]["labels"] = {
            "platform": "orders-kafka",
            "kafka-role": "controller",
        }
        mig["name"] = f"{CP}/zones/europe-west1-b/instanceGroupManagers/kafka-q-ew1"
        mig["resource"]["data"]["name"] = "kafka-q-ew1"
        mig["resource"]["data"]["instanceTemplate"] = (
            "https://www.googleapis.com/compute/v1/projects/orders-prod/global/"
            "instanceTemplates/quorum"
        )
        assets.extend([tpl, mig])

    v = gcp(rule, _scale_ew4(5), quorum)[EW4]
    assert v.status is Status.PASS, v.message


# --- keys in each region ------------------------------------------------------------------------


def test_a_secondary_store_encrypted_by_a_key_only_in_the_primary_fails() -> None:
    rule = "failure.keys-in-each-region"
    assert gcp(rule)["scope:gcp/*/europe-west1"].status is Status.PASS

    def moved(assets: list[dict[str, Any]]) -> None:
        bucket = next(
            a for a in assets if a["name"] == "//storage.googleapis.com/orders-tiered-ew1"
        )
        bucket["resource"]["location"] = "europe-west4"
        bucket["resource"]["data"]["location"] = "EUROPE-WEST4"

    v = gcp(rule, moved)[EW4]
    assert v.status is Status.FAIL and "only in europe-west1" in v.message


def test_a_secondary_store_under_another_partys_key_fails_when_every_project_was_listed() -> None:
    """Every customer project was listed: an uncollected key is in none of them."""
    rule = "failure.keys-in-each-region"

    def vendors(assets: list[dict[str, Any]]) -> None:
        bucket = next(
            a for a in assets if a["name"] == "//storage.googleapis.com/orders-tiered-ew1"
        )
        bucket["resource"]["location"] = "europe-west4"
        bucket["resource"]["data"]["location"] = "EUROPE-WEST4"
        bucket["resource"]["data"]["encryption"] = {
            "defaultKmsKeyName": (
                "projects/vendor-ops/locations/europe-west4/keyRings/kafka/cryptoKeys/k"
            )
        }

    assets = copy.deepcopy(load_assets(GCP / "estate.yaml"))
    vendors(assets)
    with GcpFake(assets, page_size=50) as fake:
        result = collect_gcp(
            GcpScanOptions(
                projects=("orders-prod",),
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=50,
                max_workers=2,
            )
        )
    scope = Scope(accounts=("orders-prod",), regions=("europe-west1", "europe-west4"), cloud="gcp")
    decl = load_declaration(GCP / "boundary.yaml")
    listed = normalize(result.records, scope=scope, collected=result.units)
    got = evaluate_inventory(listed, decl, load_pack("default"), TODAY).verdicts
    v = next(v for v in got if v.rule == rule and v.resource == EW4)
    assert v.status is Status.FAIL and "in no customer project" in v.message, v.message
    # without the record of a complete listing, the key may be the customer's
    assert gcp(rule, vendors)[EW4].status is Status.INCONCLUSIVE


# --- data replicated --------------------------------------------------------------------------


STORDERSWEU = "/storageaccounts/stordersweu"


def test_azure_geo_replication_cannot_promise_a_short_rpo(tmp_path: Path) -> None:
    rule = "failure.data-replicated"
    v = _one(azure(rule), STORDERSWEU)
    assert v.status is Status.FAIL and "geo-replication" in v.message

    def relaxed(doc: dict[str, Any]) -> None:
        doc["objectives"]["rpo"] = "30m"

    assert _one(azure(rule, decl=relaxed, tmp=tmp_path), STORDERSWEU).status is Status.PASS

    def local_only(estate: dict[str, Any]) -> None:
        _row(estate, "microsoft.storage/storageaccounts", "stordersweu")["sku"] = {
            "name": "Standard_ZRS",
            "tier": "Standard",
        }

    v = _one(azure(rule, local_only, decl=relaxed, tmp=tmp_path), STORDERSWEU)
    assert v.status is Status.FAIL and "no replication" in v.message


def test_gcp_primary_data_without_a_copy_fails() -> None:
    got = gcp("failure.data-replicated")
    assert got["//storage.googleapis.com/orders-tiered-ew1"].status is Status.FAIL


# --- operations in each region ------------------------------------------------------------------


def test_operations_are_judged_per_azure_region_and_say_what_is_missing() -> None:
    got = azure("failure.operations-in-each-region")
    assert set(got) == {"scope:azure/*/westeurope", NEU}  # no AWS trail speaks for them
    for v in got.values():
        # Judged from the Activity Log export and Network Watcher flow logs when they were
        # read, else INCONCLUSIVE naming what was not.
        if v.status is Status.PASS:
            assert "flow logs on" in v.message
        else:
            assert v.status is Status.INCONCLUSIVE, v.message
            assert "Activity Log export" in v.message and "flow log" in v.message


def test_gcp_platform_networks_come_from_the_platforms_subnetworks() -> None:
    """GCP networks carry no labels: the region's platform networks are those its platform
    instances sit in, and a global network's flow logs are its subnetworks' in the region."""
    rule = "failure.operations-in-each-region"
    got = gcp(rule)
    for v in got.values():
        assert "no platform network selected" not in v.message, v.message
        # the declared roles/compute.admin is predefined: it exists, and is not regional
        assert v.status is Status.PASS and "usable role" in v.message, v.message

    def off(assets: list[dict[str, Any]]) -> None:
        _asset(assets, f"{CP}/regions/europe-west4/subnetworks/kafka-ew4")["logConfig"] = {
            "enable": False
        }

    changed = gcp(rule, off)
    assert "kafka-net in europe-west4" in changed[EW4].message, changed[EW4].message
    assert changed[EW4].status is Status.FAIL
    assert "kafka-net" not in changed["scope:gcp/*/europe-west1"].message


# --- region independence: private DNS zones -------------------------------------------------------


ZONE = (
    f"/subscriptions/{S1}/resourceGroups/rg-network-weu/providers/Microsoft.Network/"
    "privateDnsZones/privatelink.servicebus.windows.net"
)


def _vnet(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/" + (
        f"virtualNetworks/{name}"
    )


def _private_zone(*vnets: str) -> Edit:
    def add(estate: dict[str, Any]) -> None:
        estate["resources"] = [
            r for r in estate["resources"] if "/privatednszones/" not in str(r["id"]).lower()
        ]
        estate["resources"].append(
            {
                "id": ZONE,
                "type": "Microsoft.Network/privateDnsZones",
                "location": "global",
                "properties": {"numberOfVirtualNetworkLinks": len(vnets)},
            }
        )
        for vnet in vnets:
            estate["resources"].append(
                {
                    "id": f"{ZONE}/virtualNetworkLinks/link-{vnet.rsplit('/', 1)[-1]}",
                    "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                    "location": "global",
                    "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False},
                }
            )

    return add


def test_a_private_zone_linked_only_to_the_primary_vnet_blocks_the_secondary() -> None:
    weu = _vnet(S1, "rg-kafka-weu", "vnet-kafka-weu")
    neu = _vnet(S2, "rg-kafka-neu", "vnet-kafka-neu")
    rule = "failure.region-independence"
    v = azure(rule, _private_zone(weu))[NEU]
    assert v.status is Status.FAIL and "privatelink.servicebus.windows.net" in v.message
    assert azure(rule, _private_zone(weu, neu))[NEU].status is Status.PASS


def test_a_namespace_reached_only_through_the_primarys_private_endpoint_blocks() -> None:
    """A private endpoint in another region's VNet is the standby's only way in."""
    rule = "failure.region-independence"
    assert azure(rule)[NEU].status is Status.PASS

    def moved(estate: dict[str, Any]) -> None:
        pe = _row(estate, "microsoft.network/privateendpoints", "pe-evh-orders-neu")
        pe["location"] = "westeurope"
        pe["properties"]["subnet"]["id"] = (
            f"/subscriptions/{S1}/resourceGroups/rg-kafka-weu/providers/Microsoft.Network/"
            "virtualNetworks/vnet-kafka-weu/subnets/snet-endpoints"
        )

    v = azure(rule, moved)[NEU]
    assert v.status is Status.FAIL and "pe-evh-orders-neu" in v.message, v.message


# --- failover plan ----------------------------------------------------------------------------


def test_failover_plan_plans_azure_regions_with_traffic_manager_steps(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auditor.cli import main
    from auditor.pipeline import write_scan_bundle

    records = _azure_records(())
    inv = normalize(
        records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
    )
    boundary = AZURE / "boundary.yaml"
    decl = load_declaration(boundary)
    ev = evaluate_inventory(inv, decl, load_pack("default"), TODAY)
    started = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    bundle = write_scan_bundle(
        tmp_path,
        decl=decl,
        decl_text=boundary.read_text(encoding="utf-8"),
        ev=ev,
        started=started,
        finished=started,
    )
    r = CliRunner().invoke(main, ["failover-plan", str(bundle)])
    assert r.exit_code == 0, r.output
    assert "azure/northeurope (secondary) takes over from westeurope" in r.output
    assert "Traffic Manager answers SECONDARY neu" in r.output
    assert "Route53" not in r.output


def _primary_event_hubs(units: int) -> Edit:
    """A copy of evh-orders-neu in westeurope (the primary) with ``units`` throughput units."""

    def add(estate: dict[str, Any]) -> None:
        neu = _row(estate, "microsoft.eventhub/namespaces", "evh-orders-neu")
        weu = copy.deepcopy(neu)
        weu["id"] = f"/subscriptions/{S1}/resourceGroups/rg-kafka-weu/providers/" + (
            "Microsoft.EventHub/namespaces/evh-orders-weu"
        )
        weu["location"] = "westeurope"
        weu["sku"]["capacity"] = units
        estate["resources"].append(weu)

    return add


def test_event_hubs_units_compare_per_tier_with_the_primarys() -> None:
    rule = "failure.secondary-capacity"
    v = azure(rule, _primary_event_hubs(4))[NEU]
    assert v.status is Status.FAIL and "standard 2 < 4" in v.message
    assert azure(rule, _primary_event_hubs(2))[NEU].status is Status.PASS


def test_event_hubs_cannot_be_compared_with_brokers() -> None:
    def hubs_only_primary(estate: dict[str, Any]) -> None:
        _primary_event_hubs(2)(estate)
        estate["resources"] = [
            r
            for r in estate["resources"]
            if not (
                r.get("location") == "westeurope"
                and str(r["type"]).lower()
                in (
                    "microsoft.compute/virtualmachinescalesets",
                    "microsoft.compute/virtualmachines",
                )
            )
        ]
        estate["resources"] = [
            r for r in estate["resources"] if not str(r["id"]).endswith("evh-orders-neu")
        ]

    v = azure("failure.secondary-capacity", hubs_only_primary)[NEU]
    assert v.status is Status.INCONCLUSIVE and "cannot be compared" in v.message


def _stordersneu_key(vault: str) -> Edit:
    def point(estate: dict[str, Any]) -> None:
        enc = _row(estate, "microsoft.storage/storageaccounts", "stordersneu")["properties"]
        enc["encryption"]["keyvaultproperties"]["keyvaulturi"] = f"https://{vault}.vault.azure.net/"

    return point


def _vault_in(vault: str, location: str) -> Edit:
    def move(estate: dict[str, Any]) -> None:
        for r in estate["resources"]:
            rid = str(r["id"]).lower()
            if f"/vaults/{vault}" in rid and "/providers/microsoft.authorization/" not in rid:
                r["location"] = location

    return move


def test_azure_data_encrypted_by_a_key_in_an_unpaired_region_fails() -> None:
    rule = "failure.keys-in-each-region"
    assert azure(rule)[NEU].status is Status.PASS
    v = azure(rule, _vault_in("kv-orders-neu", "francecentral"))[NEU]
    assert v.status is Status.FAIL and "only in francecentral" in v.message
    # Key Vault fails a vault over, read-only, to its paired region: westeurope's serves.
    assert azure(rule, _stordersneu_key("kv-orders-weu"))[NEU].status is Status.PASS


def test_region_capacity_fails_a_gcp_region_without_brokers() -> None:
    rule = "failure.region-capacity"
    assert gcp(rule)[EW4].status is Status.PASS

    def empty(assets: list[dict[str, Any]]) -> None:
        assets[:] = [a for a in assets if "europe-west4" not in a["name"]]

    v = gcp(rule, empty)[EW4]
    assert v.status is Status.FAIL and "managed instance group" in v.message


# --- region independence: routes through another region ----------------------------------------


def _neu_route(hop_type: str, hop_ip: str | None) -> Edit:
    def add(estate: dict[str, Any]) -> None:
        route: dict[str, Any] = {"addressPrefix": "0.0.0.0/0", "nextHopType": hop_type}
        if hop_ip:
            route["nextHopIpAddress"] = hop_ip
        estate["resources"].append(
            {
                "id": f"/subscriptions/{S2}/resourceGroups/rg-kafka-neu/providers/"
                "Microsoft.Network/routeTables/rt-brokers-neu",
                "type": "Microsoft.Network/routeTables",
                "location": "northeurope",
                "properties": {
                    "subnets": [
                        {
                            "id": _vnet(S2, "rg-kafka-neu", "vnet-kafka-neu")
                            + "/subnets/snet-brokers"
                        }
                    ],
                    "routes": [{"name": "default-via-hub", "properties": route}],
                },
            }
        )

    return add


def test_a_secondary_routed_through_the_primarys_appliance_is_not_independent() -> None:
    rule = "failure.region-independence"
    v = azure(rule, _neu_route("VirtualAppliance", "10.10.1.4"))[NEU]
    assert v.status is Status.FAIL and "default-via-hub" in v.message and "westeurope" in v.message
    assert azure(rule, _neu_route("Internet", None))[NEU].status is Status.PASS


def _gcp_route(tags: list[str]) -> Edit:
    def add(assets: list[dict[str, Any]]) -> None:
        route = copy.deepcopy(
            next(a for a in assets if a["name"].endswith("/routes/default-internet"))
        )
        route["name"] = f"{CP}/global/routes/via-ew1-appliance"
        d = route["resource"]["data"]
        d.pop("nextHopGateway")
        d.update(
            name="via-ew1-appliance",
            destRange="10.99.0.0/16",
            priority=900,
            nextHopInstance="projects/orders-prod/zones/europe-west1-b/instances/broker-ew1-a",
        )
        if tags:
            d["tags"] = tags
        assets.append(route)

    return add


def test_a_gcp_route_through_an_instance_in_the_primary_is_a_dependency() -> None:
    rule = "failure.region-independence"
    v = gcp(rule, _gcp_route([]))[EW4]
    assert v.status is Status.FAIL and "via-ew1-appliance" in v.message
    # A route tagged for instances that are not in europe-west4 does not reach its brokers.
    assert gcp(rule, _gcp_route(["no-such-tag"]))[EW4].status is Status.PASS


# --- drills -------------------------------------------------------------------------------------


def test_drills_are_judged_per_azure_region(tmp_path: Path) -> None:
    import json

    from auditor.normalize.drills import with_drills

    drills = tmp_path / "drills"
    drills.mkdir()
    doc = yaml.safe_load((AZURE / "boundary.yaml").read_text(encoding="utf-8"))
    doc["failure"]["drills"] = {"max_age": "90d", "path": "drills"}
    boundary = tmp_path / "boundary.yaml"
    boundary.write_text(yaml.safe_dump(doc), encoding="utf-8")
    decl = load_declaration(boundary)
    records = _azure_records(())
    inv = normalize(
        records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
    )

    def judge() -> dict[str, Verdict]:
        with_evidence = with_drills(inv, decl, boundary, dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
        got = evaluate_inventory(with_evidence, decl, load_pack("default"), TODAY).verdicts
        return {v.resource: v for v in got if v.rule == "failure.drill-recent"}

    assert judge()[NEU].status is Status.FAIL
    drill = {
        "version": 1,
        "id": "2026-11-20-weu-to-neu",
        "platform": decl.name,
        "from_region": "azure/westeurope",
        "to_region": "azure/northeurope",
        "started": "2026-11-20T09:00:00Z",
        "ended": "2026-11-20T09:10:00Z",
        "outcome": "succeeded",
        "measurements": {
            "recovery_time_seconds": 600,
            "replication_lag_seconds": 30,
            "dns_switch_seconds": 60,
            "client_errors": {"producer": 10, "consumer": 2},
            "consumer_offset_gap": {"orders-processor": 5},
        },
        "steps": [{"name": "Traffic Manager fails over to neu", "result": "ok"}],
        "run_by": [{"name": "Dana Ops", "role": "SRE on call"}],
    }
    (drills / "2026-11-20-weu-to-neu.json").write_text(json.dumps(drill), encoding="utf-8")
    v = judge()[NEU]
    assert v.status is Status.PASS, v.message


# --- pattern rules over Azure regions -------------------------------------------------------------


def test_compute_replaceable_on_azure_scale_sets(tmp_path: Path) -> None:
    def shared(doc: dict[str, Any]) -> None:
        doc["pattern"] = "shared-storage"

    got = azure("failure.compute-replaceable", decl=shared, tmp=tmp_path)
    assert got[NEU].status is Status.PASS and "vmss-brokers-neu" in got[NEU].message
    weu = got["scope:azure/*/westeurope"]
    # vm-broker-0 is a stand-alone VM next to the scale set.
    assert weu.status is Status.FAIL and "outside any VM scale set" in weu.message


def test_local_resolution_reads_traffic_manager_endpoint_locations(tmp_path: Path) -> None:
    def active(doc: dict[str, Any]) -> None:
        doc["pattern"] = "active-active"
        doc["regions"] = {"azure/westeurope": "active", "azure/northeurope": "active"}
        doc["failure"]["dns"]["routing"] = "latency"

    def performance(estate: dict[str, Any]) -> None:
        _tm(estate)["trafficRoutingMethod"] = "Performance"

    rule = "failure.local-resolution"
    assert _one(azure(rule, performance, decl=active, tmp=tmp_path)).status is Status.PASS
    # Priority routing sends every client to one region.
    assert _one(azure(rule, decl=active, tmp=tmp_path)).status is Status.FAIL


def test_a_managed_instance_group_is_sized_from_its_instance_template() -> None:
    rule = "failure.secondary-capacity"

    def no_ew4_instances(assets: list[dict[str, Any]]) -> None:
        assets[:] = [
            a
            for a in assets
            if not (
                a["assetType"] == "compute.googleapis.com/Instance" and "europe-west4" in a["name"]
            )
        ]

    # kafka-ew4 targets 5 x the "broker" template's n2-standard-8: 40 vCPUs, 160 GiB.
    v = gcp(rule, no_ew4_instances, _scale_ew4(5))[EW4]
    assert v.status is Status.PASS, v.message

    def unknown_template(assets: list[dict[str, Any]]) -> None:
        tpl = _asset(assets, f"{CP}/global/instanceTemplates/broker")
        tpl["properties"]["machineType"] = "x9-odd"

    v = gcp(rule, no_ew4_instances, _scale_ew4(5), unknown_template)[EW4]
    assert v.status is Status.INCONCLUSIVE and "kafka-ew4" in v.message
