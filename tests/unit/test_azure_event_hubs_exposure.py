"""Event Hubs exposure: a network rule set whose default action is unknown is not closed.

The namespace row of the azure-kafka estate, made public and given a rule set,
goes through the real records, normaliser and graph; exposure is asked on 9093.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.analysis.derive import build_graph
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.azure import exposure
from auditor.boundary import load_declaration
from tests.unit.test_normalize_azure import ROOT, estate, inventory_of, records_of

NAMESPACE = "/evh-orders-neu"


def _reach(rule_set: dict[str, Any]) -> Reach:
    data = estate()
    row = next(r for r in data["resources"] if r["id"].endswith(NAMESPACE))
    row["properties"]["publicNetworkAccess"] = "Enabled"
    row["properties"]["networkRuleSet"] = rule_set
    inv = inventory_of(r for r in records_of(data) if r.type.endswith("eventhub/namespaces"))
    graph = build_graph(inv, load_declaration(ROOT / "fixtures" / "azure-kafka" / "boundary.yaml"))
    (ns,) = [r for r in inv.resources if r.id.endswith(NAMESPACE)]
    return exposure(graph, ns, 9093).reach


@pytest.mark.parametrize(
    ("rule_set", "want"),
    [
        ({"defaultAction": "Allow"}, Reach.YES),
        ({"defaultAction": "Deny", "ipRules": [{"ipMask": "203.0.113.0/24"}]}, Reach.YES),
        ({"defaultAction": "Deny", "ipRules": [{"ipMask": "10.0.0.0/8"}]}, Reach.NO),
        ({"ipRules": [{"ipMask": "10.0.0.0/8"}]}, Reach.UNKNOWN),  # default action unread
    ],
)
def test_event_hubs_rule_set_default_action(rule_set: dict[str, Any], want: Reach) -> None:
    assert _reach(rule_set) is want
