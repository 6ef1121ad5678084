"""The medium of replication an Azure sender logged to another site's public address.

A record at the sender shows its private address and the receiver's public one; the
addresses alone say "public address", but how it left is decided per IP configuration
and subnet (:mod:`auditor.analysis.movement_way_azure`): the subnet's NAT gateway
(``nat``, the gateway the cause) even when the VM has a public IP, else the IP
configuration's public IP, a load balancer outbound rule or default outbound access
(``internet``, that public IP, load balancer or subnet the cause). A way that cannot be
told (an appliance whose own way out was not collected, default outbound access not
recorded) is ``unknown`` with the reason; a subnet with no way out at all
(``defaultOutboundAccess: false``) is ``unknown`` too, naming the model drift.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.analysis.movement_places import Place
from auditor.analysis.movement_way_azure import Egress
from auditor.model import Resource

_INTERNET = ("public ip", "load balancer", "default outbound access")


class SenderMedium:
    """The Azure senders' ways out of one inventory."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._egress = Egress(resources)

    def of(self, s: Place, d: Place, src: str, dst: str) -> tuple[str, str, str] | None:
        """(medium, the resource carrying it, why when ``unknown``) for a private Azure
        sender to a public address not a NAT gateway's; None when the addresses decide."""
        if s.cloud != "azure" or s.public or not d.public or d.via == "nat":
            return None
        way = self._egress.way(src, dst)
        if way.kind == "nat":
            return "nat", way.target, ""
        if way.kind in _INTERNET:
            return "internet", way.target or d.resource, ""
        why = way.reason or f"it leaves through {way.medium}, not followed beyond"
        return "unknown", "", f"the way {src} left for {dst}: {why}"

    def drift(self, src: str, dst: str) -> str:
        """Why a record of ``src`` sending to ``dst`` (outside) contradicts the model: its
        subnet has no way out or a user route drops it ("" when the model has a way)."""
        way = self._egress.way(src, dst)
        return way.reason if way.kind == "none" else ""
