"""End to end: the kafka-byoc-multicloud demo estate (AWS + Azure + GCP) against a golden.

``auditor demo`` scans this estate by default. Here the same three fakes serve it:
moto (``aws.yaml``, which includes the kafka-byoc-aws estate), ``AzureFake``
(``azure.yaml``) and ``GcpFake`` (``gcp.yaml``); one ``collect_inventory`` reads
all three through the real boto3, Azure and Google clients, and every rule judges
the result against ``fixtures/kafka-byoc-multicloud/boundary.yaml``.

- The (rule, resource, status) triples must equal
  ``tests/golden/kafka-byoc-multicloud.verdicts.json`` (moto ids seeded, MSK ids
  masked as in ``test_demo_estate``); ``UPDATE_GOLDEN=1`` rewrites it, a missing
  golden fails.
- Every README table row matches a verdict, and no verdict but PASS goes
  unexplained by the README's tables.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions
from auditor.collect.gcp import GcpScanOptions
from auditor.collect.runner import AwsScanOptions
from auditor.fakecloud.azure_server import AzureFake
from auditor.fakecloud.demo import estate_files
from auditor.fakecloud.estate import apply_estate, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, Verdict
from auditor.normalize.drills import with_drills
from auditor.pipeline import ScanTargets, bundle_files, collect_inventory, evaluate_inventory
from tests.conftest import FakeAws
from tests.e2e.test_demo_estate import ACCOUNTS, AS_OF, REGIONS, SEED, _mask, _warm_up
from tests.estate_readme import (
    EstateReadme,
    assert_matches_golden,
    assert_one_finding_per_misconfiguration,
    verdict_rows,
)
from tests.helpers import run_rules

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "kafka-byoc-multicloud"
README = ESTATE / "README.md"
GOLDEN = ROOT / "tests" / "golden" / "kafka-byoc-multicloud.verdicts.json"
SUBSCRIPTIONS = ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222")
PROJECTS = ("orders-prod",)


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan(fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> Scan:
    """Apply, collect all three clouds and evaluate once per session."""
    if "scan" not in _SCAN:
        _warm_up(fake_aws)
        req = urllib.request.Request(
            f"{fake_aws.server.endpoint}/moto-api/seed?a={SEED}", method="POST"
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
        apply_estate(ESTATE / "aws.yaml")
        for key, value in fake_aws.auditor(ACCOUNTS).env().items():
            monkeypatch.setenv(key, value)
        decl_path = ESTATE / "boundary.yaml"
        decl = load_declaration(decl_path)
        with (
            AzureFake(ESTATE / "azure.yaml", page_size=50) as azure,
            GcpFake(ESTATE / "gcp.yaml", page_size=50) as gcp,
        ):
            targets = ScanTargets(
                aws=AwsScanOptions(
                    accounts=ACCOUNTS,
                    regions=REGIONS,
                    assume_role=AUDITOR_ROLE,
                    max_attempts=1,
                    max_workers=8,
                ),
                azure=AzureScanOptions(
                    subscriptions=SUBSCRIPTIONS,
                    base_url=azure.base_url,
                    credential=azure.credential(),
                    connection_verify=azure.ca_path,
                    retry_total=0,
                ),
                gcp=GcpScanOptions(
                    projects=PROJECTS,
                    api_endpoint=gcp.endpoint,
                    credentials=gcp.credentials(),
                    retry=None,
                ),
                regions={c: tuple(sorted(decl.regions_of(c))) for c in ("azure", "gcp")},
            )
            inventory = collect_inventory(targets)
        inventory = with_drills(inventory, decl, decl_path, AS_OF)
        _SCAN["scan"] = Scan(
            inventory=inventory, verdicts=run_rules(inventory, decl, today=AS_OF.date())
        )
    return _SCAN["scan"]


def test_the_fixture_names_its_fakes_and_reuses_the_aws_estate() -> None:
    files = estate_files(ESTATE, load_declaration(ESTATE / "boundary.yaml"))
    assert files == {c: ESTATE / f"{c}.yaml" for c in ("aws", "azure", "gcp")}
    aws_only = load_estate(ROOT / "fixtures" / "kafka-byoc-aws" / "estate.yaml")
    assert load_estate(ESTATE / "aws.yaml") == aws_only


def test_collection_is_complete(scan: Scan) -> None:
    assert not scan.inventory.gaps, scan.inventory.gaps
    assert scan.inventory.scope.cloud == "aws+azure+gcp"


def test_the_scan_holds_all_three_clouds(scan: Scan) -> None:
    clouds = {r.cloud for r in scan.inventory.resources if not r.attributes.get("stub")}
    assert {"aws", "azure", "gcp"} <= clouds
    clusters = {r.cloud for r in scan.inventory.resources if r.kind == "kafka_cluster"}
    assert clusters == {"aws", "azure", "gcp"}  # MSK, Event Hubs, Managed Kafka


def test_verdicts_match_golden(scan: Scan) -> None:
    header = {
        "estate": "kafka-byoc-multicloud",
        "declaration": "fixtures/kafka-byoc-multicloud/boundary.yaml",
        "accounts": [*ACCOUNTS, *SUBSCRIPTIONS, *PROJECTS],
    }
    assert_matches_golden(GOLDEN, verdict_rows(scan.verdicts, _mask), header)


# --- the README's tables ------------------------------------------------------------------

TABLES = EstateReadme(path=README)


def test_planted_violations_are_caught(scan: Scan) -> None:
    problems = TABLES.uncaught(scan.verdicts, scan.inventory)
    assert not problems, "planted violations not caught:\n" + "\n".join(problems)


def test_every_table_row_matches_a_verdict(scan: Scan) -> None:
    stale = TABLES.stale(scan.verdicts, scan.inventory)
    assert not stale, "README rows no verdict matches (remove or fix them):\n" + "\n".join(stale)


def test_each_planted_misconfiguration_is_one_finding(scan: Scan) -> None:
    assert_one_finding_per_misconfiguration(TABLES, scan.verdicts, scan.inventory)


def test_everything_else_passes(scan: Scan) -> None:
    unexplained = TABLES.unexplained(scan.verdicts, scan.inventory)
    assert not unexplained, "verdicts the README does not explain:\n" + "\n".join(unexplained)


def test_ocsf_of_the_three_cloud_demo_is_read_by_ocsf_consumers(scan: Scan) -> None:
    """Prowler's parser (py-ocsf-models) and the OCSF 1.5 schema both accept every event.

    The schema is OCSF's own, compiled for the release and given as JSON Schema by
    ocsf-json-schema, with the cloud profile the events declare.
    """
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

    from auditor.render.ocsf import OCSF_VERSION

    decl = load_declaration(ESTATE / "boundary.yaml")
    ev = evaluate_inventory(scan.inventory, decl, load_pack("default"), AS_OF.date())
    files = bundle_files(
        decl=decl,
        decl_text=(ESTATE / "boundary.yaml").read_text(),
        ev=ev,
        started="2026-11-29T00:00:00Z",
        finished="2026-11-29T00:00:01Z",
    )
    events = [json.loads(line) for line in files["ocsf.jsonl"].decode().splitlines()]
    assert len(events) == len(ev.verdicts) > 300
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(OCSF_VERSION)).get_class_schema(
        "compliance_finding", profiles=["cloud"]
    )
    validator = jsonschema.Draft202012Validator(schema)
    for e in events:
        errors = [f"{list(x.absolute_path)}: {x.message}" for x in validator.iter_errors(e)]
        assert not errors, (e["finding_info"]["desc"], errors[:3])
        ComplianceFinding(**e)  # raises on any field py-ocsf-models refuses
    uids = [e["finding_info"]["uid"] for e in events]
    assert len(set(uids)) == len(uids)  # a consumer updating by id never overwrites another
    assert {e["cloud"]["provider"] for e in events} >= {"AWS", "Azure", "GCP"}
    # Only what the declaration names outside any cloud's grammar (a DNS name, a declared
    # replication) has no provider, and it says so rather than guess.
    unknown = {e["resources"][0]["uid"] for e in events if e["cloud"]["provider"] == "Unknown"}
    assert {u.split(":", 1)[0] for u in unknown} <= {"dns", "replication", "drill-kind"}, unknown
    inconclusive = [e for e in events if e["unmapped"]["auditor_status"] == "INCONCLUSIVE"]
    assert inconclusive and all(e["compliance"]["status_id"] == 2 for e in inconclusive)


def test_asff_of_the_demo_is_what_security_hub_imports(scan: Scan) -> None:
    """Every finding validates against botocore's BatchImportFindings model; only AWS."""
    import botocore.session
    from botocore.validate import ParamValidator

    decl = load_declaration(ESTATE / "boundary.yaml")
    ev = evaluate_inventory(scan.inventory, decl, load_pack("default"), AS_OF.date())
    files = bundle_files(
        decl=decl,
        decl_text=(ESTATE / "boundary.yaml").read_text(),
        ev=ev,
        started="2026-11-29T00:00:00Z",
        finished="2026-11-29T00:00:01Z",
    )
    findings = json.loads(files["asff.json"])
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    for chunk in range(0, len(findings), 100):  # the API takes 100 findings a call
        report = ParamValidator().validate({"Findings": findings[chunk : chunk + 100]}, shape)
        assert not report.has_errors(), report.generate_report()
    aws_problems = [
        v
        for v in ev.verdicts
        if v.status.value in ("FAIL", "WAIVED", "INCONCLUSIVE")
        and (v.resource.startswith("arn:aws:") or v.resource.startswith("scope:aws/"))
        and any(c.isdigit() for c in v.resource)
    ]
    assert findings and len(findings) <= len(aws_problems) + 5
    assert {f["AwsAccountId"] for f in findings} <= {"111111111111", "222222222222"}
    assert len({f["Id"] for f in findings}) == len(findings)
    waived = [f for f in findings if f["Workflow"]["Status"] == "SUPPRESSED"]
    assert waived and all(f["Compliance"]["Status"] == "FAILED" for f in waived)
    assert not any("subscriptions" in f["Resources"][0]["Id"] for f in findings)


