"""GCP collection through the real google-cloud-asset client against the local fake.

The fake serves the gcp-kafka estate over plain HTTP in small pages; the real
``AssetServiceClient`` (REST transport) lists it. Faults the fake injects
(403, 429, 5xx, malformed bodies, a page token that repeats) must become gaps,
never a crash or a PASS. Importing the ``gcloud asset export`` of the same
estate must give the identical inventory.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.collect.gcp import IAM_UNIT, RESOURCE_UNIT, GcpScanOptions, collect_gcp
from auditor.collect.gcp.guard import ReadOnlyAssetClient
from auditor.collect.readonly import MutatingCallRefused
from auditor.fakecloud.gcp_server import GcpFake
from auditor.importers import ExportFormatError, importers
from auditor.model import Inventory, RawRecord, Scope, Status
from auditor.normalize import normalize
from tests.gcp_helpers import (
    BROKER_EW1_A,
    BROKER_EW1_B,
    ESTATE,
    ORG,
    PROJECT,
    declaration,
    estate,
    export_lines,
    inventory,
)
from tests.helpers import run_rules, status_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fake() -> Iterator[GcpFake]:
    with GcpFake(ESTATE, page_size=4) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(fake: GcpFake) -> None:
    fake.clear_faults()
    fake.requests.clear()


def _opts(fake: GcpFake, **kw: Any) -> GcpScanOptions:
    base: dict[str, Any] = {
        "projects": (PROJECT,),
        "api_endpoint": fake.endpoint,
        "credentials": fake.credentials(),
        "retry": None,
        "timeout": 10.0,
        "page_size": 4,
        "max_workers": 4,
    }
    return GcpScanOptions(**{**base, **kw})


def _inventory(records: Any, gaps: Any = (), units: Any = ()) -> Inventory:
    return normalize(
        records,
        scope=Scope(accounts=(PROJECT,), regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=gaps,
        collected=units,
    )


def test_collects_the_estate_through_the_real_client_with_paging(fake: GcpFake) -> None:
    seen: list[str] = []
    result = collect_gcp(_opts(fake), progress=lambda u: seen.append(u.label))
    assert result.gaps == []
    # progress names units as every cloud's runner does: account/region/service
    assert sorted(seen) == [
        f"projects/{PROJECT}/global/{RESOURCE_UNIT}",
        f"projects/{PROJECT}/global/{IAM_UNIT}",
    ]
    paged = [r for r in fake.requests if "pageToken=" in r]
    assert len(paged) >= 5, "lists must be followed over several pages"
    assert all("contentType=" in r for r in fake.requests)
    assert {(u.account, u.service) for u in result.units} == {
        (PROJECT, RESOURCE_UNIT),
        (PROJECT, IAM_UNIT),
    }
    assert result.accounts_entered == [PROJECT]
    assert result.api_calls["cloudasset:ListAssets"] == len(fake.requests)
    assert {r.cloud for r in result.records} == {"gcp"}
    # a project scope holds everything of the project, and not the organisation
    assert not [r for r in result.records if r.account != PROJECT]


def test_organisation_scope_uses_ancestors_and_dedupes(fake: GcpFake) -> None:
    result = collect_gcp(_opts(fake, projects=(PROJECT,), organization=ORG))
    assert result.gaps == []
    names = [(r.type, r.data["name"]) for r in result.records]
    assert len(names) == len(set(names)), "an asset seen from project and org scope is kept once"
    assert any(r.account == f"organizations/{ORG}" for r in result.records)
    # the whole estate: the same inventory as its assets give through the record builder
    live = _inventory(result.records, units=result.units)
    assert live.resources == inventory().resources
    assert live.relations == inventory().relations


def test_assets_streamed_through_disk_in_small_batches_give_the_same_inventory(
    fake: GcpFake, tmp_path: Path
) -> None:
    """Organisation and project scopes overlap (records deduplicated across units);
    records handed over in batches of 3 and normalised into a spool give the
    inventory of the whole listing at once, and the asset files are removed."""
    from auditor.base.serialize import inventory_jsonl
    from auditor.normalize.spool import InventorySpool

    opts = _opts(fake, projects=(PROJECT,), organization=ORG)
    whole = collect_gcp(opts)
    batches: list[int] = []
    with InventorySpool(tmp_path) as spool:

        def take(batch: list[RawRecord]) -> None:
            batches.append(len(batch))
            spool.add(batch)

        streamed = collect_gcp(opts, on_records=take, batch=3, work_dir=spool.folder)
        assert streamed.records == [] and streamed.gaps == whole.gaps == []
        assert [p.name for p in spool.folder.iterdir() if p.is_dir()] == []  # asset files gone
        inventory = spool.inventory(
            scope=Scope(accounts=(PROJECT,), regions=("europe-west1",), cloud="gcp"),
            collected=streamed.units,
        )
    assert len(batches) > 3 and sum(batches) == len(whole.records)
    expected = normalize(whole.records, scope=inventory.scope, collected=whole.units)
    assert inventory_jsonl(inventory) == inventory_jsonl(expected)


def test_import_of_the_export_equals_live_collection(fake: GcpFake, tmp_path: Path) -> None:
    live = collect_gcp(_opts(fake, organization=ORG))
    export = tmp_path / "assets.jsonl"
    export.write_text(export_lines(estate()), encoding="utf-8")
    imported = importers()["gcp-asset"].read(export)
    assert list(imported.records) == live.records
    assert set(imported.units) == set(live.units)
    a = _inventory(live.records, units=live.units)
    b = _inventory(imported.records, units=imported.units)
    assert a == b


def test_an_iam_policy_export_alone_does_not_cover_the_resource_listing(tmp_path: Path) -> None:
    """``--content-type iam-policy`` lists only assets with a policy: not every resource."""
    lines = export_lines(estate()).splitlines()
    policies = [ln for ln in lines if '"iam_policy"' in ln]
    resources = [ln for ln in lines if '"iam_policy"' not in ln]
    assert policies and resources
    iam_only = tmp_path / "iam.jsonl"
    iam_only.write_text("\n".join(policies) + "\n", encoding="utf-8")
    units = importers()["gcp-asset"].read(iam_only).units
    assert units and {u.service for u in units} == {IAM_UNIT}
    res_only = tmp_path / "resources.jsonl"
    res_only.write_text("\n".join(resources) + "\n", encoding="utf-8")
    assert {u.service for u in importers()["gcp-asset"].read(res_only).units} == {RESOURCE_UNIT}


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", "not a JSON line"),
        ("[1, 2]", "must be a JSON object"),
        ('{"asset_type": "storage.googleapis.com/Bucket"}', "needs a 'name'"),
        ('{"name": "//x", "asset_type": "t", "resource": "oops"}', "'resource' is not an object"),
    ],
)
def test_a_bad_export_line_is_named(tmp_path: Path, line: str, why: str) -> None:
    export = tmp_path / "bad.jsonl"
    good = export_lines(estate()[:2])
    export.write_text(good + line + "\n", encoding="utf-8")
    bad_line = good.count("\n") + 1
    with pytest.raises(ExportFormatError, match=f"bad.jsonl:{bad_line}: .*{why}"):
        importers()["gcp-asset"].read(export)


@pytest.mark.parametrize(
    ("status", "code"),
    [(403, "403"), (429, "429"), (500, "500"), (503, "503")],
)
def test_api_errors_become_gaps_and_verdicts_inconclusive(
    fake: GcpFake, status: int, code: str
) -> None:
    fake.fail("contentType=2", status=status)
    result = collect_gcp(_opts(fake))
    assert [(g.cloud, g.account, g.operation) for g in result.gaps] == [
        ("gcp", PROJECT, "cloudasset.assets.listIamPolicy")
    ]
    assert code in result.gaps[0].error_code or code in result.gaps[0].message
    assert (PROJECT, IAM_UNIT) not in {(u.account, u.service) for u in result.units}
    inv = _inventory(result.records, result.gaps, result.units)
    vs = run_rules(inv, declaration(), rules=["network.public-ingress"])
    assert status_of(vs, "network.public-ingress", BROKER_EW1_B) is Status.INCONCLUSIVE
    assert status_of(vs, "network.public-ingress", BROKER_EW1_A) is Status.FAIL  # seen, definite


def test_an_unreadable_project_is_a_gap(fake: GcpFake) -> None:
    fake.fail("projects/other-prod/", status=403)
    result = collect_gcp(_opts(fake, projects=(PROJECT, "other-prod")))
    assert {g.account for g in result.gaps} == {"other-prod"}
    assert len(result.gaps) == 2  # resources and IAM policies
    assert "other-prod" not in result.accounts_entered and PROJECT in result.accounts_entered


def test_malformed_bodies_become_gaps(fake: GcpFake) -> None:
    fake.fail("contentType=1", status=200, body="{this is not json", content_type="text/plain")
    result = collect_gcp(_opts(fake))
    assert [g.operation for g in result.gaps] == ["cloudasset.assets.listResource"]
    fake.clear_faults()
    fake.fail("contentType=1", status=200, body='{"assets": [{"assetType": "x"}]}')
    result = collect_gcp(_opts(fake))
    assert [g.error_code for g in result.gaps] == ["MalformedResponse"]
    assert not [r for r in result.records if r.type != "iam_policy"]


def test_a_repeating_page_token_stops_with_a_gap(fake: GcpFake) -> None:
    fake.repeat_page_token("contentType=1")
    result = collect_gcp(_opts(fake))
    assert [g.error_code for g in result.gaps] == ["RepeatedPageToken"]
    assert sum("contentType=1" in r for r in fake.requests) == 2


def test_missing_application_default_credentials_are_a_gap(
    fake: GcpFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    result = collect_gcp(dataclasses.replace(_opts(fake), credentials=None))
    assert result.records == [] and fake.requests == []
    assert [(g.account, g.operation) for g in result.gaps] == [(PROJECT, "google.auth.default")]


@pytest.mark.parametrize(
    "method", ["export_assets", "create_feed", "update_feed", "delete_feed", "analyze_move"]
)
def test_the_guard_refuses_non_read_methods_before_sending(fake: GcpFake, method: str) -> None:
    client = ReadOnlyAssetClient(fake.client())
    with pytest.raises(MutatingCallRefused, match=method):
        getattr(client, method)(request={"parent": f"projects/{PROJECT}"})
    assert fake.requests == []
    assert callable(client.list_assets)


def test_unknown_requests_answer_404_or_400(fake: GcpFake) -> None:
    import requests

    assert requests.get(f"{fake.endpoint}/v1/projects/p:exportAssets", timeout=5).status_code == 404
    bad = requests.get(f"{fake.endpoint}/v1/buckets/b/assets?contentType=1", timeout=5)
    assert bad.status_code == 400
    assert requests.post(f"{fake.endpoint}/v1/projects/p/feeds", timeout=5).status_code == 404


def test_permissions_gcp_prints_a_read_only_custom_role() -> None:
    out = CliRunner().invoke(main, ["permissions", "gcp"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("title: boundary-auditor\n")
    assert "- cloudasset.assets.listResource\n" in out.output
    assert "- cloudasset.assets.listIamPolicy\n" in out.output
    explained = CliRunner().invoke(main, ["permissions", "gcp", "--explain"])
    assert "list_assets with content IAM_POLICY" in explained.output


def test_search_endpoints_page_through_the_real_client(fake: GcpFake) -> None:
    client = ReadOnlyAssetClient(fake.client())
    found = list(
        client.search_all_resources(
            request={
                "scope": f"projects/{PROJECT}",
                "asset_types": ["compute.googleapis.com/Instance"],
            },
            retry=None,
        )
    )
    assert len(found) == 5 and {r.asset_type for r in found} == {"compute.googleapis.com/Instance"}
    policies = list(
        client.search_all_iam_policies(request={"scope": f"organizations/{ORG}"}, retry=None)
    )
    assert any("allUsers" in m for p in policies for b in p.policy.bindings for m in b.members)
    assert sum("pageToken=" in r for r in fake.requests) >= 2


def test_scan_reads_the_declared_organisation_only_when_asked(
    fake: GcpFake, tmp_path: Path
) -> None:
    """`scan --gcp-organization` lists the customer's organisation; without it, projects."""
    from auditor.boundary import load_declaration
    from auditor.checks.pack import load_pack
    from auditor.commands._common import gcp_scope
    from auditor.evidence.load import load_bundle
    from auditor.pipeline import run_scan, scan_request

    path = Path("fixtures/gcp-kafka/boundary.yaml")
    decl = load_declaration(path)
    endpoint = {"api_endpoint": fake.endpoint, "credentials": fake.credentials(), "retry": None}
    accounts: dict[bool, set[str]] = {}
    for org in (False, True):
        out = tmp_path / str(org)
        fake.requests.clear()
        run_scan(
            scan_request(
                decl,
                path.read_text(encoding="utf-8"),
                load_pack("default"),
                out_dir=out,
                declaration_path=path,
                workers=2,
                cloud_options={"gcp": {**endpoint, **gcp_scope(decl, (), org)}},
            )
        )
        asked = " ".join(fake.requests)
        assert (f"organizations/{ORG}" in asked) is org
        (bundle,) = out.iterdir()
        accounts[org] = {r.account for r in load_bundle(bundle).inventory.resources}
    assert f"organizations/{ORG}" in accounts[True] - accounts[False]


