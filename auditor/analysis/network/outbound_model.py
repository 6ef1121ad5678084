"""Outbound answers: a destination (:class:`Dest`), one source's outcome (:class:`OutPath`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.analysis.network.addresses import Net, collapse, covers, internet_space
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import PATH_EDGE, Hop, hops_text
from auditor.analysis.network.traffic import _AS_DECLARED, NOT_LINKS


@dataclass(frozen=True, kw_only=True, slots=True)
class Dest:
    """Where traffic is sent: CIDRs, or a named endpoint (``name`` set, ``nets`` empty)."""

    label: str
    nets: tuple[Net, ...] = ()
    name: str = ""
    ipv6: bool = False
    """Also the public IPv6 space, judged by each source's IPv6 routes
    (:mod:`.outbound_ipv6`), not by the IPv4 walk."""


def public_dest() -> Dest:
    """The public address space: IPv4 walked, IPv6 judged on its own routes."""
    return Dest(label="public addresses", nets=collapse([*internet_space(4)]), ipv6=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class OutPath:
    """One source's outcome towards a destination on a port."""

    source: str
    network: str
    dest: str
    port: int
    reach: Reach
    via: tuple[str, ...] = ()
    """Declared-vocabulary links the traffic leaves by (``internet``, ``nat``, ...)."""
    nets: tuple[Net, ...] = ()
    """Destination addresses this outcome is about."""
    hops: tuple[Hop, ...] = ()
    reason: str = ""
    route: tuple[str, ...] = ()
    """What chose the medium (a route table, a route, an external IP's instance)."""
    rule: tuple[str, ...] = ()
    """What let it out (a security group, NACL, firewall rule)."""
    blocker: str = ""
    """What dropped it, when NO."""
    unmodelled: str = ""
    missing: tuple[str, ...] = ()

    def edges(self) -> list[tuple[str, str, str]]:
        """Consecutive hops as path edges (for diagrams), as inbound paths give them."""
        ns = list(dict.fromkeys(h.node for h in self.hops))
        return [(a, b, PATH_EDGE) for a, b in itertools.pairwise(ns) if a != b]

    def text(self) -> str:
        return hops_text(self.hops, local_id) or self.reason


def declared_links(via: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for v in via:
        d = _AS_DECLARED.get(v, v)
        if v not in NOT_LINKS and d not in out:
            out.append(d)
    if "nat" in out:  # the NAT gateway's own route to the internet is part of ``nat``
        out = [v for v in out if v != "internet"]
    return tuple(out)


def named_public(paths: list[OutPath], dest: Dest) -> list[OutPath]:
    """Outcomes over the whole public space, folded into one for a named endpoint."""
    yes = [p for p in paths if p.reach is Reach.YES]
    if yes and covers([n for p in yes for n in p.nets], public_dest().nets):
        return yes
    if not yes and all(p.reach is Reach.NO for p in paths):
        return paths
    first = (yes or paths)[0]
    return [
        OutPath(
            source=first.source,
            network=first.network,
            dest=dest.label,
            port=first.port,
            reach=Reach.UNKNOWN,
            via=first.via,
            hops=first.hops,
            reason=f"{dest.name} has no private endpoint in the network, and only part of "
            "the public address space is reached",
            route=first.route,
            rule=first.rule,
            unmodelled=f"the addresses {dest.name} resolves to (DNS answers are not collected)",
        )
    ]
