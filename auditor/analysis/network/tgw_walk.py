"""Transit gateway legs of a route walk: from a VPC attachment to the network it delivers to.

A packet for a destination enters a transit gateway at the attachment of its
VPC; the TGW route table associated with that attachment decides (longest
match, blackholes, propagations), and the route's attachment leads into a VPC
(delivered when it is the target's network) or across a TGW peering, where the
far side's associated route table decides again. Anything not collected, or a
routing loop, is UNKNOWN.

The walker is passed in by :class:`~.route_walk.RouteWalker`, which calls here
for ``tgw`` routes; these legs call back into it only for hops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from auditor.analysis.network.addresses import Net, covers, nets_of, parse_net
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.path_model import Hop, Walk
from auditor.model import Kind, Resource

if TYPE_CHECKING:  # the walker calls this module; it is passed in, never imported
    from auditor.analysis.network.route_walk import RouteWalker
    from auditor.analysis.network.routes import Route
    from auditor.analysis.network.view import NetworkView

VIA = ("transit-gateway",)


def vpc_attachment(view: NetworkView, region: str, tgw_id: str, vpc_id: str) -> Resource | None:
    """The attachment of VPC ``vpc_id`` to TGW ``tgw_id`` in ``region``, if collected."""
    for a in view.attachments_on(tgw_id):
        at = a.attributes
        if (
            a.region == region
            and at.get("resource_type") == "vpc"
            and str(at.get("resource_id") or "") == vpc_id
        ):
            return a
    return None


def via_tgw(
    w: RouteWalker, table: Resource, r: Route, here: Hop, dest: Net, dest_vpc: Resource | None
) -> Walk:
    """Route ``r`` of ``table`` sends ``dest`` to a TGW: enter it at the VPC's attachment."""
    own = str(table.attributes.get("vpc_id") or "")
    att = vpc_attachment(w.view, table.region, r.target_id, own)
    if att is None:
        return Walk(
            reach=Reach.UNKNOWN,
            via=VIA,
            hops=(
                here,
                w.hop(
                    r.target_id,
                    "transit gateway",
                    f"no attachment of {own} collected",
                    Reach.UNKNOWN,
                ),
            ),
            reason=f"no attachment of {own} to {r.target_id} was collected",
            missing=(r.target_id,),
        )
    return tgw_from(w, att, dest, dest_vpc, (here,), frozenset())


def tgw_from(
    w: RouteWalker,
    att: Resource,
    dest: Net,
    dest_vpc: Resource | None,
    hops: tuple[Hop, ...],
    seen: frozenset[str],
) -> Walk:
    """A packet for ``dest`` entering a transit gateway at ``att``, after ``hops``.

    ``seen``: the TGW route tables already passed (across peerings), to stop loops.
    """
    entered = _associated_table(w, att, hops, seen)
    if isinstance(entered, Walk):
        return entered
    trt, hops = entered
    rt_id = str(att.attributes.get("association_route_table_id") or "")
    split = _partial(trt, dest)
    if split:
        return Walk(
            reach=Reach.UNKNOWN,
            via=VIA,
            hops=(
                *hops,
                w.hop(trt, "TGW route table", f"routes cover parts of {dest}", Reach.UNKNOWN),
            ),
            reason=f"TGW route table {rt_id}: routes cover parts of {dest}",
            missing=(rt_id,),
            split=split,
        )
    route = _longest_match(trt, dest)
    if route is None:
        return _no_route(w, att, trt, rt_id, dest, dest_vpc, hops)
    text = f"route {route.get('destination')} -> {', '.join(route.get('attachment_ids') or [])}"
    if route.get("state") == "blackhole":
        return Walk(
            reach=Reach.NO,
            via=VIA,
            hops=(*hops, w.hop(trt, "TGW route table", f"{text} is a blackhole", Reach.NO)),
            reason=f"TGW route table {rt_id} blackholes {dest}",
        )
    hops = (*hops, w.hop(trt, "TGW route table", f"{text} ({route.get('type')})"))
    found = _next_attachment(w, att, trt, route, dest, text, hops)
    if isinstance(found, Walk):
        return found
    nxt, hops = found
    kind = str(nxt.attributes.get("resource_type") or "")
    if kind == "vpc":
        return _into_vpc(w, nxt, rt_id, dest, dest_vpc, hops)
    if kind == "peering":
        return _over_peering(w, nxt, dest, dest_vpc, hops, seen | {rt_id})
    return Walk(
        reach=Reach.UNKNOWN,
        via=VIA,
        hops=(
            *hops,
            w.hop(
                nxt,
                "TGW attachment",
                f"{kind}: not modelled",
                Reach.UNKNOWN,
                unmodelled=f"transit gateway {kind or 'unknown-type'} attachments",
            ),
        ),
        reason=f"TGW sends {dest} to a {kind} attachment, which is not modelled",
        missing=(nxt.id,),
    )


