"""GCP audit rules over folders and organisations: what a folder's or organisation's sink,
audit config and IAM policy reach (only the projects under it), how sink filters are read,
and what stays unknown (an uncollected ancestry, an unread IAM policy, an undecidable filter).

Real ``google-cloud-asset`` client over the GCP fake; the estate is ``gcp-kafka`` with the
audit log resources of ``test_azure_gcp_audit_logs`` (clean: every audit rule PASSes), a
folder above ``orders-prod`` (700000000007) and a sibling folder (800000000008) beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.checks.pack import load_pack
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.e2e.test_azure_gcp_audit_logs import FIXTURES, TODAY, P, _decl, _find, gcp_estate

pytestmark = pytest.mark.e2e

ORG = "organizations/500000000005"
ABOVE = "folders/700000000007"
BESIDE = "folders/800000000008"
PROJECT = "scope:gcp/orders-prod"
ARCHIVE = "sinks/audit-archive"
VENDOR_SA = "serviceAccount:automation@vendor-ops.iam.gserviceaccount.com"
VENDOR_BQ = "bigquery.googleapis.com/projects/vendor-ops/datasets/audit"
MK = "clusters/orders-mk"
WRITER = "serviceAccount:service-org@gcp-sa-logging.iam.gserviceaccount.com"


def _folder(
    folder: str, bindings: list[dict[str, Any]] | None = None, **policy: Any
) -> dict[str, Any]:
    return {
        "name": f"//cloudresourcemanager.googleapis.com/{folder}",
        "assetType": "cloudresourcemanager.googleapis.com/Folder",
        "ancestors": [folder, ORG],
        "resource": {
            "version": "v1",
            "parent": f"//cloudresourcemanager.googleapis.com/{ORG}",
            "location": "global",
            "data": {"name": folder, "displayName": folder.replace("/", "-"), "parent": ORG},
        },
        "iamPolicy": {"bindings": bindings or [], **policy},
    }


def _folder_sink(folder: str, name: str, filt: str = "") -> dict[str, Any]:
    return {
        "name": f"//logging.googleapis.com/{folder}/sinks/{name}",
        "assetType": "logging.googleapis.com/LogSink",
        "ancestors": [folder, ORG],
        "resource": {
            "version": "v2",
            "parent": f"//cloudresourcemanager.googleapis.com/{folder}",
            "location": "global",
            "data": {
                "name": name,
                "destination": VENDOR_BQ,
                "filter": filt,
                "includeChildren": True,
                "writerIdentity": WRITER,
            },
        },
    }


def _project_sink(name: str, filt: str, **data: Any) -> dict[str, Any]:
    from tests.e2e.test_azure_gcp_audit_logs import _sink

    sink = _sink(name, VENDOR_BQ, filt)
    sink["resource"]["data"].update(data)
    return sink


def _scan(
    assets: list[dict[str, Any]], *, fail: str = "", folders: tuple[str, ...] = (ABOVE, BESIDE)
) -> list[Verdict]:
    with GcpFake(assets, page_size=50) as fake:
        if fail:
            fake.fail(fail, 403)
        result = collect_gcp(
            GcpScanOptions(
                projects=("orders-prod",),
                folders=folders,
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


def _estate(
    *extra: dict[str, Any], folders: tuple[dict[str, Any], ...] = ()
) -> list[dict[str, Any]]:
    mine = {f["name"] for f in folders}
    base = [_folder(ABOVE), _folder(BESIDE)]
    return [
        *gcp_estate(broken=False),
        *folders,
        *(f for f in base if f["name"] not in mine),
        *extra,
    ]


def test_clean_estate_with_folders_passes() -> None:
    verdicts = _scan(_estate())
    assert _find(verdicts, "control.audit-log-store", PROJECT).status is Status.PASS
    for aspect in ("retention", "writers"):
        v = _find(verdicts, "control.audit-trail-tamper", ARCHIVE, aspect)
        assert v.status is Status.PASS, v.message
    assert _find(verdicts, "control.audit-data-events", MK).status is Status.PASS


def test_a_sibling_folders_sink_does_not_cover_the_project() -> None:
    v = _find(_scan(_estate(_folder_sink(BESIDE, "to-vendor"))), "control.audit-log-store", PROJECT)
    assert v.status is Status.PASS, v.message


def test_twin_the_folder_above_sinks_the_projects_audit_logs_to_a_vendor() -> None:
    v = _find(_scan(_estate(_folder_sink(ABOVE, "to-vendor"))), "control.audit-log-store", PROJECT)
    assert v.status is Status.FAIL and "to-vendor" in v.message, v.message
    assert v.causes == (f"//logging.googleapis.com/{ABOVE}/sinks/to-vendor",)


def _writer_on(folder: str) -> dict[str, Any]:
    return _folder(folder, [{"role": "roles/logging.admin", "members": [VENDOR_SA]}])


def test_a_sink_writer_on_a_sibling_folder_cannot_touch_the_projects_sinks() -> None:
    verdicts = _scan(_estate(folders=(_writer_on(BESIDE),)))
    v = _find(verdicts, "control.audit-trail-tamper", ARCHIVE, "writers")
    assert v.status is Status.PASS, v.message


def test_twin_a_sink_writer_on_the_folder_above_can() -> None:
    verdicts = _scan(_estate(folders=(_writer_on(ABOVE),)))
    v = _find(verdicts, "control.audit-trail-tamper", ARCHIVE, "writers")
    assert v.status is Status.FAIL and "automation@vendor-ops" in v.message, v.message
    assert v.causes == (f"//cloudresourcemanager.googleapis.com/{ABOVE}",)


def _exempting(folder: str) -> dict[str, Any]:
    config = {
        "service": "allServices",
        "auditLogConfigs": [
            {"logType": "DATA_READ", "exemptedMembers": [VENDOR_SA]},
            {"logType": "DATA_WRITE"},
        ],
    }
    return _folder(folder, auditConfigs=[config])


def test_a_sibling_folders_audit_config_does_not_apply() -> None:
    v = _find(_scan(_estate(folders=(_exempting(BESIDE),))), "control.audit-data-events", MK)
    assert v.status is Status.PASS, v.message


def test_twin_the_folder_aboves_audit_config_exempts_a_member() -> None:
    v = _find(_scan(_estate(folders=(_exempting(ABOVE),))), "control.audit-data-events", MK)
    assert v.status is Status.FAIL and "automation@vendor-ops" in v.message, v.message


def test_an_uncollected_ancestry_leaves_a_folder_sink_inconclusive_with_the_gap() -> None:
    """The project's own listing fails and only the sibling folder is scanned: its
    ancestry is unknown, so whether the folder's sink covers it is unknown too (before:
    a definite FAIL, as if every folder sink covered every project)."""
    verdicts = _scan(
        _estate(_folder_sink(BESIDE, "to-vendor")),
        fail="projects/orders-prod/assets",
        folders=(BESIDE,),
    )
    got = [
        v
        for v in verdicts
        if v.rule == "control.audit-log-store"
        and v.resource.startswith(PROJECT)
        and "to-vendor" in v.message
    ]
    assert len(got) == 1 and got[0].status is Status.INCONCLUSIVE, got
    assert any("ancestry" in g for g in got[0].evidence.gaps), got[0].evidence.gaps
    _assert_explained(verdicts)


@pytest.mark.parametrize(
    ("filt", "data", "status"),
    [
        # whether GCE audit entries exist is not modelled: never PASS
        ('resource.type="gce_instance"', {}, Status.INCONCLUSIVE),
        # drops Admin Activity only: Data Access logs still go to the vendor
        ('NOT LOG_ID("cloudaudit.googleapis.com/activity")', {}, Status.FAIL),
        # drops every audit log: nothing of them leaves
        ('NOT logName:"cloudaudit.googleapis.com"', {}, Status.PASS),
        (
            "",
            {"exclusions": [{"name": "no-audit", "filter": 'logName:"cloudaudit.googleapis.com"'}]},
            Status.PASS,
        ),
        (
            "",
            {"exclusions": [{"name": "no-gce", "filter": 'resource.type="gce_instance"'}]},
            Status.INCONCLUSIVE,
        ),
    ],
)
def test_a_vendor_sinks_filter_is_read(filt: str, data: dict[str, Any], status: Status) -> None:
    verdicts = _scan(_estate(_project_sink("ops-copy", filt, **data)))
    v = _find(verdicts, "control.audit-log-store", PROJECT)
    assert v.status is status, v.message
    if status is Status.INCONCLUSIVE:
        assert "sink filter expression" in v.unmodelled, v.unmodelled
        assert "ops-copy" in v.message
    _assert_explained(verdicts)


def _imported(
    tmp_path: Path, resources: list[dict[str, Any]], policies: list[dict[str, Any]]
) -> list[Verdict]:
    """Two ``gcloud asset export`` files imported together: every resource, and the IAM
    policies of ``policies`` only."""
    from auditor.importers.gcp_asset import read_all
    from tests.gcp_helpers import export_lines

    res = tmp_path / "resources.jsonl"
    res.write_text(
        export_lines([{k: v for k, v in a.items() if k != "iamPolicy"} for a in resources])
    )
    iam = tmp_path / "policies.jsonl"
    iam.write_text(
        export_lines([{k: v for k, v in a.items() if k != "resource"} for a in policies])
    )
    results = read_all([res, iam])
    inv = normalize(
        [r for got in results for r in got.records],
        scope=Scope(
            accounts=("orders-prod",), regions=("europe-west1", "europe-west4"), cloud="gcp"
        ),
        collected=[u for got in results for u in got.units],
    )
    decl = _decl(FIXTURES / "gcp-kafka" / "boundary.yaml", data_events=True)
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def test_an_organisation_audit_config_does_not_stand_in_for_an_unread_project_policy(
    tmp_path: Path,
) -> None:
    """Only the organisation's IAM policy was exported: its audit config logs every
    service, but the project's own policy (its exemptions) is unknown, so the data
    events are INCONCLUSIVE with that gap (before: PASS on the organisation's alone)."""
    assets = gcp_estate(broken=False)
    org = next(a for a in assets if a["name"].endswith(ORG))
    org["iamPolicy"]["auditConfigs"] = [
        {
            "service": "allServices",
            "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
        }
    ]
    verdicts = _imported(tmp_path, assets, [org])
    v = _find(verdicts, "control.audit-data-events", MK)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert any("IAM policy" in g for g in v.evidence.gaps), v.evidence.gaps
    _assert_explained(verdicts)
    # twin: with the project's policy exported too, it is judged
    project = next(a for a in assets if a["name"] == P)
    judged = _find(_imported(tmp_path, assets, [org, project]), "control.audit-data-events", MK)
    assert judged.status is Status.PASS, judged.message


def _assert_explained(verdicts: list[Verdict]) -> None:
    """Every INCONCLUSIVE of the audit rules names a gap or what is not modelled."""
    bare = [
        (v.rule, v.resource, v.message)
        for v in verdicts
        if v.rule.startswith("control.audit")
        and v.status is Status.INCONCLUSIVE
        and not v.evidence.gaps
        and not v.unmodelled
    ]
    assert not bare, bare


def test_an_unlisted_required_bucket_names_what_is_missing() -> None:
    """Before, these INCONCLUSIVEs had neither a gap nor an unmodelled state behind them."""
    assets = [a for a in _estate() if not a["name"].endswith("buckets/_Required")]
    verdicts = _scan([a for a in assets if "/sinks/audit-archive" not in a["name"]])
    for rule in ("control.audit-trail-multi-region", "control.audit-trail-tamper"):
        v = _find(verdicts, rule, PROJECT)
        assert v.status is Status.INCONCLUSIVE, v.message
        assert any("_Required" in g for g in v.evidence.gaps), (rule, v.evidence.gaps)
    _assert_explained(verdicts)
