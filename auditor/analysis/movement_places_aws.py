"""How an AWS address leaves its VPC: by its subnet's route table, not by what the VPC holds.

A VPC holding a NAT gateway says nothing about one sender: an instance's packets take
the route of its subnet's table (the explicitly associated table, else the VPC's main
table), longest prefix first. ``0.0.0.0/0 -> nat-...`` leaves through the NAT gateway
(its public address is used, not the instance's; a NAT gateway's own private address, the
source of the public leg its interface logs, leaves by ``nat`` too); ``-> igw-...`` leaves from the
instance's own public address (an interface without one is dropped there). Other
targets name the first hop: a transit gateway, a peering, a VPN gateway, a gateway
endpoint (a route to a prefix list, such as a gateway endpoint's
``com.amazonaws.<region>.s3``, matches the list's collected entries). When the route
cannot be told (no table or subnet collected, no route, a blackhole, a prefix list whose
entries were not collected and might hold a longer match, an appliance, an address on
no collected interface routed to an internet gateway) the medium is ``unknown`` and
:attr:`Way.reason` (from :meth:`Egress.way`) names why.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.analysis.network.addresses import Net, parse_net
from auditor.analysis.network.prefix_lists import prefix_lists, resolver
from auditor.analysis.network.routes import route_for
from auditor.model import Kind, Resource

UNKNOWN = "unknown"
_FIRST_HOP = {
    "nat": "nat",
    "tgw": "transit gateway",
    "peering": "peering",
    "vgw": "vpn",
    "vpce": "gateway endpoint",
    "local": "local",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Way:
    """The medium one sender's route gives, the route's target, and why when unknown."""

    medium: str
    target: str = ""
    reason: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class _Sender:
    region: str
    subnet: str
    public: bool | None
    """The interface has a public address; None when no collected interface holds it."""


def _ips(a: Mapping[str, object], one: str, many: str) -> list[str]:
    got = [a.get(one), *(a.get(many) or [])]  # type: ignore[misc]
    return [str(x) for x in got if x]


class Egress:
    """AWS senders' subnets and the route tables that decide them."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        rs = sorted((r for r in resources if r.cloud == "aws"), key=lambda r: r.id)
        self._lists = prefix_lists(rs)
        self._senders: dict[str, _Sender] = {}
        self._subnets: list[tuple[Net, str, str, str]] = []  # (range, region, subnet, vpc)
        self._vpc_of: dict[tuple[str, str], str] = {}
        self._explicit: dict[tuple[str, str], Resource] = {}
        self._main: dict[tuple[str, str], Resource] = {}
        self._nat_side: dict[str, str] = {}  # a NAT gateway's private address -> its id
        for r in rs:
            a = r.attributes
            if r.kind == Kind.GATEWAY and a.get("gateway_type") == "nat":
                nat = r.id.rsplit("/", 1)[-1]
                self._nat_side.update((str(ip), nat) for ip in a.get("private_ips") or [])
            if r.kind in (Kind.INTERFACE, Kind.INSTANCE) and a.get("subnet_id"):
                sender = _Sender(
                    region=r.region,
                    subnet=str(a["subnet_id"]),
                    public=bool(_ips(a, "public_ip", "public_ips")),
                )
                for ip in _ips(a, "private_ip", "private_ips"):
                    have = self._senders.get(ip)  # an instance and its interface: either public
                    if have is None or (sender.public and not have.public):
                        self._senders[ip] = sender
            elif r.kind == Kind.SUBNET and a.get("subnet_id"):
                sid, vpc = str(a["subnet_id"]), str(a.get("vpc_id") or "")
                self._vpc_of[(r.region, sid)] = vpc
                for c in [a.get("cidr"), *(a.get("cidrs") or [])]:
                    n = parse_net(str(c)) if c else None
                    if n is not None:
                        self._subnets.append((n, r.region, sid, vpc))
            elif r.kind == Kind.ROUTE_TABLE:
                vpc = str(a.get("vpc_id") or "")
                if a.get("main"):
                    self._main.setdefault((r.region, vpc), r)
                for sid in a.get("subnet_ids") or []:
                    self._explicit.setdefault((r.region, str(sid)), r)
        self._subnets.sort(key=lambda x: -x[0].prefixlen)

    def _sender(self, address: str, region: str) -> _Sender | None:
        got = self._senders.get(address)
        if got is not None:
            return got
        ip = ipaddress.ip_address(address)
        for n, reg, sid, _ in self._subnets:
            if reg == region and n.version == ip.version and ip in n:
                return _Sender(region=reg, subnet=sid, public=None)
        return None

    def way(self, address: str, destination: str, region: str) -> Way:
        """How a packet from ``address`` (an AWS sender in ``region``) to ``destination``
        leaves, by its subnet's route table."""
        try:
            ipaddress.ip_address(destination)
            src = self._sender(address, region)
        except ValueError:
            return Way(medium=UNKNOWN, reason=f"{address} -> {destination} is not two addresses")
        if address in self._nat_side:  # the public leg a NAT gateway's interface logs
            return Way(medium="nat", target=self._nat_side[address])
        if src is None:
            return Way(medium=UNKNOWN, reason=f"no collected subnet holds {address}")
        key = (src.region, src.subnet)
        table = self._explicit.get(key) or self._main.get((src.region, self._vpc_of.get(key, "")))
        if table is None:
            return Way(medium=UNKNOWN, reason=f"no route table of {src.subnet} was collected")
        route, why = route_for(table, destination, resolver(self._lists, src.region))
        if route is None:
            return Way(medium=UNKNOWN, reason=why)
        target, kind = route.target_id, route.target_type
        rtb = table.name or table.id
        if not route.active:
            return Way(medium=UNKNOWN, target=target, reason=f"{rtb} blackholes {destination}")
        if kind in ("igw", "egress-only-igw"):
            if ipaddress.ip_address(address).version == 6 or src.public:
                return Way(medium="public addresses", target=target)
            if src.public is None:
                why = f"{address} is on no collected interface: whether it has a public address"
                return Way(medium=UNKNOWN, target=target, reason=why + " is not known")
            why = f"{rtb} sends it to {target}, but {address} has no public address"
            return Way(medium=UNKNOWN, target=target, reason=why)
        if kind in _FIRST_HOP:
            return Way(medium=_FIRST_HOP[kind], target=target)
        return Way(
            medium=UNKNOWN, target=target, reason=f"{rtb} sends it to {target} ({kind}): unmodelled"
        )