def _associated_table(
    w: RouteWalker, att: Resource, hops: tuple[Hop, ...], seen: frozenset[str]
) -> tuple[Resource, tuple[Hop, ...]] | Walk:
    """The TGW route table that decides for ``att`` (with the attachment's hop), or why none does.

    The attachment must be available and associated with a collected route
    table not already passed on this walk.
    """
    aid = local_id(att.id)
    state = str(att.attributes.get("state") or "")
    if state != "available":
        return Walk(
            reach=Reach.NO,
            via=VIA,
            hops=(*hops, w.hop(att, "TGW attachment", f"state {state}", Reach.NO)),
            reason=f"TGW attachment {aid} is {state or 'in an unknown state'}",
        )
    rt_id = str(att.attributes.get("association_route_table_id") or "")
    if not rt_id:
        return Walk(
            reach=Reach.NO,
            via=VIA,
            hops=(
                *hops,
                w.hop(att, "TGW attachment", "associated with no TGW route table", Reach.NO),
            ),
            reason=f"TGW attachment {aid} is associated with no TGW route table",
        )
    ah = w.hop(att, "TGW attachment", f"{aid} associated with {rt_id}")
    trt = w.view.find(Kind.TRANSIT_ROUTE_TABLE, att.region, rt_id)
    if trt is None or trt.attributes.get("routes") is None or rt_id in seen:
        why = "routing loop" if rt_id in seen else "not collected"
        return Walk(
            reach=Reach.UNKNOWN,
            via=VIA,
            hops=(*hops, ah, w.hop(trt or rt_id, "TGW route table", why, Reach.UNKNOWN)),
            reason=f"TGW route table {rt_id}: {why}",
            missing=(rt_id,),
        )
    return trt, (*hops, ah)


def _partial(trt: Resource, dest: Net) -> tuple[Net, ...]:
    """Route destinations of TGW route table ``trt`` that cover only part of ``dest``."""
    out: set[Net] = set()
    for route in trt.attributes.get("routes") or []:
        n = parse_net(str(route.get("destination") or ""))
        if n is not None and n.version == dest.version and n != dest and n.subnet_of(dest):  # type: ignore[arg-type]
            out.add(n)
    return tuple(sorted(out, key=lambda n: (int(n.network_address), n.prefixlen)))


def _longest_match(trt: Resource, dest: Net) -> Mapping[str, Any] | None:
    """The route of TGW route table ``trt`` with the longest prefix covering all of ``dest``."""
    best: tuple[int, Mapping[str, Any]] | None = None
    for route in trt.attributes.get("routes") or []:
        n = parse_net(str(route.get("destination") or ""))
        if n is None or n.version != dest.version or not dest.subnet_of(n):  # type: ignore[arg-type]
            continue
        if best is None or n.prefixlen > best[0]:
            best = (n.prefixlen, route)
    return best[1] if best else None


def _no_route(
    w: RouteWalker,
    att: Resource,
    trt: Resource,
    rt_id: str,
    dest: Net,
    dest_vpc: Resource | None,
    hops: tuple[Hop, ...],
) -> Walk:
    """NO: ``trt`` has no route for ``dest``; names the target VPC's attachment when it is
    not propagated into the table (the usual cause)."""
    props = trt.attributes.get("propagations") or []
    hint = ""
    if dest_vpc is not None:
        dv = str(dest_vpc.attributes.get("vpc_id") or "")
        tgw = str(att.attributes.get("tgw_id") or "")
        datt = vpc_attachment(w.view, dest_vpc.region, tgw, dv)
        if datt is not None and local_id(datt.id) not in props:
            hint = f" (attachment {local_id(datt.id)} of {dv} is not propagated into it)"
    return Walk(
        reach=Reach.NO,
        via=VIA,
        hops=(
            *hops,
            w.hop(trt, "TGW route table", f"no route for {dest}{hint}", Reach.NO),
        ),
        reason=f"TGW route table {rt_id} has no route for {dest}{hint}",
    )


