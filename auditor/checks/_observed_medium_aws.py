"""The medium of replication an AWS sender logged to another site's public address.

A record at the sender shows its private address and the receiver's public one; the
addresses alone say "public address", but the sender's subnet route table decides how
it left (:mod:`auditor.analysis.movement_places_aws`): through a NAT gateway (``nat``,
the NAT gateway is the cause), from its own public address through an internet
gateway (``internet``), a gateway endpoint (the address is in the S3 or DynamoDB prefix
list the endpoint's route names: ``private``, AWS's network only), or a way that cannot
be told (``unknown``, with the reason: the verdict it decides stays INCONCLUSIVE, never
a guessed medium).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.analysis.movement_places import Place
from auditor.analysis.movement_places_aws import Egress
from auditor.model import Kind, Resource


class SenderMedium:
    """The AWS senders' route tables and NAT gateways of one inventory."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        rs = list(resources)
        self._egress = Egress(rs)
        self._nats = {
            (r.region, r.id.rsplit("/", 1)[-1]): r.id
            for r in rs
            if r.cloud == "aws"
            and r.kind == Kind.GATEWAY
            and r.attributes.get("gateway_type") == "nat"
        }

    def of(self, s: Place, d: Place, src: str, dst: str) -> tuple[str, str, str] | None:
        """(medium, the resource carrying it, why when ``unknown``) for a private AWS sender
        to a public address not a NAT gateway's; None when the addresses decide."""
        if s.cloud != "aws" or s.public or not d.public or d.via == "nat":
            return None
        way = self._egress.way(src, dst, s.region)
        if way.medium == "nat":
            return "nat", self._nats.get((s.region, way.target), d.resource), ""
        if way.medium == "public addresses":
            return "internet", d.resource, ""
        if way.medium == "gateway endpoint":  # the address is in the endpoint's prefix list
            return "private", "", ""
        why = way.reason or f"it leaves through {way.medium} {way.target}, not followed beyond"
        return "unknown", "", f"the way {src} left for {dst}: {why}"
