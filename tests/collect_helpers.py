"""Shared pieces of the collector tests: ARNs, tag specs, a collected estate, declared calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.collect.aws import services
from auditor.model import Inventory, Relation, Resource
from tests.helpers import CUSTOMER

E1, W2 = "us-east-1", "us-west-2"


def ec2_arn(kind: str, rid: str, account: str = CUSTOMER, region: str = E1) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{rid}"


def tag_spec(resource_type: str, **tags: str) -> list[dict[str, Any]]:
    """EC2 ``TagSpecifications`` for one resource type."""
    return [
        {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    ]


def undeclared_calls(inv: Inventory, *names: str) -> set[str]:
    """API calls made by the collectors but missing from their declared IAM actions."""
    declared = {a for s in services() if s.name in names for a in s.actions}
    return {k for k in inv.api_calls if not k.startswith("sts:")} - declared


@dataclass
class Estate:
    """Ids of what a test created, and the inventory the collectors made of it."""

    ids: dict[str, str]
    inv: Inventory

    def res(self, rid: str) -> Resource:
        found = [r for r in self.inv.resources if r.id == rid]
        assert found, f"{rid} not in inventory"
        return found[0]

    def rels(self, source: str, kind: str) -> list[Relation]:
        return [r for r in self.inv.relations if r.source == source and r.kind == kind]

    def targets(self, source: str, kind: str) -> list[str]:
        return sorted(r.target for r in self.rels(source, kind))
