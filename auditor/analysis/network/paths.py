"""Hop-by-hop path reasoning: can traffic from a source reach a target on a port, and how.

Terms:

- **origin**: where a source's packets start: an estate subnet (with the
  source's addresses in it, and its security groups when the source is a
  resource), or the internet. A CIDR source becomes one origin per group of
  estate subnets sharing a route table and NACL (the part of the CIDR inside
  them), plus the internet for its public part.
- **endpoint**: one placement of a target: a subnet, the target's addresses
  there, its security groups, and whether it has a public address.
- **route walk**: the fate of a packet for a destination, starting at a VPC
  route table: longest-prefix match, then ``local`` (delivered inside the VPC),
  ``peering`` (delivered inside the peer VPC only: peering is not transitive),
  ``tgw`` (the attachment's associated TGW route table decides, across TGW
  peerings), ``igw``/``nat`` (leaves for the internet), a blackhole (dropped),
  or something not modelled (UNKNOWN). Walks are cached per (route table,
  destination), so a source class over many subnets costs one walk per table.
- **path**: the hops a connection takes (source, NACL out, security group out,
  route tables and gateways, NACL in, security group in, target) plus the
  return leg (NACL out at the target on ephemeral ports, the target's route
  back, NACL in at the source), each hop naming the rule or route that admits
  it and the zone it sits in. A path is ``YES`` only when every hop admits; the
  first hop that drops makes it ``NO``; a hop that needs data that was not
  collected or is not modelled makes it ``UNKNOWN`` (never ``NO``, never
  ``YES``).
- **via**: the kinds of link a path crosses (``local``, ``peering``,
  ``transit-gateway``, ``internet``, ``nat``, ``gateway-endpoint``,
  ``interface-endpoint``, ``private-endpoint`` (a PrivateLink consumer
  path, :mod:`.privatelink`), ``load-balancer``), which traffic classes are
  judged on.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from auditor.analysis.network.acl import AclDecision, acl_eval, acl_range
from auditor.analysis.network.addresses import (
    Net,
    collapse,
    covers,
    fmt_nets,
    net_intersect,
    net_subtract,
    nets_of,
    parse_net,
)
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.exposure import MSK_PUBLIC_PORTS
from auditor.analysis.network.index import label, local_id, target_port
from auditor.analysis.network.path_model import (
    _ANY,
    WORLD,
    Endpoint,
    Hop,
    Origin,
    Path,
    Walk,
    _merge_via,
)
from auditor.analysis.network.routes import Route, routes_of
from auditor.analysis.network.security_groups import sg_decide
from auditor.analysis.network.view import NetworkView, network_view
from auditor.base.edges import FORWARDS_TO
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, Kind, Resource


class OriginIndex(Protocol):
    """Narrows which origins may reach an endpoint (:class:`~.delivery.DeliveryIndex`).

    Declared here, by the engine that asks, so the engine need not import the
    index (which is built over the engine).
    """

    def candidates(self, ep: Endpoint) -> list[int] | None:
        """Indexes of the origins that may deliver to ``ep``; None when all may."""
        ...


class PathEngine:
    """Path queries over one graph; caches route walks per (table, destination)."""

    def __init__(self, view: NetworkView) -> None:
        self.view = view
        self.graph = view.graph
        self._walks: dict[tuple[str, str, str], Walk] = {}
        self._acls: dict[tuple[str, bool, tuple[Net, ...], int | None], AclDecision] = {}
        self._split: set[str] | None = None
        self._legs: dict[tuple[Any, ...], Path] = {}
        self._cidr_origins: dict[str, tuple[list[Origin], tuple[Net, ...], Reach]] = {}
        self._routes: dict[str, list[tuple[tuple[Net, ...] | None, Route]]] = {}
        self._prefix: dict[tuple[str, str], tuple[Net, ...] | None] = {}
        self._privatelink: object | None = None
        """The PrivateLink index (:mod:`.privatelink`), built on first use."""
        for pl in self.graph.of_kind("prefix_list"):
            cidrs = pl.attributes.get("cidrs")
            pid = str(pl.attributes.get("prefix_list_id") or local_id(pl.id))
            self._prefix[(pl.region, pid)] = None if cidrs is None else nets_of(cidrs)
        self._igws: dict[tuple[str, str], Resource] = {}
        for gw in self.graph.of_kind(Kind.GATEWAY):
            if gw.attributes.get("gateway_type") == "internet":
                for vid in gw.attributes.get("vpc_ids") or []:
                    self._igws.setdefault((gw.region, str(vid)), gw)
        self._vpn = any(
            gw.attributes.get("gateway_type") == "vpn" for gw in self.graph.of_kind(Kind.GATEWAY)
        ) or any(
            a.attributes.get("resource_type") in ("vpn", "direct-connect-gateway", "connect")
            for a in self.graph.of_kind(Kind.TRANSIT_ATTACHMENT)
        )

    # --- small helpers ------------------------------------------------------------------
    def zone(self, node: str) -> str:
        if node == INTERNET_ID:
            return "internet"
        return self.graph.zone(node).label() if node in self.graph.g else ""

    def hop(self, res: Resource | str, what: str, detail: str, reach: Reach = _ANY) -> Hop:
        node = res if isinstance(res, str) else res.id
        return Hop(node=node, what=what, detail=detail, zone=self.zone(node), reach=reach)

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

    def lpm(self, table: Resource, dest: Net) -> tuple[Route | None, str]:
        """Longest match covering all of ``dest``; a note when routes split it or are unknown."""
        best: tuple[int, Route] | None = None
        note = ""
        for nets, r in self._parsed(table):
            if nets is None:
                note = f"prefix list {r.destination} of route to {r.target_id} was not collected"
                continue
            for n in nets:
                if n.version != dest.version or not n.overlaps(dest):
                    continue
                if dest.subnet_of(n):  # type: ignore[arg-type]
                    if best is None or n.prefixlen > best[0]:
                        best = (n.prefixlen, r)
                elif not note:
                    note = f"route {r.destination} -> {r.target_id} covers part of {dest}"
        return (best[1] if best else None), note

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
            return Walk(
                reach=Reach.UNKNOWN,
                via=(),
                hops=(self.hop(table, "route table", note, Reach.UNKNOWN),),
                reason=f"route table {rt}: {note}",
                missing=(table.id,),
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
        here = self.hop(table, "route table", text)
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
            return self._via_tgw(table, r, here, dest, dest_vpc)
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
            hops=(replace(here, detail=f"{text} ({t}): not modelled", reach=Reach.UNKNOWN),),
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
        if not covers(nets_of(other.get("cidrs") or []), [dest]):
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
        for a in self.view.attachments_on(tgw_id):
            at = a.attributes
            if (
                a.region == region
                and at.get("resource_type") == "vpc"
                and str(at.get("resource_id") or "") == vpc_id
            ):
                return a
        return None

    def _via_tgw(
        self, table: Resource, r: Route, here: Hop, dest: Net, dest_vpc: Resource | None
    ) -> Walk:
        own = str(table.attributes.get("vpc_id") or "")
        att = self._attachment(table.region, r.target_id, own)
        if att is None:
            return Walk(
                reach=Reach.UNKNOWN,
                via=("transit-gateway",),
                hops=(
                    here,
                    self.hop(
                        r.target_id,
                        "transit gateway",
                        f"no attachment of {own} collected",
                        Reach.UNKNOWN,
                    ),
                ),
                reason=f"no attachment of {own} to {r.target_id} was collected",
                missing=(r.target_id,),
            )
        return self._tgw_from(att, dest, dest_vpc, (here,), frozenset())

    def _tgw_from(
        self,
        att: Resource,
        dest: Net,
        dest_vpc: Resource | None,
        hops: tuple[Hop, ...],
        seen: frozenset[str],
    ) -> Walk:
        aid = local_id(att.id)
        state = str(att.attributes.get("state") or "")
        if state != "available":
            return Walk(
                reach=Reach.NO,
                via=("transit-gateway",),
                hops=(*hops, self.hop(att, "TGW attachment", f"state {state}", Reach.NO)),
                reason=f"TGW attachment {aid} is {state or 'in an unknown state'}",
            )
        rt_id = str(att.attributes.get("association_route_table_id") or "")
        if not rt_id:
            return Walk(
                reach=Reach.NO,
                via=("transit-gateway",),
                hops=(
                    *hops,
                    self.hop(att, "TGW attachment", "associated with no TGW route table", Reach.NO),
                ),
                reason=f"TGW attachment {aid} is associated with no TGW route table",
            )
        ah = self.hop(att, "TGW attachment", f"{aid} associated with {rt_id}")
        trt = self.view.find(Kind.TRANSIT_ROUTE_TABLE, att.region, rt_id)
        if trt is None or trt.attributes.get("routes") is None or rt_id in seen:
            why = "routing loop" if rt_id in seen else "not collected"
            return Walk(
                reach=Reach.UNKNOWN,
                via=("transit-gateway",),
                hops=(*hops, ah, self.hop(trt or rt_id, "TGW route table", why, Reach.UNKNOWN)),
                reason=f"TGW route table {rt_id}: {why}",
                missing=(rt_id,),
            )
        best: tuple[int, Mapping[str, Any]] | None = None
        for route in trt.attributes.get("routes") or []:
            n = parse_net(str(route.get("destination") or ""))
            if n is None or n.version != dest.version or not dest.subnet_of(n):  # type: ignore[arg-type]
                continue
            if best is None or n.prefixlen > best[0]:
                best = (n.prefixlen, route)
        hops = (*hops, ah)
        if best is None:
            props = trt.attributes.get("propagations") or []
            hint = ""
            if dest_vpc is not None:
                dv = str(dest_vpc.attributes.get("vpc_id") or "")
                tgw = str(att.attributes.get("tgw_id") or "")
                datt = self._attachment(dest_vpc.region, tgw, dv)
                if datt is not None and local_id(datt.id) not in props:
                    hint = f" (attachment {local_id(datt.id)} of {dv} is not propagated into it)"
            return Walk(
                reach=Reach.NO,
                via=("transit-gateway",),
                hops=(
                    *hops,
                    self.hop(trt, "TGW route table", f"no route for {dest}{hint}", Reach.NO),
                ),
                reason=f"TGW route table {rt_id} has no route for {dest}{hint}",
            )
        route = best[1]
        text = f"route {route.get('destination')} -> {', '.join(route.get('attachment_ids') or [])}"
        if route.get("state") == "blackhole":
            return Walk(
                reach=Reach.NO,
                via=("transit-gateway",),
                hops=(*hops, self.hop(trt, "TGW route table", f"{text} is a blackhole", Reach.NO)),
                reason=f"TGW route table {rt_id} blackholes {dest}",
            )
        hops = (*hops, self.hop(trt, "TGW route table", f"{text} ({route.get('type')})"))
        targets = sorted(str(a) for a in route.get("attachment_ids") or [])
        if not targets:
            targets = self._infer_attachment(att, dest)
            if targets:
                hops = (
                    *hops[:-1],
                    replace(
                        hops[-1],
                        detail=hops[-1].detail + "(attachment "
                        f"{targets[0]} inferred: the only VPC attachment holding {dest})",
                    ),
                )
        if not targets:
            return Walk(
                reach=Reach.UNKNOWN,
                via=("transit-gateway",),
                hops=hops,
                reason=f"TGW route {text} names no attachment",
                missing=(trt.id,),
            )
        nxt = self.view.find(Kind.TRANSIT_ATTACHMENT, att.region, targets[0])
        if nxt is None:
            return Walk(
                reach=Reach.UNKNOWN,
                via=("transit-gateway",),
                hops=hops,
                reason=f"TGW attachment {targets[0]} was not collected",
                missing=(targets[0],),
            )
        kind = str(nxt.attributes.get("resource_type") or "")
        if kind == "vpc":
            vid = str(nxt.attributes.get("resource_id") or "")
            dv = str(dest_vpc.attributes.get("vpc_id") or "") if dest_vpc else ""
            out = self.hop(nxt, "TGW attachment", f"into {vid}")
            if dest_vpc is None or vid != dv:
                return Walk(
                    reach=Reach.NO,
                    via=("transit-gateway",),
                    hops=(
                        *hops,
                        replace(
                            out, reach=Reach.NO, detail=f"into {vid}, not the target's network"
                        ),
                    ),
                    reason=f"TGW route table {rt_id} sends {dest} to {vid}, not the "
                    "target's network",
                )
            return Walk(
                reach=Reach.YES,
                via=("transit-gateway",),
                hops=(*hops, out),
                reason="transit gateway",
                fate="deliver",
            )
        if kind == "peering":
            peer = nxt.attributes.get("peer") or {}
            far = self.view.find(
                Kind.TRANSIT_ATTACHMENT, str(peer.get("region") or ""), local_id(nxt.id)
            )
            if far is None:
                return Walk(
                    reach=Reach.UNKNOWN,
                    via=("transit-gateway",),
                    hops=(
                        *hops,
                        self.hop(nxt, "TGW peering", "far side not collected", Reach.UNKNOWN),
                    ),
                    reason=f"the far side of TGW peering {local_id(nxt.id)} was not collected",
                    missing=(nxt.id,),
                )
            return self._tgw_from(
                far,
                dest,
                dest_vpc,
                (
                    *hops,
                    self.hop(
                        nxt,
                        "TGW peering",
                        f"to {peer.get('tgw_id')} in {peer.get('account')}/{peer.get('region')}",
                    ),
                ),
                seen | {rt_id},
            )
        return Walk(
            reach=Reach.UNKNOWN,
            via=("transit-gateway",),
            hops=(*hops, self.hop(nxt, "TGW attachment", f"{kind}: not modelled", Reach.UNKNOWN)),
            reason=f"TGW sends {dest} to a {kind} attachment, which is not modelled",
            missing=(nxt.id,),
        )

    def _infer_attachment(self, att: Resource, dest: Net) -> list[str]:
        """The one VPC attachment on the same TGW whose VPC holds ``dest`` (else none)."""
        tgw = str(att.attributes.get("tgw_id") or "")
        found: list[str] = []
        for a in self.view.attachments_on(tgw):
            at = a.attributes
            if at.get("resource_type") != "vpc" or a.region != att.region:
                continue
            vpc = self.view.vpc(a.region, str(at.get("resource_id") or ""))
            if vpc is not None and covers(nets_of(vpc.attributes.get("cidrs") or []), [dest]):
                found.append(local_id(a.id))
        return found if len(found) == 1 else []

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

    # --- sources and endpoints ----------------------------------------------------------
    def origins_for_cidr(self, cidr: str) -> tuple[list[Origin], tuple[Net, ...], Reach]:
        """Estate origins for a CIDR, its public part, and whether its rest can enter."""
        got = self._cidr_origins.get(cidr)
        if got is None:
            got = self._origins_for_cidr(cidr)
            self._cidr_origins[cidr] = got
        return list(got[0]), got[1], got[2]

    def _origins_for_cidr(self, cidr: str) -> tuple[list[Origin], tuple[Net, ...], Reach]:
        net = parse_net(cidr)
        if net is None:
            return [], (), Reach.NO
        groups: dict[tuple[str, str], list[tuple[Resource, tuple[Net, ...]]]] = {}
        inside: list[Net] = []
        for s in self.graph.of_kind(Kind.SUBNET):
            sn = parse_net(str(s.attributes.get("cidr") or ""))
            if sn is None or sn.version != net.version or not sn.overlaps(net):
                continue
            part = net_intersect([sn], [net])
            inside.extend(part)
            t = self.view.route_table_for(s)
            a = self.view.acl_for(s)
            groups.setdefault((t.id if t else "", a.id if a else ""), []).append((s, part))
        out: list[Origin] = []
        for key in sorted(groups):
            members = sorted(groups[key], key=lambda m: m[0].id)
            nets = collapse(n for _, p in members for n in p)
            out.append(Origin(label=cidr, node=members[0][0].id, nets=nets, subnet=members[0][0]))
        public = net_intersect([net], WORLD)
        rest = net_subtract(net_subtract([net], inside), WORLD)
        entry = Reach.UNKNOWN if rest and self._vpn else Reach.NO
        return out, public, entry

    def origins_for_resource(self, res: Resource) -> list[Origin]:
        sgs, _missing = self.view.firewalls_of(res)
        public, _ = self.view._public_address(res)
        out: list[Origin] = []
        for s in self.view.subnets_of(res):
            ips = [str(i) for i in res.attributes.get("private_ips") or []]
            if res.attributes.get("private_ip"):
                ips.append(str(res.attributes["private_ip"]))
            nets = nets_of(ips) or nets_of([s.attributes.get("cidr")])
            sn = nets_of([s.attributes.get("cidr")])
            nets = net_intersect(nets, sn) or sn
            out.append(
                Origin(
                    label=res.id, node=res.id, nets=nets, subnet=s, sgs=tuple(sgs), public=public
                )
            )
        return out

    def endpoints(self, res: Resource, port: int) -> list[Endpoint]:
        sgs, missing = self.view.firewalls_of(res)
        public, why = self.view._public_address(res)
        open_lb = res.kind == Kind.LOAD_BALANCER and not sgs and not missing
        public_nets: tuple[Net, ...] = ()
        if res.kind == Kind.K8S_CLUSTER:
            pa = res.attributes.get("endpoint_public_access")
            public = None if pa is None else bool(pa)
            why = "public API endpoint" if public else "private API endpoint"
            public_nets = nets_of(res.attributes.get("public_access_cidrs") or ["0.0.0.0/0"])
        out: list[Endpoint] = []
        for s in self.view.subnets_of(res):
            ips = [str(i) for i in res.attributes.get("private_ips") or []]
            if res.attributes.get("private_ip"):
                ips.append(str(res.attributes["private_ip"]))
            sn = nets_of([s.attributes.get("cidr")])
            nets = net_intersect(nets_of(ips), sn) or sn
            out.append(
                Endpoint(
                    resource=res,
                    port=port,
                    subnet=s,
                    nets=nets,
                    sgs=tuple(sgs),
                    missing_sgs=tuple(missing),
                    open_lb=open_lb,
                    public=public,
                    public_why=why,
                    public_nets=public_nets,
                )
            )
        return out

    # --- legs ---------------------------------------------------------------------------
    def _end(
        self,
        ep: Endpoint,
        source: str,
        port: int,
        hops: list[Hop],
        via: Iterable[str],
        reason: str,
        *,
        sources: Sequence[Net] = (),
        missing: Sequence[str] = (),
    ) -> Path:
        reach = Reach.YES
        for h in hops:
            if h.reach is Reach.NO:
                reach = Reach.NO
                break
            if h.reach is Reach.UNKNOWN:
                reach = Reach.UNKNOWN
        if reach is Reach.UNKNOWN and any(h.reach is Reach.NO for h in hops):
            reach = Reach.NO
        blocked = next((h for h in hops if h.reach is Reach.NO), None) or next(
            (h for h in hops if h.reach is Reach.UNKNOWN), None
        )
        if reach is Reach.NO and blocked is not None:
            hops = hops[: hops.index(blocked) + 1]  # the first hop that drops it ends the path
        if blocked is not None:
            reason = f"{blocked.what} {local_id(blocked.node)}: {blocked.detail}"
        return Path(
            source=source,
            target=ep.resource.id,
            port=port,
            reach=reach,
            via=tuple(via),
            hops=tuple(hops),
            reason=reason,
            sources=tuple(fmt_nets(sources)) if reach is Reach.YES else (),
            missing=tuple(sorted(set(missing))),
        )

    def _acl_hop(
        self, subnet: Resource, *, egress: bool, nets: Sequence[Net], port: int | None, what: str
    ) -> tuple[Hop, tuple[Net, ...]]:
        acl = self.view.acl_for(subnet)
        if acl is None:
            return self.hop(
                subnet, "network ACL", f"no network ACL found ({what})", Reach.UNKNOWN
            ), tuple(nets)
        key = (acl.id, egress, tuple(nets), port)
        d = self._acls.get(key)
        if d is None:
            if port is None:
                d = acl_range(acl, egress=egress, nets=nets)
            else:
                d = acl_eval(acl, egress=egress, nets=nets, port=port)
            self._acls[key] = d
        ports = "ephemeral ports 32768-60999" if port is None else f"port {port}"
        rule = (d.entry or {}).get("rule_number")
        direction = "outbound" if egress else "inbound"
        if not d.allowed:
            return self.hop(
                acl, "network ACL", f"{direction} rule {rule} denies {ports} ({what})", Reach.NO
            ), ()
        return self.hop(
            acl, "network ACL", f"{direction} rule {rule} allows {ports} ({what})"
        ), d.allowed

    def _sg_hop(
        self, ep: Endpoint, nets: Sequence[Net], groups: Sequence[str], port: int
    ) -> tuple[Hop, tuple[Net, ...]]:
        res = ep.resource
        if ep.open_lb:
            return self.hop(res, "load balancer", "no security groups: admits all"), tuple(nets)
        d = sg_decide(
            ep.sgs,
            port,
            egress=False,
            nets=nets,
            far_groups=groups,
            prefix_lists=lambda pl: self.prefix_list(res.region, pl),
        )
        if d.admits:
            r = d.rule or {}
            what = f"{r.get('group')} {r.get('protocol')} {r.get('from_port')}-{r.get('to_port')}"
            src = "a referenced group" if d.by_group else ", ".join(fmt_nets(d.nets)[:3])
            node = self._sg_node(res, str(r.get("group") or ""))
            return self.hop(node, "security group", f"{what} admits {src}"), (
                tuple(nets) if d.by_group else d.nets
            )
        if ep.missing_sgs or d.unknown_prefix_lists:
            gone = [*ep.missing_sgs, *d.unknown_prefix_lists]
            return self.hop(
                res, "security group", f"{', '.join(gone)} not collected", Reach.UNKNOWN
            ), tuple(nets)
        node = self._sg_node(res, "")
        return self.hop(
            node, "security group", f"no rule admits tcp {port} from the source", Reach.NO
        ), ()

    def _sg_node(self, res: Resource, gid: str) -> str:
        sgs, _ = self.view.firewalls_of(res)
        for sg in sgs:
            if not gid or str(sg.attributes.get("group_id") or local_id(sg.id)) == gid:
                return sg.id
        return res.id

    def _uniform(self, subnet: Resource) -> bool:
        """No route or NACL entry anywhere splits this subnet: its addresses share one fate."""
        if self._split is None:
            # Every subnet per CIDR: accounts reuse CIDRs, and a finer entry splits them all.
            by_cidr: dict[Net, list[str]] = {}
            for s in self.graph.of_kind(Kind.SUBNET):
                n = parse_net(str(s.attributes.get("cidr") or ""))
                if n is not None:
                    by_cidr.setdefault(n, []).append(s.id)
            fine: set[Net] = set()
            for rt in self.graph.of_kind(Kind.ROUTE_TABLE):
                for nets, _r in self._parsed(rt):
                    fine.update(nets or ())
            for acl in self.graph.of_kind(Kind.NETWORK_ACL):
                for e in acl.attributes.get("entries") or []:
                    if (n := parse_net(str(e.get("cidr") or ""))) is not None:
                        fine.add(n)
            split: set[str] = set()
            for n in fine:
                for plen in range(8, n.prefixlen):
                    split.update(by_cidr.get(n.supernet(new_prefix=plen), ()))
            self._split = split
        return subnet.id not in self._split

    def private_leg(self, o: Origin, ep: Endpoint, port: int) -> Path:
        """From an estate origin to an endpoint over private addresses.

        Targets in one unsplit subnet with the same security groups share the
        result (only the target hop differs), so a source class costs one leg
        per (route table group, target subnet and groups), not per target.
        """
        if ep.subnet is None or not self._uniform(ep.subnet):
            return self._private_leg(o, ep, port)
        key = (
            o.label,
            o.node,
            o.nets,
            None if o.sgs is None else tuple(s.id for s in o.sgs),
            ep.subnet.id,
            tuple(s.id for s in ep.sgs),
            ep.missing_sgs,
            ep.open_lb,
            port,
            ep.resource.kind,
        )
        got = self._legs.get(key)
        if got is None:
            got = self._private_leg(o, ep, port)
            self._legs[key] = got
            return got
        res = ep.resource
        hops = tuple(
            replace(h, node=res.id, detail=f"{label(res)} port {port}")
            if h.what == "target" and h.reach is Reach.YES
            else (replace(h, node=res.id) if h.node == got.target else h)
            for h in got.hops
        )
        return replace(got, target=res.id, hops=hops)

    def _private_leg(self, o: Origin, ep: Endpoint, port: int) -> Path:
        res = ep.resource
        hops: list[Hop] = [self.hop(o.node, "source", ", ".join(fmt_nets(o.nets)[:3]))]
        missing: list[str] = []
        assert o.subnet is not None
        nets = o.nets
        dest_vpc = self.vpc_of(ep.subnet) if ep.subnet is not None else None
        if ep.subnet is None or dest_vpc is None:
            hops.append(self.hop(res, "target", "subnet or network not collected", Reach.UNKNOWN))
            return self._end(ep, o.label, port, hops, (), "", missing=[res.id])
        # Egress at the source.
        h, _ = self._acl_hop(o.subnet, egress=True, nets=ep.nets, port=port, what="request out")
        hops.append(h)
        if o.sgs is not None:
            d = sg_decide(
                o.sgs,
                port,
                egress=True,
                nets=ep.nets,
                far_groups=[str(s.attributes.get("group_id")) for s in ep.sgs],
                prefix_lists=lambda pl: self.prefix_list(o.subnet.region, pl) if o.subnet else None,
            )
            if o.sgs and not d.admits:
                hops.append(
                    self.hop(
                        o.sgs[0],
                        "security group",
                        f"no egress rule allows tcp {port} to the target",
                        Reach.NO,
                    )
                )
        table = self.view.route_table_for(o.subnet)
        if table is None:
            hops.append(self.hop(o.subnet, "subnet", "no route table found", Reach.UNKNOWN))
            return self._end(ep, o.label, port, hops, (), "", missing=[o.subnet.id])
        via: tuple[str, ...] = ()
        for dn in ep.nets:
            w = self.walk(table, dn, dest_vpc)
            hops.extend(w.hops)
            via = _merge_via(via, w.via)
            missing.extend(w.missing)
            if w.reach is Reach.YES and w.fate != "deliver":
                hops.append(
                    self.hop(
                        res,
                        "target",
                        f"{dn} is a private address: the internet cannot deliver it",
                        Reach.NO,
                    )
                )
            break
        if any(h.reach is Reach.NO for h in hops):
            # Dropped on the way out: ``_end`` cuts every later hop, so skip the inbound
            # NACL and security group work (the bulk of a leg); only the reply route's
            # missing data still shows in the result.
            missing.extend(self._reply_missing(o, ep))
            return self._end(ep, o.label, port, hops, via, "reachable", missing=missing)
        hops.append(self.hop(ep.subnet, "subnet", f"target subnet {local_id(ep.subnet.id)}"))
        h, nets = self._acl_hop(ep.subnet, egress=False, nets=nets, port=port, what="request in")
        hops.append(h)
        groups = [str(s.attributes.get("group_id")) for s in o.sgs or ()]
        h, nets = self._sg_hop(ep, nets or o.nets, groups, port)
        hops.append(h)
        hops.append(self.hop(res, "target", f"{label(res)} port {port}"))
        # Return leg.
        h, nets2 = self._acl_hop(
            ep.subnet, egress=True, nets=nets or o.nets, port=None, what="reply out"
        )
        hops.append(h)
        nets = nets2 if nets else nets
        back = self.view.route_table_for(ep.subnet)
        src_vpc = self.vpc_of(o.subnet)
        if back is None or src_vpc is None:
            hops.append(
                self.hop(ep.subnet, "subnet", "no route table found (reply)", Reach.UNKNOWN)
            )
        else:
            for sn in (o.nets or ())[:1]:
                w = self.walk(back, sn, src_vpc)
                if w.reach is Reach.YES and w.fate == "deliver":
                    hops.append(self.hop(back, "route table", f"reply: {w.hops[0].detail}"))
                else:
                    bad = w.hops[0] if w.hops else self.hop(back, "route table", w.reason)
                    hops.append(
                        replace(
                            bad,
                            detail=f"reply to {sn}: {w.reason}",
                            reach=w.reach if w.reach is not Reach.YES else Reach.NO,
                        )
                    )
                    missing.extend(w.missing)
        h, _ = self._acl_hop(o.subnet, egress=False, nets=ep.nets, port=None, what="reply in")
        hops.append(h)
        return self._end(ep, o.label, port, hops, via, "reachable", sources=nets, missing=missing)

    def _reply_missing(self, o: Origin, ep: Endpoint) -> list[str]:
        """What the reply route of a private leg lacks (as its full evaluation records it)."""
        back = self.view.route_table_for(ep.subnet) if ep.subnet is not None else None
        src_vpc = self.vpc_of(o.subnet) if o.subnet is not None else None
        if back is None or src_vpc is None:
            return []
        for sn in (o.nets or ())[:1]:
            w = self.walk(back, sn, src_vpc)
            if not (w.reach is Reach.YES and w.fate == "deliver"):
                return list(w.missing)
        return []

    def internet_leg(
        self,
        ep: Endpoint,
        port: int,
        nets: Sequence[Net] = WORLD,
        label_: str = INTERNET_ID,
        prefix: Sequence[Hop] = (),
        via: Sequence[str] = ("internet",),
    ) -> Path:
        """From internet addresses ``nets`` to an endpoint's public address."""
        res = ep.resource
        hops: list[Hop] = [*prefix] or [self.hop(INTERNET_ID, "source", "the internet")]
        if ep.public is None:
            hops.append(self.hop(res, "target", ep.public_why, Reach.UNKNOWN))
            return self._end(ep, label_, port, hops, via, "", missing=[res.id])
        if not ep.public:
            hops.append(self.hop(res, "target", f"{ep.public_why}: no public address", Reach.NO))
            return self._end(ep, label_, port, hops, via, "")
        if ep.public_nets:
            nets = net_intersect(nets, ep.public_nets)
            if not nets:
                hops.append(
                    self.hop(res, "target", "public endpoint CIDRs exclude the source", Reach.NO)
                )
                return self._end(ep, label_, port, hops, via, "")
        if res.kind == Kind.K8S_CLUSTER:
            hops.append(
                self.hop(
                    res, "target", f"public API endpoint admits {', '.join(fmt_nets(nets)[:3])}"
                )
            )
            return self._end(ep, label_, port, hops, via, "reachable", sources=nets)
        if res.kind == Kind.KAFKA_CLUSTER:
            # MSK public access: AWS-managed public endpoints; judged on security groups only.
            h, nets = self._sg_hop(ep, nets, (), port)
            hops.extend([h, self.hop(res, "target", f"{ep.public_why} port {port}")])
            return self._end(ep, label_, port, hops, via, "reachable", sources=nets)
        if ep.subnet is None:
            hops.append(self.hop(res, "target", "subnet not collected", Reach.UNKNOWN))
            return self._end(ep, label_, port, hops, via, "", missing=[res.id])
        vid = str(ep.subnet.attributes.get("vpc_id") or "")
        igw = self._igws.get((ep.subnet.region, vid))
        if igw is None:
            hops.append(
                self.hop(
                    res,
                    "target",
                    f"{ep.public_why}, but no internet gateway is attached to {vid}",
                    Reach.NO,
                )
            )
            return self._end(ep, label_, port, hops, via, "")
        hops.append(self.hop(igw, "internet gateway", f"{local_id(igw.id)} attached to {vid}"))
        hops.append(self.hop(ep.subnet, "subnet", f"{ep.public_why}"))
        h, nets = self._acl_hop(ep.subnet, egress=False, nets=nets, port=port, what="request in")
        hops.append(h)
        h, nets = self._sg_hop(ep, nets, (), port)
        hops.append(h)
        hops.append(self.hop(res, "target", f"{label(res)} port {port}"))
        h, nets = self._acl_hop(ep.subnet, egress=True, nets=nets, port=None, what="reply out")
        hops.append(h)
        table = self.view.route_table_for(ep.subnet)
        if table is None:
            hops.append(self.hop(ep.subnet, "subnet", "no route table found", Reach.UNKNOWN))
            return self._end(ep, label_, port, hops, via, "", missing=[ep.subnet.id])
        routed: list[Net] = []
        used = ""
        for n in nets:
            w = self.walk(table, n, None)
            if w.fate == "internet" and "nat" not in w.via:
                routed.append(n)
                used = used or w.hops[0].detail
        if nets and not routed:
            hops.append(
                self.hop(
                    table,
                    "route table",
                    f"no route sends the reply to an internet gateway (e.g. {fmt_nets(nets)[0]})",
                    Reach.NO,
                )
            )
        elif nets:
            hops.append(self.hop(table, "route table", f"reply: {used}"))
        return self._end(ep, label_, port, hops, via, "reachable", sources=routed)

    def egress_to_public(self, o: Origin, ep: Endpoint, port: int) -> Path | None:
        """From an estate origin out to the internet and in at an endpoint's public address."""
        if not ep.public or o.subnet is None:
            return None
        table = self.view.route_table_for(o.subnet)
        if table is None:
            return None
        probe = parse_net("203.0.113.1/32")
        assert probe is not None
        w = self.walk(table, probe, None)
        if w.fate != "internet":
            return None
        hops = [self.hop(o.node, "source", ", ".join(fmt_nets(o.nets)[:3])), *w.hops]
        if "nat" in w.via:
            nat = self.graph.get(w.gateway) if w.gateway else None
            nat_ids = [
                n.id
                for n in self.graph.of_kind(Kind.GATEWAY)
                if n.attributes.get("gateway_type") == "nat" and any(h.node == n.id for h in w.hops)
            ]
            gw = self.graph.get(nat_ids[0]) if nat_ids else nat
            src = nets_of(gw.attributes.get("public_ips") or []) if gw is not None else ()
            src = src or WORLD
        elif o.public:
            src = WORLD
        else:
            hops.append(
                self.hop(
                    o.node,
                    "source",
                    "no public address: an internet gateway drops its packets",
                    Reach.NO if o.public is False else Reach.UNKNOWN,
                )
            )
            return self._end(ep, o.label, port, hops, w.via, "")
        return self.internet_leg(ep, port, src, o.label, hops, w.via)

    def external_via_peering(
        self, peering: Resource, far_side: str, target: Resource, port: int
    ) -> list[Path]:
        """From an uncollected network on ``far_side`` of a peering to a target next to it."""
        a = peering.attributes
        far = a.get(far_side) or {}
        near = a.get("accepter" if far_side == "requester" else "requester") or {}
        far_nets = nets_of(far.get("cidrs") or [])
        pcx = local_id(peering.id)
        source = f"{far.get('account')}/{far.get('vpc_id')}"
        out: list[Path] = []
        for ep in self.endpoints(target, port):
            if ep.subnet is None or str(ep.subnet.attributes.get("vpc_id")) != str(
                near.get("vpc_id")
            ):
                continue
            hops = [
                self.hop(source, "source", ", ".join(fmt_nets(far_nets)) or "unknown CIDRs"),
                self.hop(peering, "peering", f"{pcx} from {far.get('vpc_id')}"),
                self.hop(ep.subnet, "subnet", f"target subnet {local_id(ep.subnet.id)}"),
            ]
            h, nets = self._acl_hop(
                ep.subnet, egress=False, nets=far_nets, port=port, what="request in"
            )
            hops.append(h)
            h, nets = self._sg_hop(ep, nets or far_nets, (), port)
            hops.append(h)
            hops.append(self.hop(target, "target", f"{label(target)} port {port}"))
            h, _ = self._acl_hop(
                ep.subnet, egress=True, nets=nets or far_nets, port=None, what="reply out"
            )
            hops.append(h)
            table = self.view.route_table_for(ep.subnet)
            if table is None:
                hops.append(self.hop(ep.subnet, "subnet", "no route table found", Reach.UNKNOWN))
            else:
                for n in far_nets[:1]:
                    r, _note = self.lpm(table, n)
                    ok = r is not None and r.active and r.target_id == pcx
                    got = f"route {r.destination} -> {r.target_id}" if r else "no route"
                    hops.append(
                        self.hop(
                            table, "route table", f"reply: {got}", Reach.YES if ok else Reach.NO
                        )
                    )
            out.append(self._end(ep, source, port, hops, ("peering",), "reachable", sources=nets))
        return out

    # --- load balancers -----------------------------------------------------------------
    def behind(self, lb: Resource, lport: int) -> list[tuple[Resource, Resource, int]]:
        """(listener, target, target port) behind a load balancer's listener port."""
        out: list[tuple[Resource, Resource, int]] = []
        for listener in self.graph.targets(lb.id, FORWARDS_TO):
            if listener.kind != Kind.LISTENER or listener.attributes.get("port") != lport:
                continue
            for tg in self.graph.targets(listener.id, FORWARDS_TO):
                for t in self.graph.targets(tg.id, FORWARDS_TO):
                    p = target_port(tg, str(t.attributes.get("instance_id") or local_id(t.id)))
                    if p is not None:
                        out.append((listener, t, p))
        return sorted(out, key=lambda x: (x[1].id, x[2]))

    def via_lb(
        self, first: Path, lb: Resource, lport: int, *, preserve_client: bool = True
    ) -> list[Path]:
        """Continue a path that reached a load balancer to the targets behind it.

        ``preserve_client``: an NLB keeps the client's address, so targets may
        admit the client instead of the NLB (not over PrivateLink, where the
        targets see the NLB's addresses).
        """
        out: list[Path] = []
        for listener, t, p in self.behind(lb, lport):
            lh = self.hop(
                listener,
                "listener",
                f"{listener.attributes.get('protocol')} {lport} -> {local_id(t.id)}:{p}",
            )
            for o in self.origins_for_resource(lb):
                for ep in self.endpoints(t, p):
                    second = self.private_leg(replace(o, sgs=o.sgs or None), ep, p)
                    # NLBs keep the client's address: targets may admit the client instead.
                    if second.reach is not Reach.YES and first.sources and preserve_client:
                        alt = self.private_leg(
                            replace(o, nets=nets_of(first.sources), sgs=None), ep, p
                        )
                        second = alt if alt.reach is Reach.YES else second
                    hops = [*first.hops, lh, *second.hops[1:]]
                    out.append(
                        self._end(
                            ep,
                            first.source,
                            first.port,
                            hops,
                            _merge_via(first.via, ("load-balancer",), second.via),
                            "reachable",
                            sources=nets_of(first.sources),
                            missing=[*first.missing, *second.missing],
                        )
                    )
        return out

    # --- queries ------------------------------------------------------------------------
    def from_origins(
        self,
        origins: Sequence[Origin],
        public: Sequence[Net],
        entry: Reach,
        source: str,
        target: Resource,
        port: int,
        index: OriginIndex | None = None,
    ) -> list[Path]:
        """Every candidate path from ``origins`` (and ``public``) to ``target`` on ``port``.

        With an ``index`` built over ``origins``, private legs that are proven NO
        are left out (the first leg is always kept), so the YES, the first
        UNKNOWN and the first path overall are the same as without it.
        """
        paths: list[Path] = []
        for ep in self.endpoints(target, port):
            # egress_to_public is None for endpoints without a public address,
            # so only their private legs may be skipped.
            chosen = index.candidates(ep) if index is not None and not ep.public else None
            if chosen is not None and not paths and origins and chosen[:1] != [0]:
                chosen = [0, *chosen]
            for o in origins if chosen is None else [origins[i] for i in chosen]:
                paths.append(self.private_leg(o, ep, port))
                e = self.egress_to_public(o, ep, port)
                if e is not None:
                    paths.append(e)
            if public:
                paths.append(self.internet_leg(ep, port, public, source))
            if entry is Reach.UNKNOWN:
                paths.append(
                    self._end(
                        ep,
                        source,
                        port,
                        [
                            self.hop(
                                source, "source", "addresses outside the estate", Reach.UNKNOWN
                            ),
                            self.hop(
                                ep.resource,
                                "target",
                                "they may enter over a VPN or Direct Connect "
                                "gateway, which is not modelled",
                                Reach.UNKNOWN,
                            ),
                        ],
                        (),
                        "",
                    )
                )
        if target.kind == Kind.LOAD_BALANCER:
            paths = [
                *paths,
                *(x for p in paths if p.reach is Reach.YES for x in self.via_lb(p, target, port)),
            ]
        from auditor.analysis.network.privatelink import privatelink_paths

        paths.extend(privatelink_paths(self, list(origins), source, target, port))
        if not self.view.subnets_of(target) and target.kind != Kind.K8S_CLUSTER:
            ep = Endpoint.unplaced(target, port)
            paths.append(
                self._end(
                    ep,
                    source,
                    port,
                    [self.hop(target, "target", "no subnet recorded", Reach.UNKNOWN)],
                    (),
                    "",
                    missing=[target.id],
                )
            )
        return paths

    def paths(self, source: str, target: Resource, port: int) -> list[Path]:
        """Every candidate path from ``source`` (``internet``, a CIDR, a resource id)."""
        if source == INTERNET_ID:
            return self.from_origins([], WORLD, Reach.NO, INTERNET_ID, target, port)
        res = self.graph.get(source)
        if res is not None and res.kind != Kind.INTERNET and not res.attributes.get("stub"):
            origins = self.origins_for_resource(res)
            return self.from_origins(origins, (), Reach.NO, source, target, port)
        origins, public, entry = self.origins_for_cidr(source)
        return self.from_origins(origins, public, entry, source, target, port)


