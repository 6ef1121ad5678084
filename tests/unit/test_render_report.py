"""report.md and report.html: the first page, findings, remediation, RPO/RTO, diagrams, cells.

ReportData is built in each test (findings are constructed ``Finding`` objects, as
the findings helper will make them); the RPO/RTO table and the accountability
cells are computed from real graphs; the evidence digests and the signer are
checked against a bundle written with a real Ed25519 key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.checks.pack import load_pack
from auditor.evidence.signing import fingerprint, generate_keypair, load_private_key, sign
from auditor.model import (
    CollectionUnit,
    Evidence,
    Finding,
    Gap,
    Inventory,
    PathName,
    Relation,
    Resource,
    Scope,
    Severity,
    Status,
    Verdict,
)
from auditor.pipeline import evaluate_inventory, write_scan_bundle
from auditor.render import AccountabilityRow, ReportData
from auditor.render._diagrams import fit, traffic_flows, zone_labels
from auditor.render.accountability import accountability_table, cells
from auditor.render.html import render as render_html
from auditor.render.html import zone_diagram
from auditor.render.markdown import render as render_md
from auditor.render.recovery import Recovery, recovery_table
from tests.helpers import BASE, CUSTOMER, PRIMARY, SECONDARY, TODAY, declaration
from tests.unit.netfixtures import inv, res

SUB = "11111111-1111-1111-1111-111111111111"
ZONE = "kafka.example.internal"
NAME = f"bootstrap.{ZONE}"
BUCKET = "arn:aws:s3:::orders-log"
ROLE = f"arn:aws:iam::{CUSTOMER}:role/vendor-operator"
BROKER = f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:instance/i-broker"
NET = f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:vpc/vpc-1"


def _v(rule: str, status: Status, resource: str, severity: Severity, **kw: Any) -> Verdict:
    path = PathName(rule.split(".")[0])
    return Verdict(
        rule=rule,
        path=path,
        status=status,
        resource=resource,
        severity=severity,
        message=kw.pop("message", f"{rule} on {resource}"),
        **kw,
    )


VERDICTS = (
    _v("data.store-location", Status.PASS, BUCKET, Severity.HIGH),
    _v("control.vendor-denied-actions", Status.FAIL, ROLE, Severity.HIGH, finding="F-role"),
    _v("data.no-public-access", Status.FAIL, BUCKET, Severity.CRITICAL, finding="F-bucket"),
    _v("failure.dns-ttl", Status.INCONCLUSIVE, "dns:x", Severity.MEDIUM, unmodelled="alias TTL"),
    _v("network.flow-logs", Status.NOT_APPLICABLE, "scope:azure", Severity.LOW),
)
FINDINGS = (
    Finding(
        id="F-bucket",
        severity=Severity.CRITICAL,
        status=Status.FAIL,
        summary="bucket orders-log is public",
        fix="Turn on Block Public Access for orders-log.",
        causes=(BUCKET,),
        verdicts=(("data.no-public-access", BUCKET),),
    ),
    Finding(
        id="F-role",
        severity=Severity.HIGH,
        status=Status.FAIL,
        summary="vendor-operator can decrypt",
        fix="Deny kms:Decrypt to vendor-operator.",
        causes=(ROLE,),
        verdicts=(("control.vendor-denied-actions", ROLE),),
    ),
)
DOCS = {
    "data.no-public-access": {
        "title": "No store is public",
        "remediation": "Block public access   on the bucket.",
        "severity": "critical",
    },
    "control.vendor-denied-actions": {
        "title": "Vendor roles hold no denied action",
        "remediation": "Remove the granting statements.",
        "severity": "high",
    },
}


def _report(**over: Any) -> ReportData:
    resources = (
        Resource(id=BUCKET, cloud="aws", kind="bucket", account=CUSTOMER, region=PRIMARY),
        Resource(id=ROLE, cloud="aws", kind="role", account=CUSTOMER, region="global"),
        Resource(
            id=f"/subscriptions/{SUB}/vnet",
            cloud="azure",
            kind="network",
            account=SUB,
            region="westeurope",
        ),
        Resource(id="drill:d1", cloud="", kind="drill", account="", region="global"),
    )
    units = (
        CollectionUnit(cloud="aws", account=CUSTOMER, region=PRIMARY, service="s3"),
        CollectionUnit(cloud="aws", account=CUSTOMER, region="global", service="iam"),
        CollectionUnit(cloud="azure", account=SUB, region="global", service="azure-resources"),
    )
    gap = Gap(
        cloud="aws",
        account=CUSTOMER,
        region=PRIMARY,
        service="kafka",
        operation="ListClustersV2",
        error_code="AccessDenied",
    )
    base = ReportData(
        declaration_name="orders-kafka",
        declaration_hash="a" * 64,
        pattern="active-passive",
        inventory=Inventory(
            scope=Scope(accounts=(CUSTOMER, SUB), regions=(PRIMARY,)),
            resources=resources,
            relations=(),
            gaps=(gap,),
            collected=units,
        ),
        verdicts=VERDICTS,
        gaps=(gap,),
        crossings=(),
        rule_titles={k: v["title"] for k, v in DOCS.items()},
        pack="default",
        evaluated_on="2026-11-29",
        rule_docs=DOCS,
        tool_version="9.9.9",
        findings=FINDINGS,
        evidence_sha256={"inventory.jsonl": "1" * 64, "verdicts.json": "2" * 64},
        signed_by="ed25519:" + "f" * 32,
        recovery=Recovery(rpo_seconds=300, rto_seconds=900),
        not_judged={"microsoft.web/sites": 3},
    )
    return dataclasses.replace(base, **over)


def _headings(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("## ")]


def test_report_md_opens_with_the_first_page_then_the_verdicts() -> None:
    md = render_md(_report()).decode()
    assert md.startswith("# Boundary audit: orders-kafka\n\n## Scope\n")
    assert _headings(md)[:7] == [
        "## Scope",
        "## Evidence",
        "## Coverage per cloud",
        "## Summary",
        "## Top risks",
        "## Recovery objectives",
        "## Collection gaps",
    ]
    assert _headings(md)[7:9] == ["## FAIL (2)", "## INCONCLUSIVE (1)"]
    # scope: per cloud, with the cloud's word for an account; drill records are no cloud
    assert "| clouds | aws, azure |" in md
    assert f"| aws accounts | {CUSTOMER} |" in md and f"| azure subscriptions | {SUB} |" in md
    assert "| aws regions | us-east-1, global |" in md
    assert "| tool | boundary-auditor 9.9.9 |" in md
    # coverage: units, services, resources (kinds), gaps per cloud; not judged listed
    assert "| aws | 1 | 2 | 2 | iam, s3 | 2 (2) | 1 |" in md
    assert "| azure | 1 | 2 | 1 | azure-resources | 1 (1) | 0 |" in md
    assert "| recorded | 0 | 1 | 0 | - | 1 (1) | 0 |" in md
    assert "Exported but not judged: 3 resources of 1 types" in md
    # the summary counts findings as well as verdicts
    assert "- Findings (root causes): 2 (1 critical, 1 high)" in md
    assert "- Verdicts: 2 FAIL, 1 INCONCLUSIVE, 0 WAIVED, 1 PASS, 1 NOT_APPLICABLE" in md


def test_evidence_digests_and_signer_are_stated_with_what_they_cover() -> None:
    md = render_md(_report()).decode()
    assert f"| inventory.jsonl | `{'1' * 64}` |" in md
    assert f"| verdicts.json | `{'2' * 64}` |" in md
    assert f"signed by the Ed25519 key `ed25519:{'f' * 32}`" in md
    assert "cannot hold the hash of the bundle that contains it" in md
    unsigned = render_md(_report(signed_by="")).decode()
    assert "Bundle: not signed (no signing key was given)." in unsigned
    html = render_html(_report()).decode()
    assert f"<code>ed25519:{'f' * 32}</code>" in html and "1" * 64 in html


def test_findings_lead_most_severe_first_with_their_fix_in_md_and_html() -> None:
    md = render_md(_report()).decode()
    top = md.split("## Top risks\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in top.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")]
    assert rows[0].startswith("| 1 | critical | FAIL | bucket orders-log is public (`F-bucket`)")
    assert "Turn on Block Public Access for orders-log." in rows[0] and BUCKET in rows[0]
    assert rows[1].startswith("| 2 | high | FAIL | vendor-operator can decrypt (`F-role`)")
    html = render_html(_report()).decode()
    assert html.index('id="findings"') < html.index('id="verdicts"')
    assert html.index("bucket orders-log is public") < html.index("vendor-operator can decrypt")
    assert "Deny kms:Decrypt to vendor-operator." in html


def test_findings_given_out_of_order_still_lead_most_severe_first() -> None:
    md = render_md(_report(findings=tuple(reversed(FINDINGS)))).decode()
    assert md.index("bucket orders-log is public") < md.index("vendor-operator can decrypt")
    html = render_html(_report(findings=tuple(reversed(FINDINGS)))).decode()
    assert html.index("bucket orders-log is public") < html.index("vendor-operator can decrypt")


def test_no_findings_is_said_plainly() -> None:
    md = render_md(_report(findings=())).decode()
    assert "No findings were computed for this report; the 2 failing verdicts follow" in md
    assert "- Findings (root causes): 0\n" in md
    passing = [v for v in VERDICTS if v.status is not Status.FAIL]
    md = render_md(_report(findings=(), verdicts=passing)).decode()
    assert "No finding: no verdict failed." in md and "## FAIL" not in md


def test_remediation_stands_beside_each_fail_most_severe_rule_first() -> None:
    md = render_md(_report()).decode()
    fails = md.split("## FAIL (2)\n", 1)[1].split("\n## ", 1)[0]
    first = fails.index("### data.no-public-access (critical, 1)")
    second = fails.index("### control.vendor-denied-actions (high, 1)")
    assert first < fails.index("**Remediation:** Block public access on the bucket.") < second
    assert second < fails.index("**Remediation:** Remove the granting statements.")
    assert f"| {ROLE} | control.vendor-denied-actions on {ROLE} | F-role |" in fails
    html = render_html(_report()).decode()
    assert "Remediation: Block public access on the bucket." in html
    # PASS verdicts are counted per rule, not repeated; INCONCLUSIVE names what is unmodelled
    assert "| data.store-location | high | arn:aws:s3:::orders-log |" in md
    assert "(not modelled: alias TTL)" in md


def _dns_inventory(primary_ttl: int | None, *, alias: bool = False) -> Inventory:
    zone = res("dns_zone", "arn:aws:route53:::hostedzone/Z1", {"zone_id": "Z1", "name": ZONE})

    def record(role: str, ttl: int | None, hc: str | None) -> Resource:
        return res(
            "dns_record",
            f"arn:aws:route53:::hostedzone/Z1/recordset/{NAME}/A/{role.lower()}",
            {
                "zone_id": "Z1",
                "zone_name": ZONE,
                "name": NAME,
                "type": "A",
                "ttl": ttl,
                "failover": role,
                "health_check_id": hc,
                "alias_target": {"dns_name": "nlb.aws", "zone_id": "Z2"} if alias else None,
                "routing": "failover",
            },
            region="global",
        )

    primary, secondary = record("PRIMARY", primary_ttl, "hc-1"), record("SECONDARY", 3600, None)
    hc = res(
        "health_check",
        "arn:aws:route53:::healthcheck/hc-1",
        {"health_check_id": "hc-1", "failure_threshold": 3, "request_interval": 10},
        region="global",
    )
    drill = Resource(
        id="drill:d1",
        cloud="",
        kind="drill",
        account="",
        region="global",
        name="d1",
        attributes={
            "id": "d1",
            "started": "2026-11-12T14:00:00Z",
            "outcome": "succeeded",
            "from_region": f"aws/{PRIMARY}",
            "to_region": f"aws/{SECONDARY}",
            "recovery_time_seconds": 640.0,
            "data_loss_seconds": 42.0,
            "measurements": {"replication_lag_seconds": 42.0, "dns_switch_seconds": 95.0},
        },
    )
    link = Relation(source=primary.id, target=hc.id, kind="failure.health_checked_by", reason="hc")
    return inv(zone, primary, secondary, hc, drill, relations=[link])


def test_recovery_table_from_collected_records_health_checks_and_drills() -> None:
    rec = recovery_table(build_graph(_dns_inventory(60), declaration()), declaration())
    assert (rec.rpo_seconds, rec.rto_seconds, rec.dns_declared) == (300, 900, True)
    (row,) = rec.dns
    assert (row.name, row.records, row.primary_ttl_seconds, row.longest_ttl_seconds) == (
        NAME,
        2,
        60,
        3600,
    )
    assert (row.health_check, row.detection_seconds, row.switch_seconds) == ("hc-1", 30, 90)
    (drill,) = rec.drills
    assert (drill.drill, drill.recovery_seconds, drill.replication_lag_seconds) == ("d1", 640, 42)
    assert drill.dns_switch_seconds == 95
    md = render_md(_report(recovery=rec)).decode()
    table = md.split("## Recovery objectives\n", 1)[1].split("\n## ", 1)[0]
    assert "| declared | 300 s (5m) | 900 s (15m) |" in table
    assert (
        "| drill-measured (worst of 1) | replication lag 42 s (d1); data loss 42 s (d1) | " in table
    )
    assert "| 640 s (10m40s) (d1) |" in table
    assert f"{NAME}: 90 s (1m30s) |" in table
    html = render_html(_report(recovery=rec)).decode()
    assert f"{NAME}: 90 s (1m30s)" in html and "640 s (10m40s)" in html


def test_recovery_table_says_what_it_cannot_tell() -> None:
    aliased = _dns_inventory(None, alias=True)
    (row,) = recovery_table(build_graph(aliased, declaration()), declaration()).dns
    assert row.primary_ttl_seconds is None and row.switch_seconds is None
    assert "alias" in row.note
    rec = recovery_table(build_graph(aliased, declaration()), declaration())
    assert f"{NAME}: at least 30 s (TTL unknown)" in render_md(_report(recovery=rec)).decode()
    empty = recovery_table(build_graph(inv(), declaration()), declaration())
    assert empty.drills == () and [(r.records, r.note) for r in empty.dns] == [
        (0, "no record set collected")
    ]
    no_dns = declaration(failure={"dns": None})
    rec = recovery_table(build_graph(inv(), no_dns), no_dns)
    md = render_md(_report(recovery=rec)).decode()
    assert "no DNS failover declared" in md and "no drill recorded" in md


AZURE_ZONES = [f"customer/azure/{SUB}/{r}" for r in ("northeurope", "westeurope", "swedensouth")]


def test_zone_labels_stay_distinct_and_keep_the_region() -> None:
    labels = zone_labels(AZURE_ZONES, 40)
    assert len(set(labels.values())) == 3
    for zone, label in labels.items():
        assert len(label) <= 40 and label.endswith(zone.rsplit("/", 1)[1])
    # the old cut (first 39 characters) made all three the same
    assert len({z[:39] for z in AZURE_ZONES}) == 1
    d = zone_diagram(
        {"from_zone": z, "to_zone": "customer/aws/1/us-east-1", "kind": "k"} for z in AZURE_ZONES
    )
    assert len({b.label for b in d.sources}) == 3
    # names that only differ past what fits get numbered
    same = zone_labels(["x" * 30 + "/" + "y" * 30 + "a", "x" * 30 + "/" + "y" * 30 + "b"], 12)
    assert len(set(same.values())) == 2 and all(len(v) <= 12 for v in same.values())
    assert fit("short", 40) == "short"


def _traffic(
    cls: str, status: Status, edges: tuple[tuple[str, str, str], ...], target: str, reach: str
) -> Verdict:
    return _v(
        "network.traffic-class",
        status,
        target,
        Severity.HIGH,
        evidence=Evidence(
            nodes=(target,),
            edges=edges,
            attributes={"class": cls, "paths": [{"reach": reach, "target": target}]},
        ),
    )


def test_a_diagram_per_traffic_class_in_md_and_html() -> None:
    broker = Resource(
        id=BROKER, cloud="aws", kind="instance", account=CUSTOMER, region=PRIMARY, name="broker-a"
    )
    verdicts = (
        _traffic(
            "clients",
            Status.FAIL,
            (("internet", NET, "network.path"), (NET, BROKER, "network.path")),
            BROKER,
            "yes",
        ),
        _traffic("replication", Status.PASS, ((BROKER, BUCKET, "network.path"),), BUCKET, "no"),
        _traffic(
            "support", Status.INCONCLUSIVE, (("vendor", BUCKET, "network.path"),), BUCKET, "?"
        ),
    )
    flows = traffic_flows(verdicts, {BROKER: broker})
    assert [f.cls for f in flows] == [
        "clients",
        "replication",
        "operations",
        "support",
        "monitoring",
        "egress",
    ]
    assert [f.verdicts for f in flows] == [1, 1, 0, 1, 0, 0]
    clients = flows[0]
    assert [(n.id, n.column, n.status) for n in clients.nodes] == [
        ("internet", 0, ""),
        (NET, 1, ""),
        (BROKER, 2, "FAIL"),
    ]
    assert clients.nodes[2].label == "broker-a, instance, us-east-1"
    inventory = dataclasses.replace(_report().inventory, resources=(broker,))
    report = _report(verdicts=verdicts, inventory=inventory, findings=())
    md = render_md(report).decode()
    section = md.split("## Traffic class diagrams\n", 1)[1]
    assert section.count("```mermaid") == 3
    assert '    n2["broker-a, instance, us-east-1: FAIL"]' in section
    assert "    n0 --> n1\n" in section and "    n1 --> n2\n" in section
    assert "    class n2 fail" in section
    # a path found closed is drawn dotted and says so; one not decided says unknown
    assert "    n0 -.->|blocked| n1\n" in section.split("### replication", 1)[1]
    assert "    n0 -.->|unknown| n1\n" in section.split("### support", 1)[1]
    assert "No operations traffic was judged." in section
    html = render_html(report).decode()
    assert 'aria-label="traffic class clients"' in html
    assert 'aria-label="traffic class replication"' in html
    assert "No operations traffic was judged." in html
    assert 'class="flow blocked"' in html and 'class="flow reaches"' in html


def _row(kind: str, **kw: Any) -> AccountabilityRow:
    return AccountabilityRow(
        resource="r", kind=kind, name="", account=CUSTOMER, party="customer", region=PRIMARY, **kw
    )


def test_accountability_cells_say_not_modelled_none_or_not_applicable() -> None:
    subnet = res(
        "subnet",
        f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:subnet/s-1",
        {"vpc_id": "v"},
        tags={"platform": "orders-kafka"},
    )
    bucket = res("bucket", BUCKET, {"name": "orders-log"}, tags={"data-class": "kafka-log"})
    azure = Resource(
        id=f"/subscriptions/{SUB}/storage",
        cloud="azure",
        kind="bucket",
        account=SUB,
        region="westeurope",
        tags={"data-class": "kafka-log"},
    )
    trail_read = CollectionUnit(cloud="aws", account=CUSTOMER, region=PRIMARY, service="cloudtrail")
    base = dataclasses.replace(inv(subnet, bucket, azure), collected=(trail_read,))
    decl = declaration(
        parties={
            **BASE["parties"],
            "customer": {"aws": {"accounts": [CUSTOMER]}, "azure": {"subscriptions": [SUB]}},
        }
    )
    by = {r.resource: r for r in accountability_table(build_graph(base, decl))}
    # CloudTrail was read for the account and no logging trail covers it: none
    assert cells(by[BUCKET])[1:] == ("none", "not modelled")
    assert cells(by[subnet.id])[1:] == ("none", "not applicable")
    # Azure activity logs are not modelled as trails
    assert cells(by[azure.id])[1] == "not modelled"
    hidden = dataclasses.replace(
        base,
        collected=(),
        gaps=(
            Gap(
                cloud="aws",
                account=CUSTOMER,
                region=PRIMARY,
                service="cloudtrail",
                operation="DescribeTrails",
                error_code="AccessDenied",
            ),
        ),
    )
    by = {r.resource: r for r in accountability_table(build_graph(hidden, decl))}
    assert cells(by[BUCKET])[1] == "not collected"
    unread = dataclasses.replace(base, collected=())
    by = {r.resource: r for r in accountability_table(build_graph(unread, decl))}
    assert cells(by[BUCKET])[1] == "not modelled"
    assert cells(_row("bucket", modifiers=("p [x]",), trails=("t",), keys=("k",))) == (
        "p [x]",
        "t",
        "k",
    )


def test_bundle_report_carries_the_digests_sums_lists_and_the_signing_key(tmp_path: Path) -> None:
    """Both ways a digest is made agree with SHA256SUMS: inventory.jsonl is written before
    the reports (its digest is kept as it is written), verdicts.json after (the reports
    hash it first)."""
    decl = declaration()
    ev = evaluate_inventory(_dns_inventory(60), decl, load_pack("default"), TODAY)
    key_path, _ = generate_keypair(tmp_path / "keys" / "k")
    key = load_private_key(key_path)
    bundle = write_scan_bundle(
        tmp_path / "out",
        decl=decl,
        decl_text="name: orders-kafka\n",
        ev=ev,
        started=dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
        finished=dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
        signer=lambda sums: sign(sums, key),
    )
    sums = {
        name: digest
        for digest, name in (
            line.split(maxsplit=1) for line in (bundle / "SHA256SUMS").read_text().splitlines()
        )
    }
    md = (bundle / "report.md").read_text()
    html = (bundle / "report.html").read_text()
    for name in ("inventory.jsonl", "verdicts.json"):
        digest = hashlib.sha256((bundle / name).read_bytes()).hexdigest()
        assert sums[name] == digest
        assert f"| {name} | `{digest}` |" in md and digest in html
    fp = fingerprint(key.public_key())
    assert (bundle / "SHA256SUMS.sig").read_text().splitlines()[0] == fp
    assert f"signed by the Ed25519 key `{fp}`" in md and fp in html


def test_a_hop_cycle_is_laid_out_from_its_first_node_not_stacked_in_column_zero() -> None:
    a, b, c = (f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:route-table/rtb-{x}" for x in "abc")
    cycle = _traffic(
        "replication",
        Status.PASS,
        ((a, b, "network.path"), (b, c, "network.path"), (c, a, "network.path")),
        c,
        "no",
    )
    (flow,) = [f for f in traffic_flows((cycle,), {}) if f.cls == "replication"]
    assert [(n.id, n.column) for n in flow.nodes] == [(a, 0), (b, 1), (c, 2)]
    assert {state for _, _, state in flow.edges} == {"blocked"}


def test_a_traffic_class_named_by_the_evidence_stays_inert_in_report_md() -> None:
    hostile = "<script>x</script> [l](javascript:a) *b* `c`\n# h"
    verdict = _traffic(hostile, Status.PASS, (("internet", BUCKET, "network.path"),), BUCKET, "no")
    md = render_md(_report(verdicts=(verdict,), findings=())).decode()
    section = md.split("## Traffic class diagrams\n", 1)[1]
    assert "<script>" not in section and "](javascript:" not in section
    # one heading line: the line break is flattened, markup dropped or escaped
    assert "\n### scriptx/script ljavascript:a \\*b\\* c h (1 verdicts)\n" in section
    assert "\n# h" not in section
