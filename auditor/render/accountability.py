"""accountability.csv: for each platform resource, who owns it, who can change it,
which trail records access to it and which key protects it.

The table is computed once from the graph (:func:`accountability_table`) and
carried in :class:`ReportData`, so report.md shows the same rows.

- Platform resources are those the declaration's platform, data store and
  system log selectors pick.
- "Can modify" lists the principals holding a non-read capability on the
  resource by a ``control.can_act_on`` edge: those the graph models (every
  principal outside the customer party, the roles they can reach, declared
  vendor and break-glass roles). ``auditor who-can`` answers for any other.
  An account-level grant counts for the resources it changes in that account
  (``network.change`` for network kinds, ``iam.change`` for roles and
  principals), marked "account-wide".
- "Trail" lists the logging multi-region or organization trails of the
  resource's account (an organization trail counts for every account of its party).
- "Key" lists the keys a ``data.encrypted_by`` edge names, or the provider-managed
  algorithm a bucket declares.

No cell is left blank, because a blank reads as "nobody" or "no trail":

- ``can_modify`` empty: ``not modelled``. Only the principals above are modelled,
  so finding none of them says nothing about the customer's own principals.
- ``trail`` empty: ``none`` when the account's CloudTrail was read and no logging
  multi-region or organization trail covers it; ``not collected`` when a gap hid
  it; ``not modelled`` elsewhere (Azure and GCP activity logs are not trails here).
- ``key`` empty: ``not applicable`` for network and identity kinds, which hold no
  data to encrypt; ``not modelled`` otherwise (no key edge was derived: the
  provider's default encryption, or one the normalisers do not read).
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import CAN_ACT_ON, ENCRYPTED_BY
from auditor.render import AccountabilityRow, ReportData
from auditor.render._csv import csv_bytes

FILENAME = "accountability.csv"

READ_ONLY = frozenset({"data.read", "key.decrypt"})
"""Capabilities that read but do not change a resource."""

ACCOUNT_WIDE: dict[str, frozenset[str]] = {
    "network.change": frozenset(
        {
            "network",
            "subnet",
            "route_table",
            "gateway",
            "peering",
            "transit_gateway",
            "transit_attachment",
            "transit_route_table",
            "private_endpoint",
            "endpoint_service",
            "firewall",
            "network_acl",
            "interface",
            "public_ip",
        }
    ),
    "iam.change": frozenset({"role", "principal"}),
}
"""Account-level capabilities, and the kinds of resource in that account they change."""

NOT_MODELLED = "not modelled"
NONE = "none"
NOT_COLLECTED = "not collected"
NOT_APPLICABLE = "not applicable"
KEYLESS = ACCOUNT_WIDE["network.change"] | ACCOUNT_WIDE["iam.change"] | {"account"}
"""Kinds that hold no data a key could protect."""

HEADER = (
    "resource",
    "kind",
    "name",
    "account",
    "party",
    "region",
    "can_modify",
    "trail",
    "key",
)


def accountability_table(graph: Any) -> tuple[AccountabilityRow, ...]:
    """The accountability rows of a BoundaryGraph, sorted by resource id."""
    from auditor.analysis.boundary_scope import data_stores, platform_resources, system_log_stores

    chosen = {r.id: r for r in (*platform_resources(graph), *data_stores(graph))}
    chosen.update({r.id: r for r in system_log_stores(graph)})
    trails = [
        t
        for t in graph.of_kind("audit_trail")
        if t.attributes.get("logging") is True
        and (t.attributes.get("multi_region") or t.attributes.get("organization_trail"))
    ]
    account_grants: dict[str, list[Any]] = {}
    for acct in graph.of_kind("account", include_stubs=True):
        account_grants[acct.account] = list(graph.in_edges(acct.id, CAN_ACT_ON))
    rows: list[AccountabilityRow] = []
    for rid in sorted(chosen):
        res = chosen[rid]
        party = graph.zone(rid).party
        caps: dict[str, set[str]] = {}
        for rel in account_grants.get(res.account, ()):
            cap = str(rel.attributes.get("capability", ""))
            if res.kind in ACCOUNT_WIDE.get(cap, ()):
                cond = " (conditional)" if rel.attributes.get("decision") == "conditional" else ""
                caps.setdefault(rel.source, set()).add(f"{cap} (account-wide){cond}")
        for rel in graph.in_edges(rid, CAN_ACT_ON):
            cap = str(rel.attributes.get("capability", ""))
            if cap in READ_ONLY:
                continue
            label = cap
            if rel.attributes.get("decision") == "conditional":
                label = f"{cap} (conditional)"
            caps.setdefault(rel.source, set()).add(label)
        modifiers = tuple(f"{p} [{', '.join(sorted(c))}]" for p, c in sorted(caps.items()))
        recording = tuple(
            sorted(
                t.id
                for t in trails
                if t.account == res.account
                or (
                    t.attributes.get("organization_trail")
                    and graph.zone(t.id).party == party
                    and party == "customer"
                )
            )
        )
        no_trail = NOT_MODELLED
        if res.cloud == "aws":
            if _trails_read(graph.inventory, res.account):
                no_trail = NONE
            elif any(
                g.service in ("*", "cloudtrail") and g.account in ("*", res.account)
                for g in graph.inventory.gaps
            ):
                no_trail = NOT_COLLECTED
        keys = sorted({rel.target for rel in graph.out_edges(rid, ENCRYPTED_BY)})
        if not keys and res.kind == "bucket":
            enc = res.attributes.get("encryption")
            if isinstance(enc, dict) and enc.get("algorithm") == "AES256":
                keys = ["AES256 (S3 managed)"]
        rows.append(
            AccountabilityRow(
                resource=rid,
                kind=res.kind,
                name=res.name,
                account=res.account,
                party=party,
                region=res.region,
                modifiers=modifiers,
                trails=recording,
                keys=tuple(keys),
                no_trail=no_trail,
                no_key=NOT_APPLICABLE if res.kind in KEYLESS else NOT_MODELLED,
            )
        )
    return tuple(rows)


def _trails_read(inventory: Any, account: str) -> bool:
    """Whether CloudTrail was read for ``account`` (in any region)."""
    return any(u.service == "cloudtrail" and u.account == account for u in inventory.collected)


def cells(row: AccountabilityRow) -> tuple[str, str, str]:
    """The can-modify, trail and key cells of a row, never blank (see the module doc)."""
    return (
        "; ".join(row.modifiers) or NOT_MODELLED,
        "; ".join(row.trails) or row.no_trail,
        "; ".join(row.keys) or row.no_key,
    )


def render(report: ReportData) -> bytes:
    return csv_bytes(
        HEADER,
        (
            (r.resource, r.kind, r.name, r.account, r.party, r.region, *cells(r))
            for r in report.accountability
        ),
    )
