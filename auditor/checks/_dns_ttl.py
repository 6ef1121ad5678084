"""The TTL resolvers cache a DNS record's answer for, alias records included.

A record with its own TTL answers with it. A Route 53 alias has no TTL of its own
(Route 53 developer guide, "Choosing between alias and non-alias records"):

- to an AWS resource, Route 53 uses the resource's TTL, which AWS fixes: 60 s for
  Elastic Load Balancing and S3 website endpoints (Route 53 FAQ, DNS failover);
  other AWS targets (CloudFront, API Gateway, VPC endpoints, ...) have a TTL this
  model does not know, named as unmodelled;
- to another record of the hosted zone, Route 53 uses that record's TTL: followed,
  aliases of aliases included, with a guard against cycles; a target that was not
  collected is named.

Resolvers may hold any of the answers a name has, so a name with several records
(a failover pair, weighted sets) is taken at its longest TTL.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.analysis.failover import alias_target
from auditor.graph.build import BoundaryGraph
from auditor.model import Kind, Resource

AWS_FIXED_TTL = 60
"""Seconds: the TTL of an alias to an ELB load balancer or an S3 website endpoint."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Ttl:
    """A record's effective TTL and how it is known."""

    seconds: int | None
    how: str
    """``own`` for the record's TTL; else where the value comes from (or why unknown)."""
    unknown: str = ""
    """With ``seconds`` None: the unmodelled feature or missing record, named."""
    causes: tuple[str, ...] = ()
    """The records whose TTL setting gives ``seconds`` (what to change)."""
    depends: tuple[str, ...] = ()
    """Records followed to find it (their gaps make the verdict INCONCLUSIVE)."""


def _host(name: str) -> str:
    return name.strip().rstrip(".").lower().removeprefix("dualstack.")


def _aws_fixed(host: str) -> str:
    """The AWS service that fixes an alias target's TTL at 60 s ("" when none does)."""
    if not (host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn")):
        return ""
    labels = host.split(".")
    if "elb" in labels:
        return "Elastic Load Balancing"
    if any(x.startswith("s3-website") for x in labels):
        return "an S3 website endpoint"
    return ""


def _alias_records(graph: BoundaryGraph, r: Resource, zone_id: str, host: str) -> list[Resource]:
    """Records of hosted zone ``zone_id`` named ``host`` of ``r``'s type."""
    rtype = r.attributes.get("type")
    return sorted(
        (
            x
            for x in graph.of_kind(Kind.DNS_RECORD)
            if str(x.attributes.get("zone_id") or "") == zone_id
            and _host(str(x.attributes.get("name") or "")) == host
            and (rtype is None or x.attributes.get("type") in (None, rtype))
        ),
        key=lambda x: x.id,
    )


def effective_ttl(graph: BoundaryGraph, r: Resource, seen: frozenset[str] = frozenset()) -> Ttl:
    """How long resolvers may keep ``r``'s answer (see the module docstring)."""
    alias = alias_target(r)
    if alias is None:
        ttl = r.attributes.get("ttl")
        if isinstance(ttl, int) and not isinstance(ttl, bool):
            return Ttl(seconds=ttl, how="own", causes=(r.id,))
        return Ttl(
            seconds=None,
            how="the collected record holds no TTL",
            unknown=f"the TTL of {r.id} (not in its collected record)",
        )
    host = _host(str(alias.get("dns_name") or ""))
    fixed = _aws_fixed(host)
    if fixed:
        return Ttl(
            seconds=AWS_FIXED_TTL,
            how=f"alias to {host}: {fixed} fixes the TTL at {AWS_FIXED_TTL}s",
            causes=(r.id,),
        )
    zone_id = str(alias.get("zone_id") or "")
    own_zone = zone_id == str(r.attributes.get("zone_id") or "")
    targets = _alias_records(graph, r, zone_id, host) if zone_id else []
    if not targets:
        what = f"record {host} of hosted zone {zone_id}" if own_zone else f"AWS target {host}"
        named = (
            f"the alias target {what} (not collected)"
            if own_zone
            else f"the TTL AWS gives alias target {host} (known only for ELB and S3 websites)"
        )
        return Ttl(seconds=None, how=f"alias to {what}, whose TTL is not known", unknown=named)
    if r.id in seen or any(t.id in seen for t in targets):
        return Ttl(
            seconds=None,
            how=f"alias to {host} loops back to a record already followed",
            unknown=f"an alias cycle through {host}",
            depends=tuple(t.id for t in targets),
        )
    followed = [effective_ttl(graph, t, seen | {r.id}) for t in targets]
    depends = tuple(
        dict.fromkeys([*(t.id for t in targets), *(d for f in followed for d in f.depends)])
    )
    unknown = [f for f in followed if f.seconds is None]
    if unknown:
        return Ttl(
            seconds=None,
            how=f"alias to {host}: {unknown[0].how}",
            unknown=unknown[0].unknown,
            depends=depends,
        )
    worst = max(f.seconds or 0 for f in followed)
    causes = tuple(dict.fromkeys(c for f in followed if f.seconds == worst for c in f.causes))
    return Ttl(
        seconds=worst,
        how=f"alias to {host}, whose TTL is {worst}s",
        causes=causes,
        depends=depends,
    )
