"""Verdicts on site links (VPN, ExpressRoute, Interconnect, Direct Connect) for the network rules.

``network.transit-declared`` asks of each link where it leads: to a network of
the customer (its far address is a collected gateway of a customer network),
to a declared peer (``network.peers`` names the account, network, gateway,
address or a range holding it), or elsewhere (an unexplained crossing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.analysis.boundary_scope import is_customer_account
from auditor.analysis.network import cidr_within, local_id, parse_net, platform_networks
from auditor.analysis.network.site_links import SiteLink, names_of, owner_of_far, site_links
from auditor.base.edges import JOINS
from auditor.checks import Judgement, RuleContext
from auditor.checks.engine import scope_id
from auditor.model import JSONValue


def link_json(s: SiteLink) -> dict[str, JSONValue]:
    return {
        "link_type": s.link_type,
        "via": s.via,
        "status": s.status or None,
        "networks": [n.id for n in s.networks],
        "local_ips": list(s.local_ips),
        "peer_gateway": s.peer.id if s.peer is not None else None,
        "peer_ips": list(s.peer_ips),
        "far_gateway": s.far_gateway.id if s.far_gateway is not None else None,
        "far_networks": [n.id for n in s.far_networks],
        "matched_ip": s.matched_ip or None,
        "remote_prefixes": None if s.remote_prefixes is None else list(s.remote_prefixes),
        "routing": s.routing or None,
    }


def _declared_name(ctx: RuleContext, s: SiteLink) -> str:
    """The ``network.peers`` entry naming the far end, or ''."""
    peers = [str(p) for p in ctx.declaration.network.peers]
    names = names_of(s)
    for p in peers:
        if p in names:
            return p
    ranges = [p for p in peers if "/" in p and parse_net(p) is not None]
    if ranges and s.peer_ips and all(cidr_within(ip, ranges) for ip in s.peer_ips):
        return next(r for r in ranges if cidr_within(s.peer_ips[0], [r]))
    return ""


def _link_label(s: SiteLink) -> str:
    kind = {"vpn": "VPN", "vnet2vnet": "VNet-to-VNet"}.get(s.link_type, s.link_type)
    return f"{s.link.cloud} {kind} link {s.link.name or local_id(s.link.id)}"


def site_link_verdicts(ctx: RuleContext) -> Iterator[Judgement]:
    """One verdict per site link of the customer or of a platform network."""
    decl = ctx.declaration
    links = site_links(ctx.graph)
    platform = {n.id for n in platform_networks(ctx.graph).networks}
    judged: set[str] = set()
    for s in links.links:
        link = s.link
        mine = is_customer_account(decl, link.cloud, link.account)
        if not mine and not any(n.id in platform for n in s.networks):
            continue
        judged.add(link.cloud)
        yield judge_link(ctx, s)
    for cloud in sorted(ctx.scanned_clouds() - judged - {"aws"}):
        yield ctx.nothing_to_judge(
            scope_id(cloud, "*", "*"),
            f"no VPN, ExpressRoute or Interconnect link was found in the collected {cloud} "
            "networks (virtual WAN and Network Connectivity Center hubs are not collected)",
        )


def judge_link(ctx: RuleContext, s: SiteLink) -> Judgement:
    decl = ctx.declaration
    what = _link_label(s)
    near = ", ".join(n.name or local_id(n.id) for n in s.networks) or "an unresolved network"
    attrs = link_json(s)
    nodes = s.nodes()
    edges = [(s.link.id, n.id, JOINS) for n in s.far_networks]
    common = {"nodes": nodes, "edges": edges, "attributes": attrs}
    cloud, account = owner_of_far(s)
    if s.far_gateway is not None:
        far = s.far_label
        how = f" (peer address {s.matched_ip})" if s.matched_ip else ""
        if is_customer_account(decl, cloud, account):
            return ctx.passed(
                s.link.id,
                f"{what} joins {near} to customer {far}{how}",
                **common,
            )
        named = _declared_name(ctx, s)
        ids = {account, s.far_gateway.id, *(n.id for n in s.far_networks)}
        if named or ids & set(decl.network.peers):
            return ctx.passed(
                s.link.id, f"{what} joins {near} to declared peer {far}{how}", **common
            )
        return ctx.failed(
            s.link.id,
            f"{what} joins {near} to {far}{how}, owned by undeclared {cloud} account "
            f"{account} ({decl.party_of(cloud, account)})",
            definite=True,
            **common,
        )
    named = _declared_name(ctx, s)
    if named:
        return ctx.passed(
            s.link.id,
            f"{what} leads from {near} to {s.far_label}, declared in network.peers ({named})",
            **common,
        )
    if not names_of(s):
        return replace(
            ctx.inconclusive(
                s.link.id,
                f"{what} on {near}: its far end is not recorded, so where it leads is unknown",
                **common,
            ),
            unmodelled="the far end of a site link that records no peer address, gateway or "
            "network",
        )
    return ctx.failed(
        s.link.id,
        f"{what} leads from {near} to {s.far_label}, which is no gateway of any collected "
        "network: its owner is unknown and network.peers does not name it",
        **common,
    )
