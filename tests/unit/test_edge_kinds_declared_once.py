"""Edge kinds are named once: code outside ``auditor/base/edges.py`` uses the constants.

A raw ``"network.member_of"`` in a normaliser or rule is a joint no type checker
follows; a typo there would silently match no edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

from auditor.base.edges import edge_kinds

ROOT = Path(__file__).resolve().parents[2] / "auditor"


def test_no_edge_kind_is_spelt_out_outside_its_declaration() -> None:
    names = {k.name for k in edge_kinds()}
    assert len(names) >= 25
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "base" / "edges.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.value}")
    assert found == []
