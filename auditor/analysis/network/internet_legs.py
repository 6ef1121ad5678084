"""Internet legs: from internet addresses to an endpoint's public address.

An internet leg enters through the public address (or a managed public
endpoint: an EKS API, MSK public access), the VPC's internet gateway, the
target subnet's NACL and the target's security groups, and replies through a
route to an internet gateway (not a NAT gateway, which would change the reply's
source). Estate origins reach a public address by leaving through their own
internet route first (:meth:`InternetLegs.egress_to_public`).
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.analysis.network.addresses import Net, fmt_nets, net_intersect, nets_of, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import label, local_id
from auditor.analysis.network.leg_parts import LegParts
from auditor.analysis.network.path_model import WORLD, Endpoint, Hop, Origin, Path
from auditor.analysis.network.view import NetworkView
from auditor.model import INTERNET_ID, Kind, Resource


class InternetLegs(LegParts):
    """Internet legs over the internet gateways attached to each VPC."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view)
        self._igws: dict[tuple[str, str], Resource] = {}
        for gw in self.graph.of_kind(Kind.GATEWAY):
            if gw.attributes.get("gateway_type") == "internet":
                for vid in gw.attributes.get("vpc_ids") or []:
                    self._igws.setdefault((gw.region, str(vid)), gw)

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
        return self._through_gateway(ep, ep.subnet, port, nets, label_, hops, via)

    def _through_gateway(
        self,
        ep: Endpoint,
        subnet: Resource,
        port: int,
        nets: Sequence[Net],
        label_: str,
        hops: list[Hop],
        via: Sequence[str],
    ) -> Path:
        """Continue ``hops`` in through the VPC's internet gateway to a public address in
        ``subnet`` (its NACL, the target's groups) and back out by an internet route."""
        res = ep.resource
        vid = str(subnet.attributes.get("vpc_id") or "")
        igw = self._igws.get((subnet.region, vid))
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
        hops.append(self.hop(subnet, "subnet", f"{ep.public_why}"))
        h, nets = self._acl_hop(subnet, egress=False, nets=nets, port=port, what="request in")
        hops.append(h)
        h, nets = self._sg_hop(ep, nets, (), port)
        hops.append(h)
        hops.append(self.hop(res, "target", f"{label(res)} port {port}"))
        h, nets = self._acl_hop(subnet, egress=True, nets=nets, port=None, what="reply out")
        hops.append(h)
        table = self.view.route_table_for(subnet)
        if table is None:
            hops.append(self.hop(subnet, "subnet", "no route table found", Reach.UNKNOWN))
            return self._end(ep, label_, port, hops, via, "", missing=[subnet.id])
        routed, reply = self._reply_route(table, nets)
        if reply is not None:
            hops.append(reply)
        return self._end(ep, label_, port, hops, via, "reachable", sources=routed)

    def _reply_route(self, table: Resource, nets: Sequence[Net]) -> tuple[list[Net], Hop | None]:
        """The source addresses ``table`` routes replies to through an internet gateway, and
        the route table's hop (none when no address is left to reply to)."""
        routed: list[Net] = []
        used = ""
        for n in nets:
            w = self.walk(table, n, None)
            if w.fate == "internet" and "nat" not in w.via:
                routed.append(n)
                used = used or w.hops[0].detail
        if nets and not routed:
            return routed, self.hop(
                table,
                "route table",
                f"no route sends the reply to an internet gateway (e.g. {fmt_nets(nets)[0]})",
                Reach.NO,
            )
        if nets:
            return routed, self.hop(table, "route table", f"reply: {used}")
        return routed, None

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
