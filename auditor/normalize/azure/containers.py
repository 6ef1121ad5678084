"""Subscriptions (kind ``account``) and resource groups (kind ``resource_group``)."""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.azure._common import lid, place, props


@normalizes("azure", "microsoft.resources/subscriptions")
def subscription(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    sub = str(rec.data.get("subscriptionId") or "").lower()
    b.resource(
        **{**base, "id": f"/subscriptions/{sub}", "account": sub, "region": "global"},
        kind=Kind.ACCOUNT,
        attributes={
            "account_id": sub,
            "caller_arn": None,
            "tenant_id": lid(rec.data.get("tenantId")) or None,
            "state": props(rec).get("state"),
            "management_groups": _ancestors(props(rec).get("managementGroupAncestorsChain")),
        },
    )


def _ancestors(chain: object) -> list[str] | None:
    """The management groups above a subscription (names, lower-case); None when unlisted."""
    if not isinstance(chain, list):
        return None
    return [str(g.get("name") or "").lower() for g in chain if isinstance(g, dict)]


@normalizes("azure", "microsoft.resources/subscriptions/resourcegroups")
def resource_group(rec: RawRecord, b: Builder) -> None:
    base = place(rec)
    b.resource(
        **base,
        kind="resource_group",
        attributes={
            "managed_by": lid(rec.data.get("managedBy")) or None,
            "provisioning_state": props(rec).get("provisioningState"),
        },
    )