def test_sarif_of_the_demo_passes_the_multitools_github_rules(scan: Scan, tmp_path: Path) -> None:
    """Microsoft's SARIF multitool, with every GitHub code scanning rule on, finds nothing.

    The general SARIF rules then report no error or warning either. Two broken copies
    of the same log show the GitHub rules are live: a result located at a URL (GH1005)
    and one without a region (GH1003) are reported. Skips only when the pinned tool
    cannot run here (``cd tools/sarif && npm ci``); under CI that fails instead.
    """
    import importlib.metadata
    import os

    from auditor.render.sarif import home_page
    from tests import sarif_multitool as mt

    why = mt.unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"the SARIF multitool is required under CI: {why}")
        pytest.skip(why)
    decl = load_declaration(ESTATE / "boundary.yaml")
    ev = evaluate_inventory(scan.inventory, decl, load_pack("default"), AS_OF.date())
    files = bundle_files(
        decl=decl,
        decl_text=(ESTATE / "boundary.yaml").read_text(),
        ev=ev,
        started="2026-11-29T00:00:00Z",
        finished="2026-11-29T00:00:01Z",
    )
    log = tmp_path / "report.sarif"
    log.write_bytes(files["report.sarif"])
    doc = json.loads(files["report.sarif"])
    assert len(doc["runs"][0]["results"]) > 50  # FAIL, WAIVED and INCONCLUSIVE verdicts

    config, github_rules = mt.github_rules_config(tmp_path)
    assert {"GH1001", "GH1003", "GH1005", "GH2012"} <= set(github_rules)
    assert mt.validate(log, kind="Ghas", config=config) == []

    # the tool names its page only when the package declares one, and then it is the log's
    urls = importlib.metadata.metadata("boundary-auditor").get_all("Project-URL") or []
    page = doc["runs"][0]["tool"]["driver"].get("informationUri", "")
    assert page == home_page(urls)
    general = mt.sarif_rules_config(tmp_path, information_uri_required=bool(page))
    loud = [i for i in mt.validate(log, kind="Sarif", config=general) if i.level != "note"]
    assert loud == [], loud

    results = doc["runs"][0]["results"]
    results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "https://x.test/"
    del results[1]["locations"][0]["physicalLocation"]["region"]
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(doc))
    found = {(i.rule, i.level) for i in mt.validate(broken, kind="Ghas", config=config)}
    assert found == {("GH1005", "error"), ("GH1003", "error")}, found
