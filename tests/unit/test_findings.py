"""Root-cause findings: verdicts sharing a cause are one finding, with a stable id."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from auditor.base.serialize import BundleFormatError, verdict_from_dict, verdict_to_dict
from auditor.checks.findings import assign_findings, finding_id, findings_of
from auditor.evidence.diff import diff_bundles, finding_changes, render_markdown, render_text
from auditor.model import Inventory, PathName, Scope, Severity, Status, Verdict
from auditor.render.terminal import print_summary
from tests.helpers import declaration

ROLE = "arn:aws:iam::111111111111:role/vendor-operator"
KEY = "arn:aws:kms:us-east-1:111111111111:key/k1"
BUCKET = "arn:aws:s3:::logs"


def _v(
    rule: str,
    resource: str,
    status: Status = Status.FAIL,
    *,
    causes: tuple[str, ...] = (),
    severity: Severity = Severity.HIGH,
    message: str = "bad",
    affects: tuple[str, ...] = (),
) -> Verdict:
    return Verdict(
        rule=rule,
        path=PathName.CONTROL,
        status=status,
        resource=resource,
        severity=severity,
        message=message,
        causes=causes,
        affects=affects,
    )


def test_a_shared_cause_merges_verdicts_on_different_resources() -> None:
    vs = [
        _v("control.vendor-denied-actions", ROLE, severity=Severity.CRITICAL),
        _v("control.vendor-key-control", KEY, causes=(ROLE,), affects=(KEY,)),
        _v("data.no-public-access", BUCKET, severity=Severity.MEDIUM),
    ]
    found = findings_of(vs, {"control.vendor-key-control": "Remove the grant"})
    assert [len(f.verdicts) for f in found] == [2, 1]
    grant = found[0]
    assert grant.id == finding_id([ROLE])
    assert grant.causes == (ROLE,)
    assert grant.affects == (KEY,)
    assert grant.severity is Severity.CRITICAL  # the highest of its verdicts
    assert grant.status is Status.FAIL
    assert grant.verdicts == (
        ("control.vendor-denied-actions", ROLE),
        ("control.vendor-key-control", KEY),
    )
    assert grant.fix == "Remove the grant."
    assert "2 verdicts of 2 rule(s)" in grant.summary
    assigned = assign_findings(vs)
    assert assigned[0].finding == assigned[1].finding == grant.id
    assert assigned[2].finding == found[1].id != grant.id


def test_causes_chain_transitively_into_one_finding() -> None:
    vs = [
        _v("r1", "a", causes=("x", "y")),
        _v("r2", "b", causes=("y", "z")),
        _v("r3", "z"),  # no causes: its resource is its cause
    ]
    (only,) = findings_of(vs)
    assert only.causes == ("x", "y", "z")
    assert only.id == finding_id(["x", "y", "z"])


def test_distinct_causes_stay_apart_and_other_statuses_are_not_grouped() -> None:
    vs = [
        _v("r1", "a", causes=("x",)),
        _v("r1", "b", causes=("y",)),
        _v("r2", "x", Status.PASS),
        _v("r2", "c", Status.INCONCLUSIVE, causes=("x",)),
        _v("r3", "d", Status.NOT_APPLICABLE),
    ]
    found = findings_of(vs)
    assert sorted(f.causes for f in found) == [("x",), ("y",)]
    assigned = assign_findings(vs)
    assert assigned[0].finding != assigned[1].finding
    assert [v.finding for v in assigned[2:]] == ["", "", ""]


def test_waived_only_finding_is_waived_and_mixed_one_fails() -> None:
    vs = [
        _v("r1", "a", Status.WAIVED, severity=Severity.CRITICAL),
        _v("r1", "b", Status.WAIVED),
        _v("r2", "b", Status.FAIL, severity=Severity.LOW),
    ]
    found = {f.causes: f for f in findings_of(vs)}
    assert found[("a",)].status is Status.WAIVED
    assert found[("b",)].status is Status.FAIL
    assert found[("b",)].severity is Severity.HIGH
    # most severe first, a waived finding after a failing one of the same severity
    assert [f.causes for f in findings_of(vs)] == [("a",), ("b",)]


def test_scope_verdicts_of_different_rules_do_not_merge_without_a_cause() -> None:
    vs = [
        _v("failure.operations-in-each-region", "scope:aws/*/us-west-2"),
        _v("failure.secondary-capacity", "scope:aws/*/us-west-2"),
        _v("failure.dns-ttl", "scope:aws/*/us-west-2", causes=("network:n",)),
        _v("network.flow-logs", "network:n"),
    ]
    found = findings_of(vs)
    assert len(found) == 3
    assert {f.verdicts for f in found if len(f.verdicts) == 2} == {
        (("failure.dns-ttl", "scope:aws/*/us-west-2"), ("network.flow-logs", "network:n"))
    }


def test_ids_do_not_depend_on_order_or_messages() -> None:
    vs = [
        _v("r1", "a", causes=("x",)),
        _v("r2", "b", causes=("x", "y")),
        _v("r3", "c"),
        _v("r4", "y", Status.WAIVED),
        _v("r5", "d", causes=("e",)),
        _v("r5", "e"),
    ]
    want = findings_of(vs)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = list(vs)
        rng.shuffle(shuffled)
        assert findings_of(shuffled) == want
        by_key = {(v.rule, v.resource): v.finding for v in assign_findings(shuffled)}
        assert by_key == {(v.rule, v.resource): v.finding for v in assign_findings(vs)}
    reworded = [_v(v.rule, v.resource, v.status, causes=v.causes, message="other") for v in vs]
    assert [f.id for f in findings_of(reworded)] == [f.id for f in want]


def test_verdict_fields_round_trip_and_old_verdicts_still_load() -> None:
    v = assign_findings(
        [_v("r1", "a", causes=("x", "y"), affects=("k",)), _v("r2", "b", Status.INCONCLUSIVE)]
    )
    v = [v[0], replace(v[1], unmodelled="gateway load balancers")]
    for one in v:
        back = verdict_from_dict(verdict_to_dict(one))
        assert (back.causes, back.affects, back.unmodelled, back.finding) == (
            one.causes,
            one.affects,
            one.unmodelled,
            one.finding,
        )
    assert v[0].finding.startswith("F-") and len(v[0].finding) == 14
    old = {
        k: val
        for k, val in verdict_to_dict(v[0]).items()
        if k not in {"causes", "affects", "unmodelled", "finding"}
    }
    back = verdict_from_dict(old)
    assert (back.causes, back.affects, back.unmodelled, back.finding) == ((), (), "", "")


def test_diff_reports_new_and_fixed_findings_by_id() -> None:
    old = [_v("r1", "a", causes=("x",)), _v("r2", "b"), _v("r3", "w", Status.WAIVED)]
    new = [
        _v("r1", "a", causes=("x",), message="reworded"),
        _v("r4", "c", severity=Severity.CRITICAL),
        _v("r3", "w"),  # its waiver went away: failing again
    ]
    added, fixed = finding_changes(old, new)
    assert [f.id for f in added] == [finding_id(["c"]), finding_id(["w"])]
    assert [f.id for f in fixed] == [finding_id(["b"])]
    assert finding_changes(new, new) == ([], [])
    d = diff_bundles(
        old_name="old",
        new_name="new",
        old_resources=(),
        new_resources=(),
        old_relations=(),
        new_relations=(),
        old_graph={},
        new_graph={},
        old_verdicts=old,
        new_verdicts=new,
    )
    assert [f["id"] for f in d.to_dict()["findings"]["new"]] == [f.id for f in added]
    text = render_text(d)
    assert f"New findings (2):\n  critical {finding_id(['c'])} (1 verdict(s)): bad" in text
    assert f"Fixed findings (1):\n  high     {finding_id(['b'])}" in text
    assert f"| {finding_id(['b'])} | high | 1 | bad. |" in render_markdown(d)


def test_the_terminal_summary_counts_findings_and_verdicts(tmp_path: Path) -> None:
    vs = assign_findings(
        [
            _v("r1", "a", severity=Severity.CRITICAL),
            _v("r2", "b", causes=("a",)),
            _v("r3", "c"),
            _v("r4", "d", Status.WAIVED),
            _v("r5", "e", Status.PASS),
        ]
    )
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    inv = Inventory(scope=Scope(accounts=(), regions=()), resources=(), relations=(), gaps=())
    print_summary(console, declaration(), inv, vs, tmp_path / "bundle")
    text = out.getvalue()
    assert (
        "2 failing finding(s) (root causes): 1 critical, 1 high, from 3 FAIL verdict(s); "
        "1 waived finding(s)"
    ) in text
    assert "Findings (2)" in text
    assert vs[0].finding in text and vs[2].finding in text


@pytest.mark.parametrize(
    ("key", "value"), [("causes", "abc"), ("causes", [1]), ("affects", {}), ("finding", 5)]
)
def test_a_malformed_new_field_is_refused_not_misread(key: str, value: object) -> None:
    doc = {**verdict_to_dict(_v("r1", "a")), key: value}
    with pytest.raises(BundleFormatError, match=f"verdict {key} must be"):
        verdict_from_dict(doc)
