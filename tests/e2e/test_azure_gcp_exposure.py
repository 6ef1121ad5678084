"""End to end: Azure and GCP data and network exposure, each plant with a clean twin.

The azure-kafka and gcp-kafka estates, with rows added in the services'
documented shapes, are served by the fake clouds and collected through the
real SDK clients; the default rules judge them.

- Azure storage accounts (``data.no-public-access``): the public endpoint
  (``publicNetworkAccess``, ``networkAcls``) and private endpoint connections.
- Event Hubs namespaces (``network.public-ingress``, ``network.client-sources``):
  a ``networkRuleSets/default`` row of its own merges into its namespace.
- VM scale sets (``network.public-ingress``): per-instance public IP
  configurations behind NIC NSGs, and public load balancers in front.
- ``network.client-sources`` on Azure NSGs (priority, deny first) and GCP
  firewall rules (priority, deny before allow at equal priority).
- ``data.customer-key``: a Key Vault no customer subscription holds, when all
  were listed, is outside the customer; a listing gap keeps it unknown.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import Declaration, load_declaration
from auditor.checks.pack import load_pack
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.fakecloud.azure_server import AzureFake, load_estate
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Gap, Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from auditor.pipeline import evaluate_inventory
from tests.gcp_helpers import BROKER_EW1_A, BROKER_EW4_A, CP, NET, PROJECT, estate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "fixtures" / "azure-kafka"
S1 = "11111111-1111-1111-1111-111111111111"
S2 = "22222222-2222-2222-2222-222222222222"
TODAY = dt.date(2026, 11, 29)
RG1 = f"/subscriptions/{S1}/resourceGroups/rg-kafka-weu/providers"
RG2 = f"/subscriptions/{S2}/resourceGroups/rg-kafka-neu/providers"
SNET_BROKERS = f"{RG1}/Microsoft.Network/virtualNetworks/vnet-kafka-weu/subnets/snet-brokers"
SNET_ENDPOINTS = f"{RG1}/Microsoft.Network/virtualNetworks/vnet-kafka-weu/subnets/snet-endpoints"
SNET_NEU = f"{RG2}/Microsoft.Network/virtualNetworks/vnet-kafka-neu/subnets/snet-brokers"
PLATFORM = {"platform": "orders-kafka"}
LOGS = {"data-class": "kafka-log"}


def _low(rid: str) -> str:
    return rid.lower()


def _storage(name: str, props: dict[str, Any], *, key_vault: str | None = None) -> dict[str, Any]:
    enc: dict[str, Any] = {"keySource": "Microsoft.Storage"}
    if key_vault:
        enc = {
            "keySource": "Microsoft.Keyvault",
            "keyvaultproperties": {"keyvaulturi": key_vault, "keyname": "kafka-log-key"},
        }
    return {
        "id": f"{RG1}/Microsoft.Storage/storageAccounts/{name}",
        "type": "Microsoft.Storage/storageAccounts",
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_ZRS", "tier": "Standard"},
        "tags": LOGS,
        "properties": {
            "encryption": enc,
            "allowBlobPublicAccess": False,
            "primaryLocation": "westeurope",
            **props,
        },
    }


def _acls(default: str, ips: list[str] = (), vnets: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "defaultAction": default,
        "bypass": "AzureServices",
        "ipRules": [{"value": ip, "action": "Allow"} for ip in ips],
        "virtualNetworkRules": [{"id": v, "action": "Allow"} for v in vnets],
    }


def _pe(sub: str, name: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"/subscriptions/{S1}/x/privateEndpointConnections/{name}",
            "properties": {
                "privateEndpoint": {
                    "id": f"/subscriptions/{sub}/resourceGroups/rg/providers/"
                    f"Microsoft.Network/privateEndpoints/{name}"
                },
                "privateLinkServiceConnectionState": {"status": "Approved"},
            },
        }
    ]


STORAGE = [
    _storage("stlogsopen", {"publicNetworkAccess": "Enabled", "networkAcls": _acls("Allow")}),
    _storage(
        "stlogsiprule",
        {"publicNetworkAccess": "Enabled", "networkAcls": _acls("Deny", ["203.0.113.7"])},
    ),
    _storage(
        "stlogsforeignpe",
        {
            "publicNetworkAccess": "Disabled",
            "networkAcls": _acls("Deny"),
            "privateEndpointConnections": _pe("33333333-3333-3333-3333-333333333333", "pe-x"),
        },
    ),
    _storage(
        "stlogsdeclared",
        {
            "publicNetworkAccess": "Enabled",
            "networkAcls": _acls("Deny", ["198.51.100.10"], [SNET_BROKERS]),
            "privateEndpointConnections": _pe(S1, "pe-own"),
        },
    ),
    _storage(
        "stlogsforeignkey",
        {"publicNetworkAccess": "Disabled", "networkAcls": _acls("Deny")},
        key_vault="https://kv-elsewhere.vault.azure.net/",
    ),
]


def _namespace(name: str, rule_set: dict[str, Any] | None) -> list[dict[str, Any]]:
    nid = f"{RG2}/Microsoft.EventHub/namespaces/{name}"
    rows: list[dict[str, Any]] = [
        {
            "id": nid,
            "type": "Microsoft.EventHub/namespaces",
            "location": "northeurope",
            "tags": PLATFORM,
            "sku": {"name": "Standard", "tier": "Standard", "capacity": 1},
            "properties": {"kafkaEnabled": True, "publicNetworkAccess": "Enabled"},
        }
    ]
    if rule_set is not None:
        rows.append(
            {
                "id": f"{nid}/networkRuleSets/default",
                "type": "Microsoft.EventHub/namespaces/networkRuleSets",
                "location": "northeurope",
                "name": "default",
                "properties": rule_set,
            }
        )
    return rows


EVENT_HUBS = [
    *_namespace("evh-open", {"defaultAction": "Allow", "publicNetworkAccess": "Enabled"}),
    *_namespace(
        "evh-iprule",
        {
            "defaultAction": "Deny",
            "publicNetworkAccess": "Enabled",
            "ipRules": [{"ipMask": "203.0.113.0/24", "action": "Allow"}],
        },
    ),
    *_namespace("evh-closed", {"defaultAction": "Allow", "publicNetworkAccess": "Disabled"}),
    *_namespace(
        "evh-declared",
        {
            "defaultAction": "Deny",
            "publicNetworkAccess": "Enabled",
            "virtualNetworkRules": [{"subnet": {"id": SNET_NEU}}],
        },
    ),
    *_namespace("evh-unread", None),
]


def _nsg(
    name: str, rules: list[tuple[str, int, str, str]], tags: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "id": f"{RG1}/Microsoft.Network/networkSecurityGroups/{name}",
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": "westeurope",
        "tags": tags or {},
        "properties": {
            "securityRules": [
                {
                    "name": rname,
                    "properties": {
                        "priority": prio,
                        "direction": "Inbound",
                        "access": access,
                        "protocol": "Tcp",
                        "sourceAddressPrefix": source,
                        "sourcePortRange": "*",
                        "destinationAddressPrefix": "*",
                        "destinationPortRange": "9092",
                    },
                }
                for rname, prio, access, source in rules
            ]
        },
    }


def _vmss(name: str, nsg: str, *, public_ip: bool, pool: str | None = None) -> dict[str, Any]:
    ipcfg: dict[str, Any] = {"subnet": {"id": SNET_ENDPOINTS}}
    if public_ip:
        ipcfg["publicIPAddressConfiguration"] = {
            "name": "pub",
            "sku": {"name": "Standard", "tier": "Regional"},
            "properties": {"idleTimeoutInMinutes": 4},
        }
    if pool:
        ipcfg["loadBalancerBackendAddressPools"] = [{"id": pool}]
    return {
        "id": f"{RG1}/Microsoft.Compute/virtualMachineScaleSets/{name}",
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": "westeurope",
        "tags": {**PLATFORM, "role": "kafka-broker"},
        "sku": {"name": "Standard_D4s_v5", "tier": "Standard", "capacity": 1},
        "properties": {
            "virtualMachineProfile": {
                "networkProfile": {
                    "networkInterfaceConfigurations": [
                        {
                            "name": "nic",
                            "properties": {
                                "primary": True,
                                "networkSecurityGroup": {
                                    "id": f"{RG1}/Microsoft.Network/networkSecurityGroups/{nsg}"
                                },
                                "ipConfigurations": [{"name": "ipconfig1", "properties": ipcfg}],
                            },
                        }
                    ]
                }
            }
        },
    }


LB = f"{RG1}/Microsoft.Network/loadBalancers/lb-vmss-public"
POOL = f"{LB}/backendAddressPools/vmss"
SCALE_SETS = [
    # selected as platform itself too: judged once, as the NSG of the scale sets
    _nsg("nsg-vmss-open", [("allow-kafka-any", 100, "Allow", "Internet")], PLATFORM),
    _nsg(
        "nsg-vmss-closed",
        [
            ("deny-test-net", 100, "Deny", "203.0.113.0/24"),
            ("allow-test-net", 200, "Allow", "203.0.113.0/24"),
            ("allow-vnet", 300, "Allow", "VirtualNetwork"),
        ],
    ),
    _vmss("vmss-public", "nsg-vmss-open", public_ip=True),
    _vmss("vmss-private", "nsg-vmss-closed", public_ip=True),
    _vmss("vmss-behind-lb", "nsg-vmss-open", public_ip=False, pool=POOL),
    {
        "id": f"{RG1}/Microsoft.Network/publicIPAddresses/pip-lb-vmss",
        "type": "Microsoft.Network/publicIPAddresses",
        "location": "westeurope",
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {"ipAddress": "20.50.1.20", "publicIPAllocationMethod": "Static"},
    },
    {
        "id": LB,
        "type": "Microsoft.Network/loadBalancers",
        "location": "westeurope",
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {
            "frontendIPConfigurations": [
                {
                    "id": f"{LB}/frontendIPConfigurations/fe",
                    "name": "fe",
                    "properties": {
                        "publicIPAddress": {
                            "id": f"{RG1}/Microsoft.Network/publicIPAddresses/pip-lb-vmss"
                        }
                    },
                }
            ],
            "backendAddressPools": [{"id": POOL, "name": "vmss"}],
            "loadBalancingRules": [
                {
                    "name": "kafka",
                    "properties": {
                        "protocol": "Tcp",
                        "frontendPort": 9092,
                        "backendPort": 9092,
                        "frontendIPConfiguration": {"id": f"{LB}/frontendIPConfigurations/fe"},
                        "backendAddressPool": {"id": POOL},
                    },
                }
            ],
        },
    },
]


def _azure_decl(tmp: Path) -> Declaration:
    """The azure-kafka declaration, with an operations network of public addresses."""
    text = (AZURE / "boundary.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  public_ingress: none",
        "  operations: {via: [internet], from: [198.51.100.0/24]}\n  public_ingress: none",
    )
    path = tmp / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    return load_declaration(path)


@dataclass(frozen=True, kw_only=True)
class AzureScan:
    inventory: Inventory
    decl: Declaration

    def verdicts(self, gaps: tuple[Gap, ...] = ()) -> list[Verdict]:
        inv = dataclasses.replace(self.inventory, gaps=(*self.inventory.gaps, *gaps))
        return evaluate_inventory(inv, self.decl, load_pack("default"), TODAY).verdicts


@pytest.fixture(scope="module")
def azure(tmp_path_factory: pytest.TempPathFactory) -> AzureScan:
    data = load_estate(AZURE / "estate.yaml")
    data = copy.deepcopy(data)
    data["resources"] = [*data["resources"], *STORAGE, *EVENT_HUBS, *SCALE_SETS]
    with AzureFake(data, page_size=50) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1, S2),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
            )
        )
    assert result.gaps == []
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1, S2), regions=("westeurope", "northeurope"), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    return AzureScan(inventory=inv, decl=_azure_decl(tmp_path_factory.mktemp("decl")))


@pytest.fixture(scope="module")
def azure_verdicts(azure: AzureScan) -> list[Verdict]:
    return azure.verdicts()


def _one(verdicts: list[Verdict], rule: str, rid: str) -> Verdict:
    found = [v for v in verdicts if v.rule == rule and v.resource == _low(rid)]
    assert len(found) == 1, f"{rule} on {rid}: {[v.status for v in found]}"
    return found[0]


def _classes(verdicts: list[Verdict], rid: str) -> dict[str, Verdict]:
    """``network.traffic-class`` verdicts on one resource, by traffic class."""
    found = [v for v in verdicts if v.rule == "network.traffic-class" and v.resource == _low(rid)]
    return {v.message.split("]", 1)[0].lstrip("["): v for v in found}


def _storage_id(name: str) -> str:
    return f"{RG1}/Microsoft.Storage/storageAccounts/{name}"


# --- 1. storage account network exposure ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("stlogsopen", "default action is Allow"),
        ("stlogsiprule", "203.0.113.7"),
        ("stlogsforeignpe", "33333333-3333-3333-3333-333333333333"),
    ],
)
def test_storage_reachable_from_outside_fails(
    azure_verdicts: list[Verdict], name: str, why: str
) -> None:
    v = _one(azure_verdicts, "data.no-public-access", _storage_id(name))
    assert v.status is Status.FAIL, v.message
    assert why in v.message


def test_storage_reachable_only_from_declared_networks_passes(
    azure_verdicts: list[Verdict],
) -> None:
    v = _one(azure_verdicts, "data.no-public-access", _storage_id("stlogsdeclared"))
    assert v.status is Status.PASS, v.message
    assert "only declared networks" in v.message


# --- 2. Event Hubs network rule sets ----------------------------------------------------


def _evh(name: str) -> str:
    return f"{RG2}/Microsoft.EventHub/namespaces/{name}"


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("evh-open", Status.FAIL),
        ("evh-iprule", Status.FAIL),
        ("evh-closed", Status.PASS),
        ("evh-declared", Status.PASS),
        ("evh-unread", Status.INCONCLUSIVE),
    ],
)
def test_event_hubs_rule_set_rows_decide_public_ingress(
    azure_verdicts: list[Verdict], name: str, want: Status
) -> None:
    v = _one(azure_verdicts, "network.public-ingress", _evh(name))
    assert v.status is want, v.message


def test_replication_over_the_internet_needs_the_replicators_addresses_admitted(
    azure_verdicts: list[Verdict],
) -> None:
    """A namespace open to the whole internet is reached by westeurope's replicators over
    it; one that admits a single public range is, only if they leave from there, which is
    not collected: then what decides is that no private path reaches it."""
    open_ = _classes(azure_verdicts, _evh("evh-open"))["replication"]
    assert open_.status is Status.FAIL, open_.message
    assert "over internet" in open_.message
    ranged = _classes(azure_verdicts, _evh("evh-iprule"))["replication"]
    assert ranged.status is Status.FAIL, ranged.message
    assert "no private path" in ranged.message
    assert "admits only 203.0.113.0/24" in ranged.message


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("evh-open", Status.FAIL),
        ("evh-iprule", Status.FAIL),
        ("evh-closed", Status.PASS),
        ("evh-declared", Status.PASS),
        ("evh-unread", Status.INCONCLUSIVE),
    ],
)
def test_event_hubs_rules_are_held_against_client_sources(
    azure_verdicts: list[Verdict], name: str, want: Status
) -> None:
    v = _one(azure_verdicts, "network.client-sources", _evh(name))
    assert v.status is want, v.message


# --- 3. VM scale sets -------------------------------------------------------------------


def _vmss_id(name: str) -> str:
    return f"{RG1}/Microsoft.Compute/virtualMachineScaleSets/{name}"


def test_scale_set_with_instance_public_ips_open_to_the_internet_fails(
    azure_verdicts: list[Verdict],
) -> None:
    v = _one(azure_verdicts, "network.public-ingress", _vmss_id("vmss-public"))
    assert v.status is Status.FAIL, v.message
    assert "per-instance public IP" in v.message


def test_scale_set_behind_a_public_load_balancer_fails(azure_verdicts: list[Verdict]) -> None:
    v = _one(azure_verdicts, "network.public-ingress", _vmss_id("vmss-behind-lb"))
    assert v.status is Status.FAIL, v.message
    assert "lb-vmss-public" in v.message


def test_scale_set_whose_nsg_admits_no_internet_passes(azure_verdicts: list[Verdict]) -> None:
    v = _one(azure_verdicts, "network.public-ingress", _vmss_id("vmss-private"))
    assert v.status is Status.PASS, v.message


def test_scale_set_is_a_kafka_listener_of_the_traffic_classes(
    azure_verdicts: list[Verdict],
) -> None:
    """A uniform scale set's instances are no rows of their own: the scale set is the
    listener, its network profile the NICs that clients reach."""
    public = _classes(azure_verdicts, _vmss_id("vmss-public"))
    assert public["clients"].status is Status.FAIL, public["clients"].message
    assert "internet" in public["clients"].message
    private = _classes(azure_verdicts, _vmss_id("vmss-private"))
    assert private["clients"].status is Status.PASS, private["clients"].message
    assert "operations" in private
    # From the peered northeurope network, through the scale set's NSG (VirtualNetwork).
    assert private["replication"].status is Status.PASS, private["replication"].message
    assert "over peering" in private["replication"].message


# --- 4. client sources: Azure NSGs ------------------------------------------------------


def _nsg_id(name: str) -> str:
    return f"{RG1}/Microsoft.Network/networkSecurityGroups/{name}"


def test_nsg_admitting_the_internet_on_kafka_fails_client_sources(
    azure_verdicts: list[Verdict],
) -> None:
    v = _one(azure_verdicts, "network.client-sources", _nsg_id("nsg-vmss-open"))
    assert v.status is Status.FAIL, v.message
    assert "Internet" in v.message


def test_nsg_deny_at_a_lower_priority_number_wins_over_a_later_allow(
    azure_verdicts: list[Verdict],
) -> None:
    v = _one(azure_verdicts, "network.client-sources", _nsg_id("nsg-vmss-closed"))
    assert v.status is Status.PASS, v.message
    assert "203.0.113.0/24" not in v.message


# --- 6. key ownership by closed world ---------------------------------------------------


def test_key_vault_in_no_listed_customer_subscription_is_outside(
    azure_verdicts: list[Verdict],
) -> None:
    v = _one(azure_verdicts, "data.customer-key", _storage_id("stlogsforeignkey"))
    assert v.status is Status.FAIL, v.message
    assert "not in any customer subscription (each was listed completely" in v.message
    twin = _one(azure_verdicts, "data.customer-key", _storage_id("stordersweu"))
    assert twin.status is Status.PASS, twin.message


def test_a_listing_gap_keeps_the_key_owner_unknown(azure: AzureScan) -> None:
    gap = Gap(
        cloud="azure",
        account=S2,
        region="*",
        service="*",
        operation="resources",
        error_code="Throttled",
        message="the resources query of one customer subscription failed",
    )
    v = _one(azure.verdicts((gap,)), "data.customer-key", _storage_id("stlogsforeignkey"))
    assert v.status is Status.INCONCLUSIVE, v.message


# --- 4. client sources: GCP firewall rules ----------------------------------------------

FW = f"{CP}/global/firewalls"


def _firewall(name: str, priority: int, action: str, ranges: list[str], **extra: Any) -> Any:
    data: dict[str, Any] = {
        "name": name,
        "network": "https://www.googleapis.com/compute/v1/projects/orders-prod/global/networks/"
        "kafka-net",
        "direction": "INGRESS",
        "priority": priority,
        "sourceRanges": ranges,
        action: [{"IPProtocol": "tcp", "ports": ["9092"]}],
        **extra,
    }
    return {
        "name": f"{FW}/{name}",
        "assetType": "compute.googleapis.com/Firewall",
        "ancestors": [
            "projects/100000000001",
            "folders/700000000007",
            "organizations/500000000005",
        ],
        "resource": {
            "version": "v1",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": "global",
            "data": data,
        },
    }


GCP_FIREWALLS = [
    # equal priority: the deny outranks the allow for the same range
    _firewall("deny-test-net", 1000, "denied", ["203.0.113.0/24"], targetTags=["kafka-broker"]),
    _firewall("allow-test-net", 1000, "allowed", ["203.0.113.0/24"], targetTags=["kafka-broker"]),
    # a lower number first: the allow outranks the later deny
    _firewall(
        "allow-partner-sa",
        800,
        "allowed",
        ["198.51.100.0/24"],
        targetServiceAccounts=["kafka-broker@orders-prod.iam.gserviceaccount.com"],
    ),
    _firewall("deny-partner", 900, "denied", ["198.51.100.0/24"], targetTags=["kafka-broker"]),
]


def _bucket(name: str, key: str) -> Any:
    return {
        "name": f"//storage.googleapis.com/{name}",
        "assetType": "storage.googleapis.com/Bucket",
        "ancestors": [
            "projects/100000000001",
            "folders/700000000007",
            "organizations/500000000005",
        ],
        "resource": {
            "version": "v1",
            "parent": "//cloudresourcemanager.googleapis.com/projects/100000000001",
            "location": "europe-west1",
            "data": {
                "name": name,
                "location": "EUROPE-WEST1",
                "locationType": "region",
                "labels": {"data-class": "kafka-log"},
                "encryption": {"defaultKmsKeyName": key},
                "iamConfiguration": {
                    "publicAccessPrevention": "enforced",
                    "uniformBucketLevelAccess": {"enabled": True},
                },
            },
        },
        "iamPolicy": {"bindings": []},
    }


GCP_BUCKETS = [
    # a key of a project number no customer project has
    _bucket(
        "orders-foreign-key-ew1",
        "projects/100000000777/locations/europe-west1/keyRings/kafka/cryptoKeys/log-key",
    ),
    # the customer project's own number: never judged outside
    _bucket(
        "orders-own-number-ew1",
        "projects/100000000001/locations/europe-west1/keyRings/kafka/cryptoKeys/log-key",
    ),
]


@pytest.fixture(scope="module")
def gcp_verdicts(tmp_path_factory: pytest.TempPathFactory) -> list[Verdict]:
    assets = [*estate(), *GCP_FIREWALLS, *GCP_BUCKETS]
    with GcpFake(assets, page_size=20) as fake:
        result = collect_gcp(
            GcpScanOptions(
                projects=(PROJECT,),
                api_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=20,
                max_workers=2,
            )
        )
    assert result.gaps == []
    inv = normalize(
        result.records,
        scope=Scope(accounts=(PROJECT,), regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )
    text = (ROOT / "fixtures" / "gcp-kafka" / "boundary.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  kafka_ports: [9092]",
        "  kafka_ports: [9092]\n  clients: {via: [private-endpoint], from: [10.0.0.0/8]}",
    )
    path = tmp_path_factory.mktemp("gcp") / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    decl = load_declaration(path)
    return evaluate_inventory(inv, decl, load_pack("default"), TODAY).verdicts


def _gcp(verdicts: list[Verdict], rid: str) -> Verdict:
    found = [v for v in verdicts if v.rule == "network.client-sources" and v.resource == rid]
    assert len(found) == 1, f"{rid}: {[v.status for v in found]}"
    return found[0]


def test_gcp_firewall_rule_admitting_undeclared_sources_fails(
    gcp_verdicts: list[Verdict],
) -> None:
    v = _gcp(gcp_verdicts, f"{FW}/allow-kafka-public")
    assert v.status is Status.FAIL, v.message
    sa = _gcp(gcp_verdicts, f"{FW}/allow-partner-sa")
    assert sa.status is Status.FAIL, sa.message
    assert "198.51.100.0/24" in sa.message


def test_gcp_deny_outranks_allow_at_equal_priority(gcp_verdicts: list[Verdict]) -> None:
    v = _gcp(gcp_verdicts, f"{FW}/allow-test-net")
    assert v.status is Status.PASS, v.message
    assert "admits no traffic" in v.message
    internal = _gcp(gcp_verdicts, f"{FW}/allow-kafka-internal")
    assert internal.status is Status.PASS, internal.message


def test_gcp_instances_are_judged_not_skipped(gcp_verdicts: list[Verdict]) -> None:
    skipped = [
        v
        for v in gcp_verdicts
        if v.rule == "network.client-sources"
        and v.status is Status.NOT_APPLICABLE
        and v.resource in (BROKER_EW1_A, BROKER_EW4_A, NET)
    ]
    assert not skipped, [v.message for v in skipped]


# --- 5. geo-redundant storage: the paired copy is a read-only replica -------------------


def test_geo_secondary_is_a_read_only_replica_judged_where_it_lives(
    azure: AzureScan, azure_verdicts: list[Verdict]
) -> None:
    primary = _low(_storage_id("stordersweu"))
    copy_ = next(r for r in azure.inventory.resources if r.id == f"{primary}/secondary")
    assert copy_.attributes["read_only_replica"] is True
    assert copy_.region == "northeurope"
    (edge,) = [
        r
        for r in azure.inventory.relations
        if r.source == primary and r.target == copy_.id and r.kind == "data.replicates_to"
    ]
    assert edge.attributes["read_only"] is True
    ok = _one(azure_verdicts, "data.replication-in-boundary", _storage_id("stordersweu"))
    assert ok.status is Status.PASS, ok.message
    out = _one(azure_verdicts, "data.replication-in-boundary", _storage_id("stbackupsdc"))
    assert out.status is Status.FAIL, out.message
    assert "swedensouth" in out.message


def test_gcp_key_of_a_project_no_listed_customer_project_has_is_outside(
    gcp_verdicts: list[Verdict],
) -> None:
    def key_verdict(bucket: str) -> Verdict:
        found = [
            v
            for v in gcp_verdicts
            if v.rule == "data.customer-key" and v.resource == f"//storage.googleapis.com/{bucket}"
        ]
        assert len(found) == 1, bucket
        return found[0]

    foreign = key_verdict("orders-foreign-key-ew1")
    assert foreign.status is Status.FAIL, foreign.message
    assert "not in any customer project (each was listed completely" in foreign.message
    own = key_verdict("orders-own-number-ew1")
    assert own.status is not Status.FAIL, own.message
    assert key_verdict("orders-tiered-ew1").status is Status.PASS
