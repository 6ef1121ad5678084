"""VPC-to-VPC connectivity: peering, transit gateways, or the internet between two networks.

Judged on route tables of both sides: a peering or TGW path exists only when
each side routes the other's CIDRs to it (and, for a TGW, the attachment's
associated TGW route table routes them on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditor.analysis.network.addresses import is_internet_cidr, parse_net
from auditor.analysis.network.answers import Connectivity, Reach, _Built
from auditor.analysis.network.index import NetworkIndex, _local_id
from auditor.analysis.network.routes import lookup, tgw_routes
from auditor.model import JSONValue, Kind, Resource


def routable_cidrs(vpc: Resource) -> list[str]:
    """The IPv4 CIDRs of a VPC (its IPv6 ones only if it has no IPv4 CIDR)."""
    cidrs = sorted(str(c) for c in vpc.attributes.get("cidrs") or [])
    v4 = [c for c in cidrs if (n := parse_net(c)) is not None and n.version == 4]
    return v4 or cidrs


class ConnectivityMixin(NetworkIndex):
    """Network-to-network questions over the network index."""

    def peerings_between(self, a: Resource, b: Resource) -> list[Resource]:
        va = str(a.attributes.get("vpc_id") or _local_id(a.id))
        vb = str(b.attributes.get("vpc_id") or _local_id(b.id))
        return list(self._peerings_by_sides.get(frozenset((va, vb)), ()))

    def peerings_of(self, vpc: Resource) -> list[Resource]:
        vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
        return list(self._peerings_by_vpc.get(vid, ()))

    def attachments_of(self, vpc: Resource) -> list[Resource]:
        vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
        return list(self._attachments_by_vpc.get(vid, ()))

    def attachments_on(self, tgw_id: str) -> list[Resource]:
        return list(self._attachments_by_tgw.get(tgw_id, ()))

    def _tgws_linked(self, t1: str, t2: str) -> Resource | bool | None:
        """True if same TGW; a peering attachment linking them; else None."""
        if t1 == t2:
            return True
        return self._tgw_peering_by_ends.get(frozenset((t1, t2)))

    def connectivity(
        self,
        a: Resource,
        b: Resource,
        tables_a: Sequence[Resource],
        tables_b: Sequence[Resource],
    ) -> list[Connectivity]:
        """Candidate paths between two VPCs, each judged on both sides' route tables.

        Private candidates (active peerings, TGW attachments of both VPCs) come
        first; if the route tables send the other VPC's CIDRs to an internet or
        NAT gateway instead, that path is reported with ``via`` internet/nat.
        """
        out: list[Connectivity] = []
        cidrs_a, cidrs_b = routable_cidrs(a), routable_cidrs(b)
        missing = [v.id for v, c in ((a, cidrs_a), (b, cidrs_b)) if not c]
        missing += [v.id for v, t in ((a, tables_a), (b, tables_b)) if not t]
        if missing:
            return [
                Connectivity(
                    a=a.id,
                    b=b.id,
                    reach=Reach.UNKNOWN,
                    via="none",
                    reason="CIDRs or route tables of "
                    + ", ".join(_local_id(m) for m in sorted(set(missing)))
                    + " were not collected",
                    missing=tuple(sorted(set(missing))),
                )
            ]
        for p in self.peerings_between(a, b):
            pid = _local_id(p.id)
            status = str(p.attributes.get("status") or "")
            if status != "active":
                out.append(
                    Connectivity(
                        a=a.id,
                        b=b.id,
                        reach=Reach.NO,
                        via="peering",
                        reason=f"peering {pid} is {status or 'in an unknown state'}",
                        nodes=(p.id,),
                    )
                )
                continue
            out.append(
                self._routes_both_ways(a, b, tables_a, tables_b, cidrs_a, cidrs_b, "peering", pid)
                .with_nodes(p.id)
                .value
            )
        for ta in self.attachments_of(a):
            for tb in self.attachments_of(b):
                out.append(self._tgw_path(a, b, ta, tb, tables_a, tables_b, cidrs_a, cidrs_b))
        if not any(c.reach is Reach.YES for c in out):
            out.extend(self._public_paths(a, b, tables_a, tables_b, cidrs_b))
        return out

    def _routes_both_ways(
        self,
        a: Resource,
        b: Resource,
        tables_a: Sequence[Resource],
        tables_b: Sequence[Resource],
        cidrs_a: Sequence[str],
        cidrs_b: Sequence[str],
        via: str,
        target: str | tuple[str, str],
    ) -> _Built:
        want_a, want_b = (target, target) if isinstance(target, str) else target
        target_type = "peering" if via == "peering" else "tgw"
        used: list[Mapping[str, JSONValue]] = []
        for tables, cidrs, want in ((tables_a, cidrs_b, want_a), (tables_b, cidrs_a, want_b)):
            for t in tables:
                for c in cidrs:
                    r = lookup(t, c)
                    if r is None or r.target_type != target_type or r.target_id != want:
                        got = "no route" if r is None else f"{r.target_type} {r.target_id}"
                        return _Built(
                            Connectivity(
                                a=a.id,
                                b=b.id,
                                reach=Reach.NO,
                                via=via,
                                reason=(
                                    f"route table {_local_id(t.id)} sends {c} to {got}, not {want}"
                                ),
                                nodes=(t.id,),
                                routes=tuple(used),
                            )
                        )
                    if not r.active:
                        return _Built(
                            Connectivity(
                                a=a.id,
                                b=b.id,
                                reach=Reach.NO,
                                via=via,
                                reason=f"route {c} -> {want} in {_local_id(t.id)} is a blackhole",
                                nodes=(t.id,),
                                routes=(*used, r.as_json()),
                            )
                        )
                    used.append(r.as_json())
        table_ids = tuple(t.id for t in (*tables_a, *tables_b))
        return _Built(
            Connectivity(
                a=a.id,
                b=b.id,
                reach=Reach.YES,
                via=via,
                reason=f"both sides route each other's CIDRs to {want_a}"
                + (f" / {want_b}" if want_b != want_a else ""),
                nodes=table_ids,
                routes=tuple(used),
            )
        )

    def _tgw_path(
        self,
        a: Resource,
        b: Resource,
        ta: Resource,
        tb: Resource,
        tables_a: Sequence[Resource],
        tables_b: Sequence[Resource],
        cidrs_a: Sequence[str],
        cidrs_b: Sequence[str],
    ) -> Connectivity:
        tga, tgb = str(ta.attributes.get("tgw_id") or ""), str(tb.attributes.get("tgw_id") or "")
        base_nodes = (ta.id, tb.id)
        for att in (ta, tb):
            state = att.attributes.get("state")
            if state != "available":
                return Connectivity(
                    a=a.id,
                    b=b.id,
                    reach=Reach.NO,
                    via="transit-gateway",
                    reason=f"TGW attachment {_local_id(att.id)} is {state}",
                    nodes=base_nodes,
                )
        link = self._tgws_linked(tga, tgb)
        if link is None:
            return Connectivity(
                a=a.id,
                b=b.id,
                reach=Reach.NO,
                via="transit-gateway",
                reason=f"transit gateways {tga} and {tgb} are not peered",
                nodes=base_nodes,
            )
        nodes = base_nodes + ((link.id,) if isinstance(link, Resource) else ())
        # TGW route tables: the associated table of each side must route the other's CIDRs.
        for att, cidrs in ((ta, cidrs_b), (tb, cidrs_a)):
            trt = self._tgw_table_routing(a, b, att, cidrs, nodes)
            if isinstance(trt, Connectivity):
                return trt
            nodes = (*nodes, trt.id)
        built = self._routes_both_ways(
            a, b, tables_a, tables_b, cidrs_a, cidrs_b, "transit-gateway", (tga, tgb)
        )
        return built.with_nodes(*nodes).value

    def _tgw_table_routing(
        self, a: Resource, b: Resource, att: Resource, cidrs: Sequence[str], nodes: tuple[str, ...]
    ) -> Resource | Connectivity:
        """The TGW route table associated with ``att`` when it routes every one of ``cidrs``
        (the other side's); else why ``a`` and ``b`` do not connect through it."""
        rt_id = att.attributes.get("association_route_table_id")
        if not rt_id:
            return Connectivity(
                a=a.id,
                b=b.id,
                reach=Reach.NO,
                via="transit-gateway",
                reason=f"TGW attachment {_local_id(att.id)} has no associated route table",
                nodes=nodes,
            )
        trt = self.find(Kind.TRANSIT_ROUTE_TABLE, att.region, str(rt_id))
        if trt is None:
            return Connectivity(
                a=a.id,
                b=b.id,
                reach=Reach.UNKNOWN,
                via="transit-gateway",
                reason=f"TGW route table {rt_id} was not collected",
                nodes=nodes,
                missing=(str(rt_id),),
            )
        if trt.attributes.get("routes") is None:
            return Connectivity(
                a=a.id,
                b=b.id,
                reach=Reach.UNKNOWN,
                via="transit-gateway",
                reason=f"routes of TGW route table {rt_id} were not collected",
                nodes=(*nodes, trt.id),
                missing=(trt.id,),
            )
        for c in cidrs:
            if not tgw_routes(trt, c):
                return Connectivity(
                    a=a.id,
                    b=b.id,
                    reach=Reach.NO,
                    via="transit-gateway",
                    reason=f"TGW route table {rt_id} has no active route for {c}",
                    nodes=(*nodes, trt.id),
                )
        return trt

    def _public_paths(
        self,
        a: Resource,
        b: Resource,
        tables_a: Sequence[Resource],
        tables_b: Sequence[Resource],
        cidrs_b: Sequence[str],
    ) -> list[Connectivity]:
        out: list[Connectivity] = []
        for t in tables_a:
            for c in cidrs_b:
                if not is_internet_cidr(c):
                    # A private destination sent to an internet or NAT gateway is dropped
                    # there: it is no path at all, not a path over the internet.
                    continue
                r = lookup(t, c)
                if r is not None and r.active and r.target_type in ("igw", "nat"):
                    gw = self.gateway_node(a.region, r)
                    out.append(
                        Connectivity(
                            a=a.id,
                            b=b.id,
                            reach=Reach.YES,
                            via="internet" if r.target_type == "igw" else "nat",
                            reason=(
                                f"route table {_local_id(t.id)} sends {c} to {r.target_id}, "
                                "over the internet"
                            ),
                            nodes=(t.id, *((gw,) if gw else ())),
                            routes=(r.as_json(),),
                        )
                    )
                    return out
        return out
