"""Observed flows on Azure end to end: a VNet flow log (and an NSG flow log) delivering to a
storage account whose blobs the fake Azure serves; read by the auditor with the real
``azure-storage-blob`` client (List Blobs, Get Blob, bearer token), aggregated, and
judged by ``network.observed-sources``."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from auditor.boundary import Declaration, load_declaration
from auditor.collect.azure import AzureScanOptions, collect_azure
from auditor.collect.azure.permissions import role_definition
from auditor.collect.readonly import MutatingCallRefused
from auditor.fakecloud.azure_flow_blobs import (
    NSG_CONTAINER,
    VNET_CONTAINER,
    nsg_blob,
    nsg_tuples,
    vnet_blob,
    vnet_tuples,
)
from auditor.fakecloud.azure_server import AzureFake
from auditor.fakecloud.flow_records import Flow
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from tests.helpers import run_rules

RULE = "network.observed-sources"
ROOT = Path(__file__).resolve().parents[2]
S1 = "11111111-1111-1111-1111-111111111111"
TENANT = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
RG = f"/subscriptions/{S1}/resourceGroups/rg-kafka"
NET = f"{RG}/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet-kafka"
SUBNET = f"{VNET}/subnets/snet-brokers"
NSG = f"{NET}/networkSecurityGroups/nsg-brokers"
NIC = f"{NET}/networkInterfaces/nic-broker-1"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-broker-1"
STORAGE = (
    f"/subscriptions/{S1}/resourceGroups/rg-net/providers/Microsoft.Storage/storageAccounts/stflows"
)
FLOW_LOG = (
    f"/subscriptions/{S1}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/"
    "networkWatchers/NetworkWatcher_westeurope/flowLogs/fl-vnet-kafka"
)
NSG_FLOW_LOG = FLOW_LOG.replace("fl-vnet-kafka", "fl-nsg-brokers")
MAC = "00-0D-3A-11-22-33"
BROKER_IP = "10.20.1.4"
DAY = 24 * 3600
TAGS = {"platform": "orders-kafka"}

CLIENT = Flow(src="10.30.3.4", dst=BROKER_IP, dst_port=9092, count=3)
UNDECLARED = Flow(src="198.51.100.7", dst=BROKER_IP, dst_port=9092, count=2, bytes=9000)
REJECTED = Flow(src="198.51.100.7", dst=BROKER_IP, dst_port=9092, action="REJECT")


def declaration() -> Declaration:
    return Declaration.model_validate(
        {
            "version": 1,
            "name": "orders-kafka-azure",
            "pattern": "active-passive",
            "objectives": {"rpo": "5m", "rto": "15m"},
            "parties": {"customer": {"azure": {"subscriptions": [S1], "tenant": TENANT}}},
            "regions": {"azure/westeurope": "primary"},
            "platform": {"select": {"tags": TAGS}},
            "data": {"stores": {"select": {"tags": {"data-class": "kafka-log"}}}},
            "network": {
                "kafka_ports": [9092],
                "clients": {"via": ["private-endpoint"], "from": ["10.0.0.0/8"]},
                "public_ingress": "none",
            },
        }
    )


def _rule(name: str, priority: int, source: str) -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "priority": priority,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourceAddressPrefix": source,
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": "9092",
        },
    }


def _resources(flow_logs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    where = {"location": "westeurope"}
    return [
        {
            "id": VNET,
            "type": "Microsoft.Network/virtualNetworks",
            "tags": TAGS,
            **where,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
                "subnets": [
                    {
                        "id": SUBNET,
                        "name": "snet-brokers",
                        "properties": {
                            "addressPrefix": "10.20.1.0/24",
                            "networkSecurityGroup": {"id": NSG},
                        },
                    }
                ],
            },
        },
        {
            "id": NSG,
            "type": "Microsoft.Network/networkSecurityGroups",
            **where,
            "properties": {
                "securityRules": [
                    _rule("allow-clients", 100, "10.0.0.0/8"),
                    _rule("allow-partner", 110, "198.51.100.0/24"),
                ],
                "subnets": [{"id": SUBNET}],
            },
        },
        {
            "id": NIC,
            "type": "Microsoft.Network/networkInterfaces",
            **where,
            "properties": {
                "macAddress": MAC,
                "virtualMachine": {"id": VM},
                "ipConfigurations": [
                    {
                        "id": f"{NIC}/ipConfigurations/ipconfig1",
                        "name": "ipconfig1",
                        "properties": {"privateIPAddress": BROKER_IP, "subnet": {"id": SUBNET}},
                    }
                ],
            },
        },
        {
            "id": VM,
            "type": "Microsoft.Compute/virtualMachines",
            "tags": {**TAGS, "role": "kafka-broker"},
            **where,
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
                "networkProfile": {"networkInterfaces": [{"id": NIC}]},
            },
        },
        {
            "id": STORAGE,
            "type": "Microsoft.Storage/storageAccounts",
            "kind": "StorageV2",
            **where,
            "properties": {"primaryEndpoints": {"blob": "https://stflows.blob.core.windows.net/"}},
        },
        *flow_logs,
    ]


def flow_log(fid: str = FLOW_LOG, target: str = VNET, **extra: Any) -> dict[str, Any]:
    return {
        "id": fid,
        "type": "Microsoft.Network/networkWatchers/flowLogs",
        "location": "westeurope",
        "properties": {
            "targetResourceId": target,
            "storageId": STORAGE,
            "enabled": True,
            "retentionPolicy": {"days": 90, "enabled": True},
            "format": {"type": "JSON", "version": 2},
            **extra,
        },
    }


def estate(
    blobs: Mapping[str, Mapping[str, Any]],
    *,
    flow_logs: Sequence[Mapping[str, Any]] | None = None,
    denied: bool = False,
) -> dict[str, Any]:
    """The estate: one platform VM behind an NSG in a VNet, its flow log(s), the blobs."""
    return {
        "subscriptions": [{"id": S1, "tenant": TENANT, "name": "orders-prod"}],
        "resource_groups": [
            {"subscription": S1, "name": "rg-kafka", "location": "westeurope", "tags": TAGS},
            {"subscription": S1, "name": "rg-net", "location": "westeurope"},
        ],
        "resources": _resources([flow_log()] if flow_logs is None else flow_logs),
        "blob_storage": [
            {
                "account": "stflows",
                "denied": denied,
                "containers": {k: dict(v) for k, v in blobs.items()},
            }
        ],
    }


def vnet_blobs(flows: Sequence[Flow], now: int, *, extra: Sequence[str] = ()) -> dict[str, Any]:
    name, body = vnet_blob(FLOW_LOG, MAC.replace("-", ""), [*vnet_tuples(flows, now), *extra], now)
    return {VNET_CONTAINER: {name: body}}


def scan(state: dict[str, Any], since: int | None = DAY) -> tuple[Inventory, AzureFake]:
    with AzureFake(state, page_size=50) as fake:
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1,),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
                flows_since=since,
            )
        )
    inv = normalize(
        result.records,
        scope=Scope(accounts=(S1,), regions=("westeurope",), cloud="azure"),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )
    return inv, fake


def verdicts(inv: Inventory) -> list[Verdict]:
    return [v for v in run_rules(inv, declaration(), rules=[RULE]) if v.rule == RULE]


def only(inv: Inventory) -> Verdict:
    found = verdicts(inv)
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in found]
    return found[0]


def test_an_undeclared_source_that_reached_9092_fails_with_the_admitting_nsg() -> None:
    now = int(time.time())
    inv, fake = scan(estate(vnet_blobs([CLIENT, UNDECLARED], now)))
    v = only(inv)
    assert v.status is Status.FAIL, v.message
    assert v.resource == VM.lower()
    assert "198.51.100.7" in v.message and "10.30.3.4" not in v.message
    assert v.causes == (NSG.lower(),)
    flows = v.evidence.attributes["undeclared_flows"]
    assert [(f["src"], f["dst"], f["dst_port"], f["records"], f["bytes"]) for f in flows] == [
        ("198.51.100.7", BROKER_IP, 9092, 2, 18000)
    ]
    # read with Get Blob through the data plane, never with the account keys
    paths = [p for _, p in fake.requests]
    assert any(p.startswith(f"/stflows/{VNET_CONTAINER}/") for p in paths)
    assert not any("listkeys" in p.lower() for p in paths)
    observed = [r for r in inv.resources if r.kind == "observed_flow"]
    assert {r.attributes["interface_id"] for r in observed} == {NIC.lower()}
    assert {
        (rel.source, rel.target) for rel in inv.relations if rel.kind == "network.observed"
    } == {(r.id, NIC.lower()) for r in observed}


def test_the_clean_twin_passes_on_what_was_read() -> None:
    now = int(time.time())
    inv, _ = scan(estate(vnet_blobs([CLIENT, REJECTED], now)))
    v = only(inv)
    assert v.status is Status.PASS, v.message
    assert v.resource == VNET.lower()
    assert v.evidence.attributes["records"] == 4 and v.evidence.attributes["flows_judged"] == 1


def test_an_nsg_flow_log_on_every_subnet_records_the_whole_vnet() -> None:
    """NSG flow log version 2 tuples are parsed (the undeclared source FAILs); the NSG is
    on the VNet's only subnet, so its records are every flow of the VNet: the clean twin
    PASSes on them."""
    now = int(time.time())
    nsg_log = flow_log(NSG_FLOW_LOG, NSG)
    for flows, expected in (([CLIENT, UNDECLARED], Status.FAIL), ([CLIENT], Status.PASS)):
        name, body = nsg_blob(NSG, MAC.replace("-", ""), nsg_tuples(flows, now), now)
        inv, _ = scan(estate({NSG_CONTAINER: {name: body}}, flow_logs=[nsg_log]))
        v = only(inv)
        assert v.status is expected, v.message


def test_a_nic_flow_log_covers_only_part_of_the_vnet() -> None:
    """A NIC's flow log records that NIC only (other NICs of the subnet, a scale set's
    among them, may carry flows): the clean twin cannot PASS on it."""
    now = int(time.time())
    nic_log = flow_log(FLOW_LOG.replace("fl-vnet-kafka", "fl-nic-broker"), NIC)
    fid = str(nic_log["id"])
    name, body = vnet_blob(fid, MAC.replace("-", ""), vnet_tuples([CLIENT], now), now)
    inv, _ = scan(estate({VNET_CONTAINER: {name: body}}, flow_logs=[nic_log]))
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "whole VPC" in v.unmodelled


def test_a_malformed_tuple_keeps_the_verdict_from_pass() -> None:
    now = int(time.time())
    bad = f"{now * 1000},10.30.3.4,{BROKER_IP},40000,9092,6,I,Z,NX,1,2,3,4"  # no state Z
    inv, _ = scan(estate(vnet_blobs([CLIENT], now, extra=[bad])))
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "malformed" in v.message
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["malformed"] == 1 and read.attributes["records"] == 3
    assert "flow state 'Z'" in str(read.attributes["malformed_examples"])


def test_a_blob_that_is_not_the_documented_json_is_malformed_and_named() -> None:
    now = int(time.time())
    blobs = vnet_blobs([CLIENT], now)
    name = next(iter(blobs[VNET_CONTAINER]))
    blobs[VNET_CONTAINER][name.replace("PT1H.json", "x/PT1H.json")] = "{not json"
    broken = name.replace("macAddress=000D3A112233", "macAddress=000D3A445566")
    blobs[VNET_CONTAINER][broken] = {"records": [{"flowRecords": {"flows": "nope"}}]}
    inv, _ = scan(estate(blobs))
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE, v.message
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert [str(b).rsplit("/", 2)[-2] for b in read.attributes["malformed_objects"]] == [
        "macAddress=000D3A445566"
    ]


def test_a_missing_container_and_a_denied_account_are_gaps_naming_them() -> None:
    now = int(time.time())
    inv, _ = scan(estate({"other-container": {}}))
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE, v.message
    gap = next(g for g in inv.gaps if g.service == "azure-flow-records")
    assert gap.error_code == "ContainerNotFound" and gap.resource.endswith(
        f"/stflows/{VNET_CONTAINER}"
    )
    assert v.evidence.gaps
    inv, _ = scan(estate(vnet_blobs([UNDECLARED], now), denied=True))
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert any(g.error_code == "AuthorizationPermissionMismatch" for g in inv.gaps)


def test_blobs_outside_the_window_are_not_fetched() -> None:
    now = int(time.time())
    old = now - 3 * DAY
    blobs = vnet_blobs([CLIENT], now)
    name, body = vnet_blob(FLOW_LOG, "000D3A112233", vnet_tuples([UNDECLARED], old), old)
    blobs[VNET_CONTAINER][name] = body
    inv, fake = scan(estate(blobs), since=3600)
    assert only(inv).status is Status.PASS
    gets = [p for m, p in fake.requests if m == "GET" and p.endswith("PT1H.json")]
    current = next(iter(vnet_blobs([CLIENT], now)[VNET_CONTAINER])).replace("=", "%3D")
    assert gets == [f"/stflows/{VNET_CONTAINER}/{current}"]


def test_not_asked_for_reads_no_blob_and_is_not_applicable() -> None:
    now = int(time.time())
    inv, fake = scan(estate(vnet_blobs([UNDECLARED], now)), since=None)
    assert not any(p.startswith("/stflows/") for _, p in fake.requests)
    v = only(inv)
    assert v.status is Status.NOT_APPLICABLE and "--flows-since" in v.message


def test_the_role_names_the_blob_read_as_a_data_action_and_no_key_listing() -> None:
    role = role_definition([S1])
    assert role["DataActions"] == [
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    ]
    assert not any("listkeys" in a.lower() for a in role["Actions"])


def test_the_blob_client_is_guarded_against_writes() -> None:
    from azure.storage.blob import BlobServiceClient

    from auditor.collect.azure._guard import ReadOnlyPolicy

    with AzureFake(estate(vnet_blobs([CLIENT], int(time.time())))) as fake:
        client = BlobServiceClient(
            f"{fake.base_url}/stflows",
            credential=fake.credential(),
            connection_verify=fake.ca_path,
            _additional_pipeline_policies=[ReadOnlyPolicy()],
        )
        try:
            client.get_container_client(VNET_CONTAINER).upload_blob("x", b"{}")
        except MutatingCallRefused:
            pass
        else:
            raise AssertionError("an upload went through the guard")
        assert not any(m == "PUT" for m, _ in fake.requests)


def test_the_per_interface_cap_cuts_a_busy_nic_and_says_so() -> None:
    from auditor.collect.azure._flow_blobs import CAP

    now = int(time.time())
    busy = [
        Flow(src="10.30.3.4", dst=BROKER_IP, dst_port=9092, src_port=1024 + i)
        for i in range(CAP + 1)
    ]
    inv, _ = scan(estate(vnet_blobs(busy, now)))
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["records"] == CAP
    assert read.attributes["capped_interfaces"] == [NIC.lower()]
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE and f"sample cap of {CAP}" in v.message, v.message


def test_a_blob_over_the_byte_cap_is_not_fetched_and_keeps_the_verdict_from_passing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auditor.collect.azure import _flow_blobs

    monkeypatch.setattr(_flow_blobs, "BLOB_CAP", 200)  # the blob is ~600 bytes
    now = int(time.time())
    inv, fake = scan(estate(vnet_blobs([CLIENT], now)))
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert len(read.attributes["cut_objects"]) == 1 and read.attributes["objects"] == 0
    assert not any(p.endswith("PT1H.json") for _, p in fake.requests)
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE and "size cap" in v.message, v.message


def test_an_undeclared_flow_at_a_nic_the_scan_did_not_collect_is_inconclusive() -> None:
    """A scale set instance's NIC is not a Resource Graph row: its MAC maps to no NIC. An
    undeclared source reaching a Kafka port at an address of the platform VNet there is
    neither a FAIL on a listener it cannot name nor a PASS."""
    now = int(time.time())
    name, body = vnet_blob(FLOW_LOG, "000D3A999999", vnet_tuples([UNDECLARED], now), now)
    blobs = vnet_blobs([CLIENT], now)
    blobs[VNET_CONTAINER][name] = body
    inv, _ = scan(estate(blobs))
    assert {r.attributes["interface_id"] for r in inv.resources if r.kind == "observed_flow"} == {
        NIC.lower(),
        "mac:000D3A999999",
    }
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "198.51.100.7" in v.message and "MAC" in v.unmodelled


def test_flows_since_reaches_the_azure_scan_options(tmp_path: Path) -> None:
    """``scan --flows-since`` packs the window into the scale options; the Azure targets
    carry it (and only then plan the flow records unit)."""
    from auditor.checks.pack import load_pack
    from auditor.commands._scale import ScanScale
    from auditor.scan_request import scan_request

    text = (ROOT / "fixtures" / "azure-kafka" / "boundary.yaml").read_text(encoding="utf-8")
    decl = load_declaration(ROOT / "fixtures" / "azure-kafka" / "boundary.yaml")
    for since in (None, DAY):
        request = scan_request(
            decl,
            text,
            load_pack("default"),
            out_dir=tmp_path,
            scale=ScanScale(cache_dir=None, flows_since=since),
        )
        assert request.targets.azure is not None
        assert request.targets.azure.flows_since == since


def test_a_failed_get_blob_is_a_gap_naming_the_blob_and_the_other_blobs_still_count() -> None:
    """The read keeps what the blobs it could read hold: an undeclared source seen in one
    still FAILs (definite); without it, the failed blob keeps the verdict from PASS."""
    from auditor.fakecloud.azure_server import AzureFault

    now = int(time.time())
    blobs = vnet_blobs([CLIENT], now)
    name, body = vnet_blob(FLOW_LOG, "000D3A445566", vnet_tuples([CLIENT], now), now)
    blobs[VNET_CONTAINER][name] = body
    for extra, expected in (([], Status.INCONCLUSIVE), ([UNDECLARED], Status.FAIL)):
        state = estate({VNET_CONTAINER: dict(blobs[VNET_CONTAINER])})
        first = next(iter(vnet_blobs([CLIENT, *extra], now)[VNET_CONTAINER].items()))
        state["blob_storage"][0]["containers"][VNET_CONTAINER][first[0]] = first[1]
        with AzureFake(state, page_size=50) as fake:
            fake.add_fault(AzureFault(path=r"macAddress%3D000D3A445566/PT1H\.json$", status=503))
            result = collect_azure(
                AzureScanOptions(
                    subscriptions=(S1,),
                    base_url=fake.base_url,
                    credential=fake.credential(),
                    connection_verify=fake.ca_path,
                    retry_total=0,
                    flows_since=DAY,
                )
            )
        inv = normalize(
            result.records,
            scope=Scope(accounts=(S1,), regions=("westeurope",), cloud="azure"),
            gaps=result.gaps,
            api_calls=result.api_calls,
            collected=result.units,
        )
        gap = next(g for g in inv.gaps if g.service == "azure-flow-records")
        assert gap.resource.endswith("macAddress=000D3A445566/PT1H.json"), gap
        read = next(r for r in inv.resources if r.kind == "flow_read")
        assert read.attributes["status"] == "failed" and read.attributes["objects"] == 1
        v = only(inv)
        assert v.status is expected, v.message
        if expected is Status.INCONCLUSIVE:
            assert v.evidence.gaps, v


def test_a_disabled_flow_log_is_not_read_and_says_why() -> None:
    now = int(time.time())
    inv, fake = scan(estate(vnet_blobs([UNDECLARED], now), flow_logs=[flow_log(enabled=False)]))
    assert not any(p.startswith("/stflows/") for _, p in fake.requests)
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["status"] == "not-read"
    assert read.attributes["reason"] == "the flow log is not enabled"
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE and "not enabled" in v.message, v.message


def test_a_blob_endpoint_the_sdk_cannot_address_is_a_gap_per_container() -> None:
    state = estate({})
    state["blob_storage"] = []  # the row keeps its endpoint: one the SDK refuses
    row = next(r for r in state["resources"] if r["id"] == STORAGE)
    row["properties"]["primaryEndpoints"]["blob"] = "https://"
    inv, _ = scan(state)
    gap = next(g for g in inv.gaps if g.service == "azure-flow-records")
    assert gap.error_code == "InvalidEndpoint" and gap.resource.endswith(VNET_CONTAINER)
    v = only(inv)
    assert v.status is Status.INCONCLUSIVE and v.evidence.gaps, v.message


def test_a_blob_gone_between_listing_and_reading_is_a_gap_naming_it() -> None:
    from auditor.fakecloud.azure_server import AzureFault

    now = int(time.time())
    with AzureFake(estate(vnet_blobs([CLIENT], now)), page_size=50) as fake:
        fake.add_fault(
            AzureFault(path=r"/PT1H\.json$", status=404, code="BlobNotFound", message="gone")
        )
        result = collect_azure(
            AzureScanOptions(
                subscriptions=(S1,),
                base_url=fake.base_url,
                credential=fake.credential(),
                connection_verify=fake.ca_path,
                retry_total=0,
                flows_since=DAY,
            )
        )
    gap = next(g for g in result.gaps if g.service == "azure-flow-records")
    assert gap.error_code == "BlobNotFound" and gap.operation == "Blob.Get"
    assert gap.resource.endswith("macAddress=000D3A112233/PT1H.json")


PROBE = Flow(src="168.63.129.16", dst=BROKER_IP, dst_port=9092, count=4)


@pytest.mark.parametrize("deny", [False, True])
def test_health_probes_from_the_platform_address_are_no_clients_when_the_nsg_admits_them(
    deny: bool,
) -> None:
    """168.63.129.16 (the AzureLoadBalancer tag) is in no declared source: the default rule
    AllowAzureLoadBalancerInBound admits it, so its probes are reported apart on the PASS;
    a higher-priority deny of the tag leaves the accepted probes an undeclared source."""
    now = int(time.time())
    state = estate(vnet_blobs([CLIENT, PROBE], now))
    if deny:
        nsg = next(r for r in state["resources"] if r["id"] == NSG)
        rule = _rule("deny-probes", 90, "AzureLoadBalancer")
        rule["properties"]["access"] = "Deny"
        nsg["properties"]["securityRules"].append(rule)
    inv, _ = scan(state)
    v = only(inv)
    if deny:
        assert v.status is Status.FAIL, v.message
        assert v.resource == VM.lower()
        assert "168.63.129.16 -> 10.20.1.4:9092" in v.message
        assert "do not admit" in v.message and "deny-probes" in v.message, v.message
        return
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["flows_judged"] == 1  # the client only, not the probes
    probes = v.evidence.attributes["platform_probes"]
    assert [(p["src"], p["dst_port"], p["records"]) for p in probes] == [("168.63.129.16", 9092, 4)]
    assert "health probe" in v.message and "reported apart" in v.message
