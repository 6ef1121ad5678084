"""Network reachability over the boundary graph: the foundation of path reasoning.

Terms used throughout:

- **effective route table** of a subnet: the table explicitly associated with
  it, else its VPC's main table.
- **route lookup**: longest-prefix match over a table's CIDR routes; a matched
  ``blackhole`` route drops the packet (it does not fall through to a shorter
  route). Prefix-list destinations (``pl-...``) are AWS service ranges and are
  not matched against internet addresses.
- **internet-routed set** of a table: the public addresses whose longest match
  is an active route to an internet gateway. A packet from such an address can
  be answered, so it is the set of internet sources that can hold a session.
- **exposed on port P**: the resource has a public address (public IP,
  internet-facing load balancer, MSK public access) AND its subnet's
  internet-routed set is not empty AND a security group admits P from part of
  that set (an NLB without security groups admits everything) AND the subnet's
  network ACL, evaluated in rule-number order with first match winning, lets
  part of what remains in.

Every answer is three-valued (:class:`Reach`): a missing piece of data (a
subnet with no route table found, an unknown security group id) gives
``UNKNOWN``, never ``NO``. Answers carry the path as graph node ids and the
security group rule and ACL entry that decided them.
"""

from __future__ import annotations

import ipaddress
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, JSONValue, Kind, Resource

Net = ipaddress.IPv4Network | ipaddress.IPv6Network

MEMBER_OF = "network.member_of"
ROUTE_TABLE_OF = "network.route_table_of"
ROUTES_VIA = "network.routes_via"
PROTECTED_BY = "network.protected_by"
ACL_OF = "network.acl_of"
FORWARDS_TO = "network.forwards_to"
PEERS_WITH = "network.peers_with"
ATTACHED_TO = "network.attached_to"
LOGGED_BY = "network.logged_by"

