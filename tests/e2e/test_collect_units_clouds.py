"""Azure and GCP through the one collection runner: checkpoint and resume, quota pacing, faults.

Real SDK clients (azure-mgmt-*, google-cloud-asset) talk to the local fakes. A
scan is interrupted (Ctrl-C in the middle: the progress callback raises) and
resumed from its checkpoint: every unit is collected once over the two runs and
the inventory is byte for byte the uninterrupted scan's. The fakes meter
requests as the clouds document (Resource Graph's per-user quota with its
headers, Cloud Asset's per-consumer-project quota): paced by default, a scan
sees no throttling and no gap; unpaced, the same fake throttles it into gaps.
A faulted unit is a gap, its verdicts INCONCLUSIVE, and a resumed scan runs it
again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.base.serialize import inventory_jsonl
from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.gcp import IAM_UNIT, RESOURCE_UNIT, GcpScanOptions, collect_gcp
from auditor.collect.progress import ProgressUpdate
from auditor.collect.runner import CollectionResult
from auditor.fakecloud.azure_server import AzureFake, AzureFault, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Inventory, Scope, Status
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.gcp_helpers import BROKER_EW1_A, BROKER_EW1_B, ESTATE, PROJECT, declaration
from tests.helpers import run_rules, status_of

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)


class Interrupt(KeyboardInterrupt):
    """Ctrl-C, pressed by the progress callback once ``after`` units have finished."""


def _stop_after(after: int, seen: list[str]) -> Callable[[ProgressUpdate], None]:
    def progress(update: ProgressUpdate) -> None:
        seen.append(update.label)
        if len(seen) >= after:
            raise Interrupt

    return progress


def _azure(fake: AzureFake, **kw: Any) -> AzureScanOptions:
    base: dict[str, Any] = {
        "subscriptions": (S1, S2),
        "base_url": fake.base_url,
        "credential": fake.credential(),
        "connection_verify": fake.ca_path,
        "retry_total": 0,
        "max_workers": 2,
    }
    return AzureScanOptions(**{**base, **kw})


def _azure_inventory(result: CollectionResult) -> Inventory:
    return normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls={},
        collected=result.units,
    )


def _gcp(fake: GcpFake, **kw: Any) -> GcpScanOptions:
    base: dict[str, Any] = {
        "projects": (PROJECT,),
        "folders": ("700000000007",),
        "api_endpoint": fake.endpoint,
        "credentials": fake.credentials(),
        "retry": None,
        "timeout": 10.0,
        "page_size": 4,
        "max_workers": 1,
    }
    return GcpScanOptions(**{**base, **kw})


def _gcp_inventory(result: CollectionResult) -> Inventory:
    return normalize(
        result.records,
        scope=Scope(accounts=(PROJECT,), regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )


# --- checkpoint and resume ----------------------------------------------------------------


def test_azure_scan_resumed_after_an_interruption_collects_each_unit_once(
    tmp_path: Path,
) -> None:
    estate = load_estate(AZURE / "estate.yaml")
    with AzureFake(estate, page_size=4) as fake:
        whole = collect_azure(_azure(fake))
        assert whole.gaps == []
        everything = sorted(f"{u.account}/{u.region}/{u.service}" for u in whole.units)

        first: list[str] = []
        checkpoint = tmp_path / "cache" / "azure-key"
        with pytest.raises(Interrupt):
            collect_azure(_azure(fake, checkpoint=checkpoint), progress=_stop_after(3, first))
        assert len(list((checkpoint / "units").glob("*.json"))) >= 3

        second: list[ProgressUpdate] = []
        resumed = collect_azure(
            _azure(fake, checkpoint=checkpoint, resume=True), progress=second.append
        )
    again = [u.label for u in second]
    assert resumed.gaps == []
    assert resumed.resumed_units >= 3
    # the units finished before the interruption are read back, never collected again
    assert not set(first[:3]) & set(again)
    assert len(again) + resumed.resumed_units == len(set(first[:3]) | set(again))
    assert sorted(f"{u.account}/{u.region}/{u.service}" for u in resumed.units) == everything
    assert inventory_jsonl(_azure_inventory(resumed)) == inventory_jsonl(_azure_inventory(whole))


def test_gcp_scan_resumed_after_an_interruption_collects_each_unit_once(tmp_path: Path) -> None:
    with GcpFake(ESTATE, page_size=4) as fake:
        whole = collect_gcp(_gcp(fake))
        assert whole.gaps == []
        listed_whole = len(fake.requests)

        fake.requests.clear()
        first: list[str] = []
        checkpoint = tmp_path / "cache" / "gcp-key"
        with pytest.raises(Interrupt):
            collect_gcp(_gcp(fake, checkpoint=checkpoint), progress=_stop_after(2, first))
        listed_first = len(fake.requests)

        fake.requests.clear()
        second: list[ProgressUpdate] = []
        resumed = collect_gcp(
            _gcp(fake, checkpoint=checkpoint, resume=True), progress=second.append
        )
        listed_second = len(fake.requests)
    assert resumed.gaps == []
    assert resumed.resumed_units == 2
    again = {u.label for u in second}
    assert len(again) == 2 and not again & set(first)  # 4 units: 2 restored, 2 collected
    # one scan's worth of requests over the two runs: nothing finished was listed again
    assert listed_first + listed_second == listed_whole
    assert {(u.account, u.service) for u in resumed.units} == {
        (PROJECT, RESOURCE_UNIT),
        (PROJECT, IAM_UNIT),
    }
    assert inventory_jsonl(_gcp_inventory(resumed)) == inventory_jsonl(_gcp_inventory(whole))


# --- pacing against the clouds' quotas -----------------------------------------------------


def test_resource_graph_quota_headers_pace_the_scan_without_throttling_or_gaps() -> None:
    estate = load_estate(AZURE / "estate.yaml")
    with AzureFake(estate, page_size=5) as fake:
        clean = collect_azure(_azure(fake))
        queries = sum(1 for method, _ in fake.requests if method == "POST")
        assert queries > 8  # more than two windows' worth of the quota below

        fake.graph_quota(4, 1.0)  # 4 queries a second for the user, then 429
        paced = collect_azure(_azure(fake))
        assert fake.throttled == 0
        assert paced.gaps == []
        assert inventory_jsonl(_azure_inventory(paced)) == inventory_jsonl(_azure_inventory(clean))

        fake.graph_quota(4, 1.0)
        unpaced = collect_azure(_azure(fake, pacing=False))
    assert fake.throttled > 0, "without pacing the same quota must throttle the scan"
    assert {g.error_code for g in unpaced.gaps} == {"RateLimiting"}


def test_resource_graph_429_is_backed_off_for_its_retry_after() -> None:
    """Two 429 answers: the pacer halves and holds the graph's bucket, the SDK asks again."""
    estate = load_estate(AZURE / "estate.yaml")
    with AzureFake(estate, page_size=50) as fake:
        fake.add_fault(AzureFault(path="resourcegraph", status=429, code="RateLimiting", times=2))
        result = collect_azure(_azure(fake, retry_total=3))
    assert result.gaps == []
    assert {u.service for u in result.units} >= {"azure-resources", "azure-authorization"}


