"""Edge kinds: each names the path it belongs to and what it means.

Normalisers and analyses declare the kinds they produce with
:func:`define_edge` in their own module; the reference doc is generated from
this registry, so nothing lists them twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import PathName


@dataclass(frozen=True, kw_only=True, slots=True)
class EdgeKind:
    name: str
    path: PathName
    meaning: str
    ends: str = ""
    """Which kinds it joins, e.g. ``route_table -> gateway``."""


_KINDS: dict[str, EdgeKind] = {}


def define_edge(name: str, meaning: str, ends: str = "") -> str:
    """Declare an edge kind (``path.verb``) and return its name for use as a constant."""
    path = PathName(name.split(".", 1)[0])
    kind = EdgeKind(name=name, path=path, meaning=meaning, ends=ends)
    old = _KINDS.get(name)
    if old is not None and old != kind:
        raise RuntimeError(f"edge kind {name} declared twice with different meanings")
    _KINDS[name] = kind
    return name


def edge_kinds() -> list[EdgeKind]:
    """Every declared edge kind (after normalisers and analyses are loaded)."""
    from auditor.normalize import registered

    registered()
    return sorted(_KINDS.values(), key=lambda k: k.name)


def edge_reference() -> str:
    lines = [
        "# Edge kinds",
        "",
        "Generated from the `define_edge` declarations in the code.",
        "",
        "| kind | path | joins | meaning |",
        "|---|---|---|---|",
    ]
    for k in edge_kinds():
        lines.append(f"| `{k.name}` | {k.path} | {k.ends} | {k.meaning} |")
    return "\n".join(lines) + "\n"
