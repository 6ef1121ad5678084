"""Private legs: from an estate origin to an endpoint over private addresses.

A private leg goes out of the source (its subnet's NACL, its security groups),
along the route walk to the target's network, in at the target (its subnet's
NACL, its security groups) and back (the target's NACL on ephemeral ports, its
route back to the source, the source's NACL). Legs are shared between targets
in one unsplit subnet with the same security groups.

Also here: legs from an uncollected network on the far side of a peering.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from auditor.analysis.network.addresses import (
    Net,
    carve,
    collapse,
    covers,
    fmt_nets,
    nets_of,
    parse_net,
)
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import label, local_id
from auditor.analysis.network.leg_parts import LegParts
from auditor.analysis.network.path_model import Endpoint, Hop, Origin, Path, _merge_via
from auditor.analysis.network.security_groups import sg_decide
from auditor.analysis.network.view import NetworkView
from auditor.model import Kind, Resource


class PrivateLegs(LegParts):
    """Private legs, cached per (origin, target subnet and groups, port)."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view)
        self._split: set[str] | None = None
        self._legs: dict[tuple[Any, ...], Path] = {}
        self._cuts: dict[tuple[str, tuple[str, ...]], tuple[Net, ...]] = {}
        self._pieces: dict[tuple[Any, ...], tuple[list[tuple[Net, ...]], bool]] = {}

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

    def private_legs(self, o: Origin, ep: Endpoint, port: int) -> list[Path]:
        """The private legs of an origin, one per piece of its addresses with one answer.

        The origin's addresses are carved by every route, NACL entry and
        security group CIDR on the target's side that covers only part of them
        (and by routes further along the reply's walk); pieces that every such
        entry treats alike share one leg. A leg of a split origin names its
        ranges in :attr:`~.path_model.Path.part`. An origin nothing splits keeps
        its single leg.
        """
        whole = self.private_leg(o, ep, port)
        groups, uniform_walk = self._source_pieces(o, ep)
        if len(groups) <= 1:
            return [whole]
        if uniform_walk and (
            whole.reach is Reach.NO
            or (whole.reach is Reach.YES and covers(nets_of(whole.sources), o.nets))
        ):
            return [whole]  # every piece shares the reply route, and all or none get through
        merged: dict[tuple[object, ...], tuple[Path, list[Net], list[Net]]] = {}
        for nets in groups:
            leg = self.private_leg(replace(o, nets=nets), ep, port)
            stop = leg.blocked_at
            detail = stop.detail if stop else ""
            for n in nets:
                detail = detail.replace(str(n), "*")
            key = (leg.reach, leg.via, (stop.node, detail) if stop else None)
            if key in merged:
                _, part, sources = merged[key]
                part.extend(nets)
                sources.extend(nets_of(leg.sources))
            else:
                merged[key] = (leg, list(nets), list(nets_of(leg.sources)))
        if len(merged) == 1 and whole.reach is next(iter(merged.values()))[0].reach:
            return [whole]
        out: list[Path] = []
        for leg, part, sources in merged.values():
            if len(part) > 1:
                # One leg for all pieces with this answer; a deciding hop was computed
                # for the first piece (a route walk is per range): name them all there.
                leg = self.private_leg(replace(o, nets=tuple(part)), ep, port)
                named, first = ", ".join(fmt_nets(collapse(part))), str(part[0])
                leg = replace(
                    leg,
                    hops=tuple(
                        replace(h, detail=h.detail.replace(first, named))
                        if h.reach is not Reach.YES
                        else h
                        for h in leg.hops
                    ),
                    reason=leg.reason.replace(first, named),
                )
            out.append(
                replace(
                    leg,
                    part=() if len(merged) == 1 else tuple(fmt_nets(collapse(part))),
                    sources=tuple(fmt_nets(collapse(sources))),
                )
            )
        return out

    def _source_pieces(self, o: Origin, ep: Endpoint) -> tuple[list[tuple[Net, ...]], bool]:
        """The origin's addresses grouped into pieces the target's side treats alike,
        and whether the reply route treats them all alike.

        Remembered per (origin addresses, origin subnet, target subnet, target groups):
        the answer reads nothing else (the target's cuts are keyed so, the reply's route
        table is the target subnet's, the source network the origin subnet's), so every
        target in one subnet behind the same groups shares it."""
        if ep.subnet is None or o.subnet is None:
            return [o.nets], True
        key = (o.nets, o.subnet.id, ep.subnet.id, tuple(s.id for s in ep.sgs))
        got = self._pieces.get(key)
        if got is None:
            got = self._pieces[key] = self._source_pieces_of(o, o.subnet, ep, ep.subnet)
        return list(got[0]), got[1]

    def _source_pieces_of(
        self, o: Origin, src: Resource, ep: Endpoint, dst: Resource
    ) -> tuple[list[tuple[Net, ...]], bool]:
        cuts = self._target_cuts(ep)
        back = self.view.route_table_for(dst)
        src_vpc = self.vpc_of(src)
        pieces: list[tuple[Net, str]] = []
        for n in o.nets:
            for c in carve(n, cuts):
                if back is None or src_vpc is None:
                    pieces.append((c, ""))
                    continue
                for d, w in self.walk_parts(back, c, src_vpc):
                    sig = f"{w.reach}|{w.fate}|{w.via}|{[h.detail for h in w.hops]}"
                    pieces.append((d, sig.replace(str(d), "*")))
        if len(pieces) <= 1:
            return [o.nets], True
        grouped: dict[tuple[str, tuple[Net, ...]], list[Net]] = {}
        for d, walk in pieces:
            inside = tuple(c for c in cuts if c.version == d.version and d.subnet_of(c))  # type: ignore[arg-type]
            grouped.setdefault((walk, inside), []).append(d)
        return [tuple(v) for v in grouped.values()], len({w for _, w in pieces}) == 1

    def _target_cuts(self, ep: Endpoint) -> tuple[Net, ...]:
        """Source CIDRs the target's NACL entries and security group rules name."""
        key = (ep.subnet.id if ep.subnet is not None else "", tuple(s.id for s in ep.sgs))
        cached = self._cuts.get(key)
        if cached is None:
            cached = self._cuts[key] = self._target_cuts_of(ep)
        return cached

    def _target_cuts_of(self, ep: Endpoint) -> tuple[Net, ...]:
        got: set[Net] = set()
        acl = self.view.acl_for(ep.subnet) if ep.subnet is not None else None
        for e in (acl.attributes.get("entries") or []) if acl is not None else []:
            if (n := parse_net(str(e.get("cidr") or ""))) is not None:
                got.add(n)
        for sg in ep.sgs:
            for rule in sg.attributes.get("ingress") or []:
                for c in rule.get("cidrs") or []:
                    if (n := parse_net(str(c))) is not None:
                        got.add(n)
                for pl in rule.get("prefix_lists") or []:
                    got.update(self.prefix_list(sg.region, str(pl)) or ())
        return tuple(sorted(got, key=lambda n: (n.version, int(n.network_address), n.prefixlen)))

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
        """One private leg, hop by hop: out of the source, routed, in at the target, and back."""
        res = ep.resource
        hops: list[Hop] = [self.hop(o.node, "source", ", ".join(fmt_nets(o.nets)[:3]))]
        missing: list[str] = []
        assert o.subnet is not None
        dest_vpc = self.vpc_of(ep.subnet) if ep.subnet is not None else None
        if ep.subnet is None or dest_vpc is None:
            hops.append(self.hop(res, "target", "subnet or network not collected", Reach.UNKNOWN))
            return self._end(ep, o.label, port, hops, (), "", missing=[res.id])
        hops.extend(self._request_out(o, o.subnet, ep, port))
        table = self.view.route_table_for(o.subnet)
        if table is None:
            hops.append(self.hop(o.subnet, "subnet", "no route table found", Reach.UNKNOWN))
            return self._end(ep, o.label, port, hops, (), "", missing=[o.subnet.id])
        routed, via, lacking = self._request_route(table, ep, dest_vpc)
        hops.extend(routed)
        missing.extend(lacking)
        if any(h.reach is Reach.NO for h in hops):
            # Dropped on the way out: ``_end`` cuts every later hop, so skip the inbound
            # NACL and security group work (the bulk of a leg); only the reply route's
            # missing data still shows in the result.
            missing.extend(self._reply_missing(o, ep))
            return self._end(ep, o.label, port, hops, via, "reachable", missing=missing)
        inbound, nets = self._request_in(o, ep, ep.subnet, port)
        hops.extend(inbound)
        reply, nets, lacking = self._reply(o, o.subnet, ep, ep.subnet, nets)
        hops.extend(reply)
        missing.extend(lacking)
        return self._end(ep, o.label, port, hops, via, "reachable", sources=nets, missing=missing)

    def _request_out(self, o: Origin, src: Resource, ep: Endpoint, port: int) -> list[Hop]:
        """The request leaving the source subnet ``src``: its NACL, then the source's groups."""
        hops: list[Hop] = []
        h, _ = self._acl_hop(src, egress=True, nets=ep.nets, port=port, what="request out")
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
        return hops

    def _request_route(
        self, table: Resource, ep: Endpoint, dest_vpc: Resource
    ) -> tuple[list[Hop], tuple[str, ...], list[str]]:
        """The request's route walk from ``table`` to the target's first address.

        Returns the hops, the links crossed and what is missing. A walk that
        leaves the estate (internet, a service) cannot deliver a private address.
        """
        hops: list[Hop] = []
        via: tuple[str, ...] = ()
        missing: list[str] = []
        for dn in ep.nets[:1]:
            w = self.walk(table, dn, dest_vpc)
            hops.extend(w.hops)
            via = _merge_via(via, w.via)
            missing.extend(w.missing)
            if w.reach is Reach.YES and w.fate != "deliver":
                hops.append(
                    self.hop(
                        ep.resource,
                        "target",
                        f"{dn} is a private address: the internet cannot deliver it",
                        Reach.NO,
                    )
                )
        return hops, via, missing

    def _request_in(
        self, o: Origin, ep: Endpoint, dst: Resource, port: int
    ) -> tuple[list[Hop], tuple[Net, ...]]:
        """The request entering the target subnet ``dst``: its NACL, the target's groups.

        Returns the hops (ending at the target) and the source addresses admitted.
        """
        res = ep.resource
        hops = [self.hop(dst, "subnet", f"target subnet {local_id(dst.id)}")]
        h, nets = self._acl_hop(dst, egress=False, nets=o.nets, port=port, what="request in")
        hops.append(h)
        groups = [str(s.attributes.get("group_id")) for s in o.sgs or ()]
        h, nets = self._sg_hop(ep, nets or o.nets, groups, port)
        hops.append(h)
        hops.append(self.hop(res, "target", f"{label(res)} port {port}"))
        return hops, nets

    def _reply(
        self, o: Origin, src: Resource, ep: Endpoint, dst: Resource, nets: tuple[Net, ...]
    ) -> tuple[list[Hop], tuple[Net, ...], list[str]]:
        """The return leg: out of the target subnet ``dst`` on ephemeral ports, its route back
        to the source, in at the source subnet ``src``.

        Returns the hops, the source addresses still admitted and what is missing.
        """
        hops: list[Hop] = []
        missing: list[str] = []
        h, nets2 = self._acl_hop(dst, egress=True, nets=nets or o.nets, port=None, what="reply out")
        hops.append(h)
        nets = nets2 if nets else nets
        back = self.view.route_table_for(dst)
        src_vpc = self.vpc_of(src)
        if back is None or src_vpc is None:
            hops.append(self.hop(dst, "subnet", "no route table found (reply)", Reach.UNKNOWN))
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
        h, _ = self._acl_hop(src, egress=False, nets=ep.nets, port=None, what="reply in")
        hops.append(h)
        return hops, nets, missing

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