def test_cloud_asset_paced_at_its_documented_quota_is_never_throttled() -> None:
    from auditor.collect.pacing import CLOUD_PACES

    pace = CLOUD_PACES["gcp-cloudasset-list"]
    assert pace.rate == pytest.approx(100 / 60) and "documented" in pace.source
    with GcpFake(ESTATE, page_size=4) as fake:
        clean = collect_gcp(_gcp(fake, throttle_retries=0))
        assert len(fake.requests) > pace.burst  # the scan outlasts the burst: the refill paces it
        fake.throttle(rate=pace.rate, burst=pace.burst)  # ListAssets: 100 a minute
        paced = collect_gcp(_gcp(fake, throttle_retries=0, max_workers=4))
        assert fake.throttled == 0
        assert paced.gaps == []
        assert inventory_jsonl(_gcp_inventory(paced)) == inventory_jsonl(_gcp_inventory(clean))

        fake.throttle(rate=pace.rate, burst=pace.burst)
        unpaced = collect_gcp(_gcp(fake, throttle_retries=0, pacing=False, max_workers=4))
    assert fake.throttled > 0
    assert unpaced.gaps and {g.error_code for g in unpaced.gaps} <= {"TOO_MANY_REQUESTS", "429"}


def test_cloud_asset_resource_exhausted_is_backed_off_without_gaps() -> None:
    with GcpFake(ESTATE, page_size=4) as fake:
        clean = collect_gcp(_gcp(fake, folders=()))
        fake.throttle(rate=4, burst=2)  # far below the documented quota: 429s will come
        throttled = collect_gcp(_gcp(fake, folders=(), max_workers=2))
        assert fake.throttled > 0
    assert throttled.gaps == []
    assert inventory_jsonl(_gcp_inventory(throttled)) == inventory_jsonl(_gcp_inventory(clean))


# --- fault injection ----------------------------------------------------------------------


