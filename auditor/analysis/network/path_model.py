"""The values a path query answers with: hops, paths, origins, endpoints.

Apart from :mod:`.paths` (the engine that finds them) so that the modules that
extend the engine (:mod:`.privatelink`) use them without importing it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from auditor.analysis.network.addresses import Net, collapse, internet_space
from auditor.analysis.network.answers import Reach
from auditor.model import JSONValue, Resource

PATH_EDGE = "network.path"
"""Edge kind used in verdict evidence for consecutive hops of a path."""

WORLD = collapse([*internet_space(4)])
"""The public IPv4 internet as an address set."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Hop:
    node: str
    what: str
    detail: str
    zone: str = ""
    reach: Reach = Reach.YES
    unmodelled: str = ""
    """For an UNKNOWN hop the model cannot judge (not missing data): the feature, named."""

    def as_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "node": self.node,
            "what": self.what,
            "detail": self.detail,
            "zone": self.zone,
            "reach": self.reach.value,
        }
        if self.unmodelled:
            out["unmodelled"] = self.unmodelled
        return out


def hops_text(hops: Iterable[Hop], name: Callable[[str], str]) -> str:
    """Hops as ``a -> b -> c`` (``name`` names a node); a hop on the node just named reads
    as what it is, not the same name twice (a scale set's per-instance public IP is
    the scale set itself)."""
    out: list[str] = []
    last: str | None = None
    for h in hops:
        out.append(h.what if h.node == last else name(h.node))
        last = h.node
    return " -> ".join(out)


def hops_reach(hops: Sequence[Hop]) -> Reach:
    """A path's answer from its hops: no if any hop blocks, unknown if any may, else yes."""
    if any(h.reach is Reach.NO for h in hops):
        return Reach.NO
    if any(h.reach is Reach.UNKNOWN for h in hops):
        return Reach.UNKNOWN
    return Reach.YES


@dataclass(frozen=True, kw_only=True, slots=True)
class Path:
    """One candidate path from a source to a target on a port."""

    source: str
    target: str
    port: int
    reach: Reach
    via: tuple[str, ...]
    hops: tuple[Hop, ...]
    reason: str
    sources: tuple[str, ...] = ()
    """Source CIDRs that get through (for YES)."""
    missing: tuple[str, ...] = ()
    part: tuple[str, ...] = ()
    """The source ranges this path answers for when the engine split the source's
    addresses (a route, NACL entry or rule covered only some); empty: all of them."""

    @property
    def blocked_at(self) -> Hop | None:
        for h in self.hops:
            if h.reach is not Reach.YES:
                return h
        return None

    @property
    def unmodelled(self) -> str:
        """For an UNKNOWN path: the unmodelled feature its undecided hops name (the first)."""
        if self.reach is not Reach.UNKNOWN:
            return ""
        return next(
            (h.unmodelled for h in self.hops if h.reach is Reach.UNKNOWN and h.unmodelled), ""
        )

    def nodes(self) -> list[str]:
        return list(dict.fromkeys(h.node for h in self.hops))

    def edges(self) -> list[tuple[str, str, str]]:
        ns = self.nodes()
        return [(a, b, PATH_EDGE) for a, b in itertools.pairwise(ns) if a != b]

    def as_json(self) -> dict[str, JSONValue]:
        part: dict[str, JSONValue] = {"part": list(self.part)} if self.part else {}
        return {
            **part,
            "source": self.source,
            "target": self.target,
            "port": self.port,
            "reach": self.reach.value,
            "via": list(self.via),
            "reason": self.reason,
            "sources": list(self.sources),
            "missing": list(self.missing),
            "hops": [h.as_json() for h in self.hops],
        }

    def text(self) -> str:
        source = f"{self.source} [{', '.join(self.part)}]" if self.part else self.source
        head = f"{self.reach.value.upper()}  {source} -> {self.target} port {self.port}"
        if self.via:
            head += f"  via {', '.join(self.via)}"
        lines = [head]
        for i, h in enumerate(self.hops, 1):
            mark = {Reach.YES: "ok", Reach.NO: "DROP", Reach.UNKNOWN: "??"}[h.reach]
            zone = f" [{h.zone}]" if h.zone else ""
            lines.append(f"  {i:>2}. {mark:<4} {h.what} {h.node}{zone}: {h.detail}")
        if self.reach is not Reach.YES:
            lines.append(f"  => {self.reason}")
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True, slots=True)
class Origin:
    """Where a source's packets start."""

    label: str
    node: str
    nets: tuple[Net, ...]
    subnet: Resource | None
    sgs: tuple[Resource, ...] | None = None
    """The source's security groups; None when the source is an address range."""
    public: bool | None = None
    """Whether the source has a public address (for egress through an IGW)."""
    missing_sgs: tuple[str, ...] = ()
    """Security groups the source names that were not collected: what they let out is
    unknown (never taken as blocking)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Endpoint:
    """One placement of a target."""

    resource: Resource
    port: int
    subnet: Resource | None
    nets: tuple[Net, ...]
    sgs: tuple[Resource, ...]
    missing_sgs: tuple[str, ...]
    open_lb: bool
    public: bool | None
    public_why: str
    public_nets: tuple[Net, ...] = ()
    """For an EKS API endpoint: the public CIDRs it accepts."""

    @classmethod
    def unplaced(
        cls, resource: Resource, port: int, *, public: bool | None = None, public_why: str = ""
    ) -> Endpoint:
        """A target with no known subnet, addresses or security groups."""
        return cls(
            resource=resource,
            port=port,
            subnet=None,
            nets=(),
            sgs=(),
            missing_sgs=(),
            open_lb=False,
            public=public,
            public_why=public_why,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Walk:
    reach: Reach
    via: tuple[str, ...]
    hops: tuple[Hop, ...]
    reason: str
    fate: str = ""
    """``deliver``, ``internet`` (left through ``gateway``), ``service`` (gateway endpoint)."""
    gateway: str = ""
    missing: tuple[str, ...] = ()
    split: tuple[Net, ...] = ()
    """Route destinations (here or further on) that cover only part of the walked
    destination: the walk is UNKNOWN as a whole, and has one answer per piece they
    carve (:meth:`~.route_walk.RouteWalker.walk_parts`)."""


_ANY = Reach.YES


def _merge_via(*parts: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in parts:
        for v in p:
            if v not in out:
                out.append(v)
    return tuple(out)
