"""Which accounts of which cloud a scan looked at (or tried to).

An inventory's scope lists accounts of every cloud together; a rule that
speaks for "every scanned account" must know each one's cloud, or it would
judge an Azure subscription or a GCP project as if it were an AWS account
(and escape that cloud's collection gaps). The cloud comes from what the
scan recorded about the account: collection units that ran, gaps, resources;
else from the declaration; else from a single-cloud scope.
"""

from __future__ import annotations

from auditor.boundary import Declaration
from auditor.model import Inventory

CLOUDS = ("aws", "azure", "gcp")


def scanned_accounts(inventory: Inventory, decl: Declaration) -> list[tuple[str, str]]:
    """Sorted (cloud, account) pairs of every account in the scan's scope."""
    in_scope = set(inventory.scope.accounts)
    seen: set[tuple[str, str]] = set()
    for u in inventory.collected:
        seen.add((u.cloud, u.account))
    for g in inventory.gaps:
        seen.add((g.cloud, g.account))
    for r in inventory.resources:
        if r.kind == "account":
            seen.add((r.cloud, r.account))
    out = {(c, a) for c, a in seen if a in in_scope}
    known = {a for _, a in out}
    for account in sorted(in_scope - known):
        clouds = [c for c in CLOUDS if account in decl.accounts(c)]
        if not clouds and inventory.scope.cloud in CLOUDS:
            clouds = [inventory.scope.cloud]
        out.update((c, account) for c in clouds)
    return sorted(out)
