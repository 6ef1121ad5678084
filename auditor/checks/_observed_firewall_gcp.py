"""GCP Firewall Rules Logging as an observed source: what its records can and cannot tell.

A logged ingress rule's entry is one connection the rule ``ALLOWED`` or ``DENIED`` at a
VM (:mod:`auditor.base.gcp_firewallrecords`). Used by ``network.observed-sources`` (an
``ALLOWED`` connection to a Kafka port from an undeclared source FAILs like an
``ACCEPT``ed flow; ``DENIED`` ones are reported apart), ``network.observed-closed-path``
(an ``ALLOWED`` connection at a listener is walked like an ``ACCEPT``:
:mod:`._observed_closed_gcp`) and ``data.observed-egress`` (a ``DENIED`` connection into
a network is on its REJECT line). It cannot tell bytes (never used for byte totals, the
medium, dead paths or the data-movement map: their actions are ``ACCEPT``/``SENT``), nor
what rules without logging decided (the implied deny rule included), and Google caps the
connections logged per VM: a read of it never makes a network observed in full.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model import JSONValue, Resource

ALLOWED = "ALLOWED"
DENIED = "DENIED"
ACCEPTED = ("ACCEPT", ALLOWED)
"""Actions of a connection the destination took: a VM's record, or a logged rule's."""
TOP = 5


def is_firewall_read(read: Resource) -> bool:
    """Whether a ``flow_read`` is a Firewall Rules Logging read (not ``vpc_flows``)."""
    return str(read.attributes.get("log_name") or "").endswith("%2Ffirewall")


def _by_source(flows: Sequence[Resource]) -> list[tuple[str, int]]:
    by_src: dict[str, int] = {}
    for f in flows:
        s = str(f.attributes.get("src"))
        by_src[s] = by_src.get(s, 0) + int(str(f.attributes.get("records") or 0))
    return sorted(by_src.items(), key=lambda x: (-x[1], x[0]))


def denied_text(flows: Sequence[Resource]) -> str:
    """The DENIED line of a verdict's message ("" when there were none)."""
    if not flows:
        return ""
    got = _by_source(flows)
    return (
        f". DENIED by logged firewall rules (reported apart, not judged): "
        f"{sum(n for _, n in got)} connection(s) to Kafka ports from {len(got)} source(s), "
        f"most from {', '.join(f'{s} ({n})' for s, n in got[:TOP])}"
    )


def denied_attributes(flows: Sequence[Resource]) -> dict[str, JSONValue]:
    """The DENIED evidence of a verdict (none when there were none)."""
    if not flows:
        return {}
    got = _by_source(flows)
    return {
        "denied": {
            "connections": sum(n for _, n in got),
            "sources": len(got),
            "top_sources": [{"src": s, "connections": n} for s, n in got[:TOP]],
        }
    }
