"""Azure normalisers: Resource Graph rows of the azure-kafka estate against golden files.

Each registered Azure record type has a golden file
``tests/golden/azure/<type>.json``: the resources and relations its normaliser
makes of every row of that type in ``fixtures/azure-kafka/estate.yaml``, rows
taken as live collection takes them (the fake's Resource Graph rows through
the importer's ``row_record``). ``UPDATE_GOLDEN=1`` rewrites the goldens; a
missing golden, or a type without a row in the estate, fails.

The contract checks (docs/inventory.md: every resource of a kind carries every
attribute of that kind, null when unknown or not applicable) run over the
whole estate's inventory.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.azure import collectors
from auditor.collect.azure._context import row_record
from auditor.collect.azure.containers import RESOURCE_GROUP_TYPE, resource_group_row
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.model import Inventory, Kind, RawRecord, Resource, Scope
from auditor.normalize import normalize, registered

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "azure-kafka" / "estate.yaml"
GOLDEN = ROOT / "tests" / "golden" / "azure"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
SCOPE = Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure")
TYPES = sorted(t for (cloud, t) in registered() if cloud == "azure")

# Attributes every resource of a kind carries on AWS (docs/inventory.md); an Azure
# resource of the same kind carries them too, null where Azure has no such fact.
AWS_ATTRIBUTES: dict[str, set[str]] = {
    Kind.NETWORK: {"cidrs", "is_default", "vpc_id"},
    Kind.SUBNET: {"vpc_id", "cidr", "az", "map_public_ip_on_launch", "subnet_id"},
    Kind.ROUTE_TABLE: {"vpc_id", "main", "subnet_ids", "routes"},
    Kind.GATEWAY: {"gateway_type", "vpc_ids", "public_ips", "subnet_id", "connectivity"},
    Kind.PEERING: {"requester", "accepter", "status"},
    Kind.PRIVATE_ENDPOINT: {
        "endpoint_type",
        "service_name",
        "vpc_id",
        "subnet_ids",
        "route_table_ids",
        "security_group_ids",
        "policy",
        "state",
        "private_dns_enabled",
    },
    Kind.ENDPOINT_SERVICE: {
        "service_name",
        "service_id",
        "acceptance_required",
        "load_balancer_arns",
        "allowed_principals",
    },
    Kind.FIREWALL: {"vpc_id", "group_id", "ingress", "egress"},
    Kind.INTERFACE: {
        "subnet_id",
        "vpc_id",
        "private_ips",
        "public_ip",
        "security_group_ids",
        "interface_type",
        "attached_to",
        "description",
    },
    Kind.PUBLIC_IP: {"public_ip", "allocation_id", "association"},
    Kind.INSTANCE: {
        "instance_id",
        "state",
        "instance_type",
        "vpc_id",
        "subnet_id",
        "private_ip",
        "public_ip",
        "security_group_ids",
        "interface_ids",
        "iam_instance_profile",
        "az",
        "asg_name",
    },
    Kind.BUCKET: {
        "name",
        "versioning",
        "encryption",
        "public_access_block",
        "policy",
        "policy_is_public",
        "replication",
        "logging",
        "object_lock",
    },
    Kind.KEY: {
        "key_id",
        "key_manager",
        "key_state",
        "key_usage",
        "multi_region",
        "multi_region_type",
        "primary_key_arn",
        "replica_key_arns",
        "rotation_enabled",
        "policy",
        "aliases",
    },
    Kind.ROLE: {
        "role_name",
        "path",
        "trust_policy",
        "attached_policies",
        "inline_policies",
        "permissions_boundary",
        "permissions_boundary_document",
        "max_session_duration",
    },
    Kind.PRINCIPAL: {
        "user_name",
        "attached_policies",
        "inline_policies",
        "groups",
        "group_policies",
        "permissions_boundary",
        "permissions_boundary_document",
    },
    Kind.ACCOUNT: {"account_id", "caller_arn"},
    Kind.DNS_ZONE: {"zone_id", "name", "private", "vpcs"},
    Kind.DNS_RECORD: {
        "zone_id",
        "zone_name",
        "name",
        "type",
        "ttl",
        "set_identifier",
        "failover",
        "health_check_id",
        "values",
        "alias_target",
        "routing",
    },
    Kind.HEALTH_CHECK: {
        "health_check_id",
        "type",
        "target",
        "port",
        "resource_path",
        "failure_threshold",
        "request_interval",
    },
    Kind.KAFKA_CLUSTER: {
        "cluster_name",
        "cluster_type",
        "state",
        "broker_count",
        "instance_type",
        "subnet_ids",
        "security_group_ids",
        "kafka_version",
        "encryption_at_rest_kms_key",
        "in_transit",
        "public_access",
        "storage_gib_per_broker",
    },
    Kind.LOAD_BALANCER: {
        "lb_type",
        "scheme",
        "vpc_id",
        "subnet_ids",
        "security_group_ids",
        "dns_name",
    },
    Kind.SCALING_GROUP: {
        "name",
        "min_size",
        "max_size",
        "desired_capacity",
        "subnet_ids",
        "instance_ids",
        "launch_template",
        "target_group_arns",
    },
    Kind.K8S_CLUSTER: {
        "name",
        "version",
        "endpoint_public_access",
        "public_access_cidrs",
        "endpoint_private_access",
        "subnet_ids",
        "security_group_ids",
        "vpc_id",
        "role_arn",
        "secrets_kms_key",
    },
}


def records_of(estate: dict[str, Any]) -> list[RawRecord]:
    """The raw records live collection makes of an estate (as the importer builds them)."""
    services = {t: (c.name, f"resourcegraph:{c.table}") for c in collectors() for t in c.types}
    fake = AzureFake(estate)  # not started: only its Resource Graph rows are read
    out: list[RawRecord] = []
    for table in ("resourcecontainers", "resources", "authorizationresources", "computeresources"):
        for row in fake.export(table)["data"]:
            if row["type"] == RESOURCE_GROUP_TYPE:
                canon = resource_group_row(row, str(row["subscriptionId"]))
                out.append(row_record(canon, "azure-containers", "ResourceGroups.List"))
            else:
                name, operation = services[row["type"]]
                out.append(row_record(row, name, operation))
    out += _geo_dr_records(estate)
    out += _flow_records(json.dumps(estate, sort_keys=True, default=str))
    return out


FLOWS_UNTIL = 1_795_863_600  # 2026-11-28T11:00:00Z: the window ends after the estate's blob hour


@cache
def _flow_records(estate_json: str) -> list[RawRecord]:
    """The flow records unit's records of the estate's blobs, read through the fake by the
    real collector over a fixed window (so the golden does not move with the clock)."""
    from auditor.collect.azure import AzureScanOptions, collect_azure
    from auditor.collect.azure.flow_records import RECORD_TYPE

    estate = json.loads(estate_json)
    if not estate.get("blob_storage"):
        return []
    with AzureFake(estate) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=tuple(str(s["id"]) for s in estate["subscriptions"]),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
                flows_since=2 * 3600,
                flows_until=FLOWS_UNTIL,
            )
        )
    # the fake's port changes from run to run: name its endpoint by a fixed host instead
    return [
        dataclasses.replace(
            r, data=json.loads(json.dumps(r.data).replace(fake.base_url, "https://azure-fake"))
        )
        for r in result.records
        if r.type == RECORD_TYPE
    ]


def _geo_dr_records(estate: dict[str, Any]) -> list[RawRecord]:
    """Geo-DR aliases as the ARM unit records them (with their namespace and its location)."""
    from auditor.collect.azure import eventhub_dr

    places = {
        str(r["id"]).lower(): str(r.get("location") or "").lower()
        for r in estate.get("resources") or []
    }
    out = []
    for item in estate.get("disaster_recovery_configs") or []:
        namespace = str(item["id"]).rsplit("/disasterRecoveryConfigs/", 1)[0]
        row = {
            **item,
            "type": "microsoft.eventhub/namespaces/disasterrecoveryconfigs",
            "subscriptionId": namespace.split("/")[2],
            "location": places.get(namespace.lower(), ""),
            "namespaceId": namespace,
        }
        out.append(row_record(row, eventhub_dr.COLLECTOR.name, eventhub_dr.OPERATION))
    return out


@cache
def _estate() -> dict[str, Any]:
    return load_estate(ESTATE)


def estate() -> dict[str, Any]:
    return copy.deepcopy(_estate())


def inventory_of(records: Iterable[RawRecord]) -> Inventory:
    return normalize(records, scope=SCOPE)


def _view(inv: Inventory) -> dict[str, Any]:
    return {
        "resources": [
            {
                "id": r.id,
                "kind": r.kind,
                "account": r.account,
                "region": r.region,
                "name": r.name,
                "tags": dict(r.tags),
                "source": r.source,
                "attributes": dict(r.attributes),
            }
            for r in inv.resources
        ],
        "relations": [
            {
                "source": r.source,
                "kind": r.kind,
                "target": r.target,
                "reason": r.reason,
                "attributes": dict(r.attributes),
            }
            for r in inv.relations
        ],
    }


def _golden_path(record_type: str) -> Path:
    return GOLDEN / (record_type.replace("/", "__") + ".json")


@pytest.mark.parametrize("record_type", TYPES)
def test_normaliser_matches_golden(record_type: str) -> None:
    rows = [r for r in records_of(estate()) if r.type == record_type]
    assert rows, f"fixtures/azure-kafka/estate.yaml has no row of type {record_type}: add one"
    text = json.dumps(
        {"record_type": record_type, **_view(inventory_of(rows))}, indent=1, sort_keys=True
    )
    path = _golden_path(record_type)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    assert path.exists(), f"missing golden {path} (UPDATE_GOLDEN=1 writes it; review it)"
    assert path.read_text(encoding="utf-8") == text + "\n", (
        f"{record_type} normalises differently from {path} (UPDATE_GOLDEN=1 rewrites it)"
    )


def test_no_stale_goldens() -> None:
    want = {_golden_path(t).name for t in TYPES}
    have = {p.name for p in GOLDEN.glob("*.json")}
    assert have == want, f"goldens without a normaliser: {sorted(have - want)}"


def test_every_collected_type_has_a_normaliser() -> None:
    from auditor.collect.azure.eventhub_dr import NAMESPACE_TYPE
    from auditor.collect.azure.flow_records import RECORD_TYPE

    arm = {f"{NAMESPACE_TYPE}/disasterrecoveryconfigs"}  # read through ARM, not Resource Graph
    arm.add(RECORD_TYPE)  # read from storage accounts' blobs
    collected = {t for c in collectors() for t in c.types} | {RESOURCE_GROUP_TYPE} | arm
    assert collected == set(TYPES)


def test_every_resource_of_a_kind_carries_every_attribute_of_the_kind() -> None:
    inv = inventory_of(records_of(estate()))
    by_kind: dict[str, list[Resource]] = {}
    for r in inv.resources:
        by_kind.setdefault(r.kind, []).append(r)
    problems = []
    for kind, resources in sorted(by_kind.items()):
        keys = set(AWS_ATTRIBUTES.get(kind, set()))
        for r in resources:
            keys |= set(r.attributes)
        for r in resources:
            if missing := sorted(keys - set(r.attributes)):
                problems.append(f"{kind} {r.id}: missing {missing}")
    assert not problems, "\n".join(problems)


def test_the_estate_covers_the_kinds_rules_read() -> None:
    kinds = {r.kind for r in inventory_of(records_of(estate())).resources}
    assert set(AWS_ATTRIBUTES) <= kinds


def _aks(profile: dict[str, Any] | None, *, properties: bool = True) -> Resource:
    data = estate()
    row = next(r for r in data["resources"] if r["id"].endswith("/aks-kafka-neu"))
    if not properties:
        row["properties"] = {}
    elif profile is None:
        row["properties"].pop("apiServerAccessProfile")
    else:
        row["properties"]["apiServerAccessProfile"] = profile
    inv = inventory_of(r for r in records_of(data) if r.type.endswith("/managedclusters"))
    (cluster,) = inv.resources
    return cluster


@pytest.mark.parametrize(
    ("profile", "public", "cidrs", "private"),
    [
        ({"enablePrivateCluster": True}, False, [], True),
        (None, True, ["0.0.0.0/0"], False),
        ({"authorizedIPRanges": ["203.0.113.0/24", "10.0.0.0/8"]}, True, None, False),
        ({"enableVnetIntegration": True}, True, ["0.0.0.0/0"], True),
    ],
)
def test_aks_api_server_access_profile(
    profile: dict[str, Any] | None, public: bool, cidrs: list[str] | None, private: bool
) -> None:
    a = _aks(profile).attributes
    assert a["endpoint_public_access"] is public
    want = cidrs if cidrs is not None else ["10.0.0.0/8", "203.0.113.0/24"]
    assert a["public_access_cidrs"] == want
    assert a["endpoint_private_access"] is private


def test_aks_without_properties_is_unknown_not_public() -> None:
    a = _aks(None, properties=False).attributes
    assert a["endpoint_public_access"] is None
    assert a["public_access_cidrs"] is None
    assert a["endpoint_private_access"] is None
