"""`auditor import` through the real CLI: the fixture snapshot, other file shapes, bad input.

The fixture ``fixtures/aws-config/`` is a hand-written AWS Config snapshot of
one account's us-east-1 (items as Config writes them) with planted findings;
us-west-2 is declared but not exported. Bad files must give one line naming
the file and the place, exit 2, and leave no bundle.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "aws-config"
BOUNDARY = FIXTURE / "boundary.yaml"
(SNAPSHOT,) = sorted(FIXTURE.glob("*_ConfigSnapshot_*.json"))


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _import(out: Path, *files: Path, extra: tuple[str, ...] = ()) -> Result:
    return _run(
        "import", "--boundary", str(BOUNDARY), "--out", str(out), *extra, *(str(f) for f in files)
    )


def _bundle(out: Path) -> Path:
    (bundle,) = list(out.iterdir())
    return bundle


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return doc


def _write(tmp_path: Path, doc: Any, name: str = "snap.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=1) if not isinstance(doc, str) else doc)
    return path


def _verdicts(bundle: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((bundle / "verdicts.json").read_text())
    return data


def test_fixture_import_finds_the_planted_violations(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _import(out, SNAPSHOT)
    assert result.exit_code == 1, result.output  # FAIL at high or above
    assert "skipped 1 item(s) of AWS::SNS::Topic" in result.output
    assert "skipped 1 deleted or unrecorded item(s)" in result.output
    bundle = _bundle(out)
    fails = {(v["rule"], v["resource"]) for v in _verdicts(bundle) if v["status"] == "FAIL"}
    acct = "111111111111"
    assert (
        "network.public-ingress",
        f"arn:aws:ec2:us-east-1:{acct}:instance/i-0a1b2c3d4e5f60051",
    ) in fails
    assert ("control.external-id-required", f"arn:aws:iam::{acct}:role/vendor-operator") in fails
    assert (
        "data.customer-key",
        f"arn:aws:ec2:us-east-1:{acct}:volume/vol-0a1b2c3d4e5f60081",
    ) in fails
    manifest = json.loads((bundle / "manifest.json").read_text())
    (entry,) = manifest["provenance"]["files"]
    assert entry["sha256"] == hashlib.sha256(SNAPSHOT.read_bytes()).hexdigest()
    assert entry["name"] == SNAPSHOT.name and entry["format"] == "aws-config"
    assert manifest["complete"] is False
    assert manifest["provenance"]["not_judged"] == {"AWS::SNS::Topic": 1}


def test_what_the_snapshot_does_not_hold_is_unknown_not_none(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _import(out, SNAPSHOT)
    bundle = _bundle(out)
    rows = [json.loads(line) for line in (bundle / "inventory.jsonl").read_text().splitlines()]
    resources = {r["id"]: r for r in rows if r.get("type", "resource") == "resource" and "id" in r}
    trail = resources["arn:aws:cloudtrail:us-east-1:111111111111:trail/orders-kafka-audit"]
    assert trail["attributes"]["logging"] is None
    key = resources["arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b"]
    assert key["attributes"]["policy"] is None and key["attributes"]["rotation_enabled"] is True
    assert key["attributes"]["aliases"] == ["alias/orders-kafka"]
    manifest = json.loads((bundle / "manifest.json").read_text())
    gaps = {(g["service"], g["region"], g["resource"]) for g in manifest["gaps"]}
    assert ("kms", "us-east-1", key["id"]) in gaps
    assert ("cloudtrail", "us-east-1", trail["id"]) in gaps
    # us-west-2 is declared but not exported: every service there is a gap.
    for service in ("ec2-network", "ec2-compute", "kms", "msk", "cloudtrail"):
        assert (service, "us-west-2", "") in gaps
    # Nothing in the undeclared-but-unexported region passes.
    statuses = {
        v["status"]
        for v in _verdicts(bundle)
        if "us-west-2" in v["resource"] or v["resource"].endswith("/other-regions")
    }
    assert statuses and "PASS" not in statuses


def test_gzip_snapshot_gives_the_same_bundle(tmp_path: Path) -> None:
    packed = tmp_path / f"{SNAPSHOT.name}.gz"
    packed.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
    _import(tmp_path / "a", SNAPSHOT)
    result = _import(tmp_path / "b", packed)
    assert result.exit_code == 1, result.output
    a, b = _bundle(tmp_path / "a"), _bundle(tmp_path / "b")
    for name in ("inventory.jsonl", "verdicts.json", "graph.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_import_is_deterministic_and_replays(tmp_path: Path) -> None:
    _import(tmp_path / "a", SNAPSHOT)
    _import(tmp_path / "b", SNAPSHOT)
    a, b = _bundle(tmp_path / "a"), _bundle(tmp_path / "b")
    for name in ("inventory.jsonl", "verdicts.json", "graph.json", "report.md", "report.sarif"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert _run("verify", str(a)).exit_code == 0
    replay = _run("evaluate", str(a), "--out", str(tmp_path / "replay"))
    assert replay.exit_code == 0, replay.output
    again = _bundle(tmp_path / "replay")
    assert (again / "verdicts.json").read_bytes() == (a / "verdicts.json").read_bytes()


def test_query_results_are_imported_but_prove_no_completeness(tmp_path: Path) -> None:
    items = [i for i in _doc()["configurationItems"] if i["configurationItemStatus"] == "OK"]
    batch = {
        "baseConfigurationItems": [
            {
                "version": "1.3",
                "accountId": i["awsAccountId"],
                "configurationItemCaptureTime": i["configurationItemCaptureTime"],
                "configurationItemStatus": "OK",
                "configurationStateId": str(i["configurationStateId"]),
                "arn": i["ARN"],
                "resourceType": i["resourceType"],
                "resourceId": i["resourceId"],
                "resourceName": i["resourceName"],
                "awsRegion": i["awsRegion"],
                "availabilityZone": i["availabilityZone"],
                # batch-get answers the configuration and each supplementary value as strings
                "configuration": json.dumps(i["configuration"]),
                "supplementaryConfiguration": {
                    k: v if isinstance(v, str) else json.dumps(v)
                    for k, v in i["supplementaryConfiguration"].items()
                },
            }
            for i in items
        ],
        "unprocessedResourceKeys": [],
    }
    select = {
        "Results": [json.dumps({**i, "accountId": i["awsAccountId"]}) for i in items],
        "QueryInfo": {"SelectFields": [{"Name": "*"}]},
    }
    a = _import(tmp_path / "a", _write(tmp_path, batch, "batch.json"))
    b = _import(tmp_path / "b", _write(tmp_path, select, "select.json"))
    assert a.exit_code == 1 and b.exit_code == 1, a.output + b.output
    for out in (tmp_path / "a", tmp_path / "b"):
        bundle = _bundle(out)
        manifest = json.loads((bundle / "manifest.json").read_text())
        assert manifest["resources"] >= 14
        query = [g for g in manifest["gaps"] if "query result" in g["message"]]
        assert {g["service"] for g in query} >= {"ec2-network", "iam", "s3", "kms"}
        # The definite failures are still proven by what the query returned.
        fails = {v["rule"] for v in _verdicts(bundle) if v["status"] == "FAIL"}
        assert "network.public-ingress" in fails


def _assert_refused(result: Result, out: Path, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert not out.exists() or not any(out.iterdir()), "a bundle was left behind"


def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    text = SNAPSHOT.read_text()
    path = _write(tmp_path, text[: len(text) // 2])
    out = tmp_path / "out"
    _assert_refused(_import(out, path), out, str(path), "line ", "column ", "invalid JSON")


def test_wrong_top_level_shape(tmp_path: Path) -> None:
    path = _write(tmp_path, {"configurationItems": {"not": "a list"}, "fileVersion": "1.0"})
    out = tmp_path / "out"
    result = _import(out, path, extra=("--format", "aws-config"))
    _assert_refused(result, out, str(path), "top level", "expected an AWS Config snapshot")
    listed = _write(tmp_path, [1, 2], "list.json")
    result = _import(out, listed, extra=("--format", "aws-config"))
    _assert_refused(result, out, "top level", "found a JSON list")


@pytest.mark.parametrize(
    ("field", "needle"),
    [
        ("awsRegion", "missing field 'awsRegion'"),
        ("resourceType", "missing field 'resourceType'"),
        ("configuration", "missing 'configuration'"),
    ],
)
def test_missing_fields_are_located(tmp_path: Path, field: str, needle: str) -> None:
    doc = _doc()
    index = next(
        n
        for n, i in enumerate(doc["configurationItems"])
        if i["resourceType"] == "AWS::EC2::Subnet"
    )
    del doc["configurationItems"][index][field]
    out = tmp_path / "out"
    result = _import(out, _write(tmp_path, doc))
    _assert_refused(result, out, "snap.json", f"configurationItems[{index}]", needle)


def test_odd_shapes_inside_an_item_are_located(tmp_path: Path) -> None:
    doc = _doc()
    items = doc["configurationItems"]
    sg = next(n for n, i in enumerate(items) if i["resourceType"] == "AWS::EC2::SecurityGroup")
    items[sg]["configuration"]["ipPermissions"] = "tcp/9092"
    out = tmp_path / "out"
    _assert_refused(
        _import(out, _write(tmp_path, doc)),
        out,
        f"configurationItems[{sg}]",
        "AWS::EC2::SecurityGroup",
        "unexpected shape",
    )
    doc = _doc()
    items = doc["configurationItems"]
    vpc = next(n for n, i in enumerate(items) if i["resourceType"] == "AWS::EC2::VPC")
    del items[vpc]["configuration"]["vpcId"]
    _assert_refused(
        _import(out, _write(tmp_path, doc, "novpc.json")),
        out,
        "novpc.json",
        f"configurationItems[{vpc}]",
        "VpcId",
    )


def test_unknown_format_and_undetectable_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = _write(tmp_path, {"hello": "world"})
    _assert_refused(
        _import(out, path), out, str(path), "no importer recognises this file", "--format"
    )
    _assert_refused(
        _import(out, path, extra=("--format", "nope")), out, "--format nope", "aws-config"
    )
    _assert_refused(_import(out, tmp_path / "absent.json"), out, "absent.json", "cannot read")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run("import", str(SNAPSHOT)).exit_code == 2
    assert _run("import", "--boundary", str(BOUNDARY)).exit_code == 2
    broken = copy.deepcopy(BOUNDARY.read_text()).replace("version: 1", "version: 99")
    bad = tmp_path / "b.yaml"
    bad.write_text(broken)
    assert _run("import", "--boundary", str(bad), str(SNAPSHOT)).exit_code == 2


def test_formats_are_listed_from_discovery() -> None:
    from auditor.importers import importers

    listed = _run("import", "--list-formats")
    assert listed.exit_code == 0
    helped = _run("import", "--help")
    assert "Formats" in helped.output
    for name, imp in importers().items():
        assert f"{name}\t{imp.cloud}\t" in listed.output
        assert name in helped.output
    assert "aws-config" in listed.output


# --- mixed Azure and GCP exports in one import ----------------------------------------------

SUB = "11111111-1111-1111-1111-111111111111"
PROJECT_NUMBER = "100000000001"
MIXED_BOUNDARY = f"""\
version: 1
name: orders-mixed
pattern: active-passive
objectives: {{rpo: 5m, rto: 15m}}
parties:
  customer:
    azure: {{subscriptions: ["{SUB}"], tenant: aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa}}
    gcp: {{projects: [orders-prod], organization: "500000000005"}}
