"""Hostile strings from the cloud are inert in every output: terminal, Markdown, HTML, CSV,
SARIF, JUnit XML, OCSF.

Names, tags and descriptions in a moto estate carry what an attacker who can
tag a resource would try: ANSI escapes and other control characters (over the
JSON APIs; XML cannot carry them), HTML and script, Markdown links and table
pipes, rich markup, line breaks, and spreadsheet formula prefixes (``=cmd|``,
``+``, ``-``, ``@``). A full ``auditor scan`` runs through the CLI; then every
bundle file and the captured terminal output is checked, format by format,
and each check first finds the planted marker so it cannot pass vacuously.

The hostile instance names reach FAIL messages (their SSH port is open to the
internet), so they are in the terminal summary and every report. The control
characters ride on KMS keys (JSON APIs) and reach ``inventory.jsonl`` and
``graph.json``, where they must be JSON-escaped, never raw.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import BASE

pytestmark = pytest.mark.e2e

MARK = "HOSTILE"
ANSI = f"\x1b[31m{MARK}-ANSI\x1b[0m\x1b]8;;http://evil.example\x07link\x1b]8;;\x07"
CONTROL = f"{MARK}-CTRL\r\x08\x07\x00\u202eevil\u202c"
HTML = f'{MARK}-HTML<script>alert(1)</script><img src=x onerror="alert(2)">'
MARKDOWN = f"{MARK}-MD [click](javascript:alert(1)) | col | **bold** `code` <b>x</b>\n# heading"
RICH = f"{MARK}-RICH [bold red]boom[/bold red] [link=http://evil.example]x[/link]"
FORMULAS = [
    f"=cmd|' /C calc'!A0 {MARK}-F1",
    f"+1+1 {MARK}-F2",
    f"-2+3 {MARK}-F3",
    f"@SUM(1) {MARK}-F4",
]
C0_BYTES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _open_group(ec2: Any, vpc: str, i: int) -> str:
    """A group of its own per instance: each exposure is its own root-cause finding, so
    the terminal summary's rows name every hostile instance (a shared group would make
    one finding, named after whichever instance sorts first)."""
    sg = ec2.create_security_group(
        GroupName=f"broker-sg-{i}", Description=f"{HTML} {FORMULAS[0]}", VpcId=vpc
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": RICH}],
            },
            {  # a critical FAIL per instance: the summary's first rows name them
                "IpProtocol": "tcp",
                "FromPort": 9092,
                "ToPort": 9092,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    )
    return str(sg)


def _plant(fake_aws: FakeAws) -> None:
    session = fake_aws.session(CUSTOMER)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    ec2.create_route(
        RouteTableId=table["RouteTables"][0]["RouteTableId"],
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=igw,
    )
    for i, name in enumerate([MARKDOWN, RICH, HTML, *FORMULAS]):
        ec2.run_instances(
            ImageId="ami-12345678",
            MinCount=1,
            MaxCount=1,
            InstanceType="m5.large",
            NetworkInterfaces=[
                {
                    "DeviceIndex": 0,
                    "SubnetId": subnet,
                    "Groups": [_open_group(ec2, vpc, i)],
                    "AssociatePublicIpAddress": True,
                }
            ],
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [
                        {"Key": "Name", "Value": name},
                        {"Key": "platform", "Value": "orders-kafka"},
                        {"Key": f"note-{i}", "Value": FORMULAS[i % len(FORMULAS)]},
                    ],
                }
            ],
        )
    kms = session.client("kms")
    keys = [
        kms.create_key(  # JSON APIs can carry control characters
            Description=text,
            Tags=[
                {"TagKey": "Name", "TagValue": text},
                {"TagKey": "platform", "TagValue": "orders-kafka"},
            ],
        )["KeyMetadata"]["Arn"]
        for text in (ANSI, CONTROL)
    ]
    s3 = session.client("s3")
    s3.create_bucket(Bucket="orders-log-primary")
    s3.put_bucket_encryption(
        Bucket="orders-log-primary",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": keys[0],
                    }
                }
            ]
        },
    )
    s3.put_bucket_tagging(
        Bucket="orders-log-primary",
        Tagging={
            "TagSet": [
                {"Key": "data-class", "Value": "kafka-log"},
                {"Key": "Name", "Value": MARKDOWN},
                {"Key": "owner", "Value": FORMULAS[3]},
            ]
        },
    )


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, moto_server: object) -> dict[str, str]:
    from tests.conftest import FakeAws as _FakeAws

    moto_server.reset()  # type: ignore[attr-defined]
    fake = _FakeAws(moto_server)  # type: ignore[arg-type]
    _plant(fake)
    creds = fake.auditor((CUSTOMER,))
    tmp = tmp_path_factory.mktemp("hostile")
    decl = tmp / "boundary.yaml"
    base = dict(BASE)
    base["parties"] = {**BASE["parties"], "customer": {"aws": {"accounts": [CUSTOMER]}}}
    with decl.open("w") as fh:
        YAML().dump(base, fh)
    out = tmp / "out"
    result = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(out), "--assume-role", AUDITOR_ROLE],
        env={**creds.env(), "COLUMNS": "1000"},  # one line per table row: no wrapping
    )
    assert result.exit_code in (0, 1, 3), result.output
    (bundle,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    files = {p.name: p.read_text(encoding="utf-8") for p in bundle.iterdir() if p.is_file()}
    files["<terminal>"] = result.output
    return files


def _present(text: str, *marks: str) -> None:
    for m in marks:
        assert m in text, f"{m} not found: the hostile string did not reach this output"


def test_inventory_carries_the_planted_strings(scanned: dict[str, str]) -> None:
    inv = scanned["inventory.jsonl"]
    _present(inv, f"{MARK}-ANSI", f"{MARK}-CTRL", f"{MARK}-HTML", f"{MARK}-MD", f"{MARK}-F1")


def test_terminal_output_is_inert(scanned: dict[str, str]) -> None:
    out = scanned["<terminal>"]
    _present(out, f"{MARK}-")
    found = [line for line in out.splitlines() if MARK in line]
    for line in found:
        assert not CONTROL_BYTES.search(line.replace("\x1b[", "")), repr(line)
    # No escape sequence from the cloud: every ESC the output has is rich's own styling.
    assert "\x1b]8;;http://evil" not in out and "\x1b[31m" + MARK not in out
    # rich markup in a cloud string is printed, not obeyed
    # rich markup in a cloud string is printed, not obeyed (the summary shows 15 failures,
    # ordered by instance id, so which hostile names it shows varies)
    literal = {
        f"{MARK}-RICH": "[bold red]boom[/bold red] [link=http://evil.example]x[/link]",
        f"{MARK}-MD": "**bold** `code` <b>x</b>",
        f"{MARK}-HTML": '<script>alert(1)</script><img src=x onerror="alert(2)">',
    }
    # a line break in a name does not start a line of its own in the summary
    assert not any(line.lstrip("│ ").startswith("# heading") for line in out.splitlines())
    shown = [line for line in found if any(m in line for m in literal)]
    assert shown, "no hostile name reached the terminal summary"
    for line in shown:
        for m, text in literal.items():
            if m in line:
                assert text in line, line


def test_markdown_is_inert(scanned: dict[str, str]) -> None:
    md = scanned["report.md"]
    _present(md, f"{MARK}-")
    # Markdown renders a backslash-escaped character literally: only a bare one is active.
    assert not re.search(r"(?<!\\)<(script|img|b)\b", md), "raw HTML in report.md"
    assert not re.search(r"(?<!\\)\]\(javascript:", md), "a live link in report.md"
    assert not CONTROL_BYTES.search(md)
    for line in md.splitlines():
        if MARK in line and line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)
            assert all("\n" not in c for c in cells)
            assert not any(c.strip().startswith("#") for c in cells)
        if MARK in line:
            assert not line.lstrip().startswith("#"), f"a cloud string made a heading: {line!r}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_html_is_inert(scanned: dict[str, str]) -> None:
    html = scanned["report.html"]
    _present(html, f"{MARK}-HTML")
    parser = _Tags()
    parser.feed(html)
    assert "script" not in {t for t, _ in parser.tags}
    assert "img" not in {t for t, _ in parser.tags}
    for _, attrs in parser.tags:
        for key, value in attrs:
            assert not key.startswith("on"), key
            assert "javascript:" not in (value or "").lower()
            assert "evil.example" not in (value or "")
    assert not CONTROL_BYTES.search(html)


def _csv_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


@pytest.mark.parametrize("name", ["verdicts.csv", "accountability.csv"])
def test_csv_cells_never_start_a_formula(scanned: dict[str, str], name: str) -> None:
    text = scanned[name]
    cells = [c for c in _csv_cells(text) if MARK in c]
    assert cells, f"no planted string reached {name}"
    for c in _csv_cells(text):
        assert not c.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), repr(c)
        assert not CONTROL_BYTES.search(c), repr(c)


def test_csv_formula_prefixes_are_neutralised(scanned: dict[str, str]) -> None:
    cells = [c for n in ("verdicts.csv", "accountability.csv") for c in _csv_cells(scanned[n])]
    neutralised = [c for c in cells if c.startswith("'") and MARK in c]
    assert neutralised, "no formula-looking cell was planted into the CSVs"


def test_sarif_and_ocsf_are_valid_json_without_raw_controls(scanned: dict[str, str]) -> None:
    sarif = scanned["report.sarif"]
    doc = json.loads(sarif)
    assert doc["version"] == "2.1.0"
    ocsf = scanned["ocsf.jsonl"]
    events = [json.loads(line) for line in ocsf.splitlines() if line.strip()]
    assert events
    joined = sarif + ocsf
    _present(joined, f"{MARK}-")
    assert not C0_BYTES.search(joined)  # JSON escapes them (\\u001b), never raw
    for result in doc["runs"][0].get("results", []):
        markdown = result.get("message", {}).get("markdown", "")
        assert "<script" not in markdown and "](javascript:" not in markdown


def test_junit_is_well_formed_xml(scanned: dict[str, str]) -> None:
    junit = scanned["junit.xml"]
    _present(junit, f"{MARK}-")
    root = ET.fromstring(junit.encode())  # control characters would make this fail
    assert root.tag in ("testsuites", "testsuite")
    assert "<script" not in junit


def test_no_file_holds_a_raw_control_or_bidi_character(scanned: dict[str, str]) -> None:
    _present(scanned["inventory.jsonl"], f"{MARK}-CTRL")
    for name, text in scanned.items():
        if name == "<terminal>":
            continue
        # JSON files carry the bytes as data, escaped; bidi controls may stay raw there.
        pattern = C0_BYTES if name.endswith((".json", ".jsonl", ".sarif")) else CONTROL_BYTES
        found = pattern.search(text)
        assert found is None, f"{name} holds a raw {found.group(0)!r}"
