"""An Azure role definition whose permissions were not read reaches whatever it may.

The vendor's Lighthouse Contributor may write kv-orders-weu (so control its key):
with the definition's ``permissions`` missing from the row, what the role allows
is unknown, so the verdict is INCONCLUSIVE, never PASS.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from auditor.boundary import load_declaration
from auditor.model import CollectionUnit, Inventory, Status
from tests.helpers import run_rules
from tests.unit.test_normalize_azure import ROOT, S1, S2, estate, inventory_of, records_of

CONTRIBUTOR = "roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
KEY = "kv-orders-weu/keys/kafka-log-key"


def _key_status(data: dict[str, Any]) -> Status:
    inv: Inventory = inventory_of(records_of(data))
    units = tuple(
        CollectionUnit(cloud="azure", account=s, region="global", service="azure-authorization")
        for s in (S1, S2)
    )
    inv = dataclasses.replace(inv, collected=(*inv.collected, *units))
    decl = load_declaration(ROOT / "fixtures" / "azure-kafka" / "boundary.yaml")
    vs = run_rules(inv, decl, rules=["control.vendor-key-control"])
    (v,) = [v for v in vs if v.resource.endswith(KEY)]
    return v.status


def test_role_with_unread_permissions_is_inconclusive_not_pass() -> None:
    assert _key_status(estate()) is Status.FAIL
    data = estate()
    row = next(r for r in data["authorizationresources"] if r["id"].endswith(CONTRIBUTOR))
    row["properties"].pop("permissions")
    assert _key_status(data) is Status.INCONCLUSIVE
