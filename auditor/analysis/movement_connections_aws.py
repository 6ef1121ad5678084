"""One AWS connection, one byte count: a flow recorded at several interfaces is counted once.

What AWS records (flow-log-records.html, "Flow log record examples"): every interface on
the way logs the packets it sends and receives, one record per (``interface-id``,
``srcaddr``, ``dstaddr``, ports, protocol) and window. So one connection's packets are
logged by the sender's interface (``srcaddr`` its private address, ``dstaddr`` the
far end as addressed), by the receiver's (behind an internet gateway it sees the
translated addresses: ``srcaddr`` the sender's public address or its NAT gateway's Elastic
IP, ``dstaddr`` its own private one), and, through a NAT gateway, twice by the NAT
gateway's interface: the private leg (``srcaddr`` the sender, ``dstaddr`` the NAT
gateway's private address; ``pkt-dstaddr`` the far end in v3+ formats) and the public
leg (``srcaddr`` the NAT gateway's private address, ``dstaddr`` the far end).

Only the default (v2) fields are relied on: ``interface-id``, ``srcaddr``, ``dstaddr``,
``protocol``, ``action`` and the counts (the aggregate keeps no ``pkt-*`` or
``flow-direction`` field, so a format with or without them is read alike). Each end of
a record is named by the **party** it stands for: the NAT gateway for its own addresses
(private or Elastic IP) and for a private sender whose subnet route to the (public) far
end goes to that NAT gateway (:mod:`.movement_places_aws`), else the collected resource
holding the address (an instance's private and public addresses name the instance), else
the address itself. Records of one direction between two parties (same protocol and
action, any port: a NAT gateway rewrites the reply's port) are one set of connections;
each interface class that logged it (the senders', the NAT gateway's, the receivers')
saw all of its packets that passed it, so the class that saw most is counted and the
others dropped: a sender's own records first at a tie (they place it by its own
subnet). The private leg at a NAT gateway is not a copy of the internet crossing but
the sender's way to the NAT gateway (a zone crossing when they are in different zones):
it names the NAT gateway as its far party, so it stays its own set.

Without the parties' addresses collected (no interface, instance or NAT gateway holds
them) records are not merged: each stays counted as it was logged.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable, Sequence

from auditor.analysis.movement_places import Place
from auditor.analysis.movement_places_aws import Egress
from auditor.analysis.network.addresses import Net, internet_space
from auditor.model import Kind, Resource

_CLASSES = ("src", "nat", "dst")
"""Who logged a record, in the order a tie is won."""


class Connections:
    """The AWS NAT gateways and interfaces of one inventory, to merge what they logged."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._nat_of_ip: dict[str, str] = {}
        self._nats: dict[str, str] = {}
        self._nat_enis: set[str] = set()
        self._parties: dict[tuple[str, str], str] = {}
        self._eni_ips: dict[str, set[str]] = {}
        for r in resources:
            if r.cloud != "aws":
                continue
            a = r.attributes
            if r.kind == Kind.GATEWAY and a.get("gateway_type") == "nat":
                self._nats[r.id.rsplit("/", 1)[-1]] = r.id
                for ip in [*(a.get("private_ips") or []), *(a.get("public_ips") or [])]:
                    self._nat_of_ip[str(ip)] = r.id
                self._nat_enis.update(str(e) for e in a.get("interface_ids") or [])
            elif r.kind == Kind.INTERFACE:
                ips = [*(a.get("private_ips") or []), a.get("private_ip"), a.get("public_ip")]
                self._eni_ips[r.id.rsplit("/", 1)[-1]] = {str(i) for i in ips if i}

    def _party(self, address: str, far: str, where: Place | None, egress: Egress) -> str:
        got = self._parties.get((address, far))
        if got is None:
            got = self._parties[(address, far)] = self._find_party(address, far, where, egress)
        return got

    def _find_party(self, address: str, far: str, where: Place | None, egress: Egress) -> str:
        nat = self._nat_of_ip.get(address)
        if nat is not None:
            return nat
        if where is None or where.cloud != "aws":
            return address
        if not where.public and _public(far):
            way = egress.way(address, far, where.region)
            if way.medium == "nat":
                return self._nats.get(way.target) or address
        return where.resource or address

    def _logged_by(self, flow: Resource) -> str:
        a = flow.attributes
        eni = str(a.get("interface_id") or "")
        if eni in self._nat_enis:
            return "nat"
        ips = self._eni_ips.get(eni, set())
        if str(a.get("src")) in ips:
            return "src"
        return "dst" if str(a.get("dst")) in ips else ""

    def one_per_connection(
        self, flows: Sequence[Resource], where: Callable[[str], Place | None], egress: Egress
    ) -> list[Resource]:
        """``flows`` with each AWS connection's records kept from one interface class only."""
        groups: dict[tuple[str, ...], dict[str, list[Resource]]] = {}
        out: list[Resource] = []
        for f in flows:
            a = f.attributes
            by = self._logged_by(f) if f.cloud == "aws" else ""
            if not by:
                out.append(f)
                continue
            src, dst = str(a.get("src")), str(a.get("dst"))
            key = (
                self._party(src, dst, where(src), egress),
                self._party(dst, src, where(dst), egress),
                str(a.get("protocol")),
                str(a.get("action")),
            )
            groups.setdefault(key, {}).setdefault(by, []).append(f)
        for seen in groups.values():
            best = max(_CLASSES, key=lambda c: (_bytes(seen.get(c, [])), -_CLASSES.index(c)))
            out.extend(seen.get(best, []))
        return sorted(out, key=lambda x: x.id)


@functools.cache
def _space(version: int) -> tuple[Net, ...]:
    return internet_space(version)


@functools.lru_cache(maxsize=1 << 16)
def _public(address: str) -> bool:
    """An internet address (:func:`.internet_space`, computed once per IP version)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in _space(ip.version))


def _bytes(flows: Sequence[Resource]) -> int:
    return sum(int(str(f.attributes.get("bytes") or 0)) for f in flows)


def aws_once(
    flows: Sequence[Resource],
    resources: Iterable[Resource],
    where: Callable[[str], Place | None],
    egress: Egress | None = None,
) -> list[Resource]:
    """:meth:`Connections.one_per_connection` over ``resources`` (``egress``: its senders'
    routes, built from ``resources`` when not given)."""
    rs = list(resources)
    return Connections(rs).one_per_connection(flows, where, egress or Egress(rs))
