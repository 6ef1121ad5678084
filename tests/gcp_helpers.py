"""Shared pieces of the GCP tests: the gcp-kafka estate, edits to it, inventories, exports."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from auditor.boundary import Declaration, load_declaration
from auditor.collect.gcp import IAM_UNIT, RESOURCE_UNIT
from auditor.collect.gcp.records import to_records
from auditor.fakecloud.gcp_server import load_assets
from auditor.model import CollectionUnit, Gap, Inventory, Resource, Scope
from auditor.normalize import normalize

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "gcp-kafka"
ESTATE = FIXTURE / "estate.yaml"
PROJECT = "orders-prod"
ORG = "500000000005"
CP = "//compute.googleapis.com/projects/orders-prod"
NET = f"{CP}/global/networks/kafka-net"
BROKER_EW1_A = f"{CP}/zones/europe-west1-b/instances/broker-ew1-a"
BROKER_EW1_B = f"{CP}/zones/europe-west1-b/instances/broker-ew1-b"
BROKER_EW4_A = f"{CP}/zones/europe-west4-a/instances/broker-ew4-a"
MK = "//managedkafka.googleapis.com/projects/orders-prod/locations/europe-west1/clusters/orders-mk"
TIERED = "//storage.googleapis.com/orders-tiered-ew1"
ARCHIVE = "//storage.googleapis.com/orders-archive"
PROJECT_ID = "//cloudresourcemanager.googleapis.com/projects/100000000001"
ORG_ID = f"//cloudresourcemanager.googleapis.com/organizations/{ORG}"
PEER_OK = f"{NET}/peerings/to-analytics"
PEER_BAD = f"{NET}/peerings/to-partner"
LOG_KEY = (
    "//cloudkms.googleapis.com/projects/orders-prod/locations/europe-west1/keyRings/kafka/"
    "cryptoKeys/log-key"
)


def estate() -> list[dict[str, Any]]:
    """A fresh (deep) copy of the fixture's assets."""
    return copy.deepcopy(load_assets(ESTATE))


def asset(assets: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [a for a in assets if a["name"] == name]
    assert len(found) == 1, name
    return found[0]


def data(assets: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    out: dict[str, Any] = asset(assets, name)["resource"]["data"]
    return out


def edited(*edits: Callable[[list[dict[str, Any]]], object]) -> list[dict[str, Any]]:
    """The fixture estate with each edit applied in order."""
    assets = estate()
    for fn in edits:
        fn(assets)
    return assets


def inventory(
    assets: Iterable[Mapping[str, Any]] | None = None,
    *,
    gaps: Sequence[Gap] = (),
    iam_read: bool = True,
) -> Inventory:
    """Assets straight to an inventory (the records live collection would emit)."""
    records = to_records(list(estate() if assets is None else assets))
    accounts = sorted({r.account for r in records if "/" not in r.account})
    units = [
        CollectionUnit(cloud="gcp", account=a, region="global", service=s)
        for a in accounts
        for s in ([RESOURCE_UNIT, IAM_UNIT] if iam_read else [RESOURCE_UNIT])
    ]
    return normalize(
        records,
        scope=Scope(
            accounts=tuple(accounts), regions=("europe-west1", "europe-west4"), cloud="gcp"
        ),
        gaps=gaps,
        collected=units,
    )


def declaration() -> Declaration:
    return load_declaration(FIXTURE / "boundary.yaml")


def res(inv: Inventory, rid: str) -> Resource:
    found = [r for r in inv.resources if r.id == rid]
    assert len(found) == 1, rid
    return found[0]


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def export_lines(assets: Iterable[Mapping[str, Any]]) -> str:
    """The estate as ``gcloud asset export`` would write it: one line per asset and content."""
    lines: list[str] = []
    for a in assets:
        base = {"name": a["name"], "asset_type": a["assetType"], "ancestors": a["ancestors"]}
        base["update_time"] = "2026-11-29T10:00:00.000Z"
        if a.get("resource") is not None:
            resource = {_snake(k): v for k, v in a["resource"].items()}
            lines.append(json.dumps({**base, "resource": resource}))
        if a.get("iamPolicy") is not None:
            policy = {"version": 1, "etag": "BwX=", **a["iamPolicy"]}
            lines.append(json.dumps({**base, "iam_policy": policy}))
    return "\n".join(lines) + "\n"


def scanned(assets: Sequence[Mapping[str, Any]], *, page_size: int = 20) -> Inventory:
    """``assets`` served by the GCP fake, collected by the real client, normalised; a
    collection gap fails the test (these scans are meant complete)."""
    from auditor.collect.gcp import GcpScanOptions, collect_gcp
    from auditor.fakecloud.gcp_server import GcpFake

    with GcpFake(list(assets), page_size=page_size) as fake:
        result = collect_gcp(
            GcpScanOptions(
                projects=(PROJECT,),
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=page_size,
                max_workers=2,
            )
        )
    assert result.gaps == []
    return normalize(
        result.records,
        scope=Scope(accounts=(PROJECT,), regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )
