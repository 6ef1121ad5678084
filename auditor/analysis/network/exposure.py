"""Internet exposure: can the internet open a connection to a resource on a port.

**Exposed on port P**: the resource has a public address (public IP,
internet-facing load balancer, MSK public access) AND its subnet's
internet-routed set is not empty AND a security group admits P from part of
that set (an NLB without security groups admits everything) AND the subnet's
network ACL, evaluated in rule-number order with first match winning, lets
part of what remains in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from auditor.analysis.network.acl import acl_inbound
from auditor.analysis.network.addresses import Net, is_internet_cidr, net_intersect, parse_net
from auditor.analysis.network.answers import Exposure, Reach, _combine
from auditor.analysis.network.index import NetworkIndex, _local_id, lport_of, target_port
from auditor.analysis.network.routes import Route, internet_routed, lookup
from auditor.analysis.network.security_groups import sg_rules_for_port
from auditor.base.edges import (
    ACL_OF,
    FORWARDS_TO,
    HAS_PUBLIC_IP,
    MEMBER_OF,
    ROUTE_TABLE_OF,
    ROUTES_VIA,
)
from auditor.model import INTERNET_ID, JSONValue, Kind, Resource

MSK_PUBLIC_PORTS: Mapping[int, int] = {9094: 9194, 9096: 9196, 9098: 9198}
"""MSK public access listens on these ports for the matching private listener."""


class ExposureMixin(NetworkIndex):
    """Internet exposure questions over the network index."""

    def _public_address(self, res: Resource) -> tuple[bool | None, str]:
        a = res.attributes
        if res.kind == Kind.LOAD_BALANCER:
            scheme = a.get("scheme")
            if scheme is None:
                return None, "load balancer scheme unknown"
            return scheme == "internet-facing", f"scheme {scheme}"
        if res.kind == Kind.KAFKA_CLUSTER:
            pa = a.get("public_access")
            if pa is None:
                return None, "MSK public access setting unknown"
            return pa not in ("DISABLED", "disabled"), f"public access {pa}"
        if a.get("public_ip"):
            return True, f"public IP {a['public_ip']}"
        if self.graph.targets(res.id, HAS_PUBLIC_IP):
            return True, "elastic IP associated"
        if res.kind == Kind.INSTANCE:
            for iid in sorted(str(i) for i in a.get("interface_ids") or []):
                eni = self.find(Kind.INTERFACE, res.region, iid)
                if eni is not None and eni.attributes.get("public_ip"):
                    return True, f"public IP {eni.attributes['public_ip']} on {iid}"
        if "public_ip" not in a and res.kind in (Kind.INSTANCE, Kind.INTERFACE):
            return None, "public IP not recorded"
        return False, "no public IP address"

    def exposure(self, res: Resource, port: int) -> Exposure:
        """Whether the internet reaches ``res`` directly on ``port`` (no load balancer hop)."""
        if res.cloud == "gcp":
            from auditor.analysis.network.gcp import gcp_exposure

            return gcp_exposure(self.graph, res, port)
        if res.cloud == "azure":
            from auditor.analysis.network import azure

            return azure.exposure(self.graph, res, port)
        public, why = self._public_address(res)
        if public is None:
            return Exposure(
                resource=res.id, port=port, reach=Reach.UNKNOWN, reason=why, missing=(res.id,)
            )
        if not public:
            return Exposure(resource=res.id, port=port, reach=Reach.NO, reason=why)
        sgs, missing_sgs = self.firewalls_of(res)
        open_lb = res.kind == Kind.LOAD_BALANCER and not sgs and not missing_sgs
        subnet_ids = self._subnet_ids(res)
        if not subnet_ids:
            return Exposure(
                resource=res.id,
                port=port,
                reach=Reach.UNKNOWN,
                reason=f"{res.kind} {res.name or res.id} has {why} but no recorded subnet",
                missing=(res.id,),
            )
        found = [
            self._exposure_in_subnet(res, port, sid, sgs, missing_sgs, open_lb, why)
            for sid in subnet_ids
        ]
        return _combine(found, res.id, port)

    def _exposure_in_subnet(
        self,
        res: Resource,
        port: int,
        subnet_id: str,
        sgs: Sequence[Resource],
        missing_sgs: Sequence[str],
        open_lb: bool,
        public_why: str,
    ) -> Exposure:
        """Whether the internet reaches ``res`` at its public address in ``subnet_id``: an
        internet gateway route of the subnet, then its security groups, then the NACL."""
        name = res.name or _local_id(res.id)
        base = Exposure(
            resource=res.id,
            port=port,
            reach=Reach.UNKNOWN,
            reason="",
            firewalls=tuple(s.id for s in sgs),
        )
        subnet = self.subnet(res.region, subnet_id)
        if subnet is None:
            return replace(
                base,
                reach=Reach.UNKNOWN,
                reason=f"subnet {subnet_id} of {name} was not collected",
                missing=(subnet_id,),
            )
        table = self.route_table_for(subnet)
        if table is None:
            return replace(
                base,
                reach=Reach.UNKNOWN,
                reason=f"no route table found for subnet {subnet_id}",
                missing=(subnet.id,),
            )
        routed, igw_routes = internet_routed(table, 4)
        if not routed:
            why = _no_internet_route(table)
            return replace(base, reach=Reach.NO, reason=f"{name} has {public_why} but {why}")
        igw_route = igw_routes[0]
        igw_node = self.gateway_node(res.region, igw_route) or igw_route.target_id
        path = (res.id, subnet.id, table.id, igw_node, INTERNET_ID)
        edges = (
            (res.id, subnet.id, MEMBER_OF),
            (table.id, subnet.id, ROUTE_TABLE_OF),
            (table.id, igw_node, ROUTES_VIA),
            (igw_node, INTERNET_ID, "network.internet"),
        )
        admitted, admitting, rule_used = _sg_admitted(sgs, port, routed, open_lb)
        if not admitted:
            if missing_sgs:
                return replace(
                    base,
                    reach=Reach.UNKNOWN,
                    reason=f"security group(s) {', '.join(missing_sgs)} of {name} not collected",
                    path=path,
                    edges=edges,
                    missing=tuple(missing_sgs),
                )
            return replace(
                base,
                reach=Reach.NO,
                reason=f"no security group of {name} admits port {port} from the internet",
                path=path,
                edges=edges,
            )
        found = replace(base, path=path, edges=edges, firewall_rule=rule_used)
        return self._through_acl(
            found, subnet, subnet_id, table, igw_route, admitted, admitting, open_lb, public_why
        )

    def _through_acl(
        self,
        found: Exposure,
        subnet: Resource,
        subnet_id: str,
        table: Resource,
        igw_route: Route,
        admitted: Sequence[Net],
        admitting: Sequence[tuple[Net, str]],
        open_lb: bool,
        public_why: str,
    ) -> Exposure:
        """The subnet's NACL on the internet addresses the security groups ``admitted``.

        ``found`` carries the route and security group part of the answer;
        ``admitting`` names who admits each address, for the reason.
        """
        port = found.port
        acl = self.acl_for(subnet)
        if acl is None:
            return replace(
                found,
                reach=Reach.UNKNOWN,
                reason=f"no network ACL found for subnet {subnet_id}",
                missing=(subnet.id,),
            )
        decision = acl_inbound(acl, admitted, port)
        if not decision.allowed:
            return replace(
                found,
                reach=Reach.NO,
                reason=(
                    f"network ACL {_local_id(acl.id)} of {subnet_id} blocks port {port} "
                    "from the internet"
                ),
                acl_entry=decision.entry,
            )
        through = [(n, who) for n, who in admitting if net_intersect([n], decision.allowed)]
        sources = sorted({str(n) for n, _ in through}) if not open_lb else ["any address"]
        who = through[0][1] if through else "a security group"
        shown = ", ".join(sources[:3]) + (" ..." if len(sources) > 3 else "")
        acl_rule = (decision.entry or {}).get("rule_number")
        return replace(
            found,
            reach=Reach.YES,
            reason=(
                f"{public_why}, {who} admits {shown}, network ACL {_local_id(acl.id)} "
                f"rule {acl_rule} allows it, and route table {_local_id(table.id)} of "
                f"{subnet_id} sends {igw_route.destination} to {igw_route.target_id}"
            ),
            edges=(*found.edges, (acl.id, subnet.id, ACL_OF)),
            acl_entry=decision.entry,
            sources=tuple(sources),
        )

    def load_balancers_in_front(self, res: Resource) -> list[tuple[Resource, Resource, int]]:
        """(load balancer, listener, target port) triples forwarding to ``res``."""
        out: list[tuple[Resource, Resource, int]] = []
        local = str(res.attributes.get("instance_id") or _local_id(res.id))
        for tg in self.graph.sources(res.id, FORWARDS_TO):
            if tg.kind != Kind.TARGET_GROUP:
                continue
            tport = target_port(tg, local)
            if tport is None:
                continue
            for listener in self.graph.sources(tg.id, FORWARDS_TO):
                for lb in self.graph.sources(listener.id, FORWARDS_TO):
                    if lb.kind == Kind.LOAD_BALANCER:
                        out.append((lb, listener, tport))
        return sorted(out, key=lambda t: (t[0].id, t[1].id, t[2]))

    def listeners_of(self, lb: Resource) -> list[tuple[Resource, list[int]]]:
        """Listeners of a load balancer with the target ports they forward to."""
        out: list[tuple[Resource, list[int]]] = []
        for listener in self.graph.targets(lb.id, FORWARDS_TO):
            if listener.kind != Kind.LISTENER:
                continue
            ports: set[int] = set()
            for tg in self.graph.targets(listener.id, FORWARDS_TO):
                if tg.attributes.get("port") is not None:
                    ports.add(int(tg.attributes["port"]))
                for t in tg.attributes.get("targets") or []:
                    if isinstance(t, Mapping) and t.get("port") is not None:
                        ports.add(int(t["port"]))
            out.append((listener, sorted(ports)))
        return sorted(out, key=lambda t: t[0].id)

    def exposures(self, res: Resource, ports: Iterable[int]) -> list[Exposure]:
        """Every way the internet reaches ``res`` on any of ``ports``, one answer per port.

        Instances and interfaces: directly, and through any load balancer whose
        listener forwards to them on one of the ports. Load balancers: each
        listener on, or forwarding to, one of the ports. MSK clusters: the ports
        and their public-access counterparts.
        """
        wanted = sorted(set(ports))
        if res.cloud == "azure":
            from auditor.analysis.network import azure

            return azure.exposures(self.graph, res, wanted)
        if res.cloud == "gcp":  # no listeners or target groups: a forwarding rule listens itself
            return [self.exposure(res, p) for p in wanted]
        out: list[Exposure] = []
        if res.kind == Kind.LOAD_BALANCER:
            for listener, targets in self.listeners_of(res):
                lport = listener.attributes.get("port")
                if lport is None:
                    continue
                hits = [p for p in targets if p in wanted]
                if int(lport) not in wanted and not hits:
                    continue
                e = self.exposure(res, int(lport))
                out.append(
                    replace(
                        e,
                        target_port=hits[0] if hits else int(lport),
                        path=(*e.path[:1], listener.id, *e.path[1:]) if e.path else e.path,
                        edges=((res.id, listener.id, FORWARDS_TO), *e.edges),
                    )
                )
            return out
        if res.kind == Kind.KAFKA_CLUSTER:
            extra = {MSK_PUBLIC_PORTS[p] for p in wanted if p in MSK_PUBLIC_PORTS}
            return [self.exposure(res, p) for p in sorted(set(wanted) | extra)]
        direct = {p: self.exposure(res, p) for p in wanted}
        for lb, listener, tport in self.load_balancers_in_front(res):
            if tport not in wanted or lport_of(listener) is None:
                continue
            e = self.exposure(lb, lport_of(listener) or 0)
            chained = replace(
                e,
                resource=res.id,
                port=tport,
                target_port=tport,
                reason=f"via load balancer {lb.name or lb.id}: {e.reason}",
                path=(res.id, listener.id, *e.path) if e.path else (res.id, lb.id),
                edges=((lb.id, listener.id, FORWARDS_TO), *e.edges),
            )
            direct[tport] = _combine([direct[tport], chained], res.id, tport)
        for unknown in self._unread_target_groups(res, wanted):
            direct[unknown.port] = _combine([direct[unknown.port], unknown], res.id, unknown.port)
        out.extend(direct[p] for p in wanted)
        return out

    def _unread_target_groups(self, res: Resource, wanted: Sequence[int]) -> list[Exposure]:
        """UNKNOWN answers for exposed load balancers whose target list was not read.

        A target group whose targets are null (the read failed) may forward to
        ``res``; if its load balancer can be reached from the internet, ``res``
        cannot be called unexposed.
        """
        vpc = res.attributes.get("vpc_id")
        out: list[Exposure] = []
        for tg in self.graph.of_kind(Kind.TARGET_GROUP):
            if tg.attributes.get("targets") is not None:
                continue
            if (tg.account, tg.region) != (res.account, res.region):
                continue
            if vpc is not None and tg.attributes.get("vpc_id") not in (None, vpc):
                continue
            for listener in self.graph.sources(tg.id, FORWARDS_TO):
                lport = lport_of(listener)
                if lport is None:
                    continue
                for lb in self.graph.sources(listener.id, FORWARDS_TO):
                    if lb.kind != Kind.LOAD_BALANCER or self.exposure(lb, lport).reach is Reach.NO:
                        continue
                    out.extend(
                        Exposure(
                            resource=res.id,
                            port=p,
                            reach=Reach.UNKNOWN,
                            reason=(
                                f"the targets of {tg.name or tg.id} (behind {lb.name or lb.id}, "
                                "reachable from the internet) were not read"
                            ),
                            path=(res.id, tg.id, listener.id, lb.id),
                            missing=(tg.id,),
                        )
                        for p in wanted
                    )
        return sorted(out, key=lambda e: (e.port, e.path))

    def internet_admitting_rules(
        self, res: Resource, port: int
    ) -> list[tuple[Resource, dict[str, Any]]]:
        """Security group rules on ``res`` that admit ``port`` from a public CIDR."""
        sgs, _ = self.firewalls_of(res)
        out: list[tuple[Resource, dict[str, Any]]] = []
        for sg in sgs:
            for rule in sg_rules_for_port(sg, port):
                if any(is_internet_cidr(str(c)) for c in rule.get("cidrs") or []):
                    out.append((sg, rule))
        return out


def _no_internet_route(table: Resource) -> str:
    """Why ``table`` sends no internet address to an internet gateway (for a NO)."""
    why = f"route table {_local_id(table.id)} sends no internet address to an IGW"
    default = lookup(table, "0.0.0.0/0")
    if default is not None and default.target_type == "igw":
        why = (
            f"more specific routes in {_local_id(table.id)} (e.g. blackholes) take every "
            f"internet address away from {default.target_id}"
        )
    return why


def _sg_admitted(
    sgs: Sequence[Resource], port: int, routed: Sequence[Net], open_lb: bool
) -> tuple[list[Net], list[tuple[Net, str]], dict[str, JSONValue] | None]:
    """The internet addresses ``routed`` that security groups admit on ``port``.

    Returns the addresses, who admits each (for the reason), and the first rule
    that admits any. A load balancer without security groups admits all.
    """
    admitted: list[Net] = []
    admitting: list[tuple[Net, str]] = []
    rule_used: dict[str, JSONValue] | None = None
    if open_lb:
        admitted = list(routed)
        admitting = [(n, "the load balancer (no security groups)") for n in routed]
        rule_used = {"note": "network load balancer without security groups admits all"}
    for sg in sgs:
        for rule in sg_rules_for_port(sg, port):
            nets = [n for c in rule.get("cidrs") or [] if (n := parse_net(str(c)))]
            hit = net_intersect(nets, routed)
            if hit:
                admitted.extend(hit)
                admitting.extend(
                    (n, f"security group {sg.name or _local_id(sg.id)}")
                    for n in nets
                    if net_intersect([n], routed)
                )
                if rule_used is None:
                    rule_used = {"group": sg.id, **rule}
    return admitted, admitting, rule_used
