"""The house rules of issue "One house, layered", point 6, held by a test.

No module in auditor/ over 800 lines and no function over 80 lines, unless the
code says why in one line: ``# long: <reason>`` directly above the ``def`` (or
its decorators) of a function, or among the first 20 lines of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "auditor"
MODULE_LINES = 800
FUNCTION_LINES = 80
REASON = "# long:"


def _reasoned(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above.startswith(REASON) and len(above) > len(REASON) + 3


def _violations() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        name = path.relative_to(ROOT.parent)
        if len(lines) > MODULE_LINES and not any(
            line.strip().startswith(REASON) for line in lines[:20]
        ):
            found.append(f"{name}: {len(lines)} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > FUNCTION_LINES and not _reasoned(lines, node):
                    found.append(f"{name}:{node.lineno} {node.name}: {size} lines")
    return found


def test_no_long_module_or_function_without_a_reason() -> None:
    assert _violations() == []


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES + 1))
    tree = ast.parse(f"def f():\n{body}\n")
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    assert not _reasoned(["def f():"], node)
    assert _reasoned(["# long: one table", "def f():"], ast.parse("\ndef f(): pass").body[0])  # type: ignore[arg-type]