_NON_INTERNET_V4 = tuple(
    ipaddress.IPv4Network(c)
    for c in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_NON_INTERNET_V6 = tuple(
    ipaddress.IPv6Network(c) for c in ("::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8")
)

MSK_PUBLIC_PORTS: Mapping[int, int] = {9094: 9194, 9096: 9196, 9098: 9198}
"""MSK public access listens on these ports for the matching private listener."""


class Reach(StrEnum):
    """A three-valued answer: missing data is ``UNKNOWN``, never ``NO``."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


# --- address sets -------------------------------------------------------------------------


def parse_net(text: str) -> Net | None:
    """A CIDR or address as a network, or None for prefix lists and garbage."""
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def _collapse(nets: Iterable[Net]) -> tuple[Net, ...]:
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    out: list[Net] = []
    out.extend(ipaddress.collapse_addresses(v4))
    out.extend(ipaddress.collapse_addresses(v6))
    return tuple(out)


def net_subtract(nets: Iterable[Net], remove: Iterable[Net]) -> tuple[Net, ...]:
    """``nets`` minus ``remove``, as a collapsed tuple of networks."""
    current = list(_collapse(nets))
    for r in _collapse(remove):
        nxt: list[Net] = []
        for n in current:
            if n.version != r.version or not n.overlaps(r):
                nxt.append(n)
            elif n.subnet_of(r):  # type: ignore[arg-type]
                continue
            else:  # r is inside n
                nxt.extend(n.address_exclude(r))  # type: ignore[arg-type]
        current = nxt
    return _collapse(current)


def net_intersect(a: Iterable[Net], b: Iterable[Net]) -> tuple[Net, ...]:
    out: list[Net] = []
    bl = list(b)
    for x in a:
        for y in bl:
            if x.version == y.version and x.overlaps(y):
                out.append(x if x.prefixlen >= y.prefixlen else y)
    return _collapse(out)


def internet_space(version: int) -> tuple[Net, ...]:
    """Public address space of one IP version."""
    if version == 4:
        return net_subtract([ipaddress.IPv4Network("0.0.0.0/0")], _NON_INTERNET_V4)
    return net_subtract([ipaddress.IPv6Network("::/0")], _NON_INTERNET_V6)


def is_internet_cidr(cidr: str) -> bool:
    """Whether a CIDR holds any public address (0.0.0.0/0, ::/0, 203.0.113.0/24...)."""
    net = parse_net(cidr)
    if net is None:
        return False
    return bool(net_intersect([net], internet_space(net.version)))


def cidr_within(cidr: str, allowed: Sequence[str]) -> bool:
    """Whether ``cidr`` is a subset of one of the ``allowed`` CIDRs."""
    net = parse_net(cidr)
    if net is None:
        return False
    for a in allowed:
        outer = parse_net(a)
        if outer is not None and outer.version == net.version and net.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


def _fmt(nets: Iterable[Net]) -> list[str]:
    return [str(n) for n in nets]


# --- small parsed views ---------------------------------------------------------------------


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
    return _collapse(reach), used


def _proto_matches(proto: Any, wanted: str = "tcp") -> bool:
    p = str(proto).lower() if proto is not None else "-1"
    return p in ("-1", "all", wanted, {"tcp": "6", "udp": "17"}.get(wanted, wanted))


def _port_in(entry: Mapping[str, Any], port: int) -> bool:
    lo, hi = entry.get("from_port"), entry.get("to_port")
    if lo is None and hi is None:
        return True
    lo_i = int(lo) if lo is not None else 0
    hi_i = int(hi) if hi is not None else 65535
    if lo_i == -1 and hi_i == -1:
        return True
    return lo_i <= port <= hi_i


def sg_rules_for_port(sg: Resource, port: int, protocol: str = "tcp") -> list[dict[str, Any]]:
    """Ingress rules of a security group that cover ``port``."""
    return [
        dict(rule)
        for rule in sg.attributes.get("ingress") or []
        if isinstance(rule, Mapping)
        and _proto_matches(rule.get("protocol"), protocol)
        and _port_in(rule, port)
    ]


@dataclass(frozen=True, kw_only=True, slots=True)
class AclDecision:
    allowed: tuple[Net, ...]
    entry: Mapping[str, JSONValue] | None
    """The first entry that let traffic in, or (when nothing did) the one that denied it."""


def acl_inbound(acl: Resource, sources: Sequence[Net], port: int) -> AclDecision:
    """Evaluate a NACL's inbound entries in rule-number order; first match wins per address."""
    entries = sorted(
        (
            e
            for e in acl.attributes.get("entries") or []
            if isinstance(e, Mapping) and not e.get("egress")
        ),
        key=lambda e: int(e.get("rule_number") or 0),
    )
    remaining = list(_collapse(sources))
    allowed: list[Net] = []
    first_allow: Mapping[str, JSONValue] | None = None
    first_deny: Mapping[str, JSONValue] | None = None
    for e in entries:
        if not remaining:
            break
        if not _proto_matches(e.get("protocol")) or not _port_in(e, port):
            continue
        net = parse_net(str(e.get("cidr") or ""))
        if net is None:
            continue
        hit = net_intersect(remaining, [net])
        if not hit:
            continue
        if str(e.get("action")).lower() == "allow":
            allowed.extend(hit)
            first_allow = first_allow or dict(e)
        else:
            first_deny = first_deny or dict(e)
        remaining = list(net_subtract(remaining, [net]))
    got = _collapse(allowed)
    return AclDecision(allowed=got, entry=first_allow if got else first_deny)


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Exposure:
    """Whether the internet can open a connection to ``resource`` on ``port``, and why."""

    resource: str
    port: int
    reach: Reach
    reason: str
    path: tuple[str, ...] = ()
    edges: tuple[tuple[str, str, str], ...] = ()
    firewall_rule: Mapping[str, JSONValue] | None = None
    acl_entry: Mapping[str, JSONValue] | None = None
    sources: tuple[str, ...] = ()
    """Internet CIDRs that get through."""
    missing: tuple[str, ...] = ()
    """Ids of pieces of data that were needed but not found."""
    target_port: int | None = None
    """For a load balancer listener: the port it forwards to."""
    firewalls: tuple[str, ...] = ()
    """Security group ids that were read."""

    def attributes(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "port": self.port,
            "reach": self.reach.value,
            "reason": self.reason,
            "path": list(self.path),
        }
        if self.target_port is not None:
            out["target_port"] = self.target_port
        if self.firewall_rule is not None:
            out["security_group_rule"] = dict(self.firewall_rule)
        if self.acl_entry is not None:
            out["network_acl_entry"] = dict(self.acl_entry)
        if self.sources:
            out["internet_sources"] = list(self.sources)
        if self.missing:
            out["missing"] = list(self.missing)
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Connectivity:
    """How (if at all) two networks reach each other."""

    a: str
    b: str
    reach: Reach
    via: str
    """``peering``, ``transit-gateway``, ``internet``, ``nat`` or ``none``."""
    reason: str
    nodes: tuple[str, ...] = ()
    routes: tuple[Mapping[str, JSONValue], ...] = ()
    missing: tuple[str, ...] = ()


def _local_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _combine(found: Sequence[Exposure], resource: str, port: int) -> Exposure:
    """YES if any placement is exposed, else UNKNOWN if any is unknown, else NO."""
    for want in (Reach.YES, Reach.UNKNOWN, Reach.NO):
        for e in found:
            if e.reach is want:
                return e
    return Exposure(resource=resource, port=port, reach=Reach.UNKNOWN, reason="nothing to judge")


class NetworkView:
    """Indexes over one graph's network resources; pure and read-only."""

    def __init__(self, graph: BoundaryGraph) -> None:
        self.graph = graph
        self._by_local: dict[tuple[str, str, str], Resource] = {}
        self._explicit_rt: dict[tuple[str, str], Resource] = {}
        self._main_rt: dict[tuple[str, str], Resource] = {}
        self._tables_of_vpc: dict[tuple[str, str], list[Resource]] = {}
        self._explicit_acl: dict[tuple[str, str], Resource] = {}
        self._default_acl: dict[tuple[str, str], Resource] = {}
        self._peerings: dict[str, list[Resource]] = {}
        self._attachments: list[Resource] = []
        id_attr = {
            Kind.NETWORK: "vpc_id",
            Kind.SUBNET: "subnet_id",
            Kind.FIREWALL: "group_id",
            Kind.INSTANCE: "instance_id",
            Kind.TRANSIT_GATEWAY: "tgw_id",
        }
        for kind in sorted(
            {
                *id_attr,
                Kind.ROUTE_TABLE,
                Kind.NETWORK_ACL,
                Kind.INTERFACE,
                Kind.GATEWAY,
                Kind.PEERING,
                Kind.TRANSIT_ATTACHMENT,
                Kind.TRANSIT_ROUTE_TABLE,
            }
        ):
            for res in graph.of_kind(kind):
                local = str(res.attributes.get(id_attr.get(kind, ""), "") or _local_id(res.id))
                self._by_local.setdefault((kind, res.region, local), res)
        for rt in graph.of_kind(Kind.ROUTE_TABLE):
            vpc = str(rt.attributes.get("vpc_id") or "")
            self._tables_of_vpc.setdefault((rt.region, vpc), []).append(rt)
            if rt.attributes.get("main"):
                self._main_rt.setdefault((rt.region, vpc), rt)
            for sid in rt.attributes.get("subnet_ids") or []:
                self._explicit_rt.setdefault((rt.region, str(sid)), rt)
        for acl in graph.of_kind(Kind.NETWORK_ACL):
            vpc = str(acl.attributes.get("vpc_id") or "")
            if acl.attributes.get("default"):
                self._default_acl.setdefault((acl.region, vpc), acl)
            for sid in acl.attributes.get("subnet_ids") or []:
                self._explicit_acl.setdefault((acl.region, str(sid)), acl)
        for p in graph.of_kind(Kind.PEERING):
            self._peerings.setdefault(_local_id(p.id), []).append(p)
        self._attachments = graph.of_kind(Kind.TRANSIT_ATTACHMENT)

    # --- lookups ----------------------------------------------------------------------
    def find(self, kind: str, region: str, local_id: str) -> Resource | None:
        return self._by_local.get((kind, region, local_id))

    def vpc(self, region: str, vpc_id: str) -> Resource | None:
        return self.find(Kind.NETWORK, region, vpc_id)

    def subnet(self, region: str, subnet_id: str) -> Resource | None:
        return self.find(Kind.SUBNET, region, subnet_id)

    def firewall(self, region: str, group_id: str) -> Resource | None:
        return self.find(Kind.FIREWALL, region, group_id)

    def route_table_for(self, subnet: Resource) -> Resource | None:
        """The explicitly associated table, else the VPC's main table, else None."""
        sid = str(subnet.attributes.get("subnet_id") or _local_id(subnet.id))
        explicit = self._explicit_rt.get((subnet.region, sid))
        if explicit is not None:
            return explicit
        return self._main_rt.get((subnet.region, str(subnet.attributes.get("vpc_id") or "")))

    def route_tables_of_vpc(self, vpc: Resource) -> list[Resource]:
        vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
        return sorted(self._tables_of_vpc.get((vpc.region, vid), []), key=lambda r: r.id)

    def acl_for(self, subnet: Resource) -> Resource | None:
        sid = str(subnet.attributes.get("subnet_id") or _local_id(subnet.id))
        explicit = self._explicit_acl.get((subnet.region, sid))
        if explicit is not None:
            return explicit
        return self._default_acl.get((subnet.region, str(subnet.attributes.get("vpc_id") or "")))

    def gateway_node(self, region: str, route: Route) -> str | None:
        """The graph node a route's target is, if collected."""
        for rel in self.graph.out_edges(route.table, ROUTES_VIA):
            if _local_id(rel.target) == route.target_id:
                return rel.target
        kind = {
            "igw": Kind.GATEWAY,
            "nat": Kind.GATEWAY,
            "egress-only-igw": Kind.GATEWAY,
            "vgw": Kind.GATEWAY,
            "peering": Kind.PEERING,
            "tgw": Kind.TRANSIT_GATEWAY,
        }.get(route.target_type)
        if kind is None:
            return None
        res = self.find(kind, region, route.target_id)
        return res.id if res else None

    def networks_of(self, res: Resource) -> list[Resource]:
        """The VPC(s) a resource sits in (via member_of edges or its vpc_id/subnet ids)."""
        if res.kind == Kind.NETWORK:
            return [res]
        found: dict[str, Resource] = {}
        for rel in self.graph.out_edges(res.id, MEMBER_OF):
            target = self.graph.get(rel.target)
            if target is None:
                continue
            if target.kind == Kind.NETWORK:
                found[target.id] = target
            elif target.kind == Kind.SUBNET:
                for up in self.graph.targets(target.id, MEMBER_OF):
                    if up.kind == Kind.NETWORK:
                        found[up.id] = up
                vid = str(target.attributes.get("vpc_id") or "")
                v = self.vpc(target.region, vid) if vid else None
                if v is not None:
                    found[v.id] = v
        vid = str(res.attributes.get("vpc_id") or "")
        if vid:
            v = self.vpc(res.region, vid)
            if v is not None:
                found[v.id] = v
        for sid in self._subnet_ids(res):
            s = self.subnet(res.region, sid)
            v = self.vpc(res.region, str(s.attributes.get("vpc_id") or "")) if s else None
            if v is not None:
                found[v.id] = v
        return [found[k] for k in sorted(found)]

    def subnets_of(self, res: Resource) -> list[Resource]:
        out: dict[str, Resource] = {}
        for sid in self._subnet_ids(res):
            s = self.subnet(res.region, sid)
            if s is not None:
                out[s.id] = s
        return [out[k] for k in sorted(out)]

    @staticmethod
    def _subnet_ids(res: Resource) -> list[str]:
        ids = [str(s) for s in res.attributes.get("subnet_ids") or []]
        if res.attributes.get("subnet_id"):
            ids.append(str(res.attributes["subnet_id"]))
        return sorted(set(ids))

    def firewalls_of(self, res: Resource) -> tuple[list[Resource], list[str]]:
        """Security groups protecting a resource, and ids named but not collected."""
        ids = {str(g) for g in res.attributes.get("security_group_ids") or []}
        found: dict[str, Resource] = {}
        for rel in self.graph.out_edges(res.id, PROTECTED_BY):
            sg = self.graph.get(rel.target)
            if sg is not None and not sg.attributes.get("stub"):
                found[str(sg.attributes.get("group_id") or _local_id(sg.id))] = sg
            else:
                ids.add(_local_id(rel.target))
        missing: list[str] = []
        for gid in sorted(ids):
            if gid in found:
                continue
            sg = self.firewall(res.region, gid)
            if sg is None:
                missing.append(gid)
            else:
                found[gid] = sg
        return [found[k] for k in sorted(found)], missing

    # --- internet exposure ------------------------------------------------------------
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
        if self.graph.targets(res.id, "network.has_public_ip"):
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
            why = f"route table {_local_id(table.id)} sends no internet address to an IGW"
            default = lookup(table, "0.0.0.0/0")
            if default is not None and default.target_type == "igw":
                why = (
                    f"more specific routes in {_local_id(table.id)} (e.g. blackholes) take every "
                    f"internet address away from {default.target_id}"
                )
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
        # Security groups.
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
        acl = self.acl_for(subnet)
        if acl is None:
            return replace(
                base,
                reach=Reach.UNKNOWN,
                reason=f"no network ACL found for subnet {subnet_id}",
                path=path,
                edges=edges,
                firewall_rule=rule_used,
                missing=(subnet.id,),
            )
        decision = acl_inbound(acl, admitted, port)
        if not decision.allowed:
            return replace(
                base,
                reach=Reach.NO,
                reason=(
                    f"network ACL {_local_id(acl.id)} of {subnet_id} blocks port {port} "
                    "from the internet"
                ),
                path=path,
                edges=edges,
                firewall_rule=rule_used,
                acl_entry=decision.entry,
            )
        through = [(n, who) for n, who in admitting if net_intersect([n], decision.allowed)]
        sources = sorted({str(n) for n, _ in through}) if not open_lb else ["any address"]
        who = through[0][1] if through else "a security group"
        shown = ", ".join(sources[:3]) + (" ..." if len(sources) > 3 else "")
        acl_rule = (decision.entry or {}).get("rule_number")
        return replace(
            base,
            reach=Reach.YES,
            reason=(
                f"{public_why}, {who} admits {shown}, network ACL {_local_id(acl.id)} "
                f"rule {acl_rule} allows it, and route table {_local_id(table.id)} of "
                f"{subnet_id} sends {igw_route.destination} to {igw_route.target_id}"
            ),
            path=path,
            edges=(*edges, (acl.id, subnet.id, ACL_OF)),
            firewall_rule=rule_used,
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
            tport = _target_port(tg, local)
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
        out.extend(direct[p] for p in wanted)
        return out

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

    # --- between networks ------------------------------------------------------------
    def peerings_between(self, a: Resource, b: Resource) -> list[Resource]:
        va = str(a.attributes.get("vpc_id") or _local_id(a.id))
        vb = str(b.attributes.get("vpc_id") or _local_id(b.id))
        out: list[Resource] = []
        for pid in sorted(self._peerings):
            p = self._peerings[pid][0]
            sides = {
                str((p.attributes.get(side) or {}).get("vpc_id") or "")
                for side in ("requester", "accepter")
            }
            if sides == {va, vb}:
                out.append(p)
        return out

    def peerings_of(self, vpc: Resource) -> list[Resource]:
        vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
        out: list[Resource] = []
        for pid in sorted(self._peerings):
            p = self._peerings[pid][0]
            for side in ("requester", "accepter"):
                info = p.attributes.get(side) or {}
                if str(info.get("vpc_id") or "") == vid:
                    out.append(p)
                    break
        return out

    def attachments_of(self, vpc: Resource) -> list[Resource]:
        vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
        return [
            t
            for t in self._attachments
            if t.attributes.get("resource_type") == "vpc"
            and str(t.attributes.get("resource_id") or "") == vid
        ]

    def attachments_on(self, tgw_id: str) -> list[Resource]:
        return [t for t in self._attachments if str(t.attributes.get("tgw_id") or "") == tgw_id]

    def _tgws_linked(self, t1: str, t2: str) -> Resource | bool | None:
        """True if same TGW; a peering attachment linking them; else None."""
        if t1 == t2:
            return True
        for att in self._attachments:
            a = att.attributes
            if a.get("resource_type") != "peering" or a.get("state") not in ("available", None):
                continue
            peer = a.get("peer") or {}
            ends = {str(a.get("tgw_id") or ""), str(peer.get("tgw_id") or "")}
            if ends == {t1, t2}:
                return att
        return None

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
                if not _tgw_routes(trt, c):
                    return Connectivity(
                        a=a.id,
                        b=b.id,
                        reach=Reach.NO,
                        via="transit-gateway",
                        reason=f"TGW route table {rt_id} has no active route for {c}",
                        nodes=(*nodes, trt.id),
                    )
            nodes = (*nodes, trt.id)
        built = self._routes_both_ways(
            a, b, tables_a, tables_b, cidrs_a, cidrs_b, "transit-gateway", (tga, tgb)
        )
        return built.with_nodes(*nodes).value

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


@dataclass(frozen=True)
class _Built:
    value: Connectivity

    def with_nodes(self, *nodes: str) -> _Built:
        v = self.value
        return _Built(
            Connectivity(
                a=v.a,
                b=v.b,
                reach=v.reach,
                via=v.via,
                reason=v.reason,
                nodes=tuple(dict.fromkeys((*nodes, *v.nodes))),
                routes=v.routes,
                missing=v.missing,
            )
        )


def _tgw_routes(trt: Resource, cidr: str) -> bool:
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


def _target_port(tg: Resource, local_id: str) -> int | None:
    for t in tg.attributes.get("targets") or []:
        if isinstance(t, Mapping) and str(t.get("id")) == local_id:
            if t.get("port") is not None:
                return int(t["port"])
            break
    port = tg.attributes.get("port")
    return int(port) if port is not None else None


def lport_of(listener: Resource) -> int | None:
    port = listener.attributes.get("port")
    return int(port) if port is not None else None


_VIEWS: weakref.WeakKeyDictionary[BoundaryGraph, NetworkView] = weakref.WeakKeyDictionary()


def network_view(graph: BoundaryGraph) -> NetworkView:
    """The (cached) network view of a graph."""
    view = _VIEWS.get(graph)
    if view is None:
        view = NetworkView(graph)
        _VIEWS[graph] = view
    return view


# --- platform scope ---------------------------------------------------------------------------

EXPOSABLE_KINDS = (Kind.INSTANCE, Kind.INTERFACE, Kind.LOAD_BALANCER, Kind.KAFKA_CLUSTER)


@dataclass(frozen=True, kw_only=True, slots=True)
class PlatformNetworks:
    networks: tuple[Resource, ...]
    why: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per network id: the platform resources (or ``selected``) that put it in scope."""


def platform_networks(graph: BoundaryGraph) -> PlatformNetworks:
    """VPCs the platform selector picks, plus VPCs holding selected platform resources."""
    from auditor.analysis.boundary_scope import platform_resources

    view = network_view(graph)
    why: dict[str, set[str]] = {}
    nets: dict[str, Resource] = {}
    for res in platform_resources(graph):
        if res.kind == Kind.NETWORK:
            nets[res.id] = res
            why.setdefault(res.id, set()).add("selected")
            continue
        for vpc in view.networks_of(res):
            nets[vpc.id] = vpc
            why.setdefault(vpc.id, set()).add(res.id)
    return PlatformNetworks(
        networks=tuple(nets[k] for k in sorted(nets)),
        why={k: tuple(sorted(v)) for k, v in sorted(why.items())},
    )


def platform_tables(graph: BoundaryGraph, vpc: Resource) -> list[Resource]:
    """Route tables deciding the platform's subnets in ``vpc`` (all of the VPC's if none)."""
    from auditor.analysis.boundary_scope import platform_resources

    view = network_view(graph)
    vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
    tables: dict[str, Resource] = {}
    for res in platform_resources(graph):
        if res.region != vpc.region:
            continue
        for s in view.subnets_of(res):
            if str(s.attributes.get("vpc_id") or "") != vid:
                continue
            t = view.route_table_for(s)
            if t is not None:
                tables[t.id] = t
    if tables:
        return [tables[k] for k in sorted(tables)]
    return view.route_tables_of_vpc(vpc)


def label(res: Resource) -> str:
    """A short readable name: ``instance i-0abc`` or ``load_balancer kafka-nlb``."""
    kind = str(res.kind).replace("_", " ")
    return f"{kind} {res.name or _local_id(res.id)}"


def local_id(arn: str) -> str:
    """The last path element of an ARN (``vpc-0abc`` from ``...:vpc/vpc-0abc``)."""
    return _local_id(arn)


def routable_cidrs(vpc: Resource) -> list[str]:
    """The IPv4 CIDRs of a VPC (its IPv6 ones only if it has no IPv4 CIDR)."""
    cidrs = sorted(str(c) for c in vpc.attributes.get("cidrs") or [])
    v4 = [c for c in cidrs if (n := parse_net(c)) is not None and n.version == 4]
    return v4 or cidrs