def best(paths: Sequence[Path]) -> list[Path]:
    """The paths worth showing: every YES (one per via), else the UNKNOWNs, else the NOs."""
    for want in (Reach.YES, Reach.UNKNOWN, Reach.NO):
        got = [p for p in paths if p.reach is want]
        if got:
            seen: set[tuple[str, ...]] = set()
            out: list[Path] = []
            for p in got:
                if p.via not in seen or want is not Reach.YES:
                    seen.add(p.via)
                    out.append(p)
            return out if want is Reach.YES else out[:1]
    return []


def verdict_of(paths: Sequence[Path]) -> Reach:
    if any(p.reach is Reach.YES for p in paths):
        return Reach.YES
    if any(p.reach is Reach.UNKNOWN for p in paths):
        return Reach.UNKNOWN
    return Reach.NO


# --- targets ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    resource: Resource
    ports: tuple[int, ...]
    role: str = "kafka"
    notes: tuple[str, ...] = field(default=())


def kafka_targets(graph: BoundaryGraph, ports: Iterable[int]) -> list[Target]:
    """Kafka listeners of the platform: brokers, MSK clusters, load balancers in front."""
    from auditor.analysis.boundary_scope import platform_resources

    wanted = tuple(sorted(set(ports)))
    out: dict[str, Target] = {}
    view = network_view(graph)
    for res in platform_resources(graph):
        if res.kind in (Kind.INSTANCE, Kind.INTERFACE):
            out[res.id] = Target(resource=res, ports=wanted)
            for lb, listener, tport in view.load_balancers_in_front(res):
                lp = listener.attributes.get("port")
                if tport in wanted and lp is not None:
                    prev = out.get(lb.id)
                    have = prev.ports if prev else ()
                    out[lb.id] = Target(resource=lb, ports=tuple(sorted({*have, int(lp)})))
        elif res.kind == Kind.KAFKA_CLUSTER:
            extra = {MSK_PUBLIC_PORTS[p] for p in wanted if p in MSK_PUBLIC_PORTS}
            out[res.id] = Target(resource=res, ports=tuple(sorted({*wanted, *extra})))
        elif res.kind == Kind.LOAD_BALANCER:
            lports = set()
            for listener, tports in view.listeners_of(res):
                lp = listener.attributes.get("port")
                if lp is not None and (int(lp) in wanted or set(tports) & set(wanted)):
                    lports.add(int(lp))
            if lports:
                prev = out.get(res.id)
                out[res.id] = Target(
                    resource=res, ports=tuple(sorted({*(prev.ports if prev else ()), *lports}))
                )
    return [out[k] for k in sorted(out)]


