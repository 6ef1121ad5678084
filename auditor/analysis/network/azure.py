"""Internet exposure of Azure resources: public IPs, public load balancers, NSGs, UDRs.

**Exposed on port P** (an Azure VM or NIC): the NIC has a public IP, or sits
in the backend pool of a load balancer whose public frontend forwards to P;
AND the NSGs let part of the internet in on P: the subnet's NSG first, then
the NIC's, each evaluated by priority (custom rules, then Azure's default
rules AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001 and
DenyAllInBound 65500), first match wins, per source address; AND the
subnet's route table does not send the replies to ``None`` (a UDR
0.0.0.0/0 to a virtual appliance makes the answer depend on the appliance:
unknown). Without any NSG a Standard SKU public IP or load balancer is
closed ("secure by default"); a Basic one is open.

Sources: ``*``, ``Any`` and ``Internet`` are the whole internet; CIDRs count
for their public part; ``VirtualNetwork``, ``AzureLoadBalancer`` and
application security groups are not the internet; any other service tag
(``AzureCloud``, ``Storage``...) is a set of public addresses the auditor
does not list, so a rule admitting it gives an unknown answer.

Event Hubs (``kafka_cluster`` with ``managed_service: event-hubs``) serves
Kafka only on 9093: exposed when public network access is enabled (on the
namespace and in its rule set) and its network rule set allows the internet
(default action Allow, or an IP rule with a public range); unknown when the
rule set was not read or a network security perimeter governs access.

A VM scale set is judged through its NIC configurations: each IP configuration
is a NIC (subnet NSG, then the configuration's NSG) with a per-instance public
IP when ``publicIPAddressConfiguration`` is set, and in the backend pools it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from auditor.analysis.network.addresses import (
    Net,
    collapse,
    internet_space,
    net_intersect,
    net_subtract,
    parse_net,
)
from auditor.analysis.network.answers import Exposure, Reach, SourceGroups, _combine
from auditor.analysis.network.cluster_api import api_exposure
from auditor.base.edges import MEMBER_OF
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, Kind, Resource

NOT_INTERNET_TAGS = frozenset({"virtualnetwork", "azureloadbalancer"})
ALL_TAGS = frozenset({"*", "any", "internet", "0.0.0.0/0"})
EVENT_HUBS_KAFKA_PORT = 9093


def _get(graph: BoundaryGraph, rid: str | None) -> Resource | None:
    if not rid:
        return None
    res = graph.get(rid)
    return None if res is None or res.attributes.get("stub") else res


def _sources(prefixes: Sequence[str], asgs: Sequence[str]) -> tuple[tuple[Net, ...], list[str]]:
    """(internet addresses a rule's sources cover, service tags it names that cannot be listed)."""
    nets: list[Net] = []
    unknown: list[str] = []
    for p in prefixes:
        low = p.strip().lower()
        if low in ALL_TAGS:
            nets.extend(internet_space(4))
        elif low in NOT_INTERNET_TAGS:
            continue
        elif (n := parse_net(p)) is not None:
            nets.extend(net_intersect([n], internet_space(n.version)))
        else:
            unknown.append(p)
    return collapse(nets), unknown


def _dest_matches(rule: Mapping[str, Any], nic: Resource) -> bool:
    """Whether a rule's destination covers the NIC (unknown addresses count as covered)."""
    asgs = set(nic.attributes.get("application_security_group_ids") or [])
    if rule.get("destination_asgs"):
        return bool(asgs & set(rule["destination_asgs"]))
    ips = [str(i) for i in nic.attributes.get("private_ips") or []]
    for p in rule.get("destination_prefixes") or []:
        low = str(p).lower()
        if low in ("*", "any", "virtualnetwork"):
            return True
        n = parse_net(str(p))
        if n is None:
            continue
        if not ips:
            return True
        import ipaddress

        if any(ipaddress.ip_address(ip) in n for ip in ips if parse_net(ip) is not None):
            return True
    return False


def _port_in(rule: Mapping[str, Any], port: int) -> bool:
    return any(int(lo) <= port <= int(hi) for lo, hi in rule.get("ports") or [])


def nsg_inbound(
    nsg: Resource, nic: Resource, port: int, arriving: Iterable[Net]
) -> tuple[tuple[Net, ...], dict[str, Any] | None, list[str]]:
    """What of ``arriving`` one NSG admits on TCP ``port``: (admitted, first allow rule, tags).

    Rules are taken by priority, first match wins per address.
    """
    remaining: tuple[Net, ...] = collapse(arriving)
    admitted: list[Net] = []
    allow_rule: dict[str, Any] | None = None
    unknown_tags: list[str] = []
    rules = [r for r in nsg.attributes.get("rules") or [] if r.get("direction") == "inbound"]
    for rule in sorted(rules, key=lambda r: int(r.get("priority") or 0)):
        if not remaining:
            break
        if rule.get("protocol") not in ("tcp", "-1") or not _port_in(rule, port):
            continue
        if not _dest_matches(rule, nic):
            continue
        if rule.get("source_asgs"):
            continue
        nets, tags = _sources(rule.get("source_prefixes") or [], rule.get("source_asgs") or [])
        if tags and rule.get("access") == "allow":
            unknown_tags.extend(f"{t} (rule {rule.get('name')})" for t in tags)
        hit = net_intersect(remaining, nets)
        if not hit:
            continue
        if rule.get("access") == "allow":
            admitted.extend(hit)
            if allow_rule is None:
                allow_rule = {"nsg": nsg.id, **dict(rule)}
        remaining = net_subtract(remaining, nets)
    return collapse(admitted), allow_rule, unknown_tags


def _default_route(table: Resource | None) -> Mapping[str, Any] | None:
    if table is None:
        return None
    for r in table.attributes.get("routes") or []:
        if isinstance(r, Mapping) and str(r.get("destination")) == "0.0.0.0/0":
            return dict(r)
    return None


def _public_paths(
    graph: BoundaryGraph, nic: Resource, port: int
) -> tuple[list[tuple[str, str, str | None, tuple[str, ...]]], list[str]]:
    """(public ways in: (how, node, sku, path nodes), ids needed but not collected)."""
    ways: list[tuple[str, str, str | None, tuple[str, ...]]] = []
    missing: list[str] = []
    if nic.attributes.get("instance_public_ip"):
        sku = nic.attributes.get("instance_public_ip_sku")
        ways.append(
            (f"a per-instance public IP ({nic.name})", nic.id, _sku(sku) if sku else None, ())
        )
    for ip_id in nic.attributes.get("public_ip_ids") or []:
        ip = _get(graph, str(ip_id))
        if ip is None:
            ways.append((f"public IP {ip_id}", str(ip_id), None, (str(ip_id),)))
            continue
        addr = ip.attributes.get("public_ip") or ip.name
        ways.append((f"public IP {addr}", ip.id, _sku(ip.attributes.get("sku")), (ip.id,)))
    pools = set(nic.attributes.get("lb_backend_pool_ids") or [])
    lbs = sorted({p.split("/backendaddresspools/", 1)[0] for p in pools})
    for lb_id in lbs:
        lb = _get(graph, lb_id)
        if lb is None:
            missing.append(lb_id)
            continue
        fronts = {str(f.get("id")): f for f in lb.attributes.get("frontends") or []}
        for rule in lb.attributes.get("rules") or []:
            if int(rule.get("backend_port") or 0) != port:
                continue
            if not pools & set(rule.get("backend_pool_ids") or []):
                continue
            front = fronts.get(str(rule.get("frontend_id")))
            if front is None or not front.get("public_ip_id"):
                continue
            ways.append(
                (
                    f"load balancer {lb.name} rule {rule.get('name')} "
                    f"({rule.get('frontend_port')} -> {port})",
                    lb.id,
                    _sku(lb.attributes.get("sku")),
                    (lb.id, str(front["public_ip_id"])),
                )
            )
    return ways, missing


def _sku(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("name")
    return str(value) if value else None


_Way = tuple[str, str, str | None, tuple[str, ...]]
"""A public way in to a NIC: (how, node, SKU, path nodes), from :func:`_public_paths`."""


def nic_exposure(graph: BoundaryGraph, nic: Resource, port: int, subject: str) -> Exposure:
    """Whether the internet reaches ``nic`` on TCP ``port`` (answer about ``subject``)."""
    base = Exposure(resource=subject, port=port, reach=Reach.UNKNOWN, reason="")
    ways, missing_lbs = _public_paths(graph, nic, port)
    if not ways:
        if missing_lbs:
            return replace(
                base,
                reason=f"load balancer(s) {', '.join(missing_lbs)} of {nic.name} not collected",
                missing=tuple(missing_lbs),
            )
        return replace(
            base,
            reach=Reach.NO,
            reason=f"NIC {nic.name} has no public IP and no public load balancer rule to {port}",
        )
    subnet = _get(graph, nic.attributes.get("subnet_id"))
    if subnet is None:
        return replace(
            base,
            reason=f"subnet of NIC {nic.name} was not collected",
            missing=(str(nic.attributes.get("subnet_id") or nic.id),),
        )
    nsgs, gone = _nsgs_of(graph, nic, subnet)
    if gone:
        return replace(base, reason=f"NSG {gone} was not collected", missing=(gone,))
    how, _node, _sku, via_path = ways[0]
    path = (subject, *((nic.id,) if nic.id != subject else ()), subnet.id, *via_path, INTERNET_ID)
    path = tuple(dict.fromkeys(path))
    edges = ((nic.id, subnet.id, MEMBER_OF),)
    table = _get(graph, subnet.attributes.get("route_table_id"))
    route = _default_route(table)
    if route is not None and route.get("target_type") == "none":
        return replace(
            base,
            reach=Reach.NO,
            reason=f"route table {table.name if table else ''} drops 0.0.0.0/0 (next hop None), "
            "so no answer gets back to the internet",
            path=path,
        )
    found = replace(base, path=path)
    if not nsgs:
        return _without_nsg(found, how, nic, ways, edges)
    return _through_nsgs(found, how, nic, nsgs, edges, route)


def _nsgs_of(
    graph: BoundaryGraph, nic: Resource, subnet: Resource
) -> tuple[list[Resource], str | None]:
    """The NSGs that filter ``nic`` (its subnet's, then its own), or the first not collected."""
    nsg_ids = [str(subnet.attributes.get("nsg_id") or "")] + [
        str(g) for g in nic.attributes.get("security_group_ids") or []
    ]
    nsgs: list[Resource] = []
    for gid in [g for g in nsg_ids if g]:
        g = _get(graph, gid)
        if g is None:
            return nsgs, gid
        nsgs.append(g)
    return nsgs, None


def _without_nsg(
    found: Exposure,
    how: str,
    nic: Resource,
    ways: Sequence[_Way],
    edges: tuple[tuple[str, str, str], ...],
) -> Exposure:
    """No NSG applies: Basic SKU public addresses are open, Standard ones closed by default."""
    if all((s or "").lower() == "basic" for _, _, s, _ in ways):
        return replace(
            found,
            reach=Reach.YES,
            reason=f"{how} (Basic SKU) and no NSG on NIC {nic.name} or its subnet",
            edges=edges,
            sources=("any address",),
        )
    if any(s is None for _, _, s, _ in ways):
        return replace(
            found,
            reason=f"{how} has an unknown SKU and no NSG applies (open if Basic)",
            missing=tuple(n for _, n, s, _ in ways if s is None),
        )
    return replace(
        found,
        reach=Reach.NO,
        reason=f"{how} is Standard SKU (closed by default) and no NSG opens it",
    )


def _through_nsgs(
    found: Exposure,
    how: str,
    nic: Resource,
    nsgs: Sequence[Resource],
    edges: tuple[tuple[str, str, str], ...],
    route: Mapping[str, Any] | None,
) -> Exposure:
    """The NSGs in turn on the internet addresses arriving at ``nic``; the default route
    decides whether the answer gets back (a virtual appliance makes it UNKNOWN)."""
    port = found.port
    arriving: tuple[Net, ...] = internet_space(4)
    first_rule: dict[str, Any] | None = None
    tags: list[str] = []
    for g in nsgs:
        arriving, rule, more = nsg_inbound(g, nic, port, arriving)
        tags.extend(more)
        first_rule = first_rule or rule
        if not arriving:
            break
    firewalls = tuple(g.id for g in nsgs)
    if not arriving:
        if tags:
            return replace(
                found,
                reason=f"NSG rule(s) admit service tag(s) {', '.join(sorted(set(tags)))} on "
                f"{port}, a set of public addresses the auditor cannot list",
                firewalls=firewalls,
                unmodelled="public address sets of Azure service tags in NSG rules",
            )
        return replace(
            found,
            reach=Reach.NO,
            reason=f"{how}, but the NSGs ({', '.join(g.name for g in nsgs)}) admit no internet "
            f"address on {port}",
            firewalls=firewalls,
        )
    shown = [str(n) for n in arriving[:3]]
    if route is not None and route.get("target_type") == "appliance":
        return replace(
            found,
            reason=f"{how} and NSG rule {(first_rule or {}).get('name')} admits {shown[0]}, but "
            f"0.0.0.0/0 is routed to virtual appliance {route.get('target_id')}: the answer "
            "depends on the appliance",
            firewalls=firewalls,
            firewall_rule=first_rule,
            unmodelled="routes through network virtual appliances (next hops the model "
            "cannot see past)",
        )
    rule_name = (first_rule or {}).get("name")
    return replace(
        found,
        reach=Reach.YES,
        reason=f"{how}, NSG rule {rule_name} (priority {(first_rule or {}).get('priority')}) "
        f"admits {', '.join(shown)}{' ...' if len(arriving) > 3 else ''} on {port}",
        edges=edges,
        firewall_rule=first_rule,
        sources=tuple(str(n) for n in arriving),
        firewalls=firewalls,
    )


def _event_hubs(res: Resource, port: int) -> Exposure:
    a = res.attributes
    base = Exposure(resource=res.id, port=port, reach=Reach.UNKNOWN, reason="")
    if port != int(a.get("kafka_port") or EVENT_HUBS_KAFKA_PORT):
        return replace(
            base, reach=Reach.NO, reason=f"Event Hubs serves Kafka only on {EVENT_HUBS_KAFKA_PORT}"
        )
    if a.get("kafka_enabled") is False:
        return replace(base, reach=Reach.NO, reason="the namespace has no Kafka endpoint")
    if str(a.get("public_access") or "").upper() == "DISABLED":
        return replace(base, reach=Reach.NO, reason="public network access is disabled")
    rules = a.get("network_rules")
    if not isinstance(rules, Mapping):
        return replace(
            base,
            reason=f"public network access is {a.get('public_network_access') or 'enabled'} "
            "on the namespace and its network rule set (networkRuleSets/default) was not read",
            missing=(res.id,),
        )
    rule_public = str(rules.get("public_network_access") or "").lower()
    if rule_public == "disabled":
        return replace(
            base, reach=Reach.NO, reason="the network rule set disables public network access"
        )
    if "securedbyperimeter" in (rule_public, str(a.get("public_network_access")).lower()):
        return replace(
            base,
            reason="public access is governed by a network security perimeter, whose access "
            "rules are not collected",
            missing=(res.id,),
        )
    if rules.get("default_action") is None:
        return replace(
            base,
            reason="public network access is enabled and the rule set's default action "
            "was not recorded",
            missing=(res.id,),
        )
    if str(rules.get("default_action")).lower() == "allow":
        return replace(
            base,
            reach=Reach.YES,
            reason="public network access is enabled and the network rule set allows all",
            path=(res.id, INTERNET_ID),
            sources=("any address",),
        )
    public = [
        str(r)
        for r in rules.get("ip_rules") or []
        if (n := parse_net(str(r))) is not None and net_intersect([n], internet_space(n.version))
    ]
    if public:
        return replace(
            base,
            reach=Reach.YES,
            reason=f"IP rules admit public ranges {', '.join(public[:3])}",
            path=(res.id, INTERNET_ID),
            sources=tuple(public),
        )
    return replace(
        base,
        reach=Reach.NO,
        reason="the network rule set denies by default and admits no public range",
    )


def exposure(graph: BoundaryGraph, res: Resource, port: int) -> Exposure:
    """Whether the internet reaches an Azure resource on ``port``."""
    if res.kind == Kind.KAFKA_CLUSTER:
        return _event_hubs(res, port)
    if res.kind == Kind.INTERFACE:
        return nic_exposure(graph, res, port, res.id)
    if res.kind == Kind.INSTANCE:
        nic_ids = [str(n) for n in res.attributes.get("interface_ids") or []]
        found: list[Exposure] = []
        for nid in nic_ids:
            nic = _get(graph, nid)
            if nic is None:
                found.append(
                    Exposure(
                        resource=res.id,
                        port=port,
                        reach=Reach.UNKNOWN,
                        reason=f"NIC {nid} was not collected",
                        missing=(nid,),
                    )
                )
            else:
                found.append(nic_exposure(graph, nic, port, res.id))
        if not found:
            return Exposure(
                resource=res.id,
                port=port,
                reach=Reach.UNKNOWN,
                reason=f"VM {res.name} has no recorded NIC",
                missing=(res.id,),
            )
        return _combine(found, res.id, port)
    if res.kind == Kind.LOAD_BALANCER:
        return _load_balancer(graph, res, port)
    if res.kind == Kind.SCALING_GROUP:
        return _scale_set(graph, res, port)
    if res.kind == Kind.K8S_CLUSTER:
        return api_exposure(res, port)
    return Exposure(
        resource=res.id,
        port=port,
        reach=Reach.UNKNOWN,
        reason=f"internet exposure of an Azure {res.kind} is not modelled",
        missing=(res.id,),
        unmodelled=f"internet exposure of an Azure {res.kind}",
    )


def scale_set_nics(vmss: Resource) -> list[Resource]:
    """The NIC every instance of a scale set gets, one per IP configuration, as interfaces.

    Each carries the IP configuration's subnet, backend pools and per-instance
    public IP (``instance_public_ip``), and its NIC configuration's NSG; its id is
    the scale set's, so that answers speak about the scale set.
    """
    out: list[Resource] = []
    for nic in vmss.attributes.get("nic_configurations") or []:
        for ip in nic.get("ip_configurations") or []:
            out.append(
                Resource(
                    id=vmss.id,
                    cloud=vmss.cloud,
                    kind=Kind.INTERFACE,
                    account=vmss.account,
                    region=vmss.region,
                    name=f"{vmss.name}/{nic.get('name')}/{ip.get('name')}",
                    attributes={
                        "subnet_id": ip.get("subnet_id"),
                        "security_group_ids": list(nic.get("security_group_ids") or []),
                        "lb_backend_pool_ids": list(ip.get("lb_backend_pool_ids") or []),
                        "public_ip_ids": [],
                        "private_ips": [],
                        "instance_public_ip": bool(ip.get("public_ip")),
                        "instance_public_ip_sku": ip.get("public_ip_sku"),
                    },
                )
            )
    return out


def _scale_set(graph: BoundaryGraph, vmss: Resource, port: int) -> Exposure:
    """A VM scale set: each IP configuration of its instances' NICs, as a NIC would be."""
    if vmss.attributes.get("nic_configurations") is None:
        return Exposure(
            resource=vmss.id,
            port=port,
            reach=Reach.UNKNOWN,
            reason=f"the network profile of scale set {vmss.name} was not recorded",
            missing=(vmss.id,),
        )
    found = [nic_exposure(graph, nic, port, vmss.id) for nic in scale_set_nics(vmss)]
    if not found:
        return Exposure(
            resource=vmss.id,
            port=port,
            reach=Reach.NO,
            reason=f"scale set {vmss.name} configures no IP configuration",
        )
    return _combine(found, vmss.id, port)


def _load_balancer(graph: BoundaryGraph, lb: Resource, port: int) -> Exposure:
    """A public load balancer on frontend ``port``: exposed if a backend NIC admits it."""
    fronts = {str(f.get("id")): f for f in lb.attributes.get("frontends") or []}
    found: list[Exposure] = []
    for rule in lb.attributes.get("rules") or []:
        if int(rule.get("frontend_port") or 0) != port:
            continue
        front = fronts.get(str(rule.get("frontend_id")))
        if front is None or not front.get("public_ip_id"):
            continue
        pools = set(rule.get("backend_pool_ids") or [])
        nics = [*graph.of_kind(Kind.INTERFACE)]
        for vmss in graph.of_kind(Kind.SCALING_GROUP):
            if vmss.cloud == "azure":
                nics.extend(scale_set_nics(vmss))
        for nic in nics:
            if pools & set(nic.attributes.get("lb_backend_pool_ids") or []):
                found.append(nic_exposure(graph, nic, int(rule.get("backend_port") or port), lb.id))
    if not found:
        return Exposure(
            resource=lb.id,
            port=port,
            reach=Reach.NO,
            reason=f"no public frontend rule of {lb.name} forwards port {port} to a known NIC",
        )
    return _combine(found, lb.id, port)


def exposures(graph: BoundaryGraph, res: Resource, ports: Iterable[int]) -> list[Exposure]:
    """One answer per port (Event Hubs: per port, 9093 being its only Kafka port)."""
    return [exposure(graph, res, p) for p in sorted(set(ports))]


def source_groups(res: Resource) -> SourceGroups:
    """Azure NSGs are not security groups: client sources are judged rule by rule in
    :mod:`auditor.analysis.network.client_admission`, not as groups."""
    return SourceGroups(
        not_judged="Azure NSG and Event Hubs network rules are judged rule by rule "
        "(auditor.analysis.network.client_admission), not as security groups"
    )