regions:
  azure/westeurope: primary
  gcp/europe-west1: secondary
platform: {{select: {{tags: {{platform: orders-kafka}}}}}}
data:
  stores: {{select: {{tags: {{data-class: kafka-log}}}}}}
  keys: customer
network:
  kafka_ports: [9092]
"""
_RG = f"/subscriptions/{SUB}/resourceGroups/rg-kafka"


def _azure_row(rid: str, rtype: str, location: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A row as ``az graph query -q '<table>' --output json`` prints it (Resource Graph keys)."""
    return {
        "id": rid,
        "name": rid.rsplit("/", 1)[1],
        "type": rtype,
        "tenantId": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
        "kind": "",
        "location": location,
        "resourceGroup": "rg-kafka",
        "subscriptionId": SUB,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "properties": properties,
        "tags": {},
        "identity": None,
        "zones": None,
        "extendedLocation": None,
    }


def _azure_files(tmp_path: Path) -> list[Path]:
    """``resources`` (an object with ``data`` rows) and ``authorizationresources`` (bare list)."""
    storage = _azure_row(
        f"{_RG}/providers/Microsoft.Storage/storageAccounts/stordersweu",
        "microsoft.storage/storageaccounts",
        "westeurope",
        {"publicNetworkAccess": "Disabled", "primaryLocation": "westeurope"},
    )
    storage.update(kind="StorageV2", sku={"name": "Standard_LRS"}, tags={"data-class": "kafka-log"})
    web_app = _azure_row(
        f"{_RG}/providers/Microsoft.Web/sites/orders-console",
        "microsoft.web/sites",
        "westeurope",
        {"httpsOnly": True},
    )
    assignment = _azure_row(
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/ra01",
        "microsoft.authorization/roleassignments",
        "",
        {
            "principalId": "dddddddd-0000-0000-0000-000000000001",
            "principalType": "ServicePrincipal",
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
            "roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "scope": f"/subscriptions/{SUB}",
        },
    )
    resources = tmp_path / "resources.json"
    resources.write_text(
        json.dumps({"count": 2, "data": [storage, web_app], "skip_token": None, "total_records": 2})
    )
    auth = tmp_path / "authorizationresources.json"
    auth.write_text(json.dumps([assignment], indent=2))
    return [resources, auth]


