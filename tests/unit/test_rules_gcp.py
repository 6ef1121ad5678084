"""The cross-cloud rules on GCP resources: a passing and a failing case for each.

Inventories come from the gcp-kafka estate (edited per case) through the same
records and normalisers live collection uses; rules run through the real engine.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from auditor.model import Gap, Kind, Resource, Status
from tests.gcp_helpers import (
    ARCHIVE,
    BROKER_EW1_A,
    BROKER_EW1_B,
    BROKER_EW4_A,
    CP,
    MK,
    NET,
    ORG_ID,
    PEER_BAD,
    PEER_OK,
    PROJECT,
    PROJECT_ID,
    TIERED,
    asset,
    data,
    declaration,
    edited,
    inventory,
)
from tests.helpers import run_rules, status_of

EW4 = "scope:gcp/*/europe-west4"


def _statuses(
    rule: str, assets: list[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, Status]:
    vs = run_rules(inventory(assets, **kw), declaration(), rules=[rule])
    return {v.resource: v.status for v in vs}


# --- data path ---------------------------------------------------------------------------


def test_store_location_multi_region_bucket_fails_regional_passes() -> None:
    got = _statuses("data.store-location")
    assert got[TIERED] is Status.PASS
    assert got[ARCHIVE] is Status.FAIL  # "EU" multi-region is not a declared region
    assert got[MK] is Status.PASS


def test_customer_key_vendor_project_key_fails_customer_cmek_passes() -> None:
    got = _statuses("data.customer-key")
    assert got[TIERED] is Status.PASS
    assert got[MK] is Status.FAIL  # CMEK in the vendor's project
    assert got[ARCHIVE] is Status.FAIL  # Google-managed key

    def own_key(assets: list[dict[str, Any]]) -> None:
        data(assets, MK)["gcpConfig"]["kmsKey"] = (
            "projects/orders-prod/locations/europe-west1/keyRings/kafka/cryptoKeys/log-key"
        )

    assert _statuses("data.customer-key", edited(own_key))[MK] is Status.PASS


def test_public_bucket_fails_until_public_access_prevention() -> None:
    assert _statuses("data.no-public-access")[ARCHIVE] is Status.FAIL
    assert _statuses("control.no-anonymous-data-access")[ARCHIVE] is Status.FAIL

    def enforce(assets: list[dict[str, Any]]) -> None:
        data(assets, ARCHIVE)["iamConfiguration"]["publicAccessPrevention"] = "enforced"

    assert _statuses("data.no-public-access", edited(enforce))[ARCHIVE] is Status.PASS

    def drop_binding(assets: list[dict[str, Any]]) -> None:
        asset(assets, ARCHIVE).pop("iamPolicy")

    assert _statuses("control.no-anonymous-data-access", edited(drop_binding))[ARCHIVE] is (
        Status.PASS
    )
    # Without the project's IAM listing, a missing policy is unknown, not "none".
    unread = _statuses("control.no-anonymous-data-access", edited(drop_binding), iam_read=False)
    assert unread[ARCHIVE] is Status.INCONCLUSIVE


# --- control path ------------------------------------------------------------------------


def test_external_members_outside_declared_projects_and_domains_fail() -> None:
    vs = run_rules(inventory(), declaration(), rules=["control.external-assume-declared"])
    assert status_of(vs, "control.external-assume-declared", PROJECT_ID) is Status.FAIL
    msg = next(v.message for v in vs if v.resource == PROJECT_ID)
    assert "contractor@gmail.com" in msg
    # the vendor's automation account (declared vendor project) and the GKE agent are fine
    assert "automation@vendor-ops" not in msg and "container-engine-robot" not in msg
    assert status_of(vs, "control.external-assume-declared", ARCHIVE) is Status.FAIL  # allUsers
    assert status_of(vs, "control.external-assume-declared", TIERED) is Status.PASS
    assert status_of(vs, "control.external-assume-declared", ORG_ID) is Status.PASS  # domain:

    def no_contractor(assets: list[dict[str, Any]]) -> None:
        pol = asset(assets, PROJECT_ID)["iamPolicy"]
        pol["bindings"] = [b for b in pol["bindings"] if b["role"] != "roles/viewer"]

    got = _statuses("control.external-assume-declared", edited(no_contractor))
    assert got[PROJECT_ID] is Status.PASS


# --- network path ------------------------------------------------------------------------


def test_public_ingress_external_ip_firewall_and_route() -> None:
    got = _statuses("network.public-ingress")
    assert got[BROKER_EW1_A] is Status.FAIL  # 9092 from 0.0.0.0/0, external IP, default route
    assert got[BROKER_EW1_B] is Status.PASS  # no external IP
    assert got[BROKER_EW4_A] is Status.PASS  # deny at priority 900 beats allow at 1000
    assert got[MK] is Status.PASS  # Private Service Connect only


def test_public_ingress_lower_priority_allow_wins_over_deny() -> None:
    def allow_first(assets: list[dict[str, Any]]) -> None:
        data(assets, f"{CP}/global/firewalls/allow-kafka-public")["priority"] = 800

    assert _statuses("network.public-ingress", edited(allow_first))[BROKER_EW4_A] is Status.FAIL


def test_public_ingress_implied_deny_and_missing_internet_route() -> None:
    def no_public_rule(assets: list[dict[str, Any]]) -> None:
        assets.remove(asset(assets, f"{CP}/global/firewalls/allow-kafka-public"))

    assert _statuses("network.public-ingress", edited(no_public_rule))[BROKER_EW1_A] is (
        Status.PASS
    )

    def no_route(assets: list[dict[str, Any]]) -> None:
        assets.remove(asset(assets, f"{CP}/global/routes/default-internet"))

    assert _statuses("network.public-ingress", edited(no_route))[BROKER_EW1_A] is Status.PASS

    def tagged_route(assets: list[dict[str, Any]]) -> None:
        data(assets, f"{CP}/global/routes/default-internet")["tags"] = ["nat-only"]

    assert _statuses("network.public-ingress", edited(tagged_route))[BROKER_EW1_A] is (Status.PASS)


def test_peering_to_undeclared_network_fails_customer_peering_passes() -> None:
    got = _statuses("network.peering-declared")
    assert got[PEER_OK] is Status.PASS
    assert got[PEER_BAD] is Status.FAIL

    def inactive(assets: list[dict[str, Any]]) -> None:
        for p in data(assets, NET)["peerings"]:
            if p["name"] == "to-partner":
                p["state"] = "INACTIVE"

    assert _statuses("network.peering-declared", edited(inactive))[PEER_BAD] is Status.PASS


def test_rules_without_a_gcp_model_say_not_applicable() -> None:
    vs = run_rules(inventory(), declaration(), rules=["control.external-id-required"])
    gcp = [v for v in vs if v.resource.startswith("scope:gcp/")]
    assert gcp and all(v.status is Status.NOT_APPLICABLE for v in gcp)


def test_flow_logs_sampling_fails_until_every_flow_is_logged() -> None:
    assert _statuses("network.flow-logs")[NET] is Status.FAIL  # kafka-ew4 samples 0.5

    def full(assets: list[dict[str, Any]]) -> None:
        for a in assets:
            if a["assetType"] == "compute.googleapis.com/Subnetwork":
                a["resource"]["data"]["logConfig"] = {"enable": True, "flowSampling": 1.0}

    assert _statuses("network.flow-logs", edited(full))[NET] is Status.PASS


def test_traffic_class_judges_gcp_listeners() -> None:
    vs = run_rules(inventory(), declaration(), rules=["network.traffic-class"])
    gcp = [v for v in vs if v.resource.startswith("//")]
    assert gcp and not [v for v in gcp if v.status is Status.NOT_APPLICABLE]


def test_traffic_class_asks_no_replication_path_of_a_kraft_controller() -> None:
    """Replication pulls from brokers: a KRaft controller in the other region needs no
    replication path; its clients are still judged."""

    def classes(rid: str, assets: list[dict[str, Any]] | None = None) -> set[str]:
        vs = run_rules(inventory(assets), declaration(), rules=["network.traffic-class"])
        return {v.message.split("]", 1)[0] + "]" for v in vs if v.resource == rid}

    assert "[replication]" in classes(BROKER_EW1_A)

    def controller(assets: list[dict[str, Any]]) -> None:
        data(assets, BROKER_EW1_A)["labels"]["role"] = "controller"

    got = classes(BROKER_EW1_A, edited(controller))
    assert "[replication]" not in got
    assert "[clients]" in got
    assert "[replication]" in classes(BROKER_EW1_B, edited(controller))


# --- failure path ------------------------------------------------------------------------


def _not_platform(assets: list[dict[str, Any]]) -> None:
    data(assets, MK)["labels"].pop("platform")  # without the Managed Kafka cluster


def _scale_ew4(size: int) -> Any:
    def scale(assets: list[dict[str, Any]]) -> None:
        mig = f"{CP}/zones/europe-west4-a/instanceGroupManagers/kafka-ew4"
        data(assets, mig)["targetSize"] = size

    return scale


def test_secondary_capacity_on_managed_instance_groups() -> None:
    # Brokers alone: 3 x n2-standard-8 against 2.
    assert _statuses("failure.secondary-capacity", edited(_not_platform))[EW4] is Status.FAIL
    got = _statuses("failure.secondary-capacity", edited(_not_platform, _scale_ew4(3)))
    assert got[EW4] is Status.PASS


def test_secondary_capacity_counts_managed_kafka_in_vcpus_and_memory() -> None:
    # Primary: 3 x n2-standard-8 (24 vCPUs, 96 GiB) + orders-mk (12 vCPUs, 45 GiB).
    assert _statuses("failure.secondary-capacity")[EW4] is Status.FAIL  # 16 vCPUs
    assert _statuses("failure.secondary-capacity", edited(_scale_ew4(4)))[EW4] is Status.FAIL
    assert _statuses("failure.secondary-capacity", edited(_scale_ew4(5)))[EW4] is Status.PASS

    def unknown_type(assets: list[dict[str, Any]]) -> None:
        for a in assets:
            if a["assetType"] == "compute.googleapis.com/Instance" and "europe-west4" in a["name"]:
                a["resource"]["data"]["machineType"] = "zones/europe-west4-a/machineTypes/x9-odd"

    got = _statuses("failure.secondary-capacity", edited(_scale_ew4(5), unknown_type))
    assert got[EW4] is Status.INCONCLUSIVE


def test_dns_failover_records_from_primary_backup_policy() -> None:
    name = "dns:bootstrap.kafka.example.internal"
    assert _statuses("failure.dns-failover-records")[name] is Status.PASS

    def plain(assets: list[dict[str, Any]]) -> None:
        rr = data(
            assets,
            "//dns.googleapis.com/projects/orders-prod/managedZones/kafka-internal/rrsets/"
            "bootstrap.kafka.example.internal./A",
        )
        rr.pop("routingPolicy")
        rr["rrdatas"] = ["10.10.0.11"]

    assert _statuses("failure.dns-failover-records", edited(plain))[name] is Status.FAIL


# --- gaps --------------------------------------------------------------------------------


def test_a_gcp_gap_makes_gcp_verdicts_inconclusive_not_pass() -> None:
    gap = Gap(
        cloud="gcp",
        account=PROJECT,
        region="*",
        service="*",
        operation="cloudasset.assets.listIamPolicy",
        error_code="PERMISSION_DENIED",
    )
    rules = ["data.store-location", "network.public-ingress", "failure.secondary-capacity"]
    vs = run_rules(inventory(edited(_not_platform), gaps=[gap]), declaration(), rules=rules)
    gcp = [v for v in vs if v.resource.startswith(("//", "scope:gcp"))]
    assert gcp
    assert not [v for v in gcp if v.status is Status.PASS]
    # a FAIL proven by what was seen stands
    assert status_of(vs, "data.store-location", ARCHIVE) is Status.FAIL
    assert status_of(vs, "network.public-ingress", BROKER_EW1_B) is Status.INCONCLUSIVE
    assert status_of(vs, "failure.secondary-capacity", EW4) is Status.INCONCLUSIVE


def test_external_forwarding_rule_on_a_kafka_port_is_public_ingress() -> None:
    lb = f"{CP}/global/forwardingRules/kafka-ext"

    def add_lb(assets: list[dict[str, Any]]) -> None:
        assets.append(
            {
                "name": lb,
                "assetType": "compute.googleapis.com/GlobalForwardingRule",
                "ancestors": ["projects/100000000001"],
                "resource": {
                    "location": "global",
                    "data": {
                        "name": "kafka-ext",
                        "loadBalancingScheme": "EXTERNAL",
                        "portRange": "9092-9092",
                        "labels": {"platform": "orders-kafka"},
                    },
                },
            }
        )

    assert _statuses("network.public-ingress", edited(add_lb))[lb] is Status.FAIL


def test_public_ingress_network_not_collected_is_inconclusive_not_pass() -> None:
    # A Shared VPC host project outside the scan: its routes and firewalls are unknown.
    host_net = "https://www.googleapis.com/compute/v1/projects/host-prj/global/networks/shared"

    def shared_vpc(assets: list[dict[str, Any]]) -> None:
        for nic in data(assets, BROKER_EW1_A)["networkInterfaces"]:
            nic["network"] = host_net

    got = _statuses("network.public-ingress", edited(shared_vpc))
    assert got[BROKER_EW1_A] is Status.INCONCLUSIVE


def test_public_ingress_instance_without_interfaces_is_inconclusive_not_pass() -> None:
    def no_nics(assets: list[dict[str, Any]]) -> None:
        data(assets, BROKER_EW1_A).pop("networkInterfaces")

    got = _statuses("network.public-ingress", edited(no_nics))
    assert got[BROKER_EW1_A] is Status.INCONCLUSIVE


def test_platform_wide_pass_across_clouds_is_reached_by_every_clouds_gaps() -> None:
    # A platform of GCP Managed Kafka and an AWS resource, no instance on either side: the
    # platform-wide PASS must still turn INCONCLUSIVE on a GCP gap.
    def only_kafka(assets: list[dict[str, Any]]) -> None:
        for a in [a for a in assets if "/instances/" in a["name"]]:
            assets.remove(a)

    gap = Gap(
        cloud="gcp",
        account=PROJECT,
        region="*",
        service="*",
        operation="cloudasset.assets.list",
        error_code="PERMISSION_DENIED",
    )
    inv = inventory(edited(only_kafka), gaps=[gap])
    aws = Resource(
        id="arn:aws:s3:::orders-kafka-config",
        cloud="aws",
        kind=Kind.BUCKET,
        account="111111111111",
        region="eu-west-1",
        name="orders-kafka-config",
        tags={"platform": "orders-kafka"},
        attributes={},
        source="test",
    )
    inv = dataclasses.replace(inv, resources=(*inv.resources, aws))
    vs = run_rules(inv, declaration(), rules=["network.management-ports"])
    assert [v for v in vs if v.resource.startswith("scope:")]
    assert not [v for v in vs if v.status is Status.PASS], vs


def test_a_service_named_account_in_an_outside_project_is_not_google() -> None:
    """Any project may name an account ``service-NUMBER``; only Google's domains are Google."""
    from auditor.analysis.gcp_iam import member_party

    decl = declaration()
    forged = "serviceAccount:service-123456@evil-proj.iam.gserviceaccount.com"
    agent = "serviceAccount:service-123456@gcp-sa-pubsub.iam.gserviceaccount.com"
    legacy = "serviceAccount:service-123456@compute-system.iam.gserviceaccount.com"
    assert member_party(decl, forged) == "unknown"
    assert member_party(decl, agent) == "provider"
    assert member_party(decl, legacy) == "provider"