def test_azure_faulted_unit_is_a_gap_inconclusive_and_runs_again_on_resume(
    tmp_path: Path,
) -> None:
    estate = load_estate(AZURE / "estate.yaml")
    decl = load_declaration(AZURE / "boundary.yaml")
    checkpoint = tmp_path / "cache" / "azure-fault"
    with AzureFake(estate) as fake:
        fake.add_fault(
            AzureFault(path="resourcegraph", status=500, body_contains="authorizationresources")
        )
        faulted = collect_azure(_azure(fake, checkpoint=checkpoint))
        faulted.checkpoint.close()  # type: ignore[union-attr]
        fake.clear_faults()
        seen: list[ProgressUpdate] = []
        resumed = collect_azure(_azure(fake, checkpoint=checkpoint, resume=True), seen.append)
    assert {(g.account, g.service) for g in faulted.gaps} == {
        (S1, "azure-authorization"),
        (S2, "azure-authorization"),
    }
    assert "azure-authorization" not in {u.service for u in faulted.units}
    vs = evaluate_inventory(_azure_inventory(faulted), decl, load_pack("default"), TODAY)
    scopes = {
        v.resource: v.status
        for v in vs.verdicts
        if v.rule == "control.outside-reach-declared" and v.resource.startswith("scope:azure/")
    }
    assert scopes and set(scopes.values()) == {Status.INCONCLUSIVE}
    # resumed: only the unit that hit the gap ran again, and now it read everything
    assert [u.label.rsplit("/", 1)[-1] for u in seen] == ["azure-authorization"]
    assert resumed.gaps == []
    assert {"azure-authorization"} <= {u.service for u in resumed.units}


def test_gcp_faulted_unit_is_a_gap_and_its_verdicts_inconclusive() -> None:
    with GcpFake(ESTATE, page_size=4) as fake:
        fake.fail("contentType=2", status=503)
        result = collect_gcp(_gcp(fake, folders=()))
    assert [(g.account, g.operation, g.error_code) for g in result.gaps] == [
        (PROJECT, "cloudasset.assets.listIamPolicy", "SERVICE_UNAVAILABLE")
    ]
    assert {(u.account, u.service) for u in result.units} == {(PROJECT, RESOURCE_UNIT)}
    vs = run_rules(_gcp_inventory(result), declaration(), rules=["network.public-ingress"])
    assert status_of(vs, "network.public-ingress", BROKER_EW1_B) is Status.INCONCLUSIVE
    assert status_of(vs, "network.public-ingress", BROKER_EW1_A) is Status.FAIL


# --- the scan: pacing, resume and checkpoint reach Azure from the scan's options -----------


def test_scan_checkpoints_azure_beside_its_key_resumes_it_and_removes_it(tmp_path: Path) -> None:
    from auditor.commands._scale import ScanScale
    from auditor.pipeline import run_scan, scan_request

    text = (AZURE / "boundary.yaml").read_text(encoding="utf-8")
    decl = load_declaration(AZURE / "boundary.yaml")
    cache = tmp_path / "cache"
    estate = load_estate(AZURE / "estate.yaml")
    with AzureFake(estate, page_size=4) as fake:
        options = {
            "azure": {
                "base_url": fake.base_url,
                "credential": fake.credential(),
                "connection_verify": fake.ca_path,
                "retry_total": 0,
            }
        }

        def request(resume: bool, out: str) -> Any:
            return scan_request(
                decl,
                text,
                load_pack("default"),
                out_dir=tmp_path / out,
                scale=ScanScale(cache_dir=cache, resume=resume),
                cloud_options=options,
            )

        first = request(False, "one")
        folder = first.targets.azure.checkpoint
        assert folder.parent == cache and folder.name.endswith("-azure")
        assert first.targets.azure.pacing is True
        seen: list[str] = []
        with pytest.raises(Interrupt):
            run_scan(first, progress=_stop_after(2, seen))
        assert len(list((folder / "units").glob("*.json"))) >= 2

        again: list[ProgressUpdate] = []
        result = run_scan(request(True, "two"), progress=again.append)
    assert not {u.label for u in again} & set(seen[:2])  # finished units were not collected again
    assert result.inventory.gaps == ()
    assert not folder.exists()  # the bundle holds it all now: the raw answers are gone


# --- timings -------------------------------------------------------------------------------


def test_azure_and_gcp_hand_their_unit_times_and_pacer_to_the_timings() -> None:
    """Each cloud's slowest unit and its quota pacer reach timings.json, as AWS's do."""
    from auditor.evidence.timings import cloud_timing

    with AzureFake(load_estate(AZURE / "estate.yaml"), page_size=50) as fake:
        azure = collect_azure(_azure(fake))
    with GcpFake(ESTATE, page_size=50) as fake:
        gcp = collect_gcp(_gcp(fake))
    services = {
        "azure": {
            "azure-containers",
            "azure-diagnostics",
            "azure-eventhubs-dr",
            "azure-authorization",
            "azure-resources",
        },
        "gcp": {"cloudasset", "cloudasset-iam"},
    }
    for cloud, result in (("azure", azure), ("gcp", gcp)):
        timing = cloud_timing(cloud, 1.0, result)
        ran = {label.rsplit("/", 1)[-1] for label in timing.unit_seconds}
        assert ran == services[cloud], (cloud, sorted(timing.unit_seconds))
        assert all(s >= 0 for s in timing.unit_seconds.values())
        assert result.pacer is not None and isinstance(timing.waits, dict)
