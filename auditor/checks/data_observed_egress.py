"""``data.observed-egress``: no bytes left the declared regions or the customer's accounts.

Each ACCEPTed flow is placed at both ends by address
(:mod:`auditor.analysis.movement_places`). Bytes *leave* when the source lies in a
collected network of a customer account and the destination lies outside every
collected network of the customer in a declared region: outside every collected
network (the internet, another company), in another party's account, or in a
region the declaration does not name, and not in a declared range
(``network.clients.from``, ``replication.from``, ``operations.from``, the ``to`` of
``network.egress`` and ``network.monitoring``).

REJECTed flows into a network are reported apart, on their own evidence line (the
sources and records refused): a flood of refused connections is worth seeing, but
nothing crossed, so it is never a FAIL by itself.

- FAIL per network bytes left from, with the bytes per destination.
- PASS per fully observed network nothing left from.
- INCONCLUSIVE per network not observed in full (the gap) that nothing was seen leaving.
- NOT_APPLICABLE when observed flows were not asked for.

Azure: accounts are subscriptions; addresses are placed by their owners (NICs, NAT
gateways, load balancers: :mod:`auditor.analysis.movement_places_azure`) and VNet
ranges; traffic to the host's own addresses (168.63.129.16: DNS, DHCP; link-local:
instance metadata) does not leave. Azure service addresses (Storage, Event Hubs public
endpoints) count as the internet, as AWS's do. Bytes that left a subnet the model gives
no way out (no NAT gateway, public IP or outbound rule, ``defaultOutboundAccess: false``;
a user route dropping them) are named as model drift on the FAIL
(:mod:`._observed_medium_azure`).

GCP: bytes leaving are the sending VM's ``SENT`` records (a VM records what it sent;
the internet writes no record back), counted once with the destination's ``ACCEPT``
when both ends logged the connection; a destination is placed by the region of the
subnetwork, VM, Cloud NAT or forwarding rule holding it. VPC Flow Logs write no
record of denied traffic; the REJECT line is what logged ingress firewall rules
``DENIED`` (Firewall Rules Logging, :mod:`._observed_firewall_gcp`; never bytes). A
sampled or filtered subnetwork (``flowSampling`` < 1.0, ``filterExpr``) keeps "nothing
left" INCONCLUSIVE, naming it; bytes seen leaving still FAIL. Traffic to Google APIs
(Private Google Access included) goes to Google's addresses, outside every collected
network: it counts as leaving unless its range is declared in ``network.egress``.

AWS: a connection logged by the sender, its NAT gateway's interface (both legs) and the
receiver counts once (:mod:`auditor.analysis.movement_connections_aws`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from auditor.analysis.boundary_scope import is_customer_account
from auditor.analysis.data_movement import distinct_flows
from auditor.analysis.movement_connections_aws import aws_once
from auditor.analysis.movement_places import Place, places_of
from auditor.analysis.movement_places_azure import host_local
from auditor.analysis.network import platform_networks
from auditor.analysis.network.addresses import Net, nets_of, parse_net
from auditor.base.kinds.observed import OBSERVED_FLOW
from auditor.boundary import Declaration
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._admission import with_links
from auditor.checks._observed_firewall_gcp import DENIED
from auditor.checks._observed_medium_azure import SenderMedium as AzureSenderMedium
from auditor.checks._observed_sites_gcp import SEEN, one_per_connection
from auditor.checks._observed_window import (
    Window,
    flow_json,
    flow_text,
    flows_asked,
    network_key,
    not_asked,
    unobserved,
    windows,
)
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

SERVICE = "vpc-flow-records"
AZURE_SERVICE = "azure-flow-records"
TOP = 5
"""Destinations and refused sources a message names at most."""


def declared_ranges(decl: Declaration) -> tuple[Net, ...]:
    """Ranges traffic may go to or come from by declaration."""
    n = decl.network
    cidrs = [*n.clients.cidrs, *n.replication.cidrs, *n.operations.cidrs]
    for out in (n.egress, n.monitoring):
        if out is not None:
            cidrs += out.to
    return nets_of(sorted(set(cidrs)))


def leaves(decl: Declaration, dst: Place | None, ranges: Sequence[Net], address: str) -> str:
    """Why bytes to ``address`` (placed at ``dst``) leave the boundary ("" when they do not)."""
    ip = parse_net(address)
    if ip is not None and any(
        ip.version == r.version and ip.subnet_of(r)  # type: ignore[arg-type]
        for r in ranges
    ):
        return ""
    if dst is None:
        return "outside every collected network"
    if not is_customer_account(decl, dst.cloud, dst.account):
        return f"to account {dst.account}, not the customer's"
    if f"{dst.cloud}/{dst.region}" not in decl.regions:
        return f"to {dst.cloud}/{dst.region}, a region the declaration does not name"
    return ""


@dataclass
class _Net:
    left: list[tuple[Resource, str]] = field(default_factory=list)
    refused: list[Resource] = field(default_factory=list)


@rule(
    id="data.observed-egress",
    path=PathName.DATA,
    severity=Severity.HIGH,
    title="No bytes left the declared regions or the customer's accounts",
    rationale=(
        "Where log data may go is declared; flow records say where bytes went. Bytes from the "
        "customer's networks to an address outside every collected customer network, another "
        "party's account or an undeclared region crossed the data boundary."
    ),
    remediation=(
        "Find the process that sent them (the flow's source address and port); stop it or "
        "route it to a declared destination, or declare the destination in network.egress."
    ),
    requires=("ec2-network", "ec2-compute", SERVICE, AZURE_SERVICE, "cloudasset"),
)
def observed_egress(ctx: RuleContext) -> Iterator[Judgement]:
    g = ctx.graph
    if not flows_asked(g):
        yield not_asked(ctx)
        return
    decl = ctx.declaration
    places = places_of(g)
    ranges = declared_ranges(decl)
    wins = windows(g)
    keys = set(wins) | {network_key(n) for n in platform_networks(g).networks}
    nets = {
        network_key(n): n
        for n in g.of_kind(Kind.NETWORK)
        if network_key(n) in keys and is_customer_account(decl, n.cloud, n.account)
    }
    state = {k: _Net() for k in nets}
    azure = AzureSenderMedium(g.inventory.resources)
    flows = aws_once(distinct_flows(g.of_kind(OBSERVED_FLOW)), g.inventory.resources, places.of)
    for flow in one_per_connection(flows, places.of):
        a = flow.attributes
        src, dst = places.of(str(a.get("src"))), places.of(str(a.get("dst")))
        if a.get("action") in ("REJECT", DENIED):  # GCP: a logged firewall rule's DENIED
            if dst is not None and dst.network in state:
                state[dst.network].refused.append(flow)
            continue
        if src is None or src.network not in state or a.get("action") not in SEEN:
            continue
        if src.cloud == "azure" and host_local(str(a.get("dst"))):  # the VM's own host
            continue
        why = leaves(decl, dst, ranges, str(a.get("dst")))
        if why and src.cloud == "azure" and (drift := azure.drift(str(a["src"]), str(a["dst"]))):
            why = f"{why}; {drift}"  # Azure: its subnet has no way out
        if why:
            state[src.network].left.append((flow, why))
    for k in sorted(nets, key=lambda x: nets[x].id):
        yield _judge(ctx, nets[k], state[k], wins.get(k))


def refused_line(flows: Sequence[Resource]) -> tuple[str, dict[str, JSONValue]]:
    """The REJECT evidence line (reported apart, never a FAIL by itself)."""
    if not flows:
        return "", {}
    by_src: dict[str, int] = {}
    for f in flows:
        s = str(f.attributes.get("src"))
        by_src[s] = by_src.get(s, 0) + int(str(f.attributes.get("records") or 0))
    records = sum(by_src.values())
    top = sorted(by_src.items(), key=lambda x: (-x[1], x[0]))[:TOP]
    text = (
        f"REJECTed (reported apart, not judged): {records} records from {len(by_src)} "
        f"source(s), most from {', '.join(f'{s} ({n})' for s, n in top)}"
    )
    return text, {
        "rejected": {
            "records": records,
            "sources": len(by_src),
            "top_sources": [{"src": s, "records": n} for s, n in top],
        }
    }


def _judge(ctx: RuleContext, net: Resource, st: _Net, win: Window | None) -> Judgement:
    name = net.name or net.id
    refused, extra = refused_line(st.refused)
    tail = f". {refused}" if refused else ""
    if st.left:
        total = sum(int(str(f.attributes.get("bytes") or 0)) for f, _ in st.left)
        by_dst: dict[str, int] = {}
        for f, _ in st.left:
            d = str(f.attributes.get("dst"))
            by_dst[d] = by_dst.get(d, 0) + int(str(f.attributes.get("bytes") or 0))
        shown = sorted(
            st.left, key=lambda x: (-int(str(x[0].attributes.get("bytes") or 0)), x[0].id)
        )
        j = ctx.failed(
            net.id,
            f"{total} bytes left {name} for destinations outside the declared boundary: "
            + "; ".join(f"{flow_text(f)}, {why}" for f, why in shown[:TOP])
            + (f" and {len(shown) - TOP} more" if len(shown) > TOP else "")
            + tail,
            nodes=[f.id for f, _ in shown],
            attributes={
                "bytes": total,
                "bytes_by_destination": dict(sorted(by_dst.items())),
                "flows": [{**flow_json(f), "why": why} for f, why in shown],
                **extra,
            },
            definite=True,
        )
        return with_links(j, affects=[net.id])
    gap = unobserved(ctx, net, win, None, dict(extra))
    if gap is not None:
        return replace(gap, message=gap.message + tail)
    assert win is not None
    return ctx.passed(
        net.id,
        f"no accepted flow from {name} left the declared regions or the customer's accounts "
        f"({win.records()} records read, {win.span()}){tail}",
        nodes=[r.id for r in win.reads],
        attributes={"records": win.records(), **extra},
    )
