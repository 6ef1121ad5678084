"""Route walks: the fate of a packet for a destination, starting at a VPC route table.

Longest-prefix match, then ``local`` (delivered inside the VPC), ``peering``
(delivered inside the peer VPC only: peering is not transitive), ``tgw`` (the
transit gateway legs of :mod:`.tgw_walk`), ``igw``/``nat`` (leaves for the
internet), a gateway endpoint, a blackhole (dropped), or something not
modelled (UNKNOWN). Walks are cached per (route table, destination), so a
source class over many subnets costs one walk per table.

:class:`RouteWalker` is the base of the path engine (:mod:`.paths`): it also
makes the hops every leg is written in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from auditor.analysis.network.addresses import Net, carve, covers, net_intersect, nets_of, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import _ANY, Hop, Walk, _merge_via
from auditor.analysis.network.prefix_lists import KIND as PREFIX_LIST
from auditor.analysis.network.prefix_lists import prefix_lists
from auditor.analysis.network.routes import Route, routes_of
from auditor.analysis.network.tgw_walk import via_tgw, vpc_attachment
from auditor.analysis.network.view import NetworkView
from auditor.model import INTERNET_ID, Kind, Resource


class RouteWalker:
    """Route walks over one graph's network view, cached per (table, destination)."""

    def __init__(self, view: NetworkView) -> None:
        self.view = view
        self.graph = view.graph
        self._walks: dict[tuple[str, str, str], Walk] = {}
        self._routes: dict[str, list[tuple[tuple[Net, ...] | None, Route]]] = {}
        self._prefix = prefix_lists(self.graph.of_kind(PREFIX_LIST))

    # --- small helpers ------------------------------------------------------------------
    def zone(self, node: str) -> str:
        if node == INTERNET_ID:
            return "internet"
        return self.graph.zone(node).label() if node in self.graph.g else ""

    def hop(
        self,
        res: Resource | str,
        what: str,
        detail: str,
        reach: Reach = _ANY,
        *,
        unmodelled: str = "",
    ) -> Hop:
        node = res if isinstance(res, str) else res.id
        return Hop(
            node=node,
            what=what,
            detail=detail,
            zone=self.zone(node),
            reach=reach,
            unmodelled=unmodelled,
        )

    def prefix_list(self, region: str, pl_id: str) -> tuple[Net, ...] | None:
        return self._prefix.get((region, pl_id))

    def _parsed(self, table: Resource) -> list[tuple[tuple[Net, ...] | None, Route]]:
        got = self._routes.get(table.id)
        if got is None:
            got = []
            for r in routes_of(table):
                if r.destination.startswith("pl-"):
                    got.append((self.prefix_list(table.region, r.destination), r))
                else:
                    n = parse_net(r.destination)
                    if n is not None:
                        got.append(((n,), r))
            self._routes[table.id] = got
        return got

    def _unread(self, table: Resource) -> tuple[str, ...]:
        """The prefix lists ``table`` routes to whose entries are unknown (their resource ids,
        which a collection gap names)."""
        return tuple(
            f"arn:aws:ec2:{table.region}:{table.account}:prefix-list/{r.destination}"
            for nets, r in self._parsed(table)
            if nets is None
        )

    def lpm(self, table: Resource, dest: Net) -> tuple[Route | None, str]:
        """Longest match covering all of ``dest``; a note when routes split it or are unknown.

        Each entry of a prefix-list route is a route of its own length; at equal length a
        CIDR route wins (AWS: a static route takes priority over a prefix-list route of the
        same CIDR). A prefix list whose entries are unknown might hold a longer match than
        the best one found: then there is no answer (None and the note naming the list).
        """
        best: tuple[int, Route] | None = None
        note = unknown = ""
        for nets, r in self._parsed(table):
            if nets is None:
                unknown = unknown or (
                    f"prefix list {r.destination} of route to {r.target_id}: its entries "
                    "were not collected"
                )
                continue
            for n in nets:
                if n.version != dest.version or not n.overlaps(dest):
                    continue
                if dest.subnet_of(n):  # type: ignore[arg-type]
                    if best is None or n.prefixlen > best[0]:
                        best = (n.prefixlen, r)
                elif not note:
                    note = f"route {r.destination} -> {r.target_id} covers part of {dest}"
        if unknown and (best is None or best[0] < dest.prefixlen):
            return None, unknown
        return (best[1] if best else None), note

    def partial(self, table: Resource, dest: Net) -> tuple[Net, ...]:
        """Route destinations of ``table`` inside ``dest`` that cover only part of it."""
        return tuple(
            sorted(
                {
                    n
                    for nets, _r in self._parsed(table)
                    for n in nets or ()
                    if n.version == dest.version and n != dest and n.subnet_of(dest)  # type: ignore[arg-type]
                },
                key=lambda n: (int(n.network_address), n.prefixlen),
            )
        )

    def walk_parts(
        self,
        table: Resource,
        dest: Net,
        dest_vpc: Resource | Callable[[Net], Resource | None] | None,
    ) -> list[tuple[Net, Walk]]:
        """The walk of every piece of ``dest`` that has one answer, in address order.

        Where a route (in ``table`` or any table further on) covers only part of a
        piece, the piece is carved by it and each part walked on its own, so a
        summarised route never turns a whole source set UNKNOWN. ``dest_vpc`` is the
        network holding the destination, or a function giving it for each piece (the
        pieces of one destination may lie in different networks).
        """
        out: list[tuple[Net, Walk]] = []
        todo = [dest]
        while todo:
            d = todo.pop()
            w = self.walk(table, d, dest_vpc(d) if callable(dest_vpc) else dest_vpc)
            pieces = carve(d, w.split) if w.split else (d,)
            if len(pieces) > 1:
                todo.extend(reversed(pieces))
                continue
            out.append((d, w))
        return sorted(out, key=lambda x: (int(x[0].network_address), x[0].prefixlen))

    def vpc_of(self, res: Resource) -> Resource | None:
        vid = str(res.attributes.get("vpc_id") or "")
        return self.view.vpc(res.region, vid) if vid else None

    # --- routing ------------------------------------------------------------------------
    def walk(self, table: Resource, dest: Net, dest_vpc: Resource | None) -> Walk:
        key = (table.id, str(dest), dest_vpc.id if dest_vpc else "")
        got = self._walks.get(key)
        if got is None:
            got = self._walk(table, dest, dest_vpc)
            self._walks[key] = got
        return got

    def _walk(self, table: Resource, dest: Net, dest_vpc: Resource | None) -> Walk:
        rt = local_id(table.id)
        r, note = self.lpm(table, dest)
        if note and (r is None or "covers part" in note):
            split = self.partial(table, dest) if "covers part" in note else ()
            return Walk(
                reach=Reach.UNKNOWN,
                via=(),
                hops=(self.hop(table, "route table", note, Reach.UNKNOWN),),
                reason=f"route table {rt}: {note}",
                missing=(table.id, *self._unread(table)) if r is None else (table.id,),
                split=split,
            )
        if r is None:
            return Walk(
                reach=Reach.NO,
                via=(),
                hops=(self.hop(table, "route table", f"no route for {dest}", Reach.NO),),
                reason=f"route table {rt} has no route for {dest}",
            )
        text = f"route {r.destination} -> {r.target_id}"
        if not r.active:
            return Walk(
                reach=Reach.NO,
                via=(),
                hops=(self.hop(table, "route table", f"{text} is a blackhole", Reach.NO),),
                reason=f"route table {rt} sends {dest} to a blackhole ({text})",
            )
        return self._follow(table, r, self.hop(table, "route table", text), dest, dest_vpc)

    def _follow(
        self, table: Resource, r: Route, here: Hop, dest: Net, dest_vpc: Resource | None
    ) -> Walk:
        """Where the active route ``r`` (chosen for ``dest`` in ``table``) sends traffic."""
        rt = local_id(table.id)
        text = f"route {r.destination} -> {r.target_id}"
        t = r.target_type
        own_vid = str(table.attributes.get("vpc_id") or "")
        if t == "local":
            dv = str(dest_vpc.attributes.get("vpc_id") or "") if dest_vpc else ""
            if dest_vpc is not None and dv == own_vid and dest_vpc.region == table.region:
                return Walk(
                    reach=Reach.YES, via=("local",), hops=(here,), reason="local", fate="deliver"
                )
            return Walk(
                reach=Reach.NO,
                via=(),
                hops=(
                    replace(
                        here,
                        detail=f"{text}: {dest} is local, not the target's network",
                        reach=Reach.NO,
                    ),
                ),
                reason=f"route table {rt} treats {dest} as local to {own_vid}",
            )
        if t == "peering":
            return self._via_peering(table, r, here, dest, dest_vpc)
        if t == "tgw":
            return via_tgw(self, table, r, here, dest, dest_vpc)
        if t in ("igw", "egress-only-igw"):
            gw = self.view.gateway_node(table.region, r) or r.target_id
            return Walk(
                reach=Reach.YES,
                via=("internet",),
                hops=(here, self.hop(gw, "internet gateway", f"{r.target_id} to the internet")),
                reason=f"route table {rt} sends {dest} to the internet",
                fate="internet",
                gateway=gw,
            )
        if t == "nat":
            return self._via_nat(table, r, here, dest, dest_vpc)
        if t == "vpce":
            ep = self.view.gateway_node(table.region, r) or r.target_id
            return Walk(
                reach=Reach.YES,
                via=("gateway-endpoint",),
                hops=(here, self.hop(ep, "gateway endpoint", f"{r.target_id}")),
                reason=f"route table {rt} sends {dest} to gateway endpoint {r.target_id}",
                fate="service",
                gateway=ep,
            )
        return Walk(
            reach=Reach.UNKNOWN,
            via=(),
            hops=(
                replace(
                    here,
                    detail=f"{text} ({t}): not modelled",
                    reach=Reach.UNKNOWN,
                    unmodelled=f"VPC routes to a {t} target",
                ),
            ),
            reason=f"route table {rt} sends {dest} to {t} {r.target_id}, which is not modelled",
            missing=(table.id,),
        )

    def _via_peering(
        self, table: Resource, r: Route, here: Hop, dest: Net, dest_vpc: Resource | None
    ) -> Walk:
        p = self.view.find(Kind.PEERING, table.region, r.target_id)
        if p is None:
            return Walk(
                reach=Reach.UNKNOWN,
                via=("peering",),
                hops=(here, self.hop(r.target_id, "peering", "not collected", Reach.UNKNOWN)),
                reason=f"peering {r.target_id} was not collected",
                missing=(r.target_id,),
            )
        status = str(p.attributes.get("status") or "")
        if status != "active":
            return Walk(
                reach=Reach.NO,
                via=("peering",),
                hops=(here, self.hop(p, "peering", f"status {status or '?'}", Reach.NO)),
                reason=f"peering {r.target_id} is {status or 'in an unknown state'}",
            )
        own = str(table.attributes.get("vpc_id") or "")
        sides = [p.attributes.get(s) or {} for s in ("requester", "accepter")]
        other = next((s for s in sides if str(s.get("vpc_id") or "") != own), sides[1])
        ovid, oregion = str(other.get("vpc_id") or ""), str(other.get("region") or "")
        ph = self.hop(p, "peering", f"{r.target_id} to {ovid} ({other.get('account')}/{oregion})")
        dv = str(dest_vpc.attributes.get("vpc_id") or "") if dest_vpc else ""
        if dest_vpc is None or dv != ovid:
            return Walk(
                reach=Reach.NO,
                via=("peering",),
                hops=(
                    here,
                    replace(
                        ph,
                        reach=Reach.NO,
                        detail=ph.detail + ": not the target's "
                        "network, and peering is not transitive",
                    ),
                ),
                reason=f"peering {r.target_id} leads to {ovid}, not to the target's network "
                "(peering is not transitive)",
            )
        peer_nets = nets_of(other.get("cidrs") or [])
        inside = net_intersect(peer_nets, [dest])
        if inside and not covers(peer_nets, [dest]):
            return Walk(
                reach=Reach.UNKNOWN,
                via=("peering",),
                hops=(
                    here,
                    replace(ph, reach=Reach.UNKNOWN, detail=f"{ovid} holds part of {dest}"),
                ),
                reason=f"{ovid} holds only part of {dest}",
                split=inside,
            )
        if not covers(peer_nets, [dest]):
            return Walk(
                reach=Reach.NO,
                via=("peering",),
                hops=(here, replace(ph, reach=Reach.NO, detail=f"{dest} is outside {ovid}")),
                reason=f"{dest} is not in the CIDRs of {ovid}",
            )
        return Walk(
            reach=Reach.YES, via=("peering",), hops=(here, ph), reason="peering", fate="deliver"
        )

    def _attachment(self, region: str, tgw_id: str, vpc_id: str) -> Resource | None:
        """The attachment of VPC ``vpc_id`` to TGW ``tgw_id`` (:func:`.vpc_attachment`)."""
        return vpc_attachment(self.view, region, tgw_id, vpc_id)

    def _via_nat(
        self, table: Resource, r: Route, here: Hop, dest: Net, dest_vpc: Resource | None
    ) -> Walk:
        nat = self.view.find(Kind.GATEWAY, table.region, r.target_id)
        if nat is None:
            return Walk(
                reach=Reach.UNKNOWN,
                via=("nat",),
                hops=(here, self.hop(r.target_id, "NAT gateway", "not collected", Reach.UNKNOWN)),
                reason=f"NAT gateway {r.target_id} was not collected",
                missing=(r.target_id,),
            )
        nh = self.hop(
            nat,
            "NAT gateway",
            f"{r.target_id} translates the source address "
            f"to {', '.join(nat.attributes.get('public_ips') or []) or 'its own'}",
        )
        sid = str(nat.attributes.get("subnet_id") or "")
        sub = self.view.subnet(table.region, sid) if sid else None
        nt = self.view.route_table_for(sub) if sub is not None else None
        if nt is None:
            return Walk(
                reach=Reach.UNKNOWN,
                via=("nat",),
                hops=(here, nh),
                reason=f"route table of NAT gateway subnet {sid} not found",
                missing=(r.target_id,),
            )
        if nt.id == table.id:
            return Walk(
                reach=Reach.NO,
                via=("nat",),
                hops=(here, replace(nh, reach=Reach.NO, detail="its own subnet routes back to it")),
                reason="NAT gateway loops to itself",
            )
        nxt = self.walk(nt, dest, dest_vpc)
        if nxt.fate == "internet" and nat.attributes.get("connectivity") == "private":
            return Walk(
                reach=Reach.NO,
                via=("nat",),
                hops=(here, nh, *nxt.hops),
                reason=f"private NAT gateway {r.target_id} cannot reach the internet",
            )
        return replace(
            nxt,
            via=_merge_via(("nat",), nxt.via),
            hops=(here, nh, *nxt.hops),
            gateway=nxt.gateway or nat.id,
        )
