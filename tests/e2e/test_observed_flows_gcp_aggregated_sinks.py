"""GCP flow logs routed by an aggregated sink, end to end: gcp-kafka's ``_Default`` sink
excludes ``vpc_flows`` and a sink of its folder with ``includeChildren`` routes them to a log
bucket of log-archive. When the scan lists that folder sink and covers the bucket, the real
google-cloud-logging client reads the bucket's ``_AllLogs`` view as for a project's own user
sink; otherwise the network stays INCONCLUSIVE, the folder's sink and the reason named. A
sink with ``interceptChildren`` leaves the project's own buckets short even when its
``_Default`` sink keeps every entry; one without leaves them whole."""

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
from tests.e2e.test_observed_flows_gcp_sinks import (
    ARCHIVE,
    BUCKET,
    DEFAULT,
    FLOWS,
    VIEW,
    _asset,
    archive_assets,
)
from tests.gcp_helpers import BROKER_EW1_A, NET, PROJECT, data

pytestmark = pytest.mark.e2e

FOLDER = "folders/700000000007"
ORG = "organizations/500000000005"
AGG = f"//logging.googleapis.com/{FOLDER}/sinks/org-flows"
LABEL = f"{FOLDER}/sinks/org-flows"
DEST = f"logging.googleapis.com/{BUCKET}"


def _estate(
    destination: str = DEST,
    *,
    flt: str = FLOWS,
    exclude: bool = True,
    include: bool = True,
    intercept: bool = False,
) -> list[dict[str, Any]]:
    """gcp-kafka (under the folder), its _Default sink excluding vpc_flows (``exclude``), the
    folder's sink routing them to ``destination``, and log-archive (under the organisation
    only) holding the bucket."""
    assets = _complete()
    if exclude:
        data(assets, DEFAULT)["exclusions"] = [{"name": "no-flows", "filter": FLOWS}]
    payload = {"name": "org-flows", "destination": destination, "filter": flt}
    payload |= {"includeChildren": include, "interceptChildren": intercept}
    assets.append(_asset(AGG, "logging.googleapis.com/LogSink", [FOLDER, ORG], payload))
    assets += archive_assets()
    return assets


def _collect(
    assets: Sequence[Mapping[str, Any]],
    stored: Mapping[str | None, Sequence[Mapping[str, Any]]],
    *,
    folders: tuple[str, ...] = (),
    organization: str | None = "500000000005",
    bodies: list[Any] | None = None,
) -> Inventory:
    with GcpFake(list(assets), page_size=20) as fake:
        for bucket, entries in stored.items():
            fake.logging.add(entries, bucket=bucket)
        result = collect_gcp(
            GcpScanOptions(
                folders=folders,
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
        scope=Scope(
            accounts=(PROJECT, ARCHIVE), regions=("europe-west1", "europe-west4"), cloud="gcp"
        ),
        gaps=result.gaps,
        collected=result.units,
    )


def _read(inv: Inventory) -> Any:
    (read,) = [r for r in inv.resources if r.kind == "flow_read" and r.account == PROJECT]
    return read


def test_a_folder_sinks_bucket_is_read_for_its_child_project_and_an_undeclared_source_fails(
    tmp_path: Path,
) -> None:
    bodies: list[Any] = []
    inv = _collect(_estate(), {BUCKET: [*CLIENT, *PEER, *UNDECLARED]}, bodies=bodies)
    assert [b["resourceNames"] for b in bodies if LOG in b["filter"]] == [[VIEW]]
    read = _read(inv)
    assert read.attributes["sink_id"] == AGG and read.attributes["view"] == VIEW
    assert read.attributes["records"] == 4
    v = _on(_verdicts(inv, tmp_path), BROKER_EW1_A)
    assert v.status is Status.FAIL, v.message
    assert "203.0.113.50" in v.message


def test_the_twin_read_through_the_folder_sink_passes(tmp_path: Path) -> None:
    inv = _collect(_estate(), {BUCKET: [*CLIENT, *PEER]})
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["flows_judged"] == 2


@pytest.mark.parametrize(
    ("estate", "folders", "organization", "why"),
    [
        (
            {"flt": f'{FLOWS} AND jsonPayload.reporter="DEST"'},
            (),
            "500000000005",
            "its filter may keep only some of them",
        ),
        (
            {"destination": "bigquery.googleapis.com/projects/log-archive/datasets/flows"},
            (),
            "500000000005",
            "BigQuery bigquery.googleapis.com/projects/log-archive/datasets/flows is not read",
        ),
        # the folder is scanned, not the organisation: log-archive's bucket is not covered
        ({}, ("700000000007",), None, f"the bucket's project {ARCHIVE} is not scanned"),
    ],
    ids=["partial-filter", "not-a-bucket", "bucket-not-scanned"],
)
def test_a_folder_sink_that_cannot_be_followed_is_named_and_never_passes(
    tmp_path: Path,
    estate: dict[str, Any],
    folders: tuple[str, ...],
    organization: str | None,
    why: str,
) -> None:
    inv = _collect(
        _estate(**estate), {BUCKET: [*CLIENT, *PEER]}, folders=folders, organization=organization
    )
    read = _read(inv)
    assert "sink_id" not in read.attributes
    assert AGG in [u["sink"] for u in read.attributes["unread_sinks"]]
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert f"log sink {LABEL} routes vpc_flows to" in v.message and why in v.message


def test_a_sink_without_include_children_routes_nothing_of_the_project(tmp_path: Path) -> None:
    inv = _collect(_estate(include=False), {BUCKET: [*CLIENT, *PEER]})
    assert "sink_id" not in _read(inv).attributes
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "has exclusions (no-flows) that drop vpc_flows" in v.message


def test_an_aggregated_sink_leaves_a_whole_default_sink_whole(tmp_path: Path) -> None:
    """Non-intercepting: the project's _Default sink still stores every entry, read there."""
    bodies: list[Any] = []
    bq = "bigquery.googleapis.com/projects/log-archive/datasets/flows"
    inv = _collect(_estate(bq, exclude=False), {None: [*CLIENT, *PEER]}, bodies=bodies)
    assert [b["resourceNames"] for b in bodies if LOG in b["filter"]] == [[f"projects/{PROJECT}"]]
    assert "unread_sinks" not in _read(inv).attributes
    assert _on(_verdicts(inv, tmp_path), NET).status is Status.PASS


def test_an_intercepting_sink_leaves_the_projects_own_buckets_short(tmp_path: Path) -> None:
    bq = "bigquery.googleapis.com/projects/log-archive/datasets/flows"
    inv = _collect(_estate(bq, exclude=False, intercept=True), {None: [*CLIENT, *PEER]})
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert f"log sink {LABEL} routes vpc_flows to {bq}" in v.message
    assert "it intercepts them from the project's own sinks" in v.message


def test_an_intercepting_sink_to_a_scanned_bucket_is_followed(tmp_path: Path) -> None:
    inv = _collect(_estate(exclude=False, intercept=True), {BUCKET: [*CLIENT, *PEER, *UNDECLARED]})
    assert _read(inv).attributes["sink_id"] == AGG
    assert _on(_verdicts(inv, tmp_path), BROKER_EW1_A).status is Status.FAIL
