"""Bundle diff logic: resources, relations, crossings, verdict categories, baselines."""

from __future__ import annotations

import json
from typing import Any

from auditor.base.serialize import canonical_json
from auditor.evidence.diff import (
    baseline_failures,
    diff_bundles,
    render_markdown,
    render_text,
    verdict_changes,
)
from auditor.model import PathName, Relation, Resource, Severity, Status, Verdict


def _res(rid: str, **attrs: Any) -> Resource:
    return Resource(
        id=rid,
        cloud="aws",
        kind="bucket",
        account="111111111111",
        region="us-east-1",
        tags={"env": "prod"},
        attributes=attrs,
    )


def _v(
    rule: str,
    resource: str,
    status: Status,
    severity: Severity = Severity.HIGH,
    waiver: dict[str, str] | None = None,
    message: str = "m",
) -> Verdict:
    return Verdict(
        rule=rule,
        path=PathName.DATA,
        status=status,
        resource=resource,
        severity=severity,
        message=message,
        waiver=waiver,
    )


def _graph(*crossings: tuple[str, str, str]) -> dict[str, Any]:
    nodes = [
        {"id": "a", "zone": {"party": "customer", "cloud": "aws", "account": "1", "region": "r"}},
        {"id": "b", "zone": {"party": "vendor", "cloud": "aws", "account": "9", "region": "r"}},
        {"id": "internet", "zone": {"party": "internet"}},
    ]
    edges = [
        {"source": s, "kind": k, "target": t, "reason": "why", "crossing": True}
        for s, k, t in crossings
    ]
    edges.append({"source": "a", "kind": "x.local", "target": "a", "crossing": False})
    return {"nodes": nodes, "edges": edges}


EXPIRED = {"reason": "r", "approved_by": "x", "expires": "2026-01-01", "expired": "true"}
ACTIVE = {"reason": "r", "approved_by": "x", "expires": "2027-01-01"}


def test_verdict_categories() -> None:
    old = [
        _v("r.new", "x", Status.PASS),
        _v("r.fixed", "x", Status.FAIL),
        _v("r.gone", "x", Status.FAIL),
        _v("r.inc", "x", Status.PASS),
        _v("r.exp", "x", Status.WAIVED, waiver=ACTIVE),
        _v("r.waived", "x", Status.FAIL),
        _v("r.resolved", "x", Status.INCONCLUSIVE),
        _v("r.same", "x", Status.FAIL),
    ]
    new = [
        _v("r.new", "x", Status.FAIL),
        _v("r.fixed", "x", Status.PASS),
        _v("r.inc", "x", Status.INCONCLUSIVE),
        _v("r.exp", "x", Status.FAIL, waiver=EXPIRED),
        _v("r.waived", "x", Status.WAIVED, waiver=ACTIVE),
        _v("r.resolved", "x", Status.PASS),
        _v("r.same", "x", Status.FAIL, message="other words"),
        _v("r.added", "y", Status.FAIL),
    ]
    got = {
        (c.rule, c.resource): (c.category, c.old_status, c.new_status)
        for c in verdict_changes(old, new)
    }
    assert got == {
        ("r.new", "x"): ("new_failure", "PASS", "FAIL"),
        ("r.added", "y"): ("new_failure", None, "FAIL"),
        ("r.fixed", "x"): ("fixed", "FAIL", "PASS"),
        ("r.gone", "x"): ("fixed", "FAIL", None),
        ("r.inc", "x"): ("newly_inconclusive", "PASS", "INCONCLUSIVE"),
        ("r.exp", "x"): ("waiver_expired", "WAIVED", "FAIL"),
        ("r.waived", "x"): ("newly_waived", "FAIL", "WAIVED"),
        ("r.resolved", "x"): ("resolved", "INCONCLUSIVE", "PASS"),
    }
    # ordered by category, then rule
    cats = [c.category for c in verdict_changes(old, new)]
    assert cats[:2] == ["new_failure", "new_failure"] and cats[2] == "waiver_expired"


def test_worst_status_stands_for_a_rule_resource_pair() -> None:
    old = [_v("r", "x", Status.PASS)]
    new = [_v("r", "x", Status.PASS, message="a"), _v("r", "x", Status.FAIL, message="b")]
    (c,) = verdict_changes(old, new)
    assert (c.category, c.message) == ("new_failure", "b")


def test_resources_relations_and_crossings() -> None:
    old_res = [_res("arn:a", encrypted=True, size=1), _res("arn:gone")]
    new_res = [_res("arn:a", encrypted=False, owner="z"), _res("arn:new")]
    rel = Relation(source="a", target="b", kind="data.replicates_to", reason="r1")
    rel2 = Relation(source="b", target="a", kind="net.routes_to", reason="r2")
    d = diff_bundles(
        old_name="old",
        new_name="new",
        old_resources=old_res,
        new_resources=new_res,
        old_relations=[rel],
        new_relations=[rel2, Relation(source="a", target="b", kind=rel.kind, reason="reworded")],
        old_graph=_graph(("a", "k1", "b")),
        new_graph=_graph(("a", "k2", "internet")),
        old_verdicts=[],
        new_verdicts=[],
    )
    assert d.resources_added == (("arn:new", "bucket"),)
    assert d.resources_removed == (("arn:gone", "bucket"),)
    (changed,) = d.resources_changed
    assert changed.id == "arn:a"
    assert changed.changes == (
        ("attributes.encrypted", True, False),
        ("attributes.owner", None, "z"),
        ("attributes.size", 1, None),
    )
    # a reworded reason is not a new relation; identity is (source, kind, target)
    assert d.relations_added == (("b", "net.routes_to", "a"),)
    assert d.relations_removed == ()
    assert [dict(c) for c in d.crossings_added] == [
        {
            "source": "a",
            "kind": "k2",
            "target": "internet",
            "from_zone": "customer/aws/1/r",
            "to_zone": "internet",
            "reason": "why",
        }
    ]
    assert [c["kind"] for c in d.crossings_removed] == ["k1"]
    doc = d.to_dict()
    assert doc["resources"]["changed"][0]["changes"][0] == {
        "field": "attributes.encrypted",
        "old": True,
        "new": False,
    }
    assert set(doc["verdicts"]) >= {"new_failure", "fixed", "newly_inconclusive", "waiver_expired"}
    json.loads(canonical_json(doc))


