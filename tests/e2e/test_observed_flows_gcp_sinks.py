"""GCP flow logs routed by user log sinks, end to end: the gcp-kafka estate whose ``_Default``
sink excludes ``vpc_flows`` while a user sink routes them to a log bucket. The entries are
stored in that bucket by the GCP fake; the real google-cloud-logging client reads them
through the bucket's ``_AllLogs`` view when the bucket's project is scanned, with the same
filter and window, and ``network.observed-sources`` judges them. A sink routing them where
the auditor does not read (BigQuery, a bucket of a project not scanned) keeps the network
INCONCLUSIVE, its destination named."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Inventory, Scope, Status
from auditor.normalize import normalize
from tests.e2e.test_observed_flows_gcp_e2e import (
    CLIENT,
    DAY,
    LOG,
    PEER,
    UNDECLARED,
    _complete,
    _on,
    _verdicts,
)
from tests.gcp_helpers import BROKER_EW1_A, NET, PROJECT, data

pytestmark = pytest.mark.e2e

ARCHIVE = "log-archive"
BUCKET = f"projects/{ARCHIVE}/locations/europe-west1/buckets/flows"
VIEW = f"{BUCKET}/views/_AllLogs"
SINK = f"//logging.googleapis.com/projects/{PROJECT}/sinks/flows-archive"
DEFAULT = f"//logging.googleapis.com/projects/{PROJECT}/sinks/_Default"
FLOWS = 'LOG_ID("compute.googleapis.com/vpc_flows")'


def _asset(name: str, atype: str, ancestors: list[str], payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "assetType": atype,
        "ancestors": ancestors,
        "resource": {"version": "v2", "location": "global", "data": payload},
    }


def _estate(destination: str, *, archive_scanned: bool = True) -> list[dict[str, Any]]:
    """gcp-kafka, its _Default sink excluding vpc_flows, a user sink routing them to
    ``destination``, and (``archive_scanned``) the log-archive project holding the bucket."""
    assets = _complete()
    data(assets, DEFAULT)["exclusions"] = [{"name": "no-flows", "filter": FLOWS}]
    own = ["projects/100000000001", "folders/700000000007", "organizations/500000000005"]
    assets.append(
        _asset(
            SINK,
            "logging.googleapis.com/LogSink",
            own,
            {"name": "flows-archive", "destination": destination, "filter": FLOWS},
        )
    )
    if archive_scanned:
        assets += archive_assets()
    return assets


def archive_assets() -> list[dict[str, Any]]:
    """The log archive project and its log bucket, as an organisation scan lists them."""
    theirs = ["projects/100000000009", "organizations/500000000005"]
    return [
        _asset(
            "//cloudresourcemanager.googleapis.com/projects/100000000009",
            "cloudresourcemanager.googleapis.com/Project",
            theirs,
            {"projectId": ARCHIVE, "projectNumber": "100000000009"},
        ),
        _asset(
            f"//logging.googleapis.com/{BUCKET}",
            "logging.googleapis.com/LogBucket",
            theirs,
            {"name": BUCKET, "retentionDays": 400},
        ),
    ]


def _collect(
    assets: Sequence[Mapping[str, Any]],
    stored: Mapping[str, Sequence[Mapping[str, Any]]],
    projects: tuple[str, ...] = (PROJECT, ARCHIVE),
    bodies: list[Any] | None = None,
    organization: str | None = None,
) -> Inventory:
    with GcpFake(list(assets), page_size=20) as fake:
        for bucket, entries in stored.items():
            fake.logging.add(entries, bucket=bucket)
        result = collect_gcp(
            GcpScanOptions(
                projects=() if organization else projects,
                organization=organization,
                api_endpoint=fake.endpoint,
                logging_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=20,
                max_workers=2,
                flows_since=DAY,
            )
        )
        if bodies is not None:
            bodies.extend(fake.logging.bodies)
    assert [g for g in result.gaps if g.service == "vpc-flow-records"] == []
    return normalize(
        result.records,
        scope=Scope(accounts=projects, regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )


def test_flows_in_a_user_sinks_bucket_are_read_and_an_undeclared_source_fails(
    tmp_path: Path,
) -> None:
    bodies: list[Any] = []
    inv = _collect(
        _estate(f"logging.googleapis.com/{BUCKET}"),
        {BUCKET: [*CLIENT, *PEER, *UNDECLARED]},
        bodies=bodies,
    )
    mine = [b for b in bodies if LOG in b["filter"]]
    assert [b["resourceNames"] for b in mine] == [[VIEW]]
    assert mine[0]["filter"].startswith(f'logName="{LOG}" AND timestamp>="')
    (read,) = [r for r in inv.resources if r.kind == "flow_read" and r.account == PROJECT]
    assert read.attributes["sink_id"] == SINK and read.attributes["view"] == VIEW
    assert read.attributes["records"] == 4
    v = _on(_verdicts(inv, tmp_path), BROKER_EW1_A)
    assert v.status is Status.FAIL, v.message
    assert "203.0.113.50" in v.message


def test_an_organisation_scan_reads_the_bucket_it_listed(tmp_path: Path) -> None:
    """No project named: the organisation's listing holds log-archive's bucket, so the scan
    covers it and reads it."""
    bodies: list[Any] = []
    inv = _collect(
        _estate(f"logging.googleapis.com/{BUCKET}"),
        {BUCKET: [*CLIENT, *PEER, *UNDECLARED]},
        bodies=bodies,
        organization="500000000005",
    )
    assert [b["resourceNames"] for b in bodies if LOG in b["filter"]] == [[VIEW]]
    assert _on(_verdicts(inv, tmp_path), BROKER_EW1_A).status is Status.FAIL


def test_the_twin_read_from_the_sinks_bucket_passes(tmp_path: Path) -> None:
    inv = _collect(_estate(f"logging.googleapis.com/{BUCKET}"), {BUCKET: [*CLIENT, *PEER]})
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["flows_judged"] == 2


def test_a_sink_whose_filter_may_keep_only_some_flows_is_not_taken_as_all(
    tmp_path: Path,
) -> None:
    assets = _estate(f"logging.googleapis.com/{BUCKET}")
    data(assets, SINK)["filter"] = f'{FLOWS} AND jsonPayload.reporter="DEST"'
    inv = _collect(assets, {BUCKET: [*CLIENT, *PEER]})
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "has exclusions (no-flows) that drop vpc_flows" in v.message
    assert f"routes vpc_flows to logging.googleapis.com/{BUCKET}" in v.message
    assert "its filter may keep only some of them" in v.message


@pytest.mark.parametrize(
    ("destination", "scanned", "why"),
    [
        (
            "bigquery.googleapis.com/projects/orders-prod/datasets/flows",
            True,
            "BigQuery bigquery.googleapis.com/projects/orders-prod/datasets/flows is not read",
        ),
        (
            "pubsub.googleapis.com/projects/orders-prod/topics/flows",
            True,
            "Pub/Sub pubsub.googleapis.com/projects/orders-prod/topics/flows is not read",
        ),
        ("storage.googleapis.com/orders-flows", True, "Cloud Storage storage.googleapis.com/"),
        (f"logging.googleapis.com/{BUCKET}", False, f"project {ARCHIVE} is not scanned"),
    ],
    ids=["bigquery", "pubsub", "storage", "bucket-not-scanned"],
)
def test_a_sink_to_where_the_auditor_does_not_read_is_named_and_never_passes(
    tmp_path: Path, destination: str, scanned: bool, why: str
) -> None:
    projects = (PROJECT, ARCHIVE) if scanned else (PROJECT,)
    assets = _estate(destination, archive_scanned=scanned)
    # what reached the project's own buckets is read and judged; the routed flows are not
    inv = _collect(assets, {BUCKET: [*UNDECLARED]}, projects=projects)
    (read,) = [r for r in inv.resources if r.kind == "flow_read" and r.account == PROJECT]
    assert "sink_id" not in read.attributes
    unread = {u["sink"]: u for u in read.attributes["unread_sinks"]}
    assert unread[SINK]["destination"] == destination
    verdicts = _verdicts(inv, tmp_path)
    v = _on(verdicts, NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "log sink flows-archive routes vpc_flows to" in v.message and why in v.message
    assert not [x for x in verdicts if x.status is Status.PASS and x.resource == NET]
