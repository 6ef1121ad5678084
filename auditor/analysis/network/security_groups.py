"""Security groups: stateful allow-lists on network interfaces.

A security group admits a connection when one of its ingress rules matches the
protocol and port and names the source (a CIDR holding its address, a group the
source's interface belongs to, or a prefix list holding its address). Replies
are allowed whatever the rules say (stateful). The sender's groups must allow
the connection out (egress rules), judged the same way against the destination.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.analysis.network.acl import port_in, proto_matches
from auditor.analysis.network.addresses import Net, collapse, net_intersect, parse_net
from auditor.model import JSONValue, Resource


def sg_rules_for_port(sg: Resource, port: int, protocol: str = "tcp") -> list[dict[str, Any]]:
    """Ingress rules of a security group that cover ``port``."""
    return [
        dict(rule)
        for rule in sg.attributes.get("ingress") or []
        if isinstance(rule, Mapping)
        and proto_matches(rule.get("protocol"), protocol)
        and port_in(rule, port)
    ]


def sg_rules(
    sg: Resource, port: int, *, egress: bool, protocol: str = "tcp"
) -> list[dict[str, Any]]:
    """Rules of one direction of a security group that cover ``port``."""
    key = "egress" if egress else "ingress"
    return [
        dict(rule)
        for rule in sg.attributes.get(key) or []
        if isinstance(rule, Mapping)
        and proto_matches(rule.get("protocol"), protocol)
        and port_in(rule, port)
    ]


@dataclass(frozen=True, kw_only=True, slots=True)
class SgDecision:
    """What a set of security groups lets through for one port and far end."""

    nets: tuple[Net, ...]
    """Far-end addresses admitted by CIDR or prefix-list rules."""
    by_group: bool
    """A rule names a group the far end belongs to (admits all of its addresses)."""
    rule: Mapping[str, JSONValue] | None
    """The first rule that admitted something (with ``group``: the security group id)."""
    unknown_prefix_lists: tuple[str, ...] = field(default=())
    """Prefix lists a matching rule names whose entries were not collected."""

    @property
    def admits(self) -> bool:
        return self.by_group or bool(self.nets)


PrefixResolver = Callable[[str], "tuple[Net, ...] | None"]


def sg_decide(
    sgs: Sequence[Resource],
    port: int,
    *,
    egress: bool,
    nets: Sequence[Net],
    far_groups: Sequence[str] = (),
    prefix_lists: PrefixResolver = lambda _pl: None,
) -> SgDecision:
    """Union of what ``sgs`` admit on ``port`` from (or to) ``nets`` / ``far_groups``."""
    admitted: list[Net] = []
    by_group = False
    used: Mapping[str, JSONValue] | None = None
    unknown: set[str] = set()
    groups = set(far_groups)
    for sg in sgs:
        gid = str(sg.attributes.get("group_id") or sg.id.rsplit("/", 1)[-1])
        for rule in sg_rules(sg, port, egress=egress):
            cidr_nets = [n for c in rule.get("cidrs") or [] if (n := parse_net(str(c)))]
            for pl in rule.get("prefix_lists") or []:
                resolved = prefix_lists(str(pl))
                if resolved is None:
                    unknown.add(str(pl))
                else:
                    cidr_nets.extend(resolved)
            hit = net_intersect(cidr_nets, nets) if nets else ()
            ref = any(str(g.get("group_id")) in groups for g in rule.get("groups") or [])
            if hit or ref:
                admitted.extend(hit)
                by_group = by_group or ref
                if used is None:
                    used = {"group": gid, **rule}
    return SgDecision(
        nets=collapse(admitted),
        by_group=by_group,
        rule=used,
        unknown_prefix_lists=tuple(sorted(unknown)),
    )
