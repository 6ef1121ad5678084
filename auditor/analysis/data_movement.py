"""The data-movement map: what observed flows carried across each boundary, and what it costs.

Every ACCEPTed ``observed_flow`` (and GCP's SENT, what a VM sent; counted once when both
ends logged it; an AWS connection logged by several interfaces, a NAT gateway's among
them, counted once: :mod:`.movement_connections_aws`) is placed at both ends
(:mod:`.movement_places`) and called a **crossing** when it leaves a zone: to the
internet (or in from it), to another cloud, account, region or availability zone. Per
crossing: bytes in the window, the **medium** the addresses show (a NAT
gateway, public addresses, a peering, another private link; an AWS sender's way out by its
subnet's route table, :mod:`.movement_places_aws`, an Azure sender's by its subnet,
:mod:`.movement_way_azure`) and the **cost class**
(inter-AZ, inter-region, NAT processing, internet egress, PrivateLink, ingress),
priced from the sending cloud's table (:mod:`.transfer_prices`: list prices with their
date, never fetched; the receiving cloud's for ingress). A crossing to another cloud is
the sender's internet egress, as the clouds bill it. Pure: the same inventory gives the
same map.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.analysis import movement_places_aws, movement_way_azure
from auditor.analysis.movement_connections_aws import Connections
from auditor.analysis.movement_places import Place, Places
from auditor.analysis.movement_places_azure import host_local
from auditor.analysis.movement_places_gcp import SEEN, Egress, one_per_connection
from auditor.analysis.network.addresses import is_internet_cidr
from auditor.analysis.transfer_prices import crossing_cost, tables
from auditor.base.kinds.observed import FLOW_READ, OBSERVED_FLOW
from auditor.model import Kind, Resource

INTERNET = "internet"
OUTSIDE = "outside the estate"
"""A private address no collected network holds (an uncollected network, a VPN's far side)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Crossing:
    """Bytes that crossed one boundary, between two places, on one medium."""

    kind: str
    """``internet``, ``outside the estate``, ``cloud``, ``account``, ``region`` or ``zone``."""
    source: str
    target: str
    medium: str
    cost_class: str
    bytes: int
    flows: int
    cost: float | None
    """Estimated at the sending cloud's list prices; None when not priced (the table has
    no figure for the class, or none for the sender's region)."""
    payer: str = ""
    """The cloud whose price table priced it (the sender's; the receiver's for ingress)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MovementMap:
    since: str
    until: str
    crossings: tuple[Crossing, ...]
    prices: tuple[tuple[str, str, str], ...]
    """(cloud, ``as_of``, unit) of each price table the crossings were priced from."""
    currency: str


def _label(p: Place | None, address: str) -> str:
    if p is None:
        return INTERNET if is_internet_cidr(address) else OUTSIDE
    return f"{p.cloud}/{p.account}/{p.region}"


def _kind(s: Place | None, d: Place | None, outside: str) -> str:
    if s is None or d is None:
        return outside if (s is None) != (d is None) else ""
    if s.cloud != d.cloud:
        return "cloud"
    if s.account != d.account:
        return "account"
    if s.region != d.region:
        return "region"
    if s.az and d.az and s.az != d.az:
        return "zone"
    return ""


def _peered(resources: Iterable[Resource]) -> set[frozenset[str]]:
    out: set[frozenset[str]] = set()
    for r in resources:
        if r.kind == Kind.PEERING and r.attributes.get("status") == "active":
            a = r.attributes.get("requester") or {}
            b = r.attributes.get("accepter") or {}
            if a.get("vpc_id") and b.get("vpc_id"):
                out.add(frozenset((str(a["vpc_id"]), str(b["vpc_id"]))))
    return out


def _medium(
    s: Place | None,
    d: Place | None,
    peered: set[frozenset[str]],
    out: tuple[str, str, Egress, movement_places_aws.Egress, movement_way_azure.Egress],
) -> str:
    """The medium two placed ends show; ``out`` (the source and destination addresses, GCP's,
    AWS's and Azure's egress) says how a sender whose far end is outside left (GCP: by its
    sending interface; AWS: by its subnet's route table; Azure: by its IP configuration's
    subnet, :mod:`.movement_way_azure`; ``unknown`` when that cannot be told)."""
    ends = [p for p in (s, d) if p is not None]
    sent = s is not None and s.cloud in ("aws", "azure") and not s.public
    if sent and s is not None and d is not None and d.public and d.via != "nat":
        if s.cloud == "azure":
            return out[4].way(out[0], out[1]).medium  # Azure: by the sender's subnet
        return out[3].way(out[0], out[1], s.region).medium  # AWS: by the sender's route
    if any(p.public and p.via == "nat" for p in ends):
        return "nat"
    if any(p.public for p in ends):
        return "public addresses"
    if d is None and s is not None:
        if s.cloud == "gcp":
            return out[2].medium(out[0], s.network, s.region)
        if s.cloud == "aws":
            return out[3].way(out[0], out[1], s.region).medium
        if s.cloud == "azure":
            return out[4].way(out[0], out[1]).medium
        return "internet gateway or unmodelled"
    if s is None or d is None:
        return "internet gateway or unmodelled"
    if frozenset((s.network, d.network)) in peered:
        return "peering"
    return "local" if s.network == d.network else "private link"


def _cost_class(s: Place | None, d: Place | None, medium: str, endpoint: bool) -> str:
    """What a byte of this crossing is billed as (by where its ends are, not its kind)."""
    if endpoint:
        return "privatelink"
    if s is None:
        return "ingress"
    if d is None or s.cloud != d.cloud:
        transfer = "internet-egress"
    elif s.region != d.region:
        transfer = "inter-region"
    elif s.az and d.az and s.az == d.az:
        transfer = "same-zone"
    else:
        transfer = "inter-az"
    return f"nat-processing + {transfer}" if medium == "nat" else transfer


def _payer(s: Place | None, d: Place | None) -> tuple[str, str, str]:
    """Whose table prices a crossing, from which region, to which region of that cloud."""
    if s is None:
        return (d.cloud, d.region, "") if d is not None else ("", "", "")
    return s.cloud, s.region, d.region if d is not None and d.cloud == s.cloud else ""


def movement_map(resources: Sequence[Resource]) -> MovementMap | None:
    """The map of the flows read; None when no flow records were read."""
    reads = [r for r in resources if r.kind == FLOW_READ and r.attributes.get("status") == "read"]
    if not reads:
        return None
    places = Places(resources)
    egress = Egress(resources)
    aws = movement_places_aws.Egress(resources)
    azure = movement_way_azure.Egress(resources)
    peered = _peered(resources)
    endpoints = {
        str(ip)
        for r in resources
        if r.kind == Kind.PRIVATE_ENDPOINT
        for ip in r.attributes.get("private_ips") or []
    }
    sums: dict[tuple[str, str, str, str, str], list[int]] = {}
    payers: dict[tuple[str, str, str, str, str], tuple[str, str, str]] = {}
    flows = distinct_flows(r for r in resources if r.kind == OBSERVED_FLOW)
    flows = Connections(resources).one_per_connection(flows, places.of, aws)  # AWS: once
    for f in one_per_connection(flows, places.of):  # GCP: SENT by the sender, counted once
        a = f.attributes
        if a.get("action") not in SEEN:
            continue
        src, dst = str(a.get("src")), str(a.get("dst"))
        s, d = places.of(src), places.of(dst)
        if (s is not None and s.cloud == "azure" and host_local(dst)) or (
            d is not None and d.cloud == "azure" and host_local(src)
        ):
            continue  # an Azure VM and its own host (DNS, probes, metadata): no crossing
        far = _label(s if s is None else d, src if s is None else dst)
        kind = _kind(s, d, far)
        if not kind:
            continue
        medium = _medium(s, d, peered, (src, dst, egress, aws, azure))
        cls = _cost_class(s, d, medium, dst in endpoints)
        key = (kind, _label(s, src), _label(d, dst), medium, cls)
        payers[key] = _payer(s, d)  # both ends are in the key's labels: one payer per key
        got = sums.setdefault(key, [0, 0])
        got[0] += int(str(a.get("bytes") or 0))
        got[1] += 1
    crossings = tuple(
        Crossing(
            kind=k[0],
            source=k[1],
            target=k[2],
            medium=k[3],
            cost_class=k[4],
            bytes=v[0],
            flows=v[1],
            cost=crossing_cost(v[0], k[4], *payers[k]),
            payer=payers[k][0],
        )
        for k, v in sorted(sums.items())
    )
    known = tables()
    used = sorted({c.payer for c in crossings if c.payer in known})
    return MovementMap(
        since=min(str(r.attributes.get("since") or "") for r in reads),
        until=max(str(r.attributes.get("until") or "") for r in reads),
        crossings=crossings,
        prices=tuple((c, known[c].as_of, known[c].unit) for c in used),
        currency=next(iter(known.values())).currency if known else "",
    )


def distinct_flows(flows: Iterable[Resource]) -> list[Resource]:
    """One aggregate per (source, destination, port, protocol, action), the larger kept: a
    flow between two logged interfaces is recorded at both ends."""
    best: dict[tuple[str, ...], tuple[int, Resource]] = {}
    for f in sorted(flows, key=lambda x: x.id):
        a = f.attributes
        key = (str(a.get("src")), str(a.get("dst")), str(a.get("dst_port")),
               str(a.get("protocol")), str(a.get("action")))  # fmt: skip
        size = int(str(a.get("bytes") or 0))
        have = best.get(key)
        if have is None or size > have[0]:
            best[key] = (size, f)
    return sorted((f for _, f in best.values()), key=lambda x: x.id)


def crossing_key(c: Crossing) -> tuple[str, str, str, str]:
    """What makes a crossing the same one in two scans (not its bytes or cost)."""
    return (c.kind, c.source, c.target, c.medium)


def new_crossings(old: MovementMap | None, new: MovementMap | None) -> list[Crossing]:
    """Crossings ``new`` observed that ``old`` did not (all of them when ``old`` read none)."""
    if new is None:
        return []
    seen = {crossing_key(c) for c in old.crossings} if old is not None else set()
    return [c for c in new.crossings if crossing_key(c) not in seen]


def observed_text(old: MovementMap | None, new: MovementMap | None, label: str) -> str:
    """The snapshot's first lines: crossings observed now that ``label`` (last-good) lacked."""
    if new is None:
        return (
            f"NEW OBSERVED CROSSINGS SINCE {label}: no flow records were read (--no-flows, "
            "or no flow log in scope delivers where they are read)\n"
        )
    head = f"NEW OBSERVED CROSSINGS SINCE {label} (flow records {new.since} to {new.until}):"
    lines = [head]
    if old is None:
        lines.append(f"  {label} read no flow records: every crossing observed now is listed")
    found = new_crossings(old, new)
    lines += [
        f"  {c.kind}: {c.source} -> {c.target} via {c.medium}, {c.bytes} bytes in "
        f"{c.flows} flow(s) ({c.cost_class})"
        for c in found
    ]
    if not found:
        lines.append("  no new observed crossings")
    return "\n".join(lines) + "\n"