def test_empty_diff_renders_no_changes() -> None:
    d = diff_bundles(
        old_name="o",
        new_name="n",
        old_resources=[_res("x")],
        new_resources=[_res("x")],
        old_relations=[],
        new_relations=[],
        old_graph=_graph(),
        new_graph=_graph(),
        old_verdicts=[_v("r", "x", Status.FAIL)],
        new_verdicts=[_v("r", "x", Status.FAIL)],
    )
    assert d.empty
    assert render_text(d) == "diff o -> n\nno changes\n"
    assert "No changes." in render_markdown(d)


def test_renderings_neutralise_cloud_strings() -> None:
    hostile = "arn:aws:s3:::b\x1b[31m|<script>*x*"
    d = diff_bundles(
        old_name="o",
        new_name="n",
        old_resources=[],
        new_resources=[_res(hostile)],
        old_relations=[],
        new_relations=[],
        old_graph=_graph(),
        new_graph=_graph(),
        old_verdicts=[],
        new_verdicts=[_v("r", hostile, Status.FAIL, message="bad\nline|`x`")],
    )
    text = render_text(d)
    assert "\x1b" not in text
    assert "bad line" in text
    assert text.count("\n") == len(text.splitlines())  # no injected line breaks
    md = render_markdown(d)
    assert "<script>" not in md and "\\<script\\>" in md
    assert "\\|" in md and "\x1b" not in md
    assert render_markdown(d) == md and render_text(d) == text  # deterministic


def test_baseline_counts_only_new_failures_and_expired_waivers() -> None:
    baseline = [
        _v("r.old", "x", Status.FAIL),
        _v("r.exp", "x", Status.FAIL, waiver=EXPIRED),
        _v("r.low", "x", Status.PASS),
    ]
    now = [
        _v("r.old", "x", Status.FAIL),  # already failing: not counted
        _v("r.exp", "x", Status.FAIL, waiver=EXPIRED),  # expired waiver: counted again
        _v("r.low", "x", Status.FAIL, severity=Severity.LOW),  # below --fail-on
        _v("r.new", "x", Status.FAIL, severity=Severity.CRITICAL),
        _v("r.waived", "x", Status.WAIVED, waiver=ACTIVE),
    ]
    got = [(f.verdict.rule, f.reason) for f in baseline_failures(now, baseline, fail_on="high")]
    assert got == [("r.exp", "waiver expired"), ("r.new", "new")]
    assert [f.verdict.rule for f in baseline_failures(now, baseline, fail_on="low")] == [
        "r.exp",
        "r.low",
        "r.new",
    ]
    assert baseline_failures(now, now, fail_on="critical") == []


def test_access_paths_added_and_removed_and_shown_first_for_incidents() -> None:
    from auditor.evidence.diff import render_new_paths

    old = _graph(("b", "control.can_assume", "a"), ("a", "data.replicates_to", "b"))
    old["edges"].append(
        {"source": "a", "kind": "control.can_act_on", "target": "a", "crossing": False}
    )
    new = _graph(("b", "control.can_act_on", "a"), ("b", "network.peers_with", "a"))
    d = diff_bundles(
        old_name="good",
        new_name="now",
        old_resources=[],
        new_resources=[],
        old_relations=[],
        new_relations=[],
        old_graph=old,
        new_graph=new,
        old_verdicts=[],
        new_verdicts=[],
    )
    assert [(c["source"], c["kind"], c["crossing"]) for c in d.access_added] == [
        ("b", "control.can_act_on", "yes")
    ]
    assert [(c["source"], c["kind"], c["target"], c["crossing"]) for c in d.access_removed] == [
        ("a", "control.can_act_on", "a", "no"),
        ("b", "control.can_assume", "a", "yes"),
    ]
    assert d.to_dict()["access"]["added"][0]["to_zone"] == "customer/aws/1/r"
    first = render_new_paths(d)
    assert first.splitlines() == [
        "NEW SINCE good:",
        "New zone crossings (1):",
        "  vendor/aws/9/r -> customer/aws/1/r network.peers_with: b -> a",
        "New access paths (1):",
        "  vendor/aws/9/r -> customer/aws/1/r control.can_act_on: b -> a  [crosses zones]",
    ]
    rest = render_text(d, without_new_paths=True)
    assert "network.peers_with" not in rest and "Access paths removed (2):" in rest
    assert "Crossings removed (2):" in rest
    full = render_text(d)
    assert "Access paths added (1):" in full and "Crossings added (2):" in full
    assert "## Access paths added (1)" in render_markdown(d)