def _next_attachment(
    w: RouteWalker,
    att: Resource,
    trt: Resource,
    route: Mapping[str, Any],
    dest: Net,
    text: str,
    hops: tuple[Hop, ...],
) -> tuple[Resource, tuple[Hop, ...]] | Walk:
    """The attachment ``route`` sends to (inferred when the route names none), or UNKNOWN."""
    targets = sorted(str(a) for a in route.get("attachment_ids") or [])
    if not targets:
        targets = _infer_attachment(w.view, att, dest)
        if targets:
            hops = (
                *hops[:-1],
                replace(
                    hops[-1],
                    detail=hops[-1].detail + "(attachment "
                    f"{targets[0]} inferred: the only VPC attachment holding {dest})",
                ),
            )
    if not targets:
        return Walk(
            reach=Reach.UNKNOWN,
            via=VIA,
            hops=hops,
            reason=f"TGW route {text} names no attachment",
            missing=(trt.id,),
        )
    nxt = w.view.find(Kind.TRANSIT_ATTACHMENT, att.region, targets[0])
    if nxt is None:
        return Walk(
            reach=Reach.UNKNOWN,
            via=VIA,
            hops=hops,
            reason=f"TGW attachment {targets[0]} was not collected",
            missing=(targets[0],),
        )
    return nxt, hops


def _infer_attachment(view: NetworkView, att: Resource, dest: Net) -> list[str]:
    """The one VPC attachment on the same TGW whose VPC holds ``dest`` (else none)."""
    tgw = str(att.attributes.get("tgw_id") or "")
    found: list[str] = []
    for a in view.attachments_on(tgw):
        at = a.attributes
        if at.get("resource_type") != "vpc" or a.region != att.region:
            continue
        vpc = view.vpc(a.region, str(at.get("resource_id") or ""))
        if vpc is not None and covers(nets_of(vpc.attributes.get("cidrs") or []), [dest]):
            found.append(local_id(a.id))
    return found if len(found) == 1 else []


def _into_vpc(
    w: RouteWalker,
    nxt: Resource,
    rt_id: str,
    dest: Net,
    dest_vpc: Resource | None,
    hops: tuple[Hop, ...],
) -> Walk:
    """The route leads into a VPC: delivered when that VPC is the target's network."""
    vid = str(nxt.attributes.get("resource_id") or "")
    dv = str(dest_vpc.attributes.get("vpc_id") or "") if dest_vpc else ""
    out = w.hop(nxt, "TGW attachment", f"into {vid}")
    if dest_vpc is None or vid != dv:
        return Walk(
            reach=Reach.NO,
            via=VIA,
            hops=(
                *hops,
                replace(out, reach=Reach.NO, detail=f"into {vid}, not the target's network"),
            ),
            reason=f"TGW route table {rt_id} sends {dest} to {vid}, not the target's network",
        )
    return Walk(
        reach=Reach.YES,
        via=VIA,
        hops=(*hops, out),
        reason="transit gateway",
        fate="deliver",
    )


def _over_peering(
    w: RouteWalker,
    nxt: Resource,
    dest: Net,
    dest_vpc: Resource | None,
    hops: tuple[Hop, ...],
    seen: frozenset[str],
) -> Walk:
    """The route leads to a TGW peering: continue at its far side's attachment."""
    peer = nxt.attributes.get("peer") or {}
    far = w.view.find(Kind.TRANSIT_ATTACHMENT, str(peer.get("region") or ""), local_id(nxt.id))
    if far is None:
        return Walk(
            reach=Reach.UNKNOWN,
            via=VIA,
            hops=(
                *hops,
                w.hop(nxt, "TGW peering", "far side not collected", Reach.UNKNOWN),
            ),
            reason=f"the far side of TGW peering {local_id(nxt.id)} was not collected",
            missing=(nxt.id,),
        )
    return tgw_from(
        w,
        far,
        dest,
        dest_vpc,
        (
            *hops,
            w.hop(
                nxt,
                "TGW peering",
                f"to {peer.get('tgw_id')} in {peer.get('account')}/{peer.get('region')}",
            ),
        ),
        seen,
    )
