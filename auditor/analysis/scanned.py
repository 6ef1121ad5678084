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


LISTING_UNITS = {"aws": (), "azure": ("azure-resources",), "gcp": ("cloudasset",)}
"""Per cloud: the collection units whose success means an account's resources were all listed."""


def unlisted_customer_accounts(
    inventory: Inventory, decl: Declaration, cloud: str, units: tuple[str, ...] | None = None
) -> list[str] | None:
    """The customer accounts of ``cloud`` whose resource listing is not known complete.

    ``None`` when the declaration names no customer account of that cloud (a
    tenant or organisation alone leaves the set of accounts open, so no closed
    world can be claimed). An account counts as listed when its listing unit ran
    and no gap of that unit (or of every service) hit it; an empty list means
    every declared customer account was listed completely: what is not in the
    inventory is in none of them. ``units`` names the listing that must be complete when
    one service's listing is enough (AWS: ``("s3",)`` for buckets, which ``ListBuckets``
    lists per owning account); by default the cloud's whole-account listing.
    """
    units = LISTING_UNITS.get(cloud, ()) if units is None else units
    accounts = sorted(set(decl.accounts(cloud, "customer")))
    if not accounts or not units:
        return None
    ran = {u.account for u in inventory.collected if u.cloud == cloud and u.service in units}
    hit = {
        g.account
        for g in inventory.gaps
        if g.cloud == cloud and (g.service == "*" or g.service in units) and not g.resource
    }
    return [a for a in accounts if a not in ran or a in hit or "*" in hit]


BUCKET_UNITS = {"aws": ("s3",)}
"""Per cloud: the listing that must be complete to place a bucket (default: the cloud's
whole-account listing)."""


def closed_world(
    inventory: Inventory, decl: Declaration, cloud: str, units: tuple[str, ...] | None = None
) -> str | None:
    """The proof that an uncollected resource of ``cloud`` lies outside the customer, or None.

    The proof is every declared customer account's complete listing (see
    :func:`unlisted_customer_accounts`); ``None`` when any had a gap or none is declared.
    """
    if unlisted_customer_accounts(inventory, decl, cloud, units) != []:
        return None
    what = {"azure": "subscription", "gcp": "project"}.get(cloud, "account")
    listed = sorted(set(decl.accounts(cloud, "customer")))
    return f"each customer {what} was listed completely: {', '.join(listed)}"


def listing_gaps(
    inventory: Inventory, decl: Declaration, cloud: str, units: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """Gap labels for the customer accounts whose listing is not known complete: what keeps
    an uncollected resource's owner unknown (empty when there are none)."""
    unlisted = unlisted_customer_accounts(inventory, decl, cloud, units) or []
    return tuple(
        f"{cloud} {a}: the customer account's listing is incomplete, so what it lacks may "
        "still be the customer's"
        for a in unlisted
    )