def _gcp_line(name: str, asset_type: str, **content: Any) -> str:
    """One ``gcloud asset export`` JSON line (snake_case top-level keys)."""
    line = {
        "name": name,
        "asset_type": asset_type,
        "ancestors": [f"projects/{PROJECT_NUMBER}", "organizations/500000000005"],
        "update_time": "2026-11-30T10:00:00.000000Z",
        **content,
    }
    return json.dumps(line) + "\n"


def _gcp_resource(data: dict[str, Any], location: str, discovery: str) -> dict[str, Any]:
    return {
        "version": "v1",
        "discovery_document_uri": "https://www.googleapis.com/discovery/v1/apis/x/v1/rest",
        "discovery_name": discovery,
        "parent": f"//cloudresourcemanager.googleapis.com/projects/{PROJECT_NUMBER}",
        "data": data,
        "location": location,
    }


BUCKET = "//storage.googleapis.com/orders-tiered-ew1"
SQL_INSTANCE = "//sqladmin.googleapis.com/projects/orders-prod/instances/orders-reporting"


def _gcp_files(tmp_path: Path, *, with_project: bool = True) -> list[Path]:
    """``--content-type=resource`` and ``--content-type=iam-policy`` exports of one project."""
    bucket = {
        "name": "orders-tiered-ew1",
        "location": "EUROPE-WEST1",
        "locationType": "region",
        "labels": {"data-class": "kafka-log"},
        "iamConfiguration": {"publicAccessPrevention": "enforced"},
    }
    lines = _gcp_line(
        BUCKET,
        "storage.googleapis.com/Bucket",
        resource=_gcp_resource(bucket, "europe-west1", "Bucket"),
    )
    lines += _gcp_line(
        SQL_INSTANCE,
        "sqladmin.googleapis.com/Instance",
        resource=_gcp_resource({"name": "orders-reporting"}, "europe-west1", "Instance"),
    )
    project = {"projectId": "orders-prod", "projectNumber": PROJECT_NUMBER, "name": "orders-prod"}
    project_line = _gcp_line(
        f"//cloudresourcemanager.googleapis.com/projects/{PROJECT_NUMBER}",
        "cloudresourcemanager.googleapis.com/Project",
        resource=_gcp_resource(project, "", "Project"),
    )
    resources = tmp_path / "gcp-resources.jsonl"
    resources.write_text(lines + (project_line if with_project else ""))
    policy = {"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}
    iam = tmp_path / "gcp-iam.jsonl"
    iam.write_text(_gcp_line(BUCKET, "storage.googleapis.com/Bucket", iam_policy=policy))
    return [resources, iam]


def _mixed_import(tmp_path: Path, files: list[Path], *extra: str) -> Result:
    tmp_path.mkdir(parents=True, exist_ok=True)
    boundary = tmp_path / "boundary.yaml"
    boundary.write_text(MIXED_BOUNDARY)
    out = tmp_path / "out"
    return _run("import", "--boundary", str(boundary), "--out", str(out), *extra, *map(str, files))


def _resources(bundle: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in (bundle / "inventory.jsonl").read_text().splitlines()]
    return {r["id"]: r for r in rows if r.get("type", "resource") == "resource" and "id" in r}


def test_four_files_of_two_clouds_import_in_one_command(tmp_path: Path) -> None:
    files = _azure_files(tmp_path) + _gcp_files(tmp_path)
    result = _mixed_import(tmp_path, files)
    assert result.exit_code in (0, 1), result.output
    bundle = _bundle(tmp_path / "out")
    manifest = json.loads((bundle / "manifest.json").read_text())
    formats = [(f["name"], f["format"]) for f in manifest["provenance"]["files"]]
    assert formats == [
        ("resources.json", "azure-graph"),
        ("authorizationresources.json", "azure-graph"),
        ("gcp-resources.jsonl", "gcp-asset"),
        ("gcp-iam.jsonl", "gcp-asset"),
    ]
    clouds = {r["cloud"] for r in _resources(bundle).values()} - {""}  # "" : drills, outsiders
    assert clouds == {"azure", "gcp"}
    assert any(r["id"].endswith("/stordersweu") for r in _resources(bundle).values())


def test_an_explicit_format_overrides_detection_and_a_mismatch_is_one_line(
    tmp_path: Path,
) -> None:
    files = _azure_files(tmp_path) + _gcp_files(tmp_path)
    out = tmp_path / "out"
    result = _mixed_import(tmp_path, files, "--format", "gcp-asset")
    _assert_refused(result, out, "resources.json:1", "needs a 'name'")
    result = _mixed_import(tmp_path, files[2:], "--format", "gcp-asset")
    assert result.exit_code in (0, 1), result.output


def test_every_importer_detects_its_own_files_only(tmp_path: Path) -> None:
    from auditor.importers import detected

    files = {
        "aws-config": [SNAPSHOT],
        "azure-graph": _azure_files(tmp_path),
        "gcp-asset": _gcp_files(tmp_path),
    }
    for fmt, paths in files.items():
        for path in paths:
            assert [i.format for i in detected(path.read_bytes()[:65536])] == [fmt], path


def test_unknown_types_are_counted_as_not_judged_everywhere(tmp_path: Path) -> None:
    """A Cloud SQL instance (GCP) and a web app (Azure) have no normaliser: counted, not refused."""
    result = _mixed_import(tmp_path, _azure_files(tmp_path) + _gcp_files(tmp_path))
    assert result.exit_code in (0, 1), result.output
    expected = {
        "sqladmin.googleapis.com/Instance": 1,
        "microsoft.web/sites": 1,
    }
    bundle = _bundle(tmp_path / "out")
    provenance = json.loads((bundle / "manifest.json").read_text())["provenance"]
    assert provenance["not_judged"] == expected
    by_file = {f["name"]: f["not_judged"] for f in provenance["files"]}
    assert by_file["gcp-resources.jsonl"] == {"sqladmin.googleapis.com/Instance": 1}
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("not judged:")]
    assert "2 exported resource(s) of 2 type(s)" in line and "Instance (1)" in line
    report = (bundle / "report.md").read_text()
    assert "Exported but not judged: 2 resources of 2 types" in report
    assert "| sqladmin.googleapis.com/Instance | 1 |" in report
    assert "| microsoft.web/sites | 1 |" in report
    assert not any(SQL_INSTANCE in r["id"] for r in _resources(bundle).values())


