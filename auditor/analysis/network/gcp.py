"""GCP internet exposure: external IPs, routes to the default internet gateway, firewall rules.

**Exposed on port P** (a Compute instance): it has an external IP (an access
config) AND some internet addresses are routed, by the routes of its network
that apply to it (no tags, or a tag it carries; longest prefix first, then
the lowest priority number), to ``default-internet-gateway`` AND the network's
ingress firewall rules that apply to it (target tags, target service
accounts, or all instances), taken in priority order with deny before allow
at equal priority and the implied deny-all at 65535, allow P from part of
what remains. Firewalls are stateful, so the return path needs no rule.

A Managed Kafka cluster is reached only through Private Service Connect
endpoints (never exposed); a forwarding rule is exposed when it is external
and listens on P. Peerings are not transitive: a network reaches only its
direct peers (see ``network.peering-declared``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.analysis.network.acl import port_in, proto_matches
from auditor.analysis.network.addresses import (
    Net,
    collapse,
    internet_space,
    net_intersect,
    net_subtract,
    nets_of,
    parse_net,
)
from auditor.analysis.network.answers import Exposure, Reach, SourceGroups
from auditor.analysis.network.cluster_api import api_exposure
from auditor.base.edges import ATTACHED_TO, PROTECTED_BY, ROUTES_VIA
from auditor.graph.build import BoundaryGraph
from auditor.model import INTERNET_ID, JSONValue, Kind, Resource

ROUTE = "route"
"""Kind of a GCP route (one per route, with ``priority`` and instance ``tags``)."""


def _applies(targets: Sequence[str], tags: set[str]) -> bool:
    return not targets or bool(set(targets) & tags)


def routes_for(graph: BoundaryGraph, network: str, tags: set[str]) -> list[Resource]:
    """Routes of ``network`` that apply to an instance carrying ``tags``."""
    return [
        r
        for r in graph.of_kind(ROUTE)
        if r.attributes.get("vpc_id") == network
        and _applies([str(t) for t in r.attributes.get("tags") or []], tags)
    ]


def internet_routed(
    routes: Sequence[Resource], version: int = 4
) -> tuple[tuple[Net, ...], list[Resource]]:
    """Internet addresses whose chosen route goes to the default internet gateway.

    GCP picks the most specific destination, then the lowest priority number;
    equal routes to different next hops share traffic, so any internet one counts.
    """
    parsed = [
        (r, n)
        for r in routes
        if (n := parse_net(str(r.attributes.get("destination") or ""))) is not None
        and n.version == version
    ]
    best: dict[Net, int] = {}
    for r, n in parsed:
        prio = int(r.attributes.get("priority") or 1000)
        best[n] = min(best.get(n, prio), prio)
    reach: list[Net] = []
    used: list[Resource] = []
    for r, n in sorted(parsed, key=lambda x: x[0].id):
        if r.attributes.get("next_hop_type") != "internet":
            continue
        if int(r.attributes.get("priority") or 1000) != best[n]:
            continue
        more_specific = [m for m in best if m.prefixlen > n.prefixlen and m.subnet_of(n)]  # type: ignore[arg-type]
        own = net_intersect(net_subtract([n], more_specific), internet_space(version))
        if own:
            reach.extend(own)
            used.append(r)
    return collapse(reach), used


def firewalls_for(
    graph: BoundaryGraph, network: str, tags: set[str], accounts: set[str], direction: str
) -> list[Resource]:
    """Enabled firewall rules of ``network`` applying to an instance, in evaluation order."""
    out: list[Resource] = []
    for fw in graph.of_kind(Kind.FIREWALL):
        a = fw.attributes
        if fw.cloud != "gcp" or a.get("vpc_id") != network or a.get("direction") != direction:
            continue
        if a.get("disabled"):
            continue
        target_tags = [str(t) for t in a.get("target_tags") or []]
        target_sas = [str(s) for s in a.get("target_service_accounts") or []]
        if target_tags and not set(target_tags) & tags:
            continue
        if target_sas and not set(target_sas) & accounts:
            continue
        out.append(fw)
    return sorted(
        out,
        key=lambda f: (
            int(f.attributes.get("priority") or 1000),
            0 if f.attributes.get("action") == "deny" else 1,
            f.id,
        ),
    )


def _matches_port(fw: Resource, port: int) -> bool:
    return any(
        proto_matches(r.get("protocol"), "tcp") and port_in(r, port)
        for r in fw.attributes.get("rules") or []
    )


def _rule_json(fw: Resource) -> dict[str, JSONValue]:
    a = fw.attributes
    return {
        "firewall": fw.id,
        "priority": a.get("priority"),
        "action": a.get("action"),
        "source_ranges": a.get("source_ranges"),
        "target_tags": a.get("target_tags"),
        "implied": a.get("implied"),
    }


def gcp_exposure(graph: BoundaryGraph, res: Resource, port: int) -> Exposure:
    """Whether the internet can open a connection to a GCP resource on ``port``."""
    name = res.name or res.id
    if res.kind == Kind.KAFKA_CLUSTER:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.NO,
            reason=f"Managed Kafka cluster {name} is reached only through Private Service "
            "Connect endpoints",
        )
    if res.kind == Kind.LOAD_BALANCER:
        return _forwarding_rule_exposure(res, port)
    if res.kind == Kind.K8S_CLUSTER:
        return api_exposure(res, port)
    if res.kind != Kind.INSTANCE:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.NO,
            reason=f"a GCP {res.kind} has no address of its own",
        )
    return _instance_exposure(graph, res, port)


def _forwarding_rule_exposure(res: Resource, port: int) -> Exposure:
    """A forwarding rule is exposed when it is external and listens on ``port``."""
    a = res.attributes
    name = res.name or res.id
    scheme = a.get("scheme")
    if scheme is None:
        return _unknown(res, port, "forwarding rule scheme unknown")
    ports = [str(p) for p in a.get("ports") or []]
    listens = not ports or any(
        port_in({"from_port": int(p.split("-")[0]), "to_port": int(p.split("-")[-1])}, port)
        for p in ports
    )
    if scheme != "internet-facing" or not listens:
        why = "internal" if scheme != "internet-facing" else f"listens on {', '.join(ports)}"
        return Exposure(resource=res.id, port=port, reach=Reach.NO, reason=f"{name} is {why}")
    return Exposure(
        resource=res.id,
        port=port,
        reach=Reach.YES,
        reason=f"external forwarding rule {name} listens on port {port}",
        path=(res.id, INTERNET_ID),
        sources=("0.0.0.0/0",),
    )


def _instance_exposure(graph: BoundaryGraph, res: Resource, port: int) -> Exposure:
    """An instance is exposed when it has an external IP and a route of its (collected)
    network sends internet addresses to the default internet gateway, and a firewall
    rule admits them (:func:`_through_firewalls`)."""
    a = res.attributes
    name = res.name or res.id
    if a.get("has_external_access") is None:
        return _unknown(res, port, "external access not recorded")
    if a.get("has_external_access") is False:
        return Exposure(
            resource=res.id, port=port, reach=Reach.NO, reason=f"{name} has no external IP"
        )
    public = str(a.get("public_ip") or "an ephemeral external IP")
    network = str(a.get("vpc_id") or "")
    if not network:
        return _unknown(res, port, f"{name} has {public} but no recorded network")
    net_res = graph.get(network)
    if net_res is None or net_res.attributes.get("stub"):
        # A network not collected (a Shared VPC host project outside the scan, say):
        # its routes and firewalls are unknown, not absent.
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.UNKNOWN,
            reason=f"{name} has {public} but its network {network} was not collected",
            missing=(network,),
        )
    tags = {str(t) for t in a.get("network_tags") or []}
    sas = {str(s) for s in a.get("service_accounts") or []}
    routed, used = internet_routed(routes_for(graph, network, tags))
    if not routed:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.NO,
            reason=f"{name} has external IP {public} but no route of its network sends "
            "internet addresses to the default internet gateway",
        )
    firewalls = firewalls_for(graph, network, tags, sas, "ingress")
    return _through_firewalls(res, port, public, network, used[0], routed, firewalls)


def _through_firewalls(
    res: Resource,
    port: int,
    public: str,
    network: str,
    route: Resource,
    routed: Sequence[Net],
    firewalls: Sequence[Resource],
) -> Exposure:
    """The verdict of the ingress ``firewalls`` (priority order) on the internet addresses
    ``routed`` through ``route``: YES when an allow rule admits some, UNKNOWN when the
    implied rules were not collected and some are left undecided, else NO."""
    name = res.name or res.id
    gateway = str(route.attributes.get("next_hop") or "")
    path = (res.id, network, route.id, gateway, INTERNET_ID)
    edges = (
        (route.id, network, ATTACHED_TO),
        (route.id, gateway, ROUTES_VIA),
    )
    admitted, decided, remaining = _first_matches(firewalls, port, routed)
    if not any(fw.attributes.get("implied") for fw in firewalls) and remaining:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.UNKNOWN if not admitted else Reach.YES,
            reason=f"the firewall rules of {network} (and its implied rules) were not collected",
            path=path,
            edges=edges,
            missing=(network,),
            firewalls=tuple(f.id for f in firewalls),
        )
    if not admitted:
        why = (
            f"firewall rule {decided.name} (priority {decided.attributes.get('priority')}, "
            f"{decided.attributes.get('action')}) decides port {port} from the internet"
            if decided is not None
            else f"no firewall rule admits port {port} from the internet"
        )
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.NO,
            reason=f"{name} has external IP {public} but {why}",
            path=path,
            edges=edges,
            firewall_rule=_rule_json(decided) if decided is not None else None,
            firewalls=tuple(f.id for f in firewalls),
        )
    fw = admitted[0][1]
    sources = sorted({str(n) for n, _ in admitted})
    return Exposure(
        resource=res.id,
        port=port,
        reach=Reach.YES,
        reason=(
            f"{name} has external IP {public}, firewall rule {fw.name} (priority "
            f"{fw.attributes.get('priority')}) allows port {port} from "
            f"{', '.join(str(c) for c in fw.attributes.get('source_ranges') or [])}, "
            f"and route {route.name} sends {route.attributes.get('destination')} to the "
            "default internet gateway"
        ),
        path=path,
        edges=((res.id, fw.id, PROTECTED_BY), *edges),
        firewall_rule=_rule_json(fw),
        sources=tuple(sources),
        firewalls=tuple(f.id for f in firewalls),
    )


def _first_matches(
    firewalls: Sequence[Resource], port: int, routed: Sequence[Net]
) -> tuple[list[tuple[Net, Resource]], Resource | None, tuple[Net, ...]]:
    """Ingress firewall rules over the internet addresses ``routed`` (:func:`first_matches`).

    Returns each address admitted by the allow rule that decides it, the first
    rule that decides any address, and the addresses no rule decides.
    """
    decided, remaining = first_matches(firewalls, port, routed, source_ranges)
    admitted = [
        (n, fw) for fw, hit in decided if fw.attributes.get("action") == "allow" for n in hit
    ]
    return admitted, (decided[0][0] if decided else None), remaining


def source_ranges(fw: Resource) -> tuple[Net, ...]:
    """The source ranges of an ingress rule (none for a rule by source tag or account)."""
    return nets_of(fw.attributes.get("source_ranges") or [])


def first_matches(
    firewalls: Sequence[Resource],
    port: int,
    nets: Sequence[Net],
    far: Callable[[Resource], Sequence[Net]],
) -> tuple[list[tuple[Resource, tuple[Net, ...]]], tuple[Net, ...]]:
    """GCP firewall rules (in :func:`firewalls_for` order) over ``nets`` on tcp ``port``:
    the first rule matching an address decides it, allow or deny.

    The one evaluation loop of GCP firewall rules. ``far`` gives a rule's far-end
    addresses (an ingress rule's sources, an egress rule's destinations). Returns each
    rule that decides something with the addresses it decides, in order, and the
    addresses no rule decides (the implied rules, when collected, decide them all).
    """
    remaining = collapse(nets)
    decided: list[tuple[Resource, tuple[Net, ...]]] = []
    for fw in firewalls:
        if not remaining:
            break
        if not _matches_port(fw, port):
            continue
        hit = net_intersect(remaining, far(fw))
        if not hit:
            continue
        decided.append((fw, hit))
        remaining = net_subtract(remaining, hit)
    return decided, remaining


def _unknown(res: Resource, port: int, reason: str) -> Exposure:
    return Exposure(
        resource=res.id, port=port, reach=Reach.UNKNOWN, reason=reason, missing=(res.id,)
    )


def source_groups(res: Resource) -> SourceGroups:
    """GCP firewall rules are not groups: client sources are judged rule by rule in
    :mod:`auditor.analysis.network.client_admission`."""
    return SourceGroups(
        not_judged="GCP firewall rules are per network and target, judged rule by rule "
        "(auditor.analysis.network.client_admission), not as security groups"
    )
