"""Network ACLs: stateless, evaluated in rule-number order, first match wins.

A NACL judges each packet on its own, in each direction: a connection needs the
request allowed inbound (and outbound at the sender's subnet) AND the reply
allowed outbound (and inbound at the sender's subnet) on the client's ephemeral
port. Entries are evaluated in ascending rule number; the first entry whose
protocol, port range and CIDR match decides (allow or deny); the final ``*``
entry (32767, deny) catches the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.analysis.network.addresses import Net, collapse, net_intersect, net_subtract, parse_net
from auditor.model import JSONValue, Resource


def proto_matches(proto: Any, wanted: str = "tcp") -> bool:
    p = str(proto).lower() if proto is not None else "-1"
    return p in ("-1", "all", wanted, {"tcp": "6", "udp": "17"}.get(wanted, wanted))


def port_in(entry: Mapping[str, Any], port: int) -> bool:
    lo, hi = entry.get("from_port"), entry.get("to_port")
    if lo is None and hi is None:
        return True
    lo_i = int(lo) if lo is not None else 0
    hi_i = int(hi) if hi is not None else 65535
    if lo_i == -1 and hi_i == -1:
        return True
    return lo_i <= port <= hi_i


@dataclass(frozen=True, kw_only=True, slots=True)
class AclDecision:
    allowed: tuple[Net, ...]
    entry: Mapping[str, JSONValue] | None
    """The first entry that let traffic in, or (when nothing did) the one that denied it."""


def acl_inbound(acl: Resource, sources: Sequence[Net], port: int) -> AclDecision:
    """Evaluate a NACL's inbound entries in rule-number order; first match wins per address."""
    return acl_eval(acl, egress=False, nets=sources, port=port)


EPHEMERAL = (32768, 60999)
"""Client ports replies go to (Linux default); a NACL must let all of them through."""


def acl_eval(acl: Resource, *, egress: bool, nets: Sequence[Net], port: int) -> AclDecision:
    """Evaluate one direction of a NACL for packets whose far end is in ``nets``."""
    entries = sorted(
        (
            e
            for e in acl.attributes.get("entries") or []
            if isinstance(e, Mapping) and bool(e.get("egress")) is egress
        ),
        key=lambda e: int(e.get("rule_number") or 0),
    )
    remaining = list(collapse(nets))
    allowed: list[Net] = []
    first_allow: Mapping[str, JSONValue] | None = None
    first_deny: Mapping[str, JSONValue] | None = None
    for e in entries:
        if not remaining:
            break
        if not proto_matches(e.get("protocol")) or not port_in(e, port):
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
    got = collapse(allowed)
    return AclDecision(allowed=got, entry=first_allow if got else first_deny)


def acl_range(
    acl: Resource, *, egress: bool, nets: Sequence[Net], ports: tuple[int, int] = EPHEMERAL
) -> AclDecision:
    """Addresses of ``nets`` for which every port of ``ports`` is allowed (replies).

    Exact: the port range is cut at every entry's bounds and one port of each
    piece is evaluated; an address counts only if all pieces allow it.
    """
    lo, hi = ports
    cuts = {lo, hi + 1}
    for e in acl.attributes.get("entries") or []:
        if not isinstance(e, Mapping):
            continue
        for b in (e.get("from_port"), e.get("to_port")):
            if b is not None and int(b) >= 0:
                for c in (int(b), int(b) + 1):
                    if lo < c <= hi:
                        cuts.add(c)
    points = sorted(cuts)[:-1]
    allowed: tuple[Net, ...] = collapse(nets)
    entry: Mapping[str, JSONValue] | None = None
    for p in points:
        d = acl_eval(acl, egress=egress, nets=allowed, port=p)
        allowed = d.allowed
        entry = d.entry
        if not allowed:
            break
    return AclDecision(allowed=allowed, entry=entry)