def test_a_project_number_resolves_through_another_file_of_the_import(tmp_path: Path) -> None:
    """The bucket's file names its project by number only; the project file maps it."""
    resources, iam = _gcp_files(tmp_path, with_project=False)
    project = tmp_path / "gcp-projects.jsonl"
    data = {"projectId": "orders-prod", "projectNumber": PROJECT_NUMBER, "name": "orders-prod"}
    project.write_text(
        _gcp_line(
            f"//cloudresourcemanager.googleapis.com/projects/{PROJECT_NUMBER}",
            "cloudresourcemanager.googleapis.com/Project",
            resource=_gcp_resource(data, "", "Project"),
        )
    )
    result = _mixed_import(tmp_path, [resources, iam, project])
    assert result.exit_code in (0, 1), result.output
    bundle = _bundle(tmp_path / "out")
    bucket = _resources(bundle)[BUCKET]
    assert (bucket["account"], bucket["region"]) == ("orders-prod", "europe-west1")
    # The policy (iam-policy file) joined the bucket: its public member is on the one resource.
    assert bucket["attributes"]["public_members"] == ["allUsers"]
    verdicts = [v for v in _verdicts(bundle) if v["resource"] == BUCKET]
    assert verdicts and not any(PROJECT_NUMBER in json.dumps(v) for v in verdicts)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert not any(g["account"] == PROJECT_NUMBER for g in manifest["gaps"])


