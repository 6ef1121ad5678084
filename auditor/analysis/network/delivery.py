"""Which origins' route tables could ever deliver into a VPC: an index that skips proven NOs.

A traffic class pairs every origin with every Kafka endpoint, which grows with
the square of the estate. Most pairs cannot connect: the origin's route table
has no route that leads into the target's VPC. For each route table this
module over-approximates the VPCs any route walk from it can deliver into
(``local``, active peerings, VPC attachments on transit gateways reached
through TGW route tables and TGW peerings, NAT hops followed into the NAT
subnet's table), and marks the table *uncertain* whenever a walk could end
UNKNOWN (an uncollected peering, TGW route table or attachment, a prefix list
not collected, an unmodelled target, a private NAT, a loop).

For a destination no summarised route splits (a broker's IP, or a subnet
range inside which no route begins) a certain table whose set lacks the
target's VPC can only produce a walk with a NO hop, or an internet or service
fate, which the private leg turns into a NO hop; either way the leg is NO.
:meth:`DeliveryIndex.candidates` therefore returns only the origins whose leg
may be anything but NO; the path engine still computes the
first origin's leg so that the path shown when nothing connects is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auditor.analysis.network.addresses import Net
from auditor.analysis.network.index import local_id
from auditor.model import Kind, Resource

if TYPE_CHECKING:
    from auditor.analysis.network.path_model import Endpoint, Origin
    from auditor.analysis.network.paths import PathEngine

Summary = tuple[bool, frozenset[str]]
"""(uncertain, VPC ids a walk may deliver into)."""
_UNCERTAIN: Summary = (True, frozenset())


class DeliveryIndex:
    """Origins grouped by the VPC ids their route tables may deliver into."""

    def __init__(self, engine: PathEngine, origins: Sequence[Origin]) -> None:
        self.engine = engine
        self._tables: dict[str, Summary] = {}
        self._atts: dict[str, Summary] = {}
        self.always: list[int] = []
        self.by_vpc: dict[str, list[int]] = {}
        self._fine: set[Net] = set()
        for i, o in enumerate(origins):
            table = engine.view.route_table_for(o.subnet) if o.subnet is not None else None
            if table is None:
                self.always.append(i)
                continue
            uncertain, vpcs = self.table(table, frozenset())
            if uncertain:
                self.always.append(i)
                continue
            for v in vpcs:
                self.by_vpc.setdefault(v, []).append(i)
        # Address ranges some summarised route splits: a walk to them may be UNKNOWN
        # ("route covers part of"), so they get no proof.
        self.split: set[Net] = {
            n.supernet(new_prefix=plen) for n in self._fine for plen in range(8, n.prefixlen)
        }

    def candidates(self, ep: Endpoint) -> list[int] | None:
        """Indices (in order) of origins whose private leg to ``ep`` may not be NO.

        None when the endpoint gives no proof (no subnet or VPC, not a single
        address): every origin is then a candidate.
        """
        if ep.subnet is None or not ep.nets:
            return None
        dn = ep.nets[0]
        if dn.prefixlen != dn.max_prefixlen and (dn.prefixlen < 8 or dn in self.split):
            return None
        vpc = self.engine.vpc_of(ep.subnet)
        if vpc is None:
            return None
        dv = str(vpc.attributes.get("vpc_id") or "")
        return sorted({*self.always, *self.by_vpc.get(dv, ())})

    # --- summaries ------------------------------------------------------------------------
    def table(self, table: Resource, seen: frozenset[str]) -> Summary:
        got = self._tables.get(table.id)
        if got is None:
            if table.id in seen:
                return _UNCERTAIN
            got = self._table(table, seen | {table.id})
            self._tables[table.id] = got
        return got

    def _table(self, table: Resource, seen: frozenset[str]) -> Summary:
        view = self.engine.view
        own = str(table.attributes.get("vpc_id") or "")
        out: set[str] = set()
        for nets, r in self.engine._parsed(table):
            if nets is None:
                return _UNCERTAIN  # a prefix list that was not collected
            self._fine.update(nets)
            if not r.active:
                continue
            t = r.target_type
            if t == "local":
                out.add(own)
            elif t == "peering":
                p = view.find(Kind.PEERING, table.region, r.target_id)
                if p is None:
                    return _UNCERTAIN
                if p.attributes.get("status") == "active":
                    for side in ("requester", "accepter"):
                        out.add(str((p.attributes.get(side) or {}).get("vpc_id") or ""))
            elif t == "tgw":
                att = self.engine._attachment(table.region, r.target_id, own)
                if att is None:
                    return _UNCERTAIN
                uncertain, vpcs = self.attachment(att, frozenset())
                if uncertain:
                    return _UNCERTAIN
                out |= vpcs
            elif t == "nat":
                nat = view.find(Kind.GATEWAY, table.region, r.target_id)
                if nat is None or nat.attributes.get("connectivity") == "private":
                    return _UNCERTAIN
                sid = str(nat.attributes.get("subnet_id") or "")
                sub = view.subnet(table.region, sid) if sid else None
                nt = view.route_table_for(sub) if sub is not None else None
                if nt is None:
                    return _UNCERTAIN
                if nt.id != table.id:
                    uncertain, vpcs = self.table(nt, seen)
                    if uncertain:
                        return _UNCERTAIN
                    out |= vpcs
            elif t not in ("igw", "egress-only-igw", "vpce"):
                return _UNCERTAIN  # not modelled: the walk would be UNKNOWN
        return False, frozenset(out)

    def attachment(self, att: Resource, seen: frozenset[str]) -> Summary:
        """Where a packet entering a TGW through ``att`` may be delivered."""
        key = att.id
        got = self._atts.get(key)
        if got is None:
            if key in seen:
                return _UNCERTAIN
            got = self._attachment(att, seen | {key})
            self._atts[key] = got
        return got

    def _attachment(self, att: Resource, seen: frozenset[str]) -> Summary:
        view = self.engine.view
        if str(att.attributes.get("state") or "") != "available":
            return False, frozenset()
        rt_id = str(att.attributes.get("association_route_table_id") or "")
        if not rt_id:
            return False, frozenset()
        trt = view.find(Kind.TRANSIT_ROUTE_TABLE, att.region, rt_id)
        if trt is None or trt.attributes.get("routes") is None:
            return _UNCERTAIN
        out: set[str] = set()
        for route in trt.attributes.get("routes") or []:
            if route.get("state") == "blackhole":
                continue
            targets = sorted(str(a) for a in route.get("attachment_ids") or [])
            if not targets:
                return _UNCERTAIN  # inferred from the destination, or UNKNOWN
            nxt = view.find(Kind.TRANSIT_ATTACHMENT, att.region, targets[0])
            if nxt is None:
                return _UNCERTAIN
            kind = str(nxt.attributes.get("resource_type") or "")
            if kind == "vpc":
                out.add(str(nxt.attributes.get("resource_id") or ""))
            elif kind == "peering":
                peer = nxt.attributes.get("peer") or {}
                far = view.find(
                    Kind.TRANSIT_ATTACHMENT, str(peer.get("region") or ""), local_id(nxt.id)
                )
                if far is None:
                    return _UNCERTAIN
                uncertain, vpcs = self.attachment(far, seen)
                if uncertain:
                    return _UNCERTAIN
                out |= vpcs
            else:
                return _UNCERTAIN
        return False, frozenset(out)