def test_gcp_organization_flag_needs_a_declared_organisation(tmp_path: Path) -> None:
    text = Path("fixtures/gcp-kafka/boundary.yaml").read_text(encoding="utf-8")
    path = tmp_path / "boundary.yaml"
    path.write_text(text.replace('organization: "500000000005"', ""), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["scan", "--boundary", str(path), "--gcp-organization", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "declares no gcp.organization" in result.output
    assert not any(p.is_dir() for p in tmp_path.iterdir())


class _SpoolWatch(list[tuple[str, int]]):
    """The fake's request log, noting at each request how many assets the scan's spool
    files under ``root`` hold (what the collector has written so far)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def append(self, request: str) -> None:  # type: ignore[override]
        lines = 0
        for f in self.root.glob("auditor-gcp-*/*.jsonl"):
            with f.open("rb") as fh:
                lines += sum(1 for _ in fh)
        super().append((request, lines))


@pytest.mark.parametrize("checkpoint", [False, True])
def test_each_page_is_spooled_before_the_next_is_asked_for(
    fake: GcpFake, tmp_path: Path, checkpoint: bool
) -> None:
    """Held in memory at once: at most the page in flight. One worker lists the units in
    turn, 4 assets a page: when the next page is asked for, every asset answered so far
    is already in the spool files (a unit's listing is not kept until it ends), and the
    records (checkpointed or not) are the whole listing."""
    work = tmp_path / "work"
    work.mkdir()
    opts = _opts(fake, page_size=4, max_workers=1)
    if checkpoint:
        opts = dataclasses.replace(opts, checkpoint=tmp_path / "ckpt")
    log, fake.requests = fake.requests, _SpoolWatch(work)  # type: ignore[assignment]
    try:
        result = collect_gcp(opts, work_dir=work)
        seen: list[tuple[str, int]] = list(fake.requests)
    finally:
        fake.requests = log
    assert result.gaps == [] and len(seen) > 6
    written = [lines for _, lines in seen]
    assert written[0] == 0 and written == sorted(written)
    for (request, before), (_, now) in itertools.pairwise(seen):
        assert now - before <= 4, (request, before, now)  # at most one page behind
    continued = [i for i, (req, _) in enumerate(seen) if "pageToken=" in req and i > 0]
    assert continued, "the estate must span several pages"
    for i in continued:  # the page answered before a continuation was full, and is on disk
        assert written[i] - written[i - 1] == 4, seen[i - 1 : i + 1]
    assert len(result.records) == len(collect_gcp(_opts(fake)).records)
