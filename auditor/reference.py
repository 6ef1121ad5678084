"""Reference docs generated from the code: rules, edge and resource kinds, declaration, imports."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from auditor.base.edges import edge_reference
from auditor.base.kinds import kinds_reference
from auditor.boundary import Declaration, inner_model, parse_duration
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


def schema_reference() -> str:
    """Markdown reference of the declaration schema, generated from the models."""
    lines = ["# Boundary declaration reference", "", "Generated from `auditor/boundary.py`.", ""]
    seen: set[str] = set()

    def walk(model: type[BaseModel], title: str) -> None:
        if model.__name__ in seen:
            return
        seen.add(model.__name__)
        lines.extend([f"## {title}", ""])
        doc = (model.__doc__ or "").strip().splitlines()
        if doc and not doc[0].startswith("!!!"):
            lines.extend([doc[0], ""])
        lines.extend(["| field | type | required | description |", "|---|---|---|---|"])
        nested: list[tuple[type[BaseModel], str]] = []
        for fname, f in model.model_fields.items():
            key = f.alias or fname
            tname = _type_name(f.annotation, f.metadata)
            desc = (f.description or "").replace("|", "\\|")
            lines.append(f"| `{key}` | {tname} | {'yes' if f.is_required() else 'no'} | {desc} |")
            inner = inner_model(f.annotation)
            if inner is not None:
                is_map = getattr(f.annotation, "__origin__", None) is dict
                nested.append((inner, f"{title}.{key}" + (".<name>" if is_map else "")))
        lines.append("")
        for inner, t in nested:
            walk(inner, t)

    walk(Declaration, "declaration")
    return "\n".join(lines) + "\n"


def _type_name(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    return f"`{_format_type(annotation, metadata)}`".replace("|", "\\|")


def _format_type(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    """A readable type: ``duration``, ``list[str]``, ``Party | None``, ``primary|...``."""
    import types
    import typing

    for meta in metadata:
        if getattr(meta, "func", None) is parse_duration:
            return "duration (5m, 1h, 90d)"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _format_type(args[0], args[1:])
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_format_type(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_format_type(a) for a in args)}]"
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return " or ".join(repr(m.value) for m in annotation)
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation))
