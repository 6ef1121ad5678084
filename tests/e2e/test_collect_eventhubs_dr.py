"""Event Hubs geo-disaster recovery aliases through ARM, with the real Azure SDK over the fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_server import AzureFake, AzureFault, load_estate
from auditor.model import Scope
from auditor.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "azure-kafka" / "estate.yaml"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
NAMESPACE = (
    f"/subscriptions/{S2}/resourcegroups/rg-kafka-neu/providers/microsoft.eventhub/namespaces/"
    "evh-orders-neu"
)
PARTNER = (
    f"/subscriptions/{S1}/resourcegroups/rg-kafka-weu/providers/microsoft.eventhub/namespaces/"
    "evh-orders-weu"
)


def _opts(fake: AzureFake) -> AzureScanOptions:
    return AzureScanOptions(
        subscriptions=(S1, S2),
        base_url=fake.base_url,
        credential=fake.credential(),
        connection_verify=fake.ca_path,
        retry_total=0,
    )


def _collect(fake: AzureFake) -> Any:
    result = collect_azure(_opts(fake))
    return result, normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )


def test_geo_dr_alias_is_read_through_arm() -> None:
    with AzureFake(load_estate(ESTATE)) as fake:
        result, inv = _collect(fake)
        gets = [p for m, p in fake.requests if m == "GET"]
    assert result.gaps == []
    assert [p for p in gets if p.lower().endswith("/disasterrecoveryconfigs")] == [
        f"/subscriptions/{S2}/resourceGroups/rg-kafka-neu/providers/Microsoft.EventHub/"
        "namespaces/evh-orders-neu/disasterRecoveryConfigs"
    ]
    [alias] = [r for r in inv.resources if r.kind == "kafka_replication"]
    assert alias.id == f"{NAMESPACE}/disasterrecoveryconfigs/evh-orders"
    assert (alias.region, alias.source) == ("northeurope", "DisasterRecoveryConfigs.List")
    a = alias.attributes
    assert (a["service"], a["role"], a["state"], a["partner"], a["namespace"]) == (
        "eventhubs-geo-dr",
        "Primary",
        "Succeeded",
        PARTNER,
        NAMESPACE,
    )
    [flow] = a["flows"]  # type: ignore[misc]
    # Geo-DR copies metadata: no records, no consumer offsets.
    assert (flow["data"], flow["offset_sync"], flow["source_region"]) == (
        False,
        False,
        "northeurope",
    )
    assert {(r.kind, r.target) for r in inv.relations if r.source == alias.id} == {
        ("failure.replicates_from", NAMESPACE),
        ("failure.replicates_into", PARTNER),
    }


def test_a_denied_alias_read_is_a_gap_naming_the_namespace() -> None:
    with AzureFake(load_estate(ESTATE)) as fake:
        fake.add_fault(
            AzureFault(path=r".*/disasterRecoveryConfigs$", status=403, code="AuthorizationFailed")
        )
        result, inv = _collect(fake)
    gaps = [(g.service, g.operation, g.error_code, g.resource) for g in result.gaps]
    assert gaps == [
        ("azure-eventhubs-dr", "DisasterRecoveryConfigs.List", "AuthorizationFailed", NAMESPACE)
    ]
    assert not [r for r in inv.resources if r.kind == "kafka_replication"]
    # the other units are unaffected: the namespace itself is still collected
    assert NAMESPACE in {r.id for r in inv.resources}
