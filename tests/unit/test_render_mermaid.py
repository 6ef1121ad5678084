"""report.md: Mermaid flowcharts of zone crossings per path, with labels that cannot break out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from auditor.model import Inventory, PathName, Scope
from auditor.render import ReportData
from auditor.render.markdown import mermaid_crossings, mermaid_label
from auditor.render.markdown import render as render_md

HOSTILE = (
    '"]; click z0 "javascript:alert(1)"\n```\n<script>alert(1)</script>#quot;(x){y}|z|`&amp;\u202e'
)
NODE = re.compile(r'^    z\d+\["[^"\[\]{}()<>|#;&`\\\n]*"\]$')
EDGE = re.compile(r'^    z\d+ -->\|"[^"\[\]{}()<>|#;&`\\\n]*"\| z\d+$')


def _report(crossings: list[dict[str, Any]]) -> ReportData:
    return ReportData(
        declaration_name="orders-kafka",
        declaration_hash="0" * 64,
        pattern="active-passive",
        inventory=Inventory(
            scope=Scope(accounts=(), regions=()), resources=(), relations=(), gaps=()
        ),
        verdicts=[],
        gaps=[],
        crossings=crossings,
        rule_titles={},
        pack="default",
        evaluated_on="2026-11-29",
    )


def _crossing(kind: str, a: str, b: str) -> dict[str, Any]:
    return {"source": "s", "target": "t", "kind": kind, "reason": "r", "from_zone": a, "to_zone": b}


CROSSINGS = [
    _crossing("data.replicates_to", "customer/aws/1/us-east-1", f"vendor/aws/{HOSTILE}/eu"),
    _crossing("data.replicates_to", "customer/aws/1/us-east-1", f"vendor/aws/{HOSTILE}/eu"),
    _crossing("data.encrypted_by", "customer/aws/1/us-east-1", f"vendor/aws/{HOSTILE}/eu"),
    _crossing("network.internet", "internet", "customer/aws/1/us-east-1"),
    _crossing(
        f"failure.depends_on{HOSTILE}", "customer/aws/1/us-east-1", "customer/aws/2/us-west-2"
    ),
]


def _blocks(md: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in md.splitlines():
        if line == "```mermaid":
            assert current is None
            current = []
        elif line == "```" and current is not None:
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    assert current is None
    return blocks


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("customer/aws/1/us-east-1", "customer/aws/1/us-east-1"),
        ('a"b[c]d{e}f(g)h', "abcdefgh"),
        ("one\ntwo\r\nthree", "one two three"),
        ("<b>x</b> #quot; &amp; `c` a|b; \\", "bx/b quot amp c ab"),
        ("a\u202eb", "a b"),
        ("x" * 100, "x" * 77 + "..."),
    ],
)
def test_mermaid_label(raw: str, label: str) -> None:
    assert mermaid_label(raw) == label


def test_flowchart_per_path_with_safe_labels() -> None:
    md = render_md(_report(CROSSINGS)).decode()
    assert md == render_md(_report(CROSSINGS)).decode()
    assert "## Zone crossing diagrams" in md
    for path in PathName:
        assert f"### {path.value}\n" in md
    assert "No control edge crosses a zone." in md
    blocks = _blocks(md)
    assert len(blocks) == 3  # data, network, failure
    for block in blocks:
        assert block[0] == "flowchart LR"
        for line in block[1:]:
            assert NODE.match(line) or EDGE.match(line), line
    data = blocks[0]
    assert data[1:3] == [
        '    z0["customer/aws/1/us-east-1"]',
        '    z1["vendor/aws/ click z0 javascript:alert1 scriptalert1/scriptquotxyzamp /eu"]',
    ]
    assert data[-1] == '    z0 -->|"data.encrypted_by x1, data.replicates_to x2"| z1'
    # a fence inside a cloud string does not end the block early
    assert md.count("```") == 6


def test_no_diagram_section_without_crossings() -> None:
    assert "mermaid" not in render_md(_report([])).decode()


def test_mermaid_crossings_is_order_independent() -> None:
    assert mermaid_crossings(CROSSINGS) == mermaid_crossings(list(reversed(CROSSINGS)))
