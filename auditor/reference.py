"""Reference docs generated from the code: rules, edge and resource kinds, declaration, imports."""

from __future__ import annotations

from pathlib import Path

from auditor.base.edges import edge_reference
from auditor.base.kinds import kinds_reference
from auditor.boundary import schema_reference
from auditor.importers import import_formats_reference


def rules_reference() -> str:
    from auditor.checks import all_rules

    lines = ["# Rules", "", "Generated from the `@rule` declarations in `auditor/checks/`.", ""]
    for r in all_rules().values():
        lines += [
            f"## `{r.id}`",
            "",
            f"- Path: {r.path.value}; severity: {r.severity.value}",
            f"- Needs collectors: {', '.join(r.requires) or '-'}",
            "",
            f"**{r.title}.** {r.rationale}",
            "",
            f"Remediation: {r.remediation}",
            "",
        ]
    return "\n".join(lines)


def write_reference(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("rules.md", rules_reference()),
        ("edge-kinds.md", edge_reference()),
        ("resource-kinds.md", kinds_reference()),
        ("declaration.md", schema_reference()),
        ("import-formats.md", import_formats_reference()),
    ):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
