"""PrivateLink consumer paths: consumer VPC → interface endpoint → endpoint service → NLB.

A source in a consumer VPC (any account of the estate) opens a connection to an
interface endpoint in its own VPC (the ordinary private leg: NACLs, the
source's egress rules, the endpoint's security groups, the reply). The
endpoint's ``service_name`` names an endpoint service; the service must list
the consumer's account (or ``*``) in its allowed principals, and fronts network
load balancers whose listener on the port forwards to the targets (the NLB →
target leg is :meth:`PathEngine.via_lb`, without client IP preservation:
PrivateLink hands the targets the NLB's own addresses).

PrivateLink is one-way: only the consumer opens connections. Nothing here lets
the provider reach into the consumer's VPC, and no other path does either.

Missing pieces give ``UNKNOWN``: an endpoint service that was not collected
(another account's, or a failed read) unless the load balancer's own account
and region show their endpoint services were read, allowed principals that
could not be read (``null``), an endpoint whose state is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import label, local_id
from auditor.analysis.network.path_model import Endpoint, Hop, Origin, Path, _merge_via
from auditor.base.edges import FORWARDS_TO
from auditor.model import Kind, Resource

if TYPE_CHECKING:  # the engine calls this module; it is passed in, never imported
    from auditor.analysis.network.paths import PathEngine

VIA = "private-endpoint"
"""The link kind of a PrivateLink path (the declaration's ``via`` vocabulary)."""

_ORDER = {Reach.YES: 0, Reach.UNKNOWN: 1, Reach.NO: 2}


def is_custom_service(service_name: str) -> bool:
    """An endpoint service of some account (``...vpce-svc-...``), not an AWS service."""
    return "vpce-svc-" in service_name


class PrivateLinkIndex:
    """Interface endpoints per consumer VPC and endpoint services per name, of one graph."""

    def __init__(self, engine: PathEngine) -> None:
        g = engine.graph
        self.engine = engine
        self.endpoints: dict[tuple[str, str, str], list[Resource]] = {}
        for e in g.of_kind(Kind.PRIVATE_ENDPOINT):
            a = e.attributes
            if a.get("endpoint_type") != "Interface":
                continue
            if not is_custom_service(str(a.get("service_name") or "")):
                continue
            key = (e.account, e.region, str(a.get("vpc_id") or ""))
            self.endpoints.setdefault(key, []).append(e)
        for v in self.endpoints.values():
            v.sort(key=lambda r: r.id)
        self.services: dict[str, list[Resource]] = {}
        self.read: set[tuple[str, str]] = set()
        """(account, region) pairs whose endpoint services were collected."""
        for s in g.of_kind(Kind.ENDPOINT_SERVICE):
            if s.attributes.get("stub"):
                continue
            self.services.setdefault(str(s.attributes.get("service_name") or ""), []).append(s)
            self.read.add((s.account, s.region))
        for v in self.services.values():
            v.sort(key=lambda r: r.id)

    def endpoints_of(self, o: Origin) -> list[Resource]:
        s = o.subnet
        if s is None:
            return []
        return self.endpoints.get((s.account, s.region, str(s.attributes.get("vpc_id") or "")), [])


def _principal_hop(engine: PathEngine, svc: Resource, consumer: str) -> Hop:
    sid = str(svc.attributes.get("service_id") or local_id(svc.id))
    allowed = svc.attributes.get("allowed_principals")
    if allowed is None:
        return engine.hop(
            svc, "endpoint service", f"allowed principals of {sid} not read", Reach.UNKNOWN
        )
    names = sorted(str(p) for p in allowed)
    for p in names:
        if p == "*" or p == consumer or p == f"arn:aws:iam::{consumer}:root":
            return engine.hop(svc, "endpoint service", f"{sid} allows {p}")
    partial = [p for p in names if p.startswith(f"arn:aws:iam::{consumer}:")]
    if partial:
        return engine.hop(
            svc,
            "endpoint service",
            f"{sid} allows only {partial[0]} of account {consumer}: "
            "who created the endpoint is not known",
            Reach.UNKNOWN,
        )
    # The endpoint is available (checked before this hop), yet its account is not allowed
    # now: AWS keeps connections accepted before a principal was removed, and acceptance
    # records are not collected, so this may still carry traffic. Not a NO.
    return engine.hop(
        svc,
        "endpoint service",
        f"account {consumer} is not (or no longer) an allowed principal of {sid}, but its "
        "endpoint is available: an earlier accepted connection would still carry traffic",
        Reach.UNKNOWN,
    )


def _state_hop(engine: PathEngine, e: Resource) -> Hop:
    state = e.attributes.get("state")
    name = f"{local_id(e.id)} -> {e.attributes.get('service_name')}"
    if state is None:
        return engine.hop(e, "interface endpoint", f"{name}: state unknown", Reach.UNKNOWN)
    if str(state).lower() != "available":
        return engine.hop(e, "interface endpoint", f"{name}: state {state}", Reach.NO)
    return engine.hop(e, "interface endpoint", f"{name} (available)")


def _first_leg(engine: PathEngine, o: Origin, e: Resource, port: int) -> Path | None:
    """The best private leg from the origin to one of the endpoint's interfaces."""
    legs = [engine.private_leg(o, ep, port) for ep in engine.endpoints(e, port)]
    if not legs:
        return None
    return min(legs, key=lambda p: _ORDER[p.reach])


def _fronts(engine: PathEngine, target: Resource, port: int) -> list[tuple[Resource, int]]:
    """(load balancer, listener port) through which a consumer reaches ``target`` on ``port``."""
    if target.kind == Kind.LOAD_BALANCER:
        return [(target, port)]
    out: set[tuple[str, int]] = set()
    lbs: dict[str, Resource] = {}
    for lb, listener, tport in engine.view.load_balancers_in_front(target):
        lp = listener.attributes.get("port")
        if tport == port and lp is not None:
            out.add((lb.id, int(lp)))
            lbs[lb.id] = lb
    return [(lbs[i], p) for i, p in sorted(out)]


def _listener_hop(engine: PathEngine, lb: Resource, lport: int) -> Hop:
    listeners = list(engine.graph.targets(lb.id, FORWARDS_TO))
    for li in sorted(listeners, key=lambda r: r.id):
        if li.kind == Kind.LISTENER and li.attributes.get("port") == lport:
            return engine.hop(li, "listener", f"{li.attributes.get('protocol')} {lport}")
    if not any(li.kind == Kind.LISTENER for li in listeners):
        return engine.hop(lb, "listener", "no listener collected", Reach.UNKNOWN)
    return engine.hop(lb, "listener", f"no listener on port {lport}", Reach.NO)


def privatelink_paths(
    engine: PathEngine, origins: list[Origin], source: str, target: Resource, port: int
) -> list[Path]:
    """Paths from estate origins to ``target`` through interface endpoints in their VPCs."""
    idx = _index(engine)
    if not idx.endpoints or not origins:
        return []
    fronts = _fronts(engine, target, port)
    if not fronts:
        return []
    out: list[Path] = []
    for o in origins:
        if o.subnet is None:
            continue
        for e in idx.endpoints_of(o):
            name = str(e.attributes.get("service_name") or "")
            for lb, lport in fronts:
                if lb.attributes.get("lb_type") not in ("network", None):
                    continue
                svcs = idx.services.get(name, [])
                chosen = [
                    s for s in svcs if lb.id in (s.attributes.get("load_balancer_arns") or [])
                ]
                if not chosen and (svcs or (lb.account, lb.region) in idx.read):
                    continue  # the service is known and fronts something else
                out.extend(_endpoint_paths(engine, o, e, lb, lport, chosen, source, target, port))
    return out


def _endpoint_paths(
    engine: PathEngine,
    o: Origin,
    e: Resource,
    lb: Resource,
    lport: int,
    chosen: Sequence[Resource],
    source: str,
    target: Resource,
    port: int,
) -> list[Path]:
    """Paths from ``o`` through interface endpoint ``e`` to the NLB ``lb`` on ``lport``, and on
    to ``target``.

    ``chosen``: the endpoint services of ``e`` that front ``lb``; none when the
    service was not collected (whether it fronts ``lb`` is then UNKNOWN).
    """
    assert o.subnet is not None
    name = str(e.attributes.get("service_name") or "")
    leg = _first_leg(engine, o, e, lport)
    if leg is None:
        hops = [
            engine.hop(o.node, "source", o.label),
            engine.hop(e, "interface endpoint", "subnets not collected", Reach.UNKNOWN),
        ]
        ep0 = Endpoint.unplaced(target, port)
        return [engine._end(ep0, source, port, hops, (VIA,), "", missing=[e.id])]
    hops = [replace(h, what="private endpoint") if h.what == "target" else h for h in leg.hops]
    hops.append(_state_hop(engine, e))
    lb_ep = Endpoint.unplaced(lb, lport)
    via = _merge_via(leg.via, (VIA,))
    if not chosen:
        hops.append(
            engine.hop(
                e,
                "endpoint service",
                f"{name} not collected (another account's?): "
                f"whether it fronts {local_id(lb.id)} is not known",
                Reach.UNKNOWN,
            )
        )
        first = engine._end(lb_ep, source, lport, hops, via, "", missing=[name])
        return [first if target.id == lb.id else replace(first, target=target.id)]
    svc = chosen[0]
    hops.append(_principal_hop(engine, svc, o.subnet.account))
    hops.append(
        engine.hop(
            lb,
            "load balancer",
            f"{svc.attributes.get('service_id') or local_id(svc.id)} fronts {label(lb)}",
        )
    )
    hops.append(_listener_hop(engine, lb, lport))
    first = engine._end(
        lb_ep,
        source,
        lport,
        hops,
        via,
        "reachable",
        sources=o.nets if leg.reach is Reach.YES else (),
        missing=leg.missing,
    )
    return _on_to_target(engine, first, lb, lport, target, port)


def _on_to_target(
    engine: PathEngine, first: Path, lb: Resource, lport: int, target: Resource, port: int
) -> list[Path]:
    """The paths a PrivateLink leg ``first`` to ``lb`` gives for ``target``: the leg itself
    when ``lb`` is the target, else its continuation behind ``lb`` (or why it stops)."""
    out: list[Path] = []
    if target.id == lb.id:
        out.append(first)
    if first.reach is not Reach.YES:
        if target.id != lb.id:
            out.append(replace(first, target=target.id, port=port))
        return out
    # via_lb adds its own listener hop (with the target it forwards to).
    head = replace(first, hops=first.hops[:-1])
    chained = engine.via_lb(head, lb, lport, preserve_client=False)
    if target.id == lb.id:
        out.extend(chained)
    else:
        out.extend(p for p in chained if p.target == target.id)
    return out


def _index(engine: PathEngine) -> PrivateLinkIndex:
    got = engine._privatelink
    if got is None:
        got = PrivateLinkIndex(engine)
        engine._privatelink = got
    assert isinstance(got, PrivateLinkIndex)
    return got
