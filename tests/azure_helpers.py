"""The azure-kafka estate scanned through the Azure fake by the real Azure SDK clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.fakecloud.azure_server import AzureFake
from auditor.model import Inventory, Scope
from auditor.normalize import normalize

ESTATE = Path(__file__).resolve().parent.parent / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"


def scanned(
    estate: Path | dict[str, Any] = ESTATE / "estate.yaml", *, page_size: int = 50
) -> Inventory:
    """``estate`` (a file or a loaded estate) served by the Azure fake, collected and
    normalised for both subscriptions; a collection gap fails the test (these scans are
    meant complete)."""
    with AzureFake(estate, page_size=page_size) as fake:
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
    return normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
