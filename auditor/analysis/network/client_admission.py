"""Who may open a Kafka connection to an Azure or GCP platform resource, rule by rule.

The counterpart, for clouds without security groups, of reading a security
group's ingress rules (``network.client-sources``): each rule that lets a
source in on a Kafka port is listed with whether the source is declared.

- **Azure NSGs** (the subnet's, then the NIC's; a VM scale set's NIC
  configuration counts as a NIC): each NSG on its own, inbound rules by
  priority, first match wins per address, so a deny at a lower priority number
  takes its sources away from every later allow. ``*``/``Any`` is every
  address, ``Internet`` every public one, ``VirtualNetwork`` the NIC's VNet
  and its connected peers' address spaces (address spaces behind a VPN gateway
  are not collected: not counted), ``AzureLoadBalancer`` the health probe (not
  a client); any other service tag is a public address set the auditor cannot
  list (undeclared). Application security groups are declared when they are
  in a customer subscription. A NIC that no NSG filters admits every network
  that routes to it.
- **Event Hubs**: with public network access disabled nothing but private
  endpoints reach the namespace; otherwise default action Allow admits
  everyone, and each IP rule and virtual network rule (the subnet's address
  range) must be declared.
- **GCP firewall rules** of the instance's network that apply to it (target
  tags, target service accounts, or all), by priority with deny before allow
  at equal priority; source ranges must be declared; source tags name instances
  of the same network (declared), source service accounts must belong to
  customer projects.

- **AWS security groups**: each ingress rule opening a Kafka port, source by
  source: a CIDR, a prefix list (its collected entries; unknown when they were not
  read), a group
  reference (declared when its account is the customer's or a declared peer).

A source is declared when it lies within ``network.clients.from`` or
``network.replication.from``. Whether an undeclared source can actually reach
the listener is :mod:`.client_reach`'s question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.analysis.network.addresses import (
    Net,
    cidr_within,
    collapse,
    internet_space,
    net_intersect,
    net_subtract,
    nets_of,
    parse_net,
)
from auditor.analysis.network.azure import (
    _dest_matches,
    _get,
    _nsgs_of,
    _port_in,
    scale_set_nics,
)
from auditor.analysis.network.gcp import _matches_port, firewalls_for
from auditor.analysis.network.prefix_lists import KIND as PREFIX_LIST
from auditor.analysis.network.prefix_lists import prefix_lists, resolver
from auditor.analysis.network.security_groups import sg_rules_for_port
from auditor.analysis.network.view import network_view
from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

ALL_V4: tuple[Net, ...] = collapse([n for n in [parse_net("0.0.0.0/0")] if n is not None])


@dataclass(frozen=True, kw_only=True, slots=True)
class Admitted:
    """One source one rule lets in on a Kafka port."""

    holder: str
    """The NSG, firewall rule or namespace whose rule it is."""
    rule: str
    source: str
    """As the rule writes it (with what it stands for, for a tag)."""
    port: int
    declared: bool | None
    """``None``: what the source stands for was not collected."""
    nets: tuple[Net, ...] | None = None
    """The addresses it admits (after earlier rules took theirs); ``None`` for a source
    named by membership (a group, tag, service account) or a public endpoint's rule."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientAdmission:
    """The rules deciding who reaches one platform resource on its Kafka ports."""

    resource: str
    holders: tuple[Resource, ...] = ()
    """Every rule holder judged (NSGs, firewall rules, the namespace itself)."""
    admitted: tuple[Admitted, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""
    """Why ``missing`` matters, when the ids alone do not say."""
    not_judged: str = ""


def _declared(nets: Sequence[Net], allowed: Sequence[str]) -> bool:
    """Every address of ``nets`` lies within the declared CIDRs (together)."""
    return not net_subtract(nets, nets_of(allowed))


def _customer_sub(decl: Declaration, rid: str) -> bool:
    parts = rid.lower().split("/")
    sub = parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else ""
    return decl.party_of("azure", sub) == "customer"


def vnet_space(graph: BoundaryGraph, subnet: Resource) -> tuple[Net, ...] | None:
    """``VirtualNetwork`` for a NIC in ``subnet``: its VNet's and connected peers' spaces."""
    vnet = _get(graph, str(subnet.attributes.get("vpc_id") or ""))
    if vnet is None:
        return None
    nets = [n for c in vnet.attributes.get("cidrs") or [] if (n := parse_net(str(c)))]
    for peer in graph.of_kind(Kind.PEERING):
        req = peer.attributes.get("requester")
        acc = peer.attributes.get("accepter")
        if not isinstance(req, Mapping) or not isinstance(acc, Mapping):
            continue
        if req.get("vpc_id") != vnet.id or peer.attributes.get("status") != "active":
            continue
        nets.extend(n for c in acc.get("cidrs") or [] if (n := parse_net(str(c))))
    return collapse(nets)


def _nsg_sources(
    prefix: str, vnet: tuple[Net, ...] | None
) -> tuple[tuple[Net, ...] | None, str | None]:
    """(addresses a source prefix stands for, or None; a label when it is a tag)."""
    low = prefix.strip().lower()
    if low in ("*", "any", "0.0.0.0/0"):
        return ALL_V4, None
    if low == "internet":
        return internet_space(4), "Internet"
    if low == "virtualnetwork":
        return vnet, "VirtualNetwork"
    if (n := parse_net(prefix)) is not None:
        return (n,), None
    return None, prefix


def nsg_admitted(
    decl: Declaration,
    nsg: Resource,
    nic: Resource,
    port: int,
    vnet: tuple[Net, ...] | None,
    allowed: Sequence[str],
) -> list[Admitted]:
    """What one NSG lets in on TCP ``port`` to ``nic``, rule by rule, in priority order."""
    remaining: tuple[Net, ...] = ALL_V4
    out: list[Admitted] = []
    rules = [r for r in nsg.attributes.get("rules") or [] if r.get("direction") == "inbound"]
    for rule in sorted(rules, key=lambda r: int(r.get("priority") or 0)):
        if rule.get("protocol") not in ("tcp", "-1") or not _port_in(rule, port):
            continue
        if not _dest_matches(rule, nic):
            continue
        allow = rule.get("access") == "allow"
        name = f"{rule.get('name')} (priority {rule.get('priority')})"
        taken: list[Net] = []
        for p in [str(x) for x in rule.get("source_prefixes") or []]:
            if p.strip().lower() == "azureloadbalancer":
                continue
            nets, tag = _nsg_sources(p, vnet)
            if nets is not None:
                taken.extend(nets)
            if not allow:
                continue
            if nets is None:
                unknown = tag == "VirtualNetwork"
                out.append(
                    Admitted(
                        holder=nsg.id,
                        rule=name,
                        source=f"{p} (not collected)" if unknown else f"service tag {p}",
                        port=port,
                        declared=None if unknown else False,
                    )
                )
                continue
            hit = net_intersect(remaining, nets)
            if hit:
                shown = (
                    "Internet (every public address)"
                    if tag == "Internet"
                    else f"{tag} ({', '.join(str(n) for n in nets[:4])})"
                    if tag
                    else p
                )
                out.append(
                    Admitted(
                        holder=nsg.id,
                        rule=name,
                        source=shown,
                        port=port,
                        declared=_declared(hit, allowed),
                        nets=tuple(hit),
                    )
                )
        if allow:
            out.extend(
                Admitted(
                    holder=nsg.id,
                    rule=name,
                    source=f"application security group {asg}",
                    port=port,
                    declared=_customer_sub(decl, str(asg)),
                )
                for asg in rule.get("source_asgs") or []
            )
        remaining = net_subtract(remaining, taken)
    return out


def _azure_nics(graph: BoundaryGraph, res: Resource) -> tuple[list[Resource], list[str]]:
    if res.kind == Kind.INTERFACE:
        return [res], []
    if res.kind == Kind.SCALING_GROUP:
        return scale_set_nics(res), []
    nics: list[Resource] = []
    missing: list[str] = []
    for nid in [str(n) for n in res.attributes.get("interface_ids") or []]:
        nic = _get(graph, nid)
        if nic is None:
            missing.append(nid)
        else:
            nics.append(nic)
    return nics, missing


def azure_admission(
    graph: BoundaryGraph, res: Resource, ports: Sequence[int], allowed: Sequence[str]
) -> ClientAdmission:
    """The NSGs (or Event Hubs rules) deciding who reaches ``res`` on ``ports``."""
    decl = graph.declaration
    if res.kind == Kind.KAFKA_CLUSTER:
        return _event_hubs(graph, res, allowed)
    if res.kind == Kind.FIREWALL:
        return _platform_nsg(graph, res, ports, allowed)
    if res.kind not in (Kind.INSTANCE, Kind.INTERFACE, Kind.SCALING_GROUP):
        return ClientAdmission(
            resource=res.id,
            not_judged=f"an Azure {res.kind} filters no traffic itself; the NSGs of the NICs "
            "behind it are judged on those NICs",
        )
    nics, missing = _azure_nics(graph, res)
    if res.kind == Kind.SCALING_GROUP and res.attributes.get("nic_configurations") is None:
        missing.append(res.id)
    no_nic = not nics and not missing  # nothing examined: a NIC without an NSG admits all
    if no_nic:
        missing.append(res.id)
    holders: dict[str, Resource] = {}
    admitted: list[Admitted] = []
    for nic in nics:
        subnet = _get(graph, str(nic.attributes.get("subnet_id") or ""))
        if subnet is None:
            missing.append(str(nic.attributes.get("subnet_id") or nic.id))
            continue
        nsgs, gone = _nsgs_of(graph, nic, subnet)
        if gone:
            missing.append(gone)
            continue
        if not nsgs:
            holders[res.id] = res
            admitted.extend(
                Admitted(
                    holder=res.id,
                    rule="no NSG on the NIC or its subnet",
                    source="every network that routes to it",
                    port=p,
                    declared=False,
                    nets=ALL_V4,
                )
                for p in ports
            )
            continue
        vnet = vnet_space(graph, subnet)
        for g in nsgs:
            holders[g.id] = g
            for p in ports:
                admitted.extend(nsg_admitted(decl, g, nic, p, vnet, allowed))
    return ClientAdmission(
        resource=res.id,
        holders=tuple(holders[k] for k in sorted(holders)),
        admitted=tuple(admitted),
        missing=tuple(sorted(set(missing))),
        reason=f"no network interface of {res.name or res.id} was found" if no_nic else "",
    )


def _platform_nsg(
    graph: BoundaryGraph, nsg: Resource, ports: Sequence[int], allowed: Sequence[str]
) -> ClientAdmission:
    """An NSG selected as platform itself: its rules toward any destination it covers."""
    subnets = [str(x) for x in nsg.attributes.get("subnet_ids") or []]
    subnet = _get(graph, subnets[0]) if subnets else None
    vnet = vnet_space(graph, subnet) if subnet is not None else None
    anywhere = Resource(
        id=nsg.id, cloud="azure", kind=Kind.INTERFACE, account=nsg.account, region=nsg.region
    )
    admitted = [
        a for p in ports for a in nsg_admitted(graph.declaration, nsg, anywhere, p, vnet, allowed)
    ]
    return ClientAdmission(resource=nsg.id, holders=(nsg,), admitted=tuple(admitted))


def _event_hubs(graph: BoundaryGraph, res: Resource, allowed: Sequence[str]) -> ClientAdmission:
    """An Event Hubs namespace's own network rules on its Kafka endpoint (9093)."""
    a = res.attributes
    port = int(a.get("kafka_port") or 9093)
    rules: Any = a.get("network_rules")
    base = ClientAdmission(resource=res.id, holders=(res,))
    closed = str(a.get("public_access") or "").upper() == "DISABLED"
    if isinstance(rules, Mapping):
        closed = closed or str(rules.get("public_network_access") or "").lower() == "disabled"
    if a.get("kafka_enabled") is False or closed:
        return base
    if not isinstance(rules, Mapping) or rules.get("default_action") is None:
        return ClientAdmission(
            resource=res.id,
            missing=(res.id,),
            reason="its public network access is enabled and its network rule set "
            "(networkRuleSets/default) was not read",
        )

    def one(rule: str, source: str, declared: bool | None) -> Admitted:
        return Admitted(holder=res.id, rule=rule, source=source, port=port, declared=declared)

    if str(rules.get("default_action")).lower() == "allow":
        return ClientAdmission(
            resource=res.id,
            holders=(res,),
            admitted=(one("default action Allow", "0.0.0.0/0 (any address)", False),),
        )
    out = [
        one("IP rule", str(c), cidr_within(str(c), allowed)) for c in rules.get("ip_rules") or []
    ]
    for sid in rules.get("virtual_network_rules") or []:
        subnet = _get(graph, str(sid))
        cidrs = [str(c) for c in (subnet.attributes.get("cidrs") or []) if subnet] if subnet else []
        declared = all(cidr_within(c, allowed) for c in cidrs) if cidrs else None
        out.append(one("virtual network rule", f"subnet {sid} ({', '.join(cidrs)})", declared))
    return ClientAdmission(resource=res.id, holders=(res,), admitted=tuple(out))


def gcp_admission(
    graph: BoundaryGraph, res: Resource, ports: Sequence[int], allowed: Sequence[str]
) -> ClientAdmission:
    """The ingress firewall rules deciding who reaches a GCP instance on ``ports``."""
    if res.kind == Kind.FIREWALL:
        own = [
            a
            for p in ports
            if _matches_port(res, p) and res.attributes.get("direction") == "ingress"
            for a in _gcp_rule(graph.declaration, res, p, ALL_V4, allowed)
        ]
        return ClientAdmission(resource=res.id, holders=(res,), admitted=tuple(own))
    if res.kind != Kind.INSTANCE:
        why = (
            "a Managed Kafka cluster is reached only through Private Service Connect endpoints "
            "in the declared consumer subnets"
            if res.kind == Kind.KAFKA_CLUSTER
            else f"a GCP {res.kind} has no firewall rules of its own; the instances behind it "
            "are judged"
        )
        return ClientAdmission(resource=res.id, not_judged=why)
    network = str(res.attributes.get("vpc_id") or "")
    net_res = _get(graph, network)
    if net_res is None:
        return ClientAdmission(resource=res.id, missing=(network or res.id,))
    tags = {str(t) for t in res.attributes.get("network_tags") or []}
    sas = {str(s) for s in res.attributes.get("service_accounts") or []}
    firewalls = firewalls_for(graph, network, tags, sas, "ingress")
    if not any(f.attributes.get("implied") for f in firewalls):
        return ClientAdmission(resource=res.id, missing=(network,))
    holders: dict[str, Resource] = {}
    admitted: list[Admitted] = []
    for port in ports:
        remaining = ALL_V4
        for fw in firewalls:
            if not _matches_port(fw, port) or fw.attributes.get("implied"):
                continue
            holders[fw.id] = fw
            admitted.extend(_gcp_rule(graph.declaration, fw, port, remaining, allowed))
            srcs = [n for c in fw.attributes.get("source_ranges") or [] if (n := parse_net(str(c)))]
            remaining = net_subtract(remaining, srcs)
    return ClientAdmission(
        resource=res.id,
        holders=tuple(holders[k] for k in sorted(holders)),
        admitted=tuple(admitted),
    )


def _gcp_rule(
    decl: Declaration, fw: Resource, port: int, remaining: Sequence[Net], allowed: Sequence[str]
) -> list[Admitted]:
    """What one allow rule admits of the addresses no earlier rule decided."""
    a = fw.attributes
    if a.get("action") != "allow":
        return []
    name = f"{fw.name} (priority {a.get('priority')})"
    out: list[Admitted] = []
    for c in [str(x) for x in a.get("source_ranges") or []]:
        n = parse_net(c)
        hit = net_intersect(remaining, [n]) if n is not None else ()
        if hit:
            out.append(
                Admitted(
                    holder=fw.id,
                    rule=name,
                    source=c,
                    port=port,
                    declared=_declared(hit, allowed),
                    nets=tuple(hit),
                )
            )
    out.extend(
        Admitted(holder=fw.id, rule=name, source=f"network tag {t}", port=port, declared=True)
        for t in a.get("source_tags") or []
    )
    for sa in [str(x) for x in a.get("source_service_accounts") or []]:
        project = sa.split("@", 1)[-1].split(".", 1)[0]
        out.append(
            Admitted(
                holder=fw.id,
                rule=name,
                source=f"service account {sa}",
                port=port,
                declared=decl.party_of("gcp", project) == "customer",
            )
        )
    return out


def aws_admission(
    decl: Declaration,
    sg: Resource,
    ports: Sequence[int],
    lists: Callable[[str], tuple[Net, ...] | None] = lambda _pl: None,
) -> list[Admitted]:
    """What one security group's ingress rules let in on each of ``ports``, source by source
    (``lists``: a prefix list's entries, None when they were not collected)."""
    allowed = sorted({*decl.network.clients.cidrs, *decl.network.replication.cidrs})
    peers = set(decl.network.peers)
    out: list[Admitted] = []
    for port in sorted(set(ports)):
        for r in sg_rules_for_port(sg, port):
            name = f"tcp {r.get('from_port')}-{r.get('to_port')}"
            for c in [str(x) for x in r.get("cidrs") or []]:
                n = parse_net(c)
                out.append(
                    Admitted(
                        holder=sg.id,
                        rule=name,
                        source=c,
                        port=port,
                        declared=_declared((n,), allowed) if n is not None else False,
                        nets=(n,) if n is not None else None,
                    )
                )
            out.extend(
                _prefix_list(sg, name, str(pl), port, lists, allowed)
                for pl in r.get("prefix_lists") or []
            )
            for g in r.get("groups") or []:
                acct = str(g.get("account") or "")
                ok = (
                    not acct
                    or decl.party_of("aws", acct) == "customer"
                    or acct in peers
                    or str(g.get("group_id")) in peers
                )
                out.append(
                    Admitted(
                        holder=sg.id,
                        rule=name,
                        source=f"group {g.get('group_id')} ({acct or 'same account'})",
                        port=port,
                        declared=ok,
                    )
                )
    return list(dict.fromkeys(out))


def _prefix_list(
    sg: Resource,
    rule: str,
    pl: str,
    port: int,
    lists: Callable[[str], tuple[Net, ...] | None],
    allowed: Sequence[str],
) -> Admitted:
    """A prefix-list source: declared when every entry is; unknown when not collected."""
    nets = lists(pl)
    if nets is None:
        return Admitted(
            holder=sg.id,
            rule=rule,
            source=f"prefix list {pl} (entries not collected)",
            port=port,
            declared=None,
        )
    return Admitted(
        holder=sg.id,
        rule=rule,
        source=f"prefix list {pl} ({', '.join(str(n) for n in nets[:5]) or 'no entries'})",
        port=port,
        declared=_declared(nets, allowed),
        nets=nets,
    )


def admission(graph: BoundaryGraph, res: Resource, ports: Sequence[int]) -> ClientAdmission:
    """The rules deciding who may open a Kafka connection to ``res``, in any cloud.

    AWS: the security groups of ``res`` (a security group selected as platform
    stands for itself); Azure: its NSGs or Event Hubs rules; GCP: its firewall rules.
    """
    decl = graph.declaration
    allowed = sorted({*decl.network.clients.cidrs, *decl.network.replication.cidrs})
    if res.cloud == "azure":
        return azure_admission(graph, res, ports, allowed)
    if res.cloud == "gcp":
        return gcp_admission(graph, res, ports, allowed)
    found = network_view(graph).source_groups(res)
    lists = prefix_lists(graph.of_kind(PREFIX_LIST))
    if found.not_judged:
        return ClientAdmission(resource=res.id, not_judged=found.not_judged)
    return ClientAdmission(
        resource=res.id,
        holders=tuple(sorted(found.groups, key=lambda g: g.id)),
        admitted=tuple(
            a
            for g in found.groups
            for a in aws_admission(decl, g, ports, resolver(lists, g.region))
        ),
        missing=tuple(found.missing),
    )
