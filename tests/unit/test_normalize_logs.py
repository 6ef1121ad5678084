"""Log destinations: GCP sink destinations and filters, Azure settings and immutability.

Pure functions and single records: what the audit rules rely on when they say where
logs go.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model import RawRecord, Resource, Scope
from auditor.normalize import normalize
from auditor.normalize.azure.monitor import immutability
from auditor.normalize.gcp.logs import destination_parts


@pytest.mark.parametrize(
    ("dest", "want"),
    [
        (
            "storage.googleapis.com/orders-audit",
            ("storage", "//storage.googleapis.com/orders-audit", None),
        ),
        (
            "bigquery.googleapis.com/projects/vendor-ops/datasets/audit",
            (
                "bigquery",
                "//bigquery.googleapis.com/projects/vendor-ops/datasets/audit",
                "vendor-ops",
            ),
        ),
        (
            "pubsub.googleapis.com/projects/p1/topics/t",
            ("pubsub", "//pubsub.googleapis.com/projects/p1/topics/t", "p1"),
        ),
        (
            "logging.googleapis.com/projects/p2/locations/global/buckets/b",
            ("logging", "//logging.googleapis.com/projects/p2/locations/global/buckets/b", "p2"),
        ),
        ("example.com/whatever", (None, None, None)),
    ],
)
def test_sink_destinations(dest: str, want: tuple[Any, ...]) -> None:
    assert destination_parts(dest) == want


def _sink(filt: str, disabled: bool = False, **extra: Any) -> Resource:
    return Resource(
        id="//logging.googleapis.com/projects/p/sinks/s",
        cloud="gcp",
        kind="log_sink",
        account="p",
        region="global",
        name="s",
        attributes={"filter": filt, "disabled": disabled, "parent": "projects/p", **extra},
    )


@pytest.mark.parametrize(
    ("filt", "disabled", "extra", "routes"),
    [
        ("", False, {}, "yes"),
        ('logName:"cloudaudit.googleapis.com"', False, {}, "yes"),
        ('LOG_ID("cloudaudit.googleapis.com/data_access")', False, {}, "yes"),
        # drops Admin Activity only: Data Access, System Event and Policy logs still go
        ('NOT LOG_ID("cloudaudit.googleapis.com/activity") AND NOT LOG_ID("x")', False, {}, "yes"),
        ('NOT logName:"cloudaudit.googleapis.com"', False, {}, "no"),
        ('logName="projects/p/logs/syslog"', False, {}, "no"),
        # whether audit entries have this resource type is not modelled
        ('resource.type="gce_instance"', False, {}, "unknown"),
        ("", True, {}, "no"),
        # an exclusion dropping every audit log
        ("", False, {"exclusion_filters": ['logName:"cloudaudit.googleapis.com"']}, "no"),
        # exclusions whose filters were not collected
        ("", False, {"exclusions": ["drop-some"]}, "unknown"),
    ],
)
def test_which_sinks_route_audit_logs(
    filt: str, disabled: bool, extra: dict[str, Any], routes: str
) -> None:
    from auditor.checks._audit_gcp import routes_audit

    assert routes_audit(_sink(filt, disabled, **extra)).value == routes


def test_storage_immutability_locked_unlocked_unknown() -> None:
    locked = {
        "enabled": True,
        "immutabilityPolicy": {"state": "Locked", "immutabilityPeriodSinceCreationInDays": 7},
    }
    got = immutability({"immutableStorageWithVersioning": locked})
    assert got is not None and got["mode"] == "LOCKED" and got["days"] == 7
    unlocked = {"enabled": True, "immutabilityPolicy": {"state": "Unlocked"}}
    got = immutability({"immutableStorageWithVersioning": unlocked})
    assert got is not None and got["mode"] == "UNLOCKED"
    assert immutability({}) is None  # container policies are not rows: unknown, not "none"


def test_subscription_and_resource_diagnostic_settings_are_told_apart() -> None:
    sub = "11111111-1111-1111-1111-111111111111"
    rows = [
        {
            "id": f"/subscriptions/{sub}/providers/Microsoft.Insights/diagnosticSettings/a",
            "name": "a",
            "subscriptionId": sub,
            "properties": {
                "workspaceId": "/subscriptions/x/w",
                "logs": [{"category": "Administrative", "enabled": True}],
            },
        },
        {
            "id": f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
            "/providers/Microsoft.Insights/diagnosticSettings/b",
            "name": "b",
            "subscriptionId": sub,
            "properties": {
                "logs": [
                    {"categoryGroup": "audit", "enabled": True},
                    {"category": "X", "enabled": False},
                ]
            },
        },
    ]
    records = [
        RawRecord(
            cloud="azure",
            account=sub,
            region="global",
            service="azure-diagnostics",
            type="microsoft.insights/diagnosticsettings",
            data=r,
            operation="DiagnosticSettings.List",
        )
        for r in rows
    ]
    inv = normalize(records, scope=Scope(accounts=(sub,), regions=(), cloud="azure"))
    got = {r.name: r.attributes for r in inv.resources if r.kind == "diagnostic_setting"}
    assert (
        got["a"]["scope"] == "subscription" and got["a"]["resource_id"] == f"/subscriptions/{sub}"
    )
    assert got["b"]["scope"] == "resource" and got["b"]["logs"] == ["audit"]
