"""Route tables: effective tables, longest-prefix match, blackholes, internet routes.

Terms:

- **effective route table** of a subnet: the table explicitly associated with
  it, else its VPC's main table.
- **route lookup**: longest-prefix match over a table's CIDR routes; a matched
  ``blackhole`` route drops the packet (it does not fall through to a shorter
  route). Prefix-list destinations (``pl-...``) match only the addresses of the
  prefix list when its entries were collected (see :func:`route_for`).
- **internet-routed set** of a table: the public addresses whose longest match
  is an active route to an internet gateway. A packet from such an address can
  be answered, so it is the set of internet sources that can hold a session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.analysis.network.addresses import (
    Net,
    collapse,
    internet_space,
    net_intersect,
    net_subtract,
    parse_net,
)
from auditor.model import JSONValue, Resource


@dataclass(frozen=True, kw_only=True, slots=True)
class Route:
    table: str
    destination: str
    target_type: str
    target_id: str
    state: str

    @property
    def active(self) -> bool:
        return self.state != "blackhole"

    def as_json(self) -> dict[str, JSONValue]:
        return {
            "route_table": self.table,
            "destination": self.destination,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "state": self.state,
        }


def routes_of(table: Resource) -> list[Route]:
    out: list[Route] = []
    for r in table.attributes.get("routes") or []:
        if not isinstance(r, Mapping):
            continue
        out.append(
            Route(
                table=table.id,
                destination=str(r.get("destination") or ""),
                target_type=str(r.get("target_type") or "other"),
                target_id=str(r.get("target_id") or ""),
                state=str(r.get("state") or "active"),
            )
        )
    return out


def lookup(table: Resource, destination: str) -> Route | None:
    """Longest-prefix match of ``destination`` (an address or CIDR) in a route table.

    For a CIDR, only routes covering all of it are candidates. The result may
    be a blackhole route: the packet is dropped there.
    """
    dest = parse_net(destination)
    if dest is None:
        return None
    best: tuple[int, Route] | None = None
    for r in routes_of(table):
        net = parse_net(r.destination)
        if net is None or net.version != dest.version:
            continue
        if dest.subnet_of(net) and (best is None or net.prefixlen > best[0]):  # type: ignore[arg-type]
            best = (net.prefixlen, r)
    return best[1] if best else None


def route_for(
    table: Resource,
    destination: str,
    prefix_lists: Callable[[str], tuple[Net, ...] | None],
) -> tuple[Route | None, str]:
    """:func:`lookup` with prefix-list routes: each entry of a list (``prefix_lists``: its
    networks, None when not read) is a route of its own length; at equal length the CIDR
    route wins (AWS gives a static route priority over a prefix-list route). None and why
    when no route holds ``destination`` or an unread list might hold a longer match."""
    dest = parse_net(destination)
    name = table.name or table.id
    if dest is None:
        return None, f"{destination} is not an address"
    best: tuple[int, int, Route] | None = None  # (length, CIDR route first, route)
    unknown = ""
    for r in routes_of(table):
        if r.destination.startswith("pl-"):
            nets = prefix_lists(r.destination)
            if nets is None:
                unknown = unknown or r.destination
                continue
            rank = 0
        else:
            net = parse_net(r.destination)
            nets, rank = ((net,) if net is not None else ()), 1
        for n in nets:
            longer = best is None or (n.prefixlen, rank) > best[:2]
            if longer and n.version == dest.version and dest.subnet_of(n):  # type: ignore[arg-type]
                best = (n.prefixlen, rank, r)
    if unknown and (best is None or best[0] < dest.prefixlen):
        return None, f"{name} routes prefix list {unknown}, whose entries were not collected"
    if best is None:
        return None, f"no route of {name} holds {destination}"
    return best[2], ""


def internet_routed(table: Resource, version: int = 4) -> tuple[tuple[Net, ...], list[Route]]:
    """Public addresses whose longest match in ``table`` is an active internet-gateway route."""
    routes = routes_of(table)
    parsed = [(r, parse_net(r.destination)) for r in routes]
    reach: list[Net] = []
    used: list[Route] = []
    for r, net in parsed:
        if net is None or net.version != version or r.target_type != "igw" or not r.active:
            continue
        more_specific = [
            n
            for _, n in parsed
            if n is not None
            and n.version == version
            and n.prefixlen > net.prefixlen
            and n.subnet_of(net)  # type: ignore[arg-type]
        ]
        own = net_intersect(net_subtract([net], more_specific), internet_space(version))
        if own:
            reach.extend(own)
            used.append(r)
    return collapse(reach), used


def tgw_routes(trt: Resource, cidr: str) -> bool:
    dest = parse_net(cidr)
    if dest is None:
        return False
    best: tuple[int, Mapping[str, Any]] | None = None
    for r in trt.attributes.get("routes") or []:
        if not isinstance(r, Mapping):
            continue
        net = parse_net(str(r.get("destination") or ""))
        if net is None or net.version != dest.version or not dest.subnet_of(net):  # type: ignore[arg-type]
            continue
        if best is None or net.prefixlen > best[0]:
            best = (net.prefixlen, r)
    return best is not None and best[1].get("state") != "blackhole"
