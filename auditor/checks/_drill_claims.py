"""Cross-check what a recorded drill claims against the collected estate.

A drill names the regions it moved between, the DNS records it switched and the
health checks that decided the switch. Where the scan collected those kinds, a
claim it contradicts (a region the declaration does not have, a record or health
check that does not exist) makes the drill's evidence wrong. A name the scan could
not see because of a collection gap is not a contradiction: it stays unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

_DNS_SERVICES = frozenset({"*", "route53", "azure-resources", "cloudasset"})
"""Collection services whose gap can hide a DNS record or health check."""


@dataclass(frozen=True, kw_only=True)
class ClaimCheck:
    """Contradicted claims, claims a gap left unchecked, and the resources that matched."""

    contradictions: tuple[str, ...]
    unchecked: tuple[str, ...]
    matched: tuple[str, ...]


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _names(drill: Resource, key: str) -> list[str]:
    raw = drill.attributes.get(key)
    return [str(x) for x in raw] if isinstance(raw, list) else []


def _record_matches(graph: BoundaryGraph, name: str) -> list[Resource]:
    want = _norm(name)
    return [
        r
        for r in graph.of_kind(Kind.DNS_RECORD)
        if _norm(str(r.attributes.get("name") or r.name or "")) == want
    ]


def _health_check_matches(graph: BoundaryGraph, name: str) -> list[Resource]:
    found = []
    for r in graph.of_kind(Kind.HEALTH_CHECK):
        a = r.attributes
        values = {r.id, r.name, str(a.get("health_check_id") or ""), str(a.get("target") or "")}
        if name in values or _norm(name) in {_norm(v) for v in values if v}:
            found.append(r)
    return found


def check_claims(graph: BoundaryGraph, decl: Declaration, drill: Resource) -> ClaimCheck:
    """What of the drill's claims the collected estate contradicts or cannot check."""
    contradictions: list[str] = []
    unchecked: list[str] = []
    matched: list[str] = []
    for side in ("from_region", "to_region"):
        key = str(drill.attributes.get(side) or "")
        if key not in decl.regions:
            contradictions.append(
                f"its {side} {key or '(none)'} is not a declared region "
                f"({', '.join(sorted(decl.regions))})"
            )
    gaps = sorted(
        {f"{g.service}:{g.operation}" for g in graph.inventory.gaps if g.service in _DNS_SERVICES}
    )
    for what, key, find in (
        ("DNS record", "dns_records", _record_matches),
        ("health check", "health_checks", _health_check_matches),
    ):
        for name in _names(drill, key):
            found = find(graph, name)
            if found:
                matched += [r.id for r in found]
            elif gaps:
                unchecked.append(
                    f"{what} {name} was not found, but collection had gaps ({gaps[0]})"
                )
            else:
                contradictions.append(f"it names {what} {name}, which the scan did not find")
    return ClaimCheck(
        contradictions=tuple(contradictions),
        unchecked=tuple(unchecked),
        matched=tuple(dict.fromkeys(matched)),
    )