def test_without_the_mapping_the_number_stays_the_account(tmp_path: Path) -> None:
    """Each file alone: nothing maps the number, so it is kept (and the project is a gap)."""
    resources, iam = _gcp_files(tmp_path, with_project=False)
    result = _mixed_import(tmp_path, [resources, iam])
    assert result.exit_code in (0, 1), result.output
    bucket = _resources(_bundle(tmp_path / "out"))[BUCKET]
    assert bucket["account"] == PROJECT_NUMBER


def test_an_azure_tenant_resolves_through_the_subscription_rows_of_another_file(
    tmp_path: Path,
) -> None:
    """A query that projected ``tenantId`` away: the resourcecontainers file names the tenant."""
    _, auth = _azure_files(tmp_path)
    rows = json.loads(auth.read_text())
    auth.write_text(json.dumps([{k: v for k, v in r.items() if k != "tenantId"} for r in rows]))
    principal = "/principals/dddddddd-0000-0000-0000-000000000001"
    tenant = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

    alone = _mixed_import(tmp_path / "alone", [auth])
    assert alone.exit_code in (0, 1), alone.output
    ids = set(_resources(_bundle(tmp_path / "alone" / "out")))
    assert f"/tenants/unknown{principal}" in ids

    subscription = _azure_row(
        f"/subscriptions/{SUB}", "microsoft.resources/subscriptions", "", {"state": "Enabled"}
    )
    containers = tmp_path / "resourcecontainers.json"
    containers.write_text(json.dumps({"data": [subscription]}))
    result = _mixed_import(tmp_path, [auth, containers])
    assert result.exit_code in (0, 1), result.output
    ids = set(_resources(_bundle(tmp_path / "out")))
    assert f"/tenants/{tenant}{principal}" in ids
    assert f"/tenants/unknown{principal}" not in ids


