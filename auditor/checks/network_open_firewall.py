"""``network.open-firewall``: firewall rules in front of Kafka listeners name only declared
sources, whatever the paths.

Configuration hygiene, apart from reachability: a security group, NSG, GCP
firewall rule or Event Hubs IP rule admitting ``0.0.0.0/0`` on a Kafka port
FAILs here even when no path brings those addresses to the brokers today (a
route or public IP added tomorrow would). ``network.client-sources`` judges
who can actually reach the listeners; a rule pack picks either or both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._admission import Held, gather, holder_name, sources_text, with_links
from auditor.checks.network_exposure import NETWORK_SERVICES
from auditor.model import JSONValue, Kind, PathName, Severity


@rule(
    id="network.open-firewall",
    path=PathName.NETWORK,
    severity=Severity.MEDIUM,
    title="Firewall rules on Kafka ports name only declared sources",
    rationale=(
        "A rule open to undeclared sources is one route table change or public IP away from "
        "letting them in; keeping rules as narrow as the declaration makes the boundary hold "
        "without relying on the routes staying as they are."
    ),
    remediation=(
        "Narrow the security group / NSG / firewall rule / Event Hubs IP rule to the declared "
        "client and replication CIDRs (network.clients.from, network.replication.from) or to "
        "the clients' group; declare new client networks first."
    ),
    requires=NETWORK_SERVICES,
)
def open_firewall(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    ports = sorted(set(decl.network.kafka_ports))
    found = gather(ctx, ports)
    yield from found.early
    for h in found.held:
        yield with_links(_judge(ctx, h, ports), causes=[h.holder.id], affects=h.protects)


def _judge(ctx: RuleContext, h: Held, ports: list[int]) -> Judgement:
    """One holder: FAIL on any undeclared source, INCONCLUSIVE on an uncollected one."""
    decl = ctx.declaration
    allowed = sorted({*decl.network.clients.cidrs, *decl.network.replication.cidrs})
    name = holder_name(h.holder)
    admitted = list(h.admitted)
    attrs: dict[str, JSONValue] = {
        "kafka_ports": list(ports),
        "allowed_cidrs": allowed,
        "admitted": [
            {"rule": a.rule, "source": a.source, "port": a.port, "declared": a.declared}
            for a in admitted
        ],
        "protects": list(h.protects),
    }
    nodes = [h.holder.id, *h.protects]
    bad = [a for a in admitted if a.declared is False]
    if bad:
        return ctx.failed(
            h.holder.id,
            f"{name} admits Kafka ports from undeclared source(s): {sources_text(bad)}; "
            f"declared clients are {', '.join(allowed) or 'none'}",
            nodes=nodes,
            attributes={**attrs, "undeclared_sources": sorted({a.source for a in bad})},
            definite=True,
        )
    unknown = [a for a in admitted if a.declared is None]
    if unknown:
        j = ctx.inconclusive(
            h.holder.id,
            f"{name} admits Kafka ports from {sources_text(unknown)}, whose addresses were "
            "not collected",
            nodes=nodes,
            attributes=attrs,
        )
        return replace(j, unmodelled=f"what {unknown[0].source} stands for")
    if not admitted:
        why = (
            ": its public endpoint is closed (private endpoints only) or serves no Kafka"
            if h.holder.kind == Kind.KAFKA_CLUSTER
            else ""
        )
        return ctx.passed(
            h.holder.id,
            f"{name} admits no traffic to Kafka ports{why}",
            nodes=nodes,
            attributes=attrs,
        )
    return ctx.passed(
        h.holder.id,
        f"{name} admits Kafka ports only from declared sources ({sources_text(admitted)})",
        nodes=nodes,
        attributes=attrs,
    )
