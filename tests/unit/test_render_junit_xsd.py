"""junit.xml against the JUnit XSD the Jenkins xUnit plugin validates reports with.

The schema is ``tests/data/junit-10.xsd`` (copied unchanged from jenkinsci/xunit-plugin,
see ``tests/data/README.md``); xmlschema validates. The golden of the demo estate
(``tests/e2e/test_golden_formats`` holds the rendered file equal to it) and a report
with aspects, repeats and hostile strings must both validate, with unique test names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from auditor.model import PathName, Severity, Status, Verdict
from auditor.render.junit import render
from tests.unit.test_render_machine import BUCKET, HOSTILE, VERDICTS, _report

ROOT = Path(__file__).resolve().parents[2]
XSD = ROOT / "tests" / "data" / "junit-10.xsd"
GOLDENS = sorted((ROOT / "tests" / "golden").glob("*/junit.xml"))


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def _names(raw: bytes) -> list[tuple[str | None, str | None]]:
    return [(c.get("classname"), c.get("name")) for c in ET.fromstring(raw).iter("testcase")]


def _aspect(aspect: str, status: Status = Status.FAIL) -> Verdict:
    return Verdict(
        rule="network.reach",
        path=PathName.NETWORK,
        status=status,
        resource=BUCKET,
        severity=Severity.HIGH,
        message=f"reach {aspect} {HOSTILE}",
        aspect=aspect,
    )


def test_the_schema_rejects_what_the_issue_found(schema: xmlschema.XMLSchema) -> None:
    # The check can fail: <testsuites skipped=...> was the reported defect.
    bad = (
        b'<testsuites skipped="1">'
        b'<testsuite name="a" tests="0" failures="0" errors="0"/></testsuites>'
    )
    assert not schema.is_valid(bad)
    assert schema.is_valid(bad.replace(b' skipped="1"', b""))


def test_rendered_report_with_aspects_validates_and_names_are_unique(
    schema: xmlschema.XMLSchema,
) -> None:
    verdicts = [
        *VERDICTS,
        _aspect("client"),
        _aspect("replication", Status.PASS),
        _aspect("replication", Status.INCONCLUSIVE),  # the same facet judged twice
        VERDICTS[0],
    ]
    raw = render(_report(verdicts))
    schema.validate(raw.decode("utf-8"))
    names = _names(raw)
    assert len(names) == len(set(names)) == len(verdicts)
    assert ("boundary.network.network.reach", f"{BUCKET} [client]") in names
    assert ("boundary.network.network.reach", f"{BUCKET} [replication]") in names
    assert ("boundary.network.network.reach", f"{BUCKET} [replication] #2") in names
    assert ("boundary.data.data.a", f"{BUCKET} #2") in names


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.parent.name)
def test_golden_junit_validates(schema: xmlschema.XMLSchema, golden: Path) -> None:
    raw = golden.read_bytes()
    schema.validate(raw.decode("utf-8"))
    names = _names(raw)
    assert names and len(names) == len(set(names)), "test names repeat"


def test_goldens_exist() -> None:
    assert GOLDENS, "no junit.xml golden to validate"
