"""Indexes over one graph's network resources: lookups by local id, effective tables.

:class:`NetworkIndex` answers "which route table / NACL decides this subnet",
"which VPC and subnets hold this resource", "which security groups protect
it". It is built once per graph (see :func:`auditor.analysis.network.network_view`).
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.analysis.network.answers import SourceGroups
from auditor.analysis.network.routes import Route
from auditor.base.edges import MEMBER_OF, PROTECTED_BY, ROUTES_VIA
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource


def local_id(arn: str) -> str:
    """The last path element of an ARN (``vpc-0abc`` from ``...:vpc/vpc-0abc``)."""
    return arn.rsplit("/", 1)[-1]


_local_id = local_id


def label(res: Resource) -> str:
    """A short readable name: ``instance i-0abc`` or ``load_balancer kafka-nlb``."""
    kind = str(res.kind).replace("_", " ")
    return f"{kind} {res.name or _local_id(res.id)}"


class NetworkIndex:
    """Indexes over one graph's network resources; pure and read-only."""

    def __init__(self, graph: BoundaryGraph) -> None:
        self.graph = graph
        self._by_local: dict[tuple[str, str, str], Resource] = {}
        self._explicit_rt: dict[tuple[str, str], Resource] = {}
        self._main_rt: dict[tuple[str, str], Resource] = {}
        self._tables_of_vpc: dict[tuple[str, str], list[Resource]] = {}
        self._explicit_acl: dict[tuple[str, str], Resource] = {}
        self._default_acl: dict[tuple[str, str], Resource] = {}
        self._peerings: dict[str, list[Resource]] = {}
        self._attachments: list[Resource] = []
        id_attr = {
            Kind.NETWORK: "vpc_id",
            Kind.SUBNET: "subnet_id",
            Kind.FIREWALL: "group_id",
            Kind.INSTANCE: "instance_id",
            Kind.TRANSIT_GATEWAY: "tgw_id",
        }
        for kind in sorted(
            {
                *id_attr,
                Kind.ROUTE_TABLE,
                Kind.NETWORK_ACL,
                Kind.INTERFACE,
                Kind.GATEWAY,
                Kind.PEERING,
                Kind.TRANSIT_ATTACHMENT,
                Kind.TRANSIT_ROUTE_TABLE,
            }
        ):
            for res in graph.of_kind(kind):
                local = str(res.attributes.get(id_attr.get(kind, ""), "") or _local_id(res.id))
                self._by_local.setdefault((kind, res.region, local), res)
        for rt in graph.of_kind(Kind.ROUTE_TABLE):
            vpc = str(rt.attributes.get("vpc_id") or "")
            self._tables_of_vpc.setdefault((rt.region, vpc), []).append(rt)
            if rt.attributes.get("main"):
                self._main_rt.setdefault((rt.region, vpc), rt)
            for sid in rt.attributes.get("subnet_ids") or []:
                self._explicit_rt.setdefault((rt.region, str(sid)), rt)
        for acl in graph.of_kind(Kind.NETWORK_ACL):
            vpc = str(acl.attributes.get("vpc_id") or "")
            if acl.attributes.get("default"):
                self._default_acl.setdefault((acl.region, vpc), acl)
            for sid in acl.attributes.get("subnet_ids") or []:
                self._explicit_acl.setdefault((acl.region, str(sid)), acl)
        for p in graph.of_kind(Kind.PEERING):
            # AWS sees one peering from both accounts (same local id); GCP has one per side.
            key = p.id if p.cloud in ("gcp", "azure") else _local_id(p.id)
            self._peerings.setdefault(key, []).append(p)
        self._attachments = graph.of_kind(Kind.TRANSIT_ATTACHMENT)
        # Indexed (in the orders a scan would meet them) so that each lookup costs the
        # size of its answer, not a scan of every peering or attachment of the estate.
        self._peerings_by_sides: dict[frozenset[str], list[Resource]] = {}
        self._peerings_by_vpc: dict[str, list[Resource]] = {}
        for key in sorted(self._peerings):
            p = self._peerings[key][0]
            sides = [
                str((p.attributes.get(side) or {}).get("vpc_id") or "")
                for side in ("requester", "accepter")
            ]
            self._peerings_by_sides.setdefault(frozenset(sides), []).append(p)
            for vid in dict.fromkeys(sides):
                self._peerings_by_vpc.setdefault(vid, []).append(p)
        self._attachments_by_vpc: dict[str, list[Resource]] = {}
        self._attachments_by_tgw: dict[str, list[Resource]] = {}
        self._tgw_peering_by_ends: dict[frozenset[str], Resource] = {}
        for t in self._attachments:
            a = t.attributes
            self._attachments_by_tgw.setdefault(str(a.get("tgw_id") or ""), []).append(t)
            if a.get("resource_type") == "vpc":
                vid = str(a.get("resource_id") or "")
                self._attachments_by_vpc.setdefault(vid, []).append(t)
            if a.get("resource_type") == "peering" and a.get("state") in ("available", None):
                peer = a.get("peer") or {}
                ends = frozenset((str(a.get("tgw_id") or ""), str(peer.get("tgw_id") or "")))
                self._tgw_peering_by_ends.setdefault(ends, t)

    # --- lookups ----------------------------------------------------------------------
    def find(self, kind: str, region: str, local_id: str) -> Resource | None:
        return self._by_local.get((kind, region, local_id))

    def vpc(self, region: str, vpc_id: str) -> Resource | None:
        return self.find(Kind.NETWORK, region, vpc_id)

    def subnet(self, region: str, subnet_id: str) -> Resource | None:
        return self.find(Kind.SUBNET, region, subnet_id)

    def firewall(self, region: str, group_id: str) -> Resource | None:
        return self.find(Kind.FIREWALL, region, group_id)

    def route_table_for(self, subnet: Resource) -> Resource | None:
        """The explicitly associated table, else the VPC's main table, else None."""
        sid = str(subnet.attributes.get("subnet_id") or _local_id(subnet.id))
        explicit = self._explicit_rt.get((subnet.region, sid))
        if explicit is not None:
            return explicit
        return self._main_rt.get((subnet.region, str(subnet.attributes.get("vpc_id") or "")))

    def route_tables_of_vpc(self, vpc: Resource) -> list[Resource]:
        vid = str(vpc.attributes.get("vpc_id") or _local_id(vpc.id))
        return sorted(self._tables_of_vpc.get((vpc.region, vid), []), key=lambda r: r.id)

    def acl_for(self, subnet: Resource) -> Resource | None:
        sid = str(subnet.attributes.get("subnet_id") or _local_id(subnet.id))
        explicit = self._explicit_acl.get((subnet.region, sid))
        if explicit is not None:
            return explicit
        return self._default_acl.get((subnet.region, str(subnet.attributes.get("vpc_id") or "")))

    def gateway_node(self, region: str, route: Route) -> str | None:
        """The graph node a route's target is, if collected."""
        for rel in self.graph.out_edges(route.table, ROUTES_VIA):
            if _local_id(rel.target) == route.target_id:
                return rel.target
        kind = {
            "igw": Kind.GATEWAY,
            "nat": Kind.GATEWAY,
            "egress-only-igw": Kind.GATEWAY,
            "vgw": Kind.GATEWAY,
            "peering": Kind.PEERING,
            "tgw": Kind.TRANSIT_GATEWAY,
        }.get(route.target_type)
        if kind is None:
            return None
        res = self.find(kind, region, route.target_id)
        return res.id if res else None

    def networks_of(self, res: Resource) -> list[Resource]:
        """The VPC(s) a resource sits in (via member_of edges or its vpc_id/subnet ids)."""
        if res.kind == Kind.NETWORK:
            return [res]
        found: dict[str, Resource] = {}
        for rel in self.graph.out_edges(res.id, MEMBER_OF):
            target = self.graph.get(rel.target)
            if target is None:
                continue
            if target.kind == Kind.NETWORK:
                found[target.id] = target
            elif target.kind == Kind.SUBNET:
                for up in self.graph.targets(target.id, MEMBER_OF):
                    if up.kind == Kind.NETWORK:
                        found[up.id] = up
                vid = str(target.attributes.get("vpc_id") or "")
                v = self.vpc(target.region, vid) if vid else None
                if v is not None:
                    found[v.id] = v
        vid = str(res.attributes.get("vpc_id") or "")
        if vid:
            v = self.vpc(res.region, vid)
            if v is not None:
                found[v.id] = v
        for sid in self._subnet_ids(res):
            s = self.subnet(res.region, sid)
            v = self.vpc(res.region, str(s.attributes.get("vpc_id") or "")) if s else None
            if v is not None:
                found[v.id] = v
        return [found[k] for k in sorted(found)]

    def subnets_of(self, res: Resource) -> list[Resource]:
        out: dict[str, Resource] = {}
        for sid in self._subnet_ids(res):
            s = self.subnet(res.region, sid)
            if s is not None:
                out[s.id] = s
        return [out[k] for k in sorted(out)]

    @staticmethod
    def _subnet_ids(res: Resource) -> list[str]:
        ids = [str(s) for s in res.attributes.get("subnet_ids") or []]
        if res.attributes.get("subnet_id"):
            ids.append(str(res.attributes["subnet_id"]))
        return sorted(set(ids))

    def firewalls_of(self, res: Resource) -> tuple[list[Resource], list[str]]:
        """Security groups protecting a resource, and ids named but not collected."""
        ids = {str(g) for g in res.attributes.get("security_group_ids") or []}
        found: dict[str, Resource] = {}
        for rel in self.graph.out_edges(res.id, PROTECTED_BY):
            sg = self.graph.get(rel.target)
            if sg is not None and not sg.attributes.get("stub"):
                found[str(sg.attributes.get("group_id") or _local_id(sg.id))] = sg
            else:
                ids.add(_local_id(rel.target))
        missing: list[str] = []
        for gid in sorted(ids):
            if gid in found:
                continue
            sg = self.firewall(res.region, gid)
            if sg is None:
                missing.append(gid)
            else:
                found[gid] = sg
        return [found[k] for k in sorted(found)], missing

    def sg_source_groups(self, res: Resource) -> SourceGroups:
        """AWS: the security groups of ``res`` (a security group stands for itself)."""
        if res.kind == Kind.FIREWALL:
            return SourceGroups(groups=(res,))
        sgs, missing = self.firewalls_of(res)
        return SourceGroups(groups=tuple(sgs), protects=(res.id,), missing=tuple(missing))


def target_port(tg: Resource, local_id: str) -> int | None:
    for t in tg.attributes.get("targets") or []:
        if isinstance(t, Mapping) and str(t.get("id")) == local_id:
            if t.get("port") is not None:
                return int(t["port"])
            break
    port = tg.attributes.get("port")
    return int(port) if port is not None else None


def lport_of(listener: Resource) -> int | None:
    port = listener.attributes.get("port")
    return int(port) if port is not None else None
