"""Answers of the network analysis: three-valued reach, exposures, connectivity.

Every answer is three-valued (:class:`Reach`): a missing piece of data (a
subnet with no route table found, an unknown security group id) gives
``UNKNOWN``, never ``NO``. Answers carry the path as graph node ids and the
security group rule and ACL entry that decided them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from auditor.model import JSONValue, Resource


class Reach(StrEnum):
    """A three-valued answer: missing data is ``UNKNOWN``, never ``NO``."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True, slots=True)
class Exposure:
    """Whether the internet can open a connection to ``resource`` on ``port``, and why."""

    resource: str
    port: int
    reach: Reach
    reason: str
    path: tuple[str, ...] = ()
    edges: tuple[tuple[str, str, str], ...] = ()
    firewall_rule: Mapping[str, JSONValue] | None = None
    acl_entry: Mapping[str, JSONValue] | None = None
    sources: tuple[str, ...] = ()
    """Internet CIDRs that get through."""
    missing: tuple[str, ...] = ()
    """Ids of pieces of data that were needed but not found."""
    target_port: int | None = None
    """For a load balancer listener: the port it forwards to."""
    firewalls: tuple[str, ...] = ()
    """Security group ids that were read."""
    unmodelled: str = ""
    """For an UNKNOWN the model cannot judge (not missing data): the feature, named."""

    def attributes(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "port": self.port,
            "reach": self.reach.value,
            "reason": self.reason,
            "path": list(self.path),
        }
        if self.target_port is not None:
            out["target_port"] = self.target_port
        if self.firewall_rule is not None:
            out["security_group_rule"] = dict(self.firewall_rule)
        if self.acl_entry is not None:
            out["network_acl_entry"] = dict(self.acl_entry)
        if self.sources:
            out["internet_sources"] = list(self.sources)
        if self.missing:
            out["missing"] = list(self.missing)
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Connectivity:
    """How (if at all) two networks reach each other."""

    a: str
    b: str
    reach: Reach
    via: str
    """``peering``, ``transit-gateway``, ``internet``, ``nat`` or ``none``."""
    reason: str
    nodes: tuple[str, ...] = ()
    routes: tuple[Mapping[str, JSONValue], ...] = ()
    missing: tuple[str, ...] = ()
    unmodelled: str = ""
    """For an UNKNOWN the model cannot judge (not missing data): the feature, named."""


def _combine(found: Sequence[Exposure], resource: str, port: int) -> Exposure:
    """YES if any placement is exposed, else UNKNOWN if any is unknown, else NO."""
    for want in (Reach.YES, Reach.UNKNOWN, Reach.NO):
        for e in found:
            if e.reach is want:
                return e
    return Exposure(resource=resource, port=port, reach=Reach.UNKNOWN, reason="nothing to judge")


@dataclass(frozen=True)
class _Built:
    value: Connectivity

    def with_nodes(self, *nodes: str) -> _Built:
        v = self.value
        return _Built(
            Connectivity(
                a=v.a,
                b=v.b,
                reach=v.reach,
                via=v.via,
                reason=v.reason,
                nodes=tuple(dict.fromkeys((*nodes, *v.nodes))),
                routes=v.routes,
                missing=v.missing,
            )
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceGroups:
    """The groups whose rules decide who may open a connection to one resource.

    Per cloud (:meth:`~.view.NetworkView.source_groups`), so that a rule about
    client sources need not know how each cloud filters traffic.
    """

    groups: tuple[Resource, ...] = ()
    """Groups with security-group-shaped rules (``sg_rules_for_port`` reads them)."""
    protects: tuple[str, ...] = ()
    """The resource they protect; empty when the resource is itself a group."""
    missing: tuple[str, ...] = ()
    """Ids of groups named but not collected."""
    not_judged: str = ""
    """Why this cloud's rules are not judged as groups (empty when they are)."""
