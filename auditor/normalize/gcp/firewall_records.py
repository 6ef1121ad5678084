"""GCP Firewall Rules Logging reads: one ``flow_read`` per project's ``firewall`` log read, one
``observed_flow`` per aggregate (action ``ALLOWED`` or ``DENIED``, no bytes), joined to the
VM the ingress rule applied to. The read names no network (``network_ids`` empty): it never
makes a network observed in full; ``firewall_rules`` lists the logged rules."""

from __future__ import annotations

from typing import Any

from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp.vpc_flow_records import log_read


@normalizes("gcp", "logging:firewall")
def firewall(rec: RawRecord, out: Builder) -> None:
    d: dict[str, Any] = dict(rec.data)
    attrs: dict[str, JSONValue] = {
        "firewall_rules": sorted(str(r.get("rule")) for r in d.get("Rules") or []),
        "network_ids": [],
    }
    if "Records" in d:
        attrs["egress_records"] = d.get("Egress")
    log_read(rec, out, label="firewall", attributes=attrs)