def management_targets(graph: BoundaryGraph, ports: Iterable[int] = (22, 3389)) -> list[Target]:
    """SSH/RDP on platform hosts and the EKS API of platform clusters."""
    from auditor.analysis.boundary_scope import platform_resources

    out: list[Target] = []
    for res in platform_resources(graph):
        if res.kind in (Kind.INSTANCE, Kind.INTERFACE):
            out.append(Target(resource=res, ports=tuple(sorted(set(ports))), role="management"))
        elif res.kind == Kind.K8S_CLUSTER:
            out.append(Target(resource=res, ports=(443,), role="management"))
    return sorted(out, key=lambda t: t.resource.id)


def store_path(engine: PathEngine, o: Origin, bucket_region: str) -> Path:
    """How an origin reaches S3 in ``bucket_region``: endpoint, NAT, internet, or not at all."""
    g = engine.graph
    src = engine.hop(o.node, "source", ", ".join(fmt_nets(o.nets)[:3]))
    target = f"s3:{bucket_region}"
    s3 = Resource(
        id=target, cloud="aws", kind="service", account="aws", region=bucket_region, name=target
    )
    ep = Endpoint.unplaced(s3, 443, public=True, public_why="AWS service")
    if o.subnet is None:
        return engine._end(ep, o.label, 443, [src], ("internet",), "reachable", sources=o.nets)
    table = engine.view.route_table_for(o.subnet)
    if table is None:
        return engine._end(
            ep,
            o.label,
            443,
            [src, engine.hop(o.subnet, "subnet", "no route table found", Reach.UNKNOWN)],
            (),
            "",
        )
    vid = str(o.subnet.attributes.get("vpc_id") or "")
    service = f"com.amazonaws.{bucket_region}.s3"
    same = o.subnet.region == bucket_region
    for e in g.of_kind(Kind.PRIVATE_ENDPOINT):
        a = e.attributes
        if not same or e.region != o.subnet.region or str(a.get("vpc_id")) != vid:
            continue
        if a.get("service_name") != service or a.get("state") not in ("available", None):
            continue
        if a.get("endpoint_type") == "Gateway" and local_id(table.id) in (
            a.get("route_table_ids") or []
        ):
            pol = "a policy" if a.get("policy") else "no policy"
            return engine._end(
                ep,
                o.label,
                443,
                [
                    src,
                    engine.hop(table, "route table", f"prefix-list route to {local_id(e.id)}"),
                    engine.hop(e, "gateway endpoint", f"{service} ({pol})"),
                ],
                ("gateway-endpoint",),
                "reachable",
                sources=o.nets,
            )
    for e in g.of_kind(Kind.PRIVATE_ENDPOINT):
        a = e.attributes
        if not same or e.region != o.subnet.region or str(a.get("vpc_id")) != vid:
            continue
        if a.get("service_name") == service and a.get("endpoint_type") == "Interface":
            epn = engine.endpoints(e, 443)
            if epn:
                leg = engine.private_leg(o, epn[0], 443)
                return replace(leg, target=target, via=_merge_via(("interface-endpoint",), leg.via))
    probe = parse_net("52.216.0.1/32")
    assert probe is not None
    w = engine.walk(table, probe, None)
    hops = [src, *w.hops]
    if w.fate == "internet":
        if "nat" not in w.via and o.public is not True:
            hops.append(
                engine.hop(
                    o.node,
                    "source",
                    "needs a public address to use the internet gateway",
                    Reach.UNKNOWN if o.public is None else Reach.NO,
                )
            )
        return engine._end(ep, o.label, 443, hops, w.via, "reachable", sources=o.nets)
    return engine._end(ep, o.label, 443, hops, w.via, w.reason, sources=o.nets)


_ENGINES: weakref.WeakKeyDictionary[BoundaryGraph, PathEngine] = weakref.WeakKeyDictionary()


def path_engine(graph: BoundaryGraph) -> PathEngine:
    """The (cached) path engine of a graph."""
    eng = _ENGINES.get(graph)
    if eng is None:
        eng = PathEngine(network_view(graph))
        _ENGINES[graph] = eng
    return eng
