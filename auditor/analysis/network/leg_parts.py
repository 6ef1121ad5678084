"""The parts every path leg is made of.

- where sources start (**origins**: an estate subnet with the source's
  addresses, or the part of a CIDR inside groups of subnets sharing a route
  table and NACL) and where targets sit (**endpoints**: a subnet, the target's
  addresses there, its security groups, whether it has a public address);
- the hops that admit or drop a packet at a subnet or a resource (network ACLs
  and security groups), cached per decision;
- how a list of hops ends in a :class:`~.path_model.Path`: the first hop that
  drops makes it NO, else the first that lacks data makes it UNKNOWN.

The legs themselves are in :mod:`.private_legs` and :mod:`.internet_legs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.analysis.network.acl import AclDecision, acl_eval, acl_range
from auditor.analysis.network.addresses import (
    Net,
    collapse,
    fmt_nets,
    net_intersect,
    net_subtract,
    nets_of,
    parse_net,
)
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import WORLD, Endpoint, Hop, Origin, Path, hops_reach
from auditor.analysis.network.route_walk import RouteWalker
from auditor.analysis.network.security_groups import sg_decide
from auditor.analysis.network.view import NetworkView
from auditor.model import Kind, Resource


class LegParts(RouteWalker):
    """Origins, endpoints, NACL and security group hops, and path endings over route walks."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view)
        self._acls: dict[tuple[str, bool, tuple[Net, ...], int | None], AclDecision] = {}
        self._cidr_origins: dict[str, tuple[list[Origin], tuple[Net, ...], Reach]] = {}
        self._subnet_nets: list[tuple[Resource, Net, int, int]] | None = None
        self._vpn = any(
            gw.attributes.get("gateway_type") == "vpn" for gw in self.graph.of_kind(Kind.GATEWAY)
        ) or any(
            a.attributes.get("resource_type") in ("vpn", "direct-connect-gateway", "connect")
            for a in self.graph.of_kind(Kind.TRANSIT_ATTACHMENT)
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
        lo, hi = int(net.network_address), int(net.broadcast_address)
        for s, sn, first, last in self._subnets_parsed():
            if sn.version != net.version or first > hi or last < lo:  # no overlap
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

    def _subnets_parsed(self) -> list[tuple[Resource, Net, int, int]]:
        """Every subnet with a parseable CIDR and its first and last address as numbers,
        in graph order (parsed once, not per query)."""
        if self._subnet_nets is None:
            self._subnet_nets = [
                (s, sn, int(sn.network_address), int(sn.broadcast_address))
                for s in self.graph.of_kind(Kind.SUBNET)
                if (sn := parse_net(str(s.attributes.get("cidr") or ""))) is not None
            ]
        return self._subnet_nets

    def origins_for_resource(self, res: Resource) -> list[Origin]:
        sgs, missing = self.view.firewalls_of(res)
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
                    label=res.id,
                    node=res.id,
                    nets=nets,
                    subnet=s,
                    sgs=tuple(sgs),
                    public=public,
                    missing_sgs=tuple(missing),
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

    # --- hops and endings ---------------------------------------------------------------
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
        reach = hops_reach(hops)
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
