"""GCP normalisers: Cloud Asset assets to cloud-neutral resources, checked fact by fact.

The whole gcp-kafka inventory is also held against a golden file
(``tests/golden/gcp-kafka.inventory.json``; ``UPDATE_GOLDEN=1`` rewrites it, a
missing golden fails).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.gcp.records import ASSET_TYPES, IAM_ASSET_TYPES, to_records
from auditor.graph.stubs import stub_for
from auditor.model import Kind
from auditor.normalize import NormalizationError, registered
from auditor.normalize.gcp._names import full_name, region_of
from tests.gcp_helpers import (
    ARCHIVE,
    BROKER_EW1_A,
    BROKER_EW1_B,
    CP,
    LOG_KEY,
    MK,
    NET,
    PEER_BAD,
    PROJECT_ID,
    TIERED,
    data,
    edited,
    estate,
    inventory,
    res,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "gcp-kafka.inventory.json"


def test_every_listed_asset_type_has_a_normaliser() -> None:
    known = {t for (cloud, t) in registered() if cloud == "gcp"}
    assert set(ASSET_TYPES) <= known
    assert "iam_policy" in known
    assert set(IAM_ASSET_TYPES) <= set(ASSET_TYPES)


def test_records_restore_integers_and_give_iam_its_resource_location() -> None:
    assets = estate()
    asset = next(a for a in assets if a["name"] == ARCHIVE)
    asset["resource"]["data"]["retentionPolicy"] = {"retentionPeriod": 86400.0}
    records = [r for r in to_records(assets) if r.data["name"] == ARCHIVE]
    assert {r.type for r in records} == {"storage.googleapis.com/Bucket", "iam_policy"}
    assert {r.region for r in records} == {"eu"}  # the IAM record too
    bucket = next(r for r in records if r.type != "iam_policy")
    assert bucket.data["resource"]["data"]["retentionPolicy"]["retentionPeriod"] == 86400
    assert isinstance(bucket.data["resource"]["data"]["retentionPolicy"]["retentionPeriod"], int)
    assert {r.account for r in records} == {"orders-prod"}  # from the project number


def test_names_links_and_regions() -> None:
    link = "https://www.googleapis.com/compute/v1/projects/p/global/networks/n"
    assert full_name(link) == "//compute.googleapis.com/projects/p/global/networks/n"
    assert full_name("projects/p/locations/l/keyRings/r/cryptoKeys/k", "cloudkms") == (
        "//cloudkms.googleapis.com/projects/p/locations/l/keyRings/r/cryptoKeys/k"
    )
    assert region_of("europe-west1-b") == "europe-west1"
    assert region_of("EU") == "eu"
    stub = stub_for(
        "//cloudkms.googleapis.com/projects/vendor-ops/locations/europe-west1/keyRings/r/cryptoKeys/k"
    )
    assert (stub.kind, stub.cloud, stub.account, stub.region) == (
        Kind.KEY,
        "gcp",
        "vendor-ops",
        "europe-west1",
    )


def test_network_peerings_and_implied_firewall_rules() -> None:
    inv = inventory()
    net = res(inv, NET)
    assert net.kind == Kind.NETWORK and net.region == "global" and net.attributes["cidrs"] is None
    peer = res(inv, PEER_BAD)
    assert peer.kind == Kind.PEERING and peer.attributes["status"] == "active"
    assert peer.attributes["accepter"]["account"] == "partner-shared"
    assert peer.attributes["accepter"]["vpc_id"].endswith(
        "projects/partner-shared/global/networks/shared-vpc"
    )
    assert peer.attributes["import_custom_routes"] is True
    deny = res(inv, f"{NET}/firewalls/implied-deny-ingress")
    allow = res(inv, f"{NET}/firewalls/implied-allow-egress")
    assert (
        deny.attributes["priority"],
        deny.attributes["action"],
        deny.attributes["direction"],
    ) == (
        65535,
        "deny",
        "ingress",
    )
    assert (allow.attributes["action"], allow.attributes["direction"]) == ("allow", "egress")
    rels = {(r.source, r.kind, r.target) for r in inv.relations}
    assert (PEER_BAD, "network.peers_with", NET) in rels


def test_firewall_rule_fields() -> None:
    inv = inventory()
    public = res(inv, f"{CP}/global/firewalls/allow-kafka-public").attributes
    assert public["priority"] == 1000 and public["action"] == "allow"
    assert public["rules"] == [{"protocol": "tcp", "from_port": 9092, "to_port": 9092}]
    assert public["source_ranges"] == ["0.0.0.0/0"]
    assert public["target_tags"] == ["kafka-broker", "kafka-broker-dr"]
    deny = res(inv, f"{CP}/global/firewalls/deny-kafka-public-dr").attributes
    assert deny["action"] == "deny" and deny["priority"] == 900
    assert deny["rules"] == [{"protocol": "tcp", "from_port": None, "to_port": None}]
    internal = res(inv, f"{CP}/global/firewalls/allow-kafka-internal").attributes
    assert internal["rules"] == [{"protocol": "tcp", "from_port": 9092, "to_port": 9098}]


def test_routes_nat_and_private_service_connect() -> None:
    inv = inventory()
    route = res(inv, f"{CP}/global/routes/default-internet")
    assert route.kind == "route"
    assert route.attributes["next_hop_type"] == "internet"
    gw = route.attributes["next_hop"]
    assert res(inv, gw).attributes["gateway_type"] == "internet"
    nat = res(inv, f"{CP}/regions/europe-west1/routers/nat-router/nats/egress-nat")
    assert nat.attributes["gateway_type"] == "nat" and nat.attributes["egress_only"] is True
    psc = res(inv, f"{CP}/regions/europe-west1/forwardingRules/kafka-psc")
    assert psc.kind == Kind.PRIVATE_ENDPOINT
    assert psc.attributes["endpoint_type"] == "PrivateServiceConnect"
    assert psc.attributes["state"] == "accepted"


def test_instances_groups_and_external_ips() -> None:
    inv = inventory()
    a = res(inv, BROKER_EW1_A).attributes
    assert a["public_ip"] == "34.76.1.11" and a["has_external_access"] is True
    assert a["network_tags"] == ["kafka-broker"]
    assert a["service_accounts"] == ["kafka-broker@orders-prod.iam.gserviceaccount.com"]
    assert a["instance_type"] == "n2-standard-8" and a["state"] == "running"
    assert a["az"] == "europe-west1-b" and res(inv, BROKER_EW1_A).region == "europe-west1"
    b = res(inv, BROKER_EW1_B).attributes
    assert b["public_ip"] is None and b["has_external_access"] is False
    mig = f"{CP}/zones/europe-west1-b/instanceGroupManagers/kafka-ew1"
    assert res(inv, mig).attributes["desired_capacity"] == 3
    assert (mig, "failure.scales", BROKER_EW1_A) in {
        (r.source, r.kind, r.target) for r in inv.relations
    }


def test_buckets_location_cmek_and_iam() -> None:
    inv = inventory()
    tiered, archive = res(inv, TIERED), res(inv, ARCHIVE)
    assert tiered.region == "europe-west1"
    assert tiered.attributes["encryption"] == {
        "algorithm": "cmek",
        "kms_key_id": LOG_KEY,
        "bucket_key": None,
    }
    assert tiered.attributes["public_access_prevention"] == "enforced"
    assert archive.region == "eu" and archive.attributes["location_type"] == "multi-region"
    assert archive.attributes["encryption"]["algorithm"] == "google-managed"
    assert archive.attributes["public_members"] == ["allUsers"]
    assert archive.attributes["iam_bindings"] == [
        {"role": "roles/storage.objectViewer", "members": ["allUsers"]}
    ]


def test_keys_kafka_and_project() -> None:
    inv = inventory()
    key = res(inv, LOG_KEY)
    assert key.kind == Kind.KEY and key.attributes["key_manager"] == "CUSTOMER"
    assert key.attributes["rotation_enabled"] is True
    mk = res(inv, MK)
    assert mk.kind == Kind.KAFKA_CLUSTER and mk.region == "europe-west1"
    assert mk.attributes["encryption_at_rest_kms_key"].startswith(
        "//cloudkms.googleapis.com/projects/vendor-ops/"
    )
    assert mk.attributes["public_access"] == "DISABLED" and mk.attributes["broker_count"] is None
    project = res(inv, PROJECT_ID)
    assert project.kind == Kind.ACCOUNT and project.account == "orders-prod"
    assert any(
        "contractor@gmail.com" in m
        for b in project.attributes["iam_bindings"]
        for m in b["members"]
    )


def test_dns_primary_backup_becomes_a_failover_pair() -> None:
    inv = inventory()
    base = "//dns.googleapis.com/projects/orders-prod/managedZones/kafka-internal/rrsets/"
    primary = res(inv, base + "bootstrap.kafka.example.internal./A#primary").attributes
    backup = res(inv, base + "bootstrap.kafka.example.internal./A#backup").attributes
    assert (primary["failover"], backup["failover"]) == ("PRIMARY", "SECONDARY")
    assert primary["routing"] == "failover" and primary["values"] == [
        "10.10.0.11",
        "10.10.0.12",
        "10.10.0.13",
    ]
    assert backup["locations"] == ["europe-west4"]
    assert primary["health_check_id"] == f"{CP}/global/healthChecks/kafka-hc"
    simple = res(inv, base + "admin.kafka.example.internal./A").attributes
    assert simple["routing"] == "simple" and simple["failover"] is None


def test_iam_policy_on_an_unknown_asset_type_is_an_error() -> None:
    def odd(assets: list[dict[str, Any]]) -> None:
        assets.append(
            {
                "name": "//pubsub.googleapis.com/projects/orders-prod/topics/t",
                "assetType": "pubsub.googleapis.com/Topic",
                "ancestors": ["projects/100000000001"],
                "iamPolicy": {"bindings": []},
            }
        )

    with pytest.raises(NormalizationError, match=r"pubsub\.googleapis\.com/Topic"):
        inventory(edited(odd))


def _golden_view() -> dict[str, Any]:
    inv = inventory()
    return {
        "resources": [
            {
                "id": r.id,
                "kind": r.kind,
                "account": r.account,
                "region": r.region,
                "name": r.name,
                "tags": dict(r.tags),
                "attributes": dict(r.attributes),
            }
            for r in inv.resources
        ],
        "relations": [[r.source, r.kind, r.target, r.reason] for r in inv.relations],
    }


def test_inventory_matches_golden() -> None:
    got = _golden_view()
    text = json.dumps(got, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), f"missing golden {GOLDEN} (UPDATE_GOLDEN=1 writes it)"
    assert GOLDEN.read_text(encoding="utf-8") == text, "inventory differs from the golden"
    assert data(estate(), NET)["name"] == "kafka-net"


def test_analysis_and_collection_agree_on_the_iam_unit_name() -> None:
    from auditor.analysis import gcp_iam
    from auditor.collect.gcp import records

    assert gcp_iam.IAM_UNIT == records.IAM_UNIT


def _extra(assets: list[dict[str, Any]]) -> None:
    """Asset types the fixture does not hold: PSC producer, external LB, regional MIG, geo DNS."""
    anc = ["projects/100000000001", "folders/700000000007", "organizations/500000000005"]

    def add(name: str, atype: str, location: str, body: dict[str, Any]) -> None:
        assets.append(
            {
                "name": name,
                "assetType": atype,
                "ancestors": anc,
                "resource": {"version": "v1", "location": location, "data": body},
            }
        )

    add(
        f"{CP}/regions/europe-west1/serviceAttachments/kafka-sa",
        "compute.googleapis.com/ServiceAttachment",
        "europe-west1",
        {
            "name": "kafka-sa",
            "connectionPreference": "ACCEPT_MANUAL",
            "targetService": "projects/orders-prod/regions/europe-west1/forwardingRules/ilb",
            "consumerAcceptLists": [{"projectIdOrNum": "consumer-proj", "connectionLimit": 5}],
        },
    )
    add(
        f"{CP}/global/forwardingRules/kafka-ext",
        "compute.googleapis.com/GlobalForwardingRule",
        "global",
        {"name": "kafka-ext", "loadBalancingScheme": "EXTERNAL", "portRange": "9092-9092"},
    )
    add(
        f"{CP}/regions/europe-west4/instanceGroupManagers/kafka-rmig",
        "compute.googleapis.com/RegionInstanceGroupManager",
        "europe-west4",
        {
            "name": "kafka-rmig",
            "region": "https://www.googleapis.com/compute/v1/projects/orders-prod/regions/europe-west4",
            "targetSize": 4,
            "distributionPolicy": {
                "zones": [{"zone": "zones/europe-west4-a"}, {"zone": "zones/europe-west4-b"}]
            },
        },
    )
    add(
        "//dns.googleapis.com/projects/orders-prod/managedZones/kafka-internal/rrsets/geo.kafka.example.internal./A",
        "dns.googleapis.com/ResourceRecordSet",
        "global",
        {
            "name": "geo.kafka.example.internal.",
            "type": "A",
            "ttl": 60,
            "routingPolicy": {
                "geo": {
                    "items": [
                        {"location": "europe-west1", "rrdatas": ["10.10.0.11"]},
                        {
                            "location": "europe-west4",
                            "healthCheckedTargets": {
                                "internalLoadBalancers": [
                                    {
                                        "ipAddress": "10.20.0.100",
                                        "loadBalancerType": "regionalL4ilb",
                                    }
                                ]
                            },
                        },
                    ]
                }
            },
        },
    )


def test_other_asset_types() -> None:
    inv = inventory(edited(_extra))
    sa = res(inv, f"{CP}/regions/europe-west1/serviceAttachments/kafka-sa").attributes
    assert sa["acceptance_required"] is True and sa["allowed_principals"] == ["consumer-proj"]
    assert sa["load_balancer_arns"] == [f"{CP}/regions/europe-west1/forwardingRules/ilb"]
    lb = res(inv, f"{CP}/global/forwardingRules/kafka-ext")
    assert lb.kind == Kind.LOAD_BALANCER and lb.attributes["scheme"] == "internet-facing"
    assert lb.attributes["ports"] == ["9092-9092"]
    rmig = res(inv, f"{CP}/regions/europe-west4/instanceGroupManagers/kafka-rmig")
    assert rmig.region == "europe-west4" and rmig.attributes["desired_capacity"] == 4
    assert rmig.attributes["zones"] == ["europe-west4-a", "europe-west4-b"]
    geo = res(
        inv,
        "//dns.googleapis.com/projects/orders-prod/managedZones/kafka-internal/rrsets/"
        "geo.kafka.example.internal./A",
    ).attributes
    assert geo["routing"] == "geolocation" and geo["locations"] == ["europe-west1", "europe-west4"]
    assert geo["values"] == ["10.10.0.11", "10.20.0.100"]
    assert geo["health_checked_targets"] == ["10.20.0.100"]
    gke = res(
        inv, "//container.googleapis.com/projects/orders-prod/locations/europe-west1/clusters/ops"
    )
    assert gke.kind == Kind.K8S_CLUSTER and gke.attributes["endpoint_public_access"] is True
    assert gke.attributes["public_access_cidrs"] == ["0.0.0.0/0"]
    assert gke.attributes["vpc_id"] == NET


def test_permissions_refuse_a_non_read_permission() -> None:
    from auditor.collect.gcp.permissions import GcpPermissionsError, role_yaml

    assert "- cloudasset.assets.listResource" in role_yaml()
    with pytest.raises(GcpPermissionsError, match=r"cloudasset\.assets\.exportResource"):
        role_yaml({"cloudasset.assets.exportResource": "export"})
