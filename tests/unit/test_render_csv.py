"""CSV renderers (accountability.csv, verdicts.csv) and the accountability map in report.md."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from auditor.analysis.derive import build_graph
from auditor.model import Inventory, PathName, Relation, Resource, Scope, Severity, Status, Verdict
from auditor.render import AccountabilityRow, ReportData, renderers
from auditor.render._csv import csv_cell
from auditor.render.accountability import accountability_table
from auditor.render.accountability import render as render_accountability
from auditor.render.markdown import render as render_md
from auditor.render.verdicts_csv import render as render_verdicts
from tests.helpers import CUSTOMER, CUSTOMER_2, PRIMARY, SECONDARY, declaration
from tests.unit.test_rules_control import allow, trail, vendor_role

KEY = f"arn:aws:kms:{PRIMARY}:{CUSTOMER}:key/k1"
BUCKET = "arn:aws:s3:::orders-log"


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("plain", "plain"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'=1"),  # the tab is stripped, the formula still neutralised
        ("\r@x", "'@x"),
        ("  =1", "'  =1"),
        ("\x00=cmd", "'=cmd"),
        ("a\nb\x1b[31mc", "ab[31mc"),
        ("abc\u202edcba", "abcdcba"),  # bidi override removed
        ("a=b", "a=b"),
        (None, ""),
        (3, "3"),
    ],
)
def test_csv_cell_is_inert(raw: object, cell: str) -> None:
    assert csv_cell(raw) == cell


def _report(**over: Any) -> ReportData:
    base: dict[str, Any] = {
        "declaration_name": "orders-kafka",
        "declaration_hash": "0" * 64,
        "pattern": "active-passive",
        "inventory": Inventory(
            scope=Scope(accounts=(), regions=()), resources=(), relations=(), gaps=()
        ),
        "verdicts": [],
        "gaps": [],
        "crossings": [],
        "rule_titles": {"data.r": "A rule"},
        "pack": "default",
        "evaluated_on": "2026-11-29",
    }
    base.update(over)
    return ReportData(**base)


HOSTILE = "=cmd|' /C calc'!A0\n<script>"


def test_verdicts_csv_exact_bytes() -> None:
    verdicts = [
        Verdict(
            rule="data.r",
            path=PathName.DATA,
            status=Status.FAIL,
            resource=f"arn:aws:s3:::{HOSTILE}",
            severity=Severity.HIGH,
            message=HOSTILE,
        ),
        Verdict(
            rule="data.r",
            path=PathName.DATA,
            status=Status.WAIVED,
            resource="arn:aws:s3:::b",
            severity=Severity.LOW,
            message="m, with comma",
            waiver={"reason": "-ok", "approved_by": "me", "expires": "2027-01-01"},
        ),
    ]
    out = render_verdicts(_report(verdicts=verdicts))
    # S3 ARNs carry no account or region: the cloud is read off the id; where the
    # report has no rule docs the remediation is empty.
    assert out == (
        b"rule,title,path,status,severity,resource,aspect,cloud,account,region,message,"
        b"finding,remediation,waiver_reason,waiver_approved_by,waiver_expires,waiver_expired\r\n"
        b"data.r,A rule,data,FAIL,high,arn:aws:s3:::=cmd|' /C calc'!A0<script>,,aws,,,"
        b"'=cmd|' /C calc'!A0<script>,,,,,,\r\n"
        b'data.r,A rule,data,WAIVED,low,arn:aws:s3:::b,,aws,,,"m, with comma",,,'
        b"'-ok,me,2027-01-01,false\r\n"
    )
    assert render_verdicts(_report(verdicts=verdicts)) == out


def test_accountability_csv_exact_bytes_and_markdown_section() -> None:
    rows = (
        AccountabilityRow(
            resource=BUCKET,
            kind="bucket",
            name="@evil",
            account=CUSTOMER,
            party="customer",
            region=PRIMARY,
            modifiers=("arn:aws:iam::1:role/a [bucket.delete, data.write]", "arn:x [y]"),
            trails=("arn:t",),
            keys=(KEY,),
        ),
        AccountabilityRow(
            resource="arn:aws:s3:::|pipe",
            kind="bucket",
            name="",
            account=CUSTOMER,
            party="customer",
            region=PRIMARY,
        ),
    )
    report = _report(accountability=rows)
    assert render_accountability(report) == (
        b"resource,kind,name,account,party,region,can_modify,trail,key\r\n"
        b"arn:aws:s3:::orders-log,bucket,'@evil,111111111111,customer,us-east-1,"
        b'"arn:aws:iam::1:role/a [bucket.delete, data.write]; arn:x [y]",arn:t,'
        b"arn:aws:kms:us-east-1:111111111111:key/k1\r\n"
        b"arn:aws:s3:::|pipe,bucket,,111111111111,customer,us-east-1,"
        b"not modelled,not modelled,not modelled\r\n"
    )
    md = render_md(report).decode()
    section = md.split("## Accountability map\n", 1)[1].split("\n\n", 2)[1]
    assert section.splitlines()[2:] == [
        "| arn:aws:s3:::orders-log | bucket | 111111111111 | customer | us-east-1 | "
        "arn:aws:iam::1:role/a \\[bucket.delete, data.write\\]; arn:x \\[y\\] | arn:t | "
        f"{KEY} |",
        "| arn:aws:s3:::\\|pipe | bucket | 111111111111 | customer | us-east-1 | not modelled | "
        "not modelled | not modelled |",
    ]
    assert "## Accountability map" not in render_md(_report()).decode()


def test_csv_renderers_are_discovered() -> None:
    found = renderers()
    assert {"accountability.csv", "verdicts.csv", "report.md"} <= set(found)


def _bucket(rid: str, account: str, tags: dict[str, str], **attrs: Any) -> Resource:
    return Resource(
        id=rid,
        cloud="aws",
        kind="bucket",
        account=account,
        region=PRIMARY,
        name=rid.rsplit(":", 1)[-1],
        tags=tags,
        attributes={"name": rid.rsplit(":", 1)[-1], **attrs},
    )


def test_accountability_table_from_the_graph() -> None:
    vendor = vendor_role(allow(["s3:PutBucketPolicy", "s3:GetObject", "ec2:*"]))
    key = Resource(
        id=KEY,
        cloud="aws",
        kind="key",
        account=CUSTOMER,
        region=PRIMARY,
        attributes={"key_id": "k1", "key_manager": "CUSTOMER", "policy": None},
    )
    store = _bucket(BUCKET, CUSTOMER, {"data-class": "kafka-log"})
    sse_s3 = _bucket(
        "arn:aws:s3:::orders-sys",
        CUSTOMER_2,
        {"data-class": "system-log"},
        encryption={"algorithm": "AES256", "kms_key_id": None, "bucket_key": False},
    )
    other = _bucket("arn:aws:s3:::unrelated", CUSTOMER, {})
    subnet = Resource(
        id=f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:subnet/subnet-1",
        cloud="aws",
        kind="subnet",
        account=CUSTOMER,
        region=PRIMARY,
        tags={"platform": "orders-kafka"},
        attributes={"vpc_id": "vpc-1", "cidr": "10.0.0.0/24"},
    )
    resources = (
        vendor,
        key,
        store,
        sse_s3,
        other,
        subnet,
        Resource(
            id=f"arn:aws:iam::{CUSTOMER}:root",
            cloud="aws",
            kind="account",
            account=CUSTOMER,
            region="global",
        ),
        trail("main"),
        trail("regional", multi_region=False),
        trail("stopped", logging=False),
        trail("org", account=CUSTOMER_2, organization_trail=True, multi_region=True),
    )
    inventory = Inventory(
        scope=Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=(PRIMARY, SECONDARY)),
        resources=resources,
        relations=(
            Relation(source=BUCKET, target=KEY, kind="data.encrypted_by", reason="sse-kms"),
            Relation(
                source=vendor.id,
                target="arn:aws:iam::999999999999:role/automation",
                kind="control.trusts",
                reason="t",
            ),
        ),
        gaps=(),
    )
    rows = accountability_table(build_graph(inventory, declaration()))
    by = {r.resource: r for r in rows}
    assert list(by) == sorted(by) == [subnet.id, BUCKET, "arn:aws:s3:::orders-sys"]
    # ec2:* on the account: the vendor role may change the platform's network
    assert by[subnet.id].modifiers == (f"{vendor.id} [network.change (account-wide)]",)
    row = by[BUCKET]
    assert (row.kind, row.account, row.party, row.region) == (
        "bucket",
        CUSTOMER,
        "customer",
        PRIMARY,
    )
    assert row.keys == (KEY,)
    org = f"arn:aws:cloudtrail:{PRIMARY}:{CUSTOMER_2}:trail/org"
    assert row.trails == (f"arn:aws:cloudtrail:{PRIMARY}:{CUSTOMER}:trail/main", org)
    # the vendor role may change the bucket policy; reading data is not modifying
    (mod,) = [m for m in row.modifiers if m.startswith(vendor.id)]
    assert "bucket.policy_change" in mod and "data.read" not in mod
    sys_row = by["arn:aws:s3:::orders-sys"]
    assert sys_row.keys == ("AES256 (S3 managed)",)
    assert sys_row.trails == (org,)
    # and the renderers agree with the table
    report = _report(accountability=rows)
    parsed = list(csv.reader(io.StringIO(render_accountability(report).decode())))
    assert parsed[2][0] == BUCKET and parsed[2][6] == "; ".join(row.modifiers)
