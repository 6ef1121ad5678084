"""Helpers shared by tests: a base declaration and rule evaluation over an inventory."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.boundary import Declaration
from auditor.checks import all_rules
from auditor.checks.engine import evaluate
from auditor.checks.pack import PackEntry, RulePack
from auditor.model import Inventory, Status, Verdict

CUSTOMER = "111111111111"
CUSTOMER_2 = "222222222222"
VENDOR = "999999999999"
PRIMARY = "us-east-1"
SECONDARY = "us-west-2"
TODAY = dt.date(2026, 11, 29)

BASE: dict[str, Any] = {
    "version": 1,
    "name": "orders-kafka",
    "pattern": "active-passive",
    "objectives": {"rpo": "5m", "rto": "15m"},
    "parties": {
        "customer": {"aws": {"accounts": [CUSTOMER, CUSTOMER_2], "organization": "o-abc123"}},
        "vendor": {"aws": {"accounts": [VENDOR]}},
    },
    "regions": {f"aws/{PRIMARY}": "primary", f"aws/{SECONDARY}": "secondary"},
    "platform": {"select": {"tags": {"platform": "orders-kafka"}}},
    "data": {
        "stores": {"select": {"tags": {"data-class": "kafka-log"}}},
        "system_logs": {"select": {"tags": {"data-class": "system-log"}}},
        "keys": "customer",
    },
    "control": {
        "vendor_access": [
            {
                "principal": f"arn:aws:iam::{VENDOR}:role/automation",
                "role": f"arn:aws:iam::{CUSTOMER}:role/vendor-operator",
                "require_external_id": True,
                "allow": ["ec2:*", "autoscaling:*"],
                "deny": ["kms:Decrypt", "s3:GetObject", "iam:*"],
            }
        ],
        "audit": {"trail": "multi-region", "log_store": "customer"},
    },
    "network": {
        "kafka_ports": [9092, 9094, 9096, 9098],
        "clients": {"via": ["private-endpoint"], "from": ["10.0.0.0/8"]},
        "replication": {"via": ["peering", "transit-gateway"]},
        "operations": {"via": ["private-endpoint"]},
        "public_ingress": "none",
    },
    "failure": {
        "dns": {
            "zone": "kafka.example.internal",
            "records": ["bootstrap"],
            "routing": "failover",
            "health_check": "required",
        },
        "secondary_capacity": 1.0,
        "keys_in_each_region": True,
    },
    "exceptions": [],
}


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def declaration(**overrides: Any) -> Declaration:
    """The base declaration with nested overrides merged in (dicts merge, others replace)."""
    return Declaration.model_validate(_merge(BASE, overrides))


def run_rules(
    inventory: Inventory,
    decl: Declaration | None = None,
    rules: Iterable[str] = ("*",),
    today: dt.date = TODAY,
) -> list[Verdict]:
    """Evaluate the named rules (globs allowed) over an inventory, through the real engine."""
    pack = RulePack(name="test", rules=[PackEntry(id=r) for r in rules])
    graph = build_graph(inventory, decl or declaration())
    return evaluate(graph, pack, all_rules(), today=today)


def status_of(verdicts: Iterable[Verdict], rule: str, resource: str) -> Status:
    """The single verdict status of ``rule`` on ``resource`` (fails if absent or ambiguous)."""
    found = [v.status for v in verdicts if v.rule == rule and v.resource == resource]
    assert len(found) == 1, f"expected one {rule} verdict on {resource}, got {found}"
    return found[0]


def statuses(verdicts: Iterable[Verdict], rule: str) -> dict[str, Status]:
    return {v.resource: v.status for v in verdicts if v.rule == rule}