def test_gzipped_exports_of_every_cloud_read_as_their_plain_text(tmp_path: Path) -> None:
    """gcloud and az exports are often stored gzipped: the same bundle either way."""
    (tmp_path / "plain").mkdir()
    plain = _azure_files(tmp_path / "plain") + _gcp_files(tmp_path / "plain")
    packed = []
    for path in plain:
        gz = tmp_path / f"{path.name}.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        packed.append(gz)
    assert _mixed_import(tmp_path / "a", plain).exit_code in (0, 1)
    result = _mixed_import(tmp_path / "b", packed)
    assert result.exit_code in (0, 1), result.output
    assert _resources(_bundle(tmp_path / "a" / "out")) == _resources(
        _bundle(tmp_path / "b" / "out")
    )


def test_a_bomb_or_a_broken_gzip_is_refused_in_one_line(tmp_path: Path) -> None:
    from auditor.importers import ExportFormatError, export_text

    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"{" * (3 << 20)))
    with pytest.raises(ExportFormatError, match="decompresses to more than 2 MiB"):
        export_text(bomb, limit=2 << 20)
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(gzip.compress(b'{"data": []}')[:-6])
    with pytest.raises(ExportFormatError, match="not a readable gzip file"):
        export_text(broken)


def test_the_same_export_given_twice_is_refused(tmp_path: Path) -> None:
    files = _gcp_files(tmp_path)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(files[0].read_bytes())
    out = tmp_path / "out"
    result = _mixed_import(tmp_path, [*files, files[0]])
    _assert_refused(result, out, "the same export as", "give each file once")
    result = _mixed_import(tmp_path, [*files, copy])
    _assert_refused(result, out, "copy.jsonl: the same export as")


