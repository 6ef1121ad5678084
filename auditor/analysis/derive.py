"""Derived relations: edges that analysis computes from collected facts.

Some edges are conclusions, not observations: ``control.can_assume`` follows
from a trust policy and the caller's permissions; ``failure.depends_on``
from keys, DNS and replication. An analysis module registers a function with
:func:`deriver`; :func:`build_graph` finds every analysis module, and hands
their derivers to the graph builder (the only writer of the graph), which adds
what they return, marked derived. Discovery lives here, in analysis, so the
graph layer never imports the layer above it. Derived edges are recomputed on
every evaluation, so they are never stored in ``inventory.jsonl``, only in
``graph.json``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph, Deriver
from auditor.model import Inventory

_DERIVERS: dict[str, Deriver] = {}
_LOADED = False


def deriver(name: str) -> Callable[[Deriver], Deriver]:
    """Register ``fn(graph) -> relations`` under a unique name (run in name order)."""

    def register(fn: Deriver) -> Deriver:
        if name in _DERIVERS and _DERIVERS[name] is not fn:
            raise RuntimeError(f"deriver {name} registered twice")
        _DERIVERS[name] = fn
        return fn

    return register


def derivers() -> dict[str, Deriver]:
    """Every registered deriver by name, after importing each analysis module once."""
    global _LOADED
    if not _LOADED:
        import auditor.analysis as analysis

        for info in pkgutil.iter_modules(analysis.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{analysis.__name__}.{info.name}")
        _LOADED = True
    return dict(sorted(_DERIVERS.items()))


def build_graph(inventory: Inventory, declaration: Declaration) -> BoundaryGraph:
    """The boundary graph of ``inventory``, with every analysis deriver's edges added."""
    from auditor.gc_pause import gc_paused

    with gc_paused():  # long-lived objects: see auditor/gc_pause.py
        return BoundaryGraph(inventory, declaration, list(derivers().values()))
