"""Output formats, one module each, found by discovery.

A renderer module defines ``FILENAME`` (its name inside the bundle) and
``render(report: ReportData) -> bytes``. Renderers are pure: same report,
same bytes. A renderer whose output grows with the estate may also define
``render_chunks(report) -> Iterable[bytes]`` (the same bytes in order): the
bundle writer then streams it to disk instead of holding it whole. ``render``
itself may also return an iterable of chunks.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.model import Finding, Gap, Inventory, Verdict

if TYPE_CHECKING:
    from auditor.render.recovery import Recovery

Renderer = Callable[["ReportData"], bytes | Iterable[bytes]]
"""A report's file: its bytes, or its bytes as chunks in order."""


@dataclass(frozen=True, kw_only=True)
class AccountabilityRow:
    """Who answers for one platform resource: owner, modifiers, the trail and key."""

    resource: str
    kind: str
    name: str
    account: str
    party: str
    region: str
    modifiers: tuple[str, ...] = ()
    """``principal [capability, ...]`` for each principal that may change it."""
    trails: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    no_trail: str = "not modelled"
    """What an empty ``trails`` means: ``none``, ``not collected`` or ``not modelled``."""
    no_key: str = "not modelled"
    """What an empty ``keys`` means: ``not applicable`` or ``not modelled``."""


@dataclass(frozen=True, kw_only=True)
class ReportData:
    """Everything a report shows; built once per scan or re-evaluation."""

    declaration_name: str
    declaration_hash: str
    pattern: str
    inventory: Inventory
    verdicts: Sequence[Verdict]
    gaps: Sequence[Gap]
    crossings: Sequence[Mapping[str, Any]]
    rule_titles: Mapping[str, str]
    pack: str
    evaluated_on: str
    accountability: Sequence[AccountabilityRow] = ()
    """The accountability map, precomputed from the graph (see render/accountability.py)."""
    rule_docs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Rule id -> ``title``, ``rationale``, ``remediation``, ``path``, ``severity``."""
    tool_version: str = ""
    tool_uri: str = ""
    """The tool's public page (an absolute http(s) URL from the package's ``Project-URL``
    metadata); "" when the package names none."""
    not_judged: Mapping[str, int] = field(default_factory=dict)
    """Exported resource type no normaliser reads -> count (imports only): never in scope,
    so no gap, but shown so a reviewer does not overestimate coverage."""
    declaration_lines: Mapping[str, int] = field(default_factory=dict)
    """Dotted key path of the declaration (``network.clients``, ``exceptions.0``) -> line."""
    findings: Sequence[Finding] = ()
    """Root causes grouping the FAIL/WAIVED verdicts, most severe first."""
    evidence_sha256: Mapping[str, str] = field(default_factory=dict)
    """Bundle member -> SHA-256 of the evidence the report describes (``inventory.jsonl``,
    ``verdicts.json``): the digests SHA256SUMS lists for them. A report inside a bundle
    cannot carry the hash of the bundle itself."""
    signed_by: str = ""
    """Fingerprint of the key that signs the bundle's SHA256SUMS; "" when unsigned."""
    recovery: Recovery | None = None
    """The RPO/RTO table (see render/recovery.py); None when not computed."""


def renderers() -> dict[str, Renderer]:
    """Bundle file name -> renderer, for every renderer module (``render_chunks`` first)."""
    out: dict[str, Renderer] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        filename = getattr(module, "FILENAME", None)
        fn = getattr(module, "render_chunks", None) or getattr(module, "render", None)
        if isinstance(filename, str) and callable(fn):
            out[filename] = fn
    return dict(sorted(out.items()))