def test_snake_case_audit_configs_of_an_export_reach_the_api_shape() -> None:
    from auditor.importers.gcp_asset import api_shape

    line = {
        "name": "//cloudresourcemanager.googleapis.com/projects/1",
        "asset_type": "cloudresourcemanager.googleapis.com/Project",
        "iam_policy": {
            "bindings": [{"role": "roles/viewer", "members": ["user:a@example.com"]}],
            "audit_configs": [
                {
                    "service": "storage.googleapis.com",
                    "audit_log_configs": [
                        {"log_type": "DATA_READ", "exempted_members": ["user:b@example.com"]}
                    ],
                }
            ],
        },
    }
    policy = api_shape(line)["iamPolicy"]
    assert policy["auditConfigs"] == [
        {
            "service": "storage.googleapis.com",
            "auditLogConfigs": [
                {"logType": "DATA_READ", "exemptedMembers": ["user:b@example.com"]}
            ],
        }
    ]


def test_json_nested_beyond_the_parser_is_one_line_in_every_format(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    files = {
        "azure.json": '{"data": ' + deep + "}",
        "gcp.jsonl": '{"name": "x", "asset_type": "y", "resource": ' + deep + "}\n",
        "config.json": '{"configurationItems": ' + deep + "}",
    }
    fmts = {"azure.json": "azure-graph", "gcp.jsonl": "gcp-asset", "config.json": "aws-config"}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        out = tmp_path / f"out-{name}"
        result = _run("import", "--boundary", str(BOUNDARY), "--out", str(out), str(path))
        _assert_refused(result, out, name)
        result = _run(
            "import",
            "--boundary",
            str(BOUNDARY),
            "--out",
            str(out),
            "--format",
            fmts[name],
            str(path),
        )
        _assert_refused(result, out, name, "nested too deeply")
