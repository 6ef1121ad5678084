"""junit.xml: one testcase per verdict, one testsuite per boundary path.

- FAIL -> ``<failure>`` (type = severity): CI shows it red.
- INCONCLUSIVE -> ``<skipped>`` (message starts ``INCONCLUSIVE:``): the rule
  could not be judged; it is not an error of the auditor itself, which
  ``<error>`` would claim.
- WAIVED -> ``<skipped>`` (message starts ``WAIVED:``, with the waiver's expiry).
- PASS -> a bare testcase.

``classname`` is ``boundary.<path>.<rule>`` and ``name`` the resource id with the
judged aspect (``<resource> [<aspect>]``, e.g. a traffic class), so names are unique
in each class as the Jenkins JUnit XSD's consumers expect; a repeat left after that
gets `` #2``, `` #3``... Characters XML 1.0 cannot carry are removed; the XML
writer escapes the rest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor.model import PathName, Status
from auditor.render import ReportData

FILENAME = "junit.xml"

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def render(report: ReportData) -> bytes:
    root = ET.Element("testsuites", {"name": xml_text(f"boundary {report.declaration_name}")})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for path in PathName:
        chosen = [v for v in report.verdicts if v.path is path]
        failures = sum(1 for v in chosen if v.status is Status.FAIL)
        skipped = sum(
            1
            for v in chosen
            if v.status in (Status.INCONCLUSIVE, Status.WAIVED, Status.NOT_APPLICABLE)
        )
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": f"boundary.{path.value}",
                "tests": str(len(chosen)),
                "failures": str(failures),
                "errors": "0",
                "skipped": str(skipped),
                "timestamp": f"{report.evaluated_on}T00:00:00",
            },
        )
        totals["tests"] += len(chosen)
        totals["failures"] += failures
        totals["skipped"] += skipped
        seen: dict[tuple[str, str], int] = {}
        for v in chosen:
            classname = f"boundary.{path.value}.{v.rule}"
            name = xml_text(f"{v.resource} [{v.aspect}]" if v.aspect else v.resource)
            seen[(classname, name)] = n = seen.get((classname, name), 0) + 1
            if n > 1:  # the same rule, resource and aspect judged twice
                name = f"{name} #{n}"
            case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name})
            message = xml_text(v.message)
            if v.status is Status.FAIL:
                failure = ET.SubElement(
                    case, "failure", {"message": message, "type": v.severity.value}
                )
                failure.text = xml_text(
                    f"{v.severity.value} {v.rule} on {v.resource}\n{v.message}\n"
                    f"rule: {report.rule_titles.get(v.rule, v.rule)}"
                )
            elif v.status is Status.INCONCLUSIVE:
                ET.SubElement(case, "skipped", {"message": f"INCONCLUSIVE: {message}"})
            elif v.status is Status.WAIVED:
                expires = xml_text((v.waiver or {}).get("expires", ""))
                ET.SubElement(case, "skipped", {"message": f"WAIVED until {expires}: {message}"})
            elif v.status is Status.NOT_APPLICABLE:
                ET.SubElement(case, "skipped", {"message": f"NOT_APPLICABLE: {message}"})
    # The common JUnit XSD (Jenkins) allows tests, failures and errors on <testsuites>;
    # skipped counts stay on each <testsuite>.
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
