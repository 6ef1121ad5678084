"""Observed flows on GCP end to end: the gcp-kafka estate and ``vpc_flows`` entries served by
the GCP fake, read by the real google-cloud-logging client (``entries.list``, HTTP/JSON),
aggregated, normalised and judged by ``network.observed-sources``.

The estate: broker VMs in ``kafka-ew1`` (flow logs, sampling 1.0) and ``kafka-ew4``
(sampling 0.5, the fixture's ``network.flow-logs`` plant); ``allow-kafka-public``
admits tcp:9092 from 0.0.0.0/0 to the brokers. The declaration adds the clients
``192.0.2.0/24``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from auditor.boundary import Declaration, load_declaration
from auditor.collect.gcp import GcpScanOptions, collect_gcp
from auditor.collect.gcp.vpc_flow_records import CAP, OPERATION, SERVICE
from auditor.collect.runner import CollectionResult
from auditor.fakecloud.gcp_logging import flow_entry
from auditor.fakecloud.gcp_server import GcpFake
from auditor.model import Inventory, Scope, Status, Verdict
from auditor.normalize import normalize
from tests.gcp_helpers import BROKER_EW1_A, CP, FIXTURE, MK, NET, PROJECT, data, estate
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

RULE = "network.observed-sources"
DAY = 24 * 3600
EW4 = f"{CP}/regions/europe-west4/subnetworks/kafka-ew4"
FIREWALL = f"{CP}/global/firewalls/allow-kafka-public"
LOG = f"projects/{PROJECT}/logs/compute.googleapis.com%2Fvpc_flows"


def _to_a(src: str, *, ago: int = 600, **kw: Any) -> dict[str, Any]:
    """A record broker-ew1-a (10.10.0.11) reported as the destination of ``src`` on 9092."""
    args: dict[str, Any] = {
        "project": PROJECT,
        "vm": "broker-ew1-a",
        "zone": "europe-west1-b",
        "network": "kafka-net",
        "subnetwork": "kafka-ew1",
        "src": src,
        "dst": "10.10.0.11",
        "dst_port": 9092,
        "ago": ago,
        **kw,
    }
    return flow_entry(**args)


CLIENT = [_to_a("192.0.2.10", ago=600), _to_a("192.0.2.10", ago=900)]
PEER = [_to_a("10.10.0.12", ago=700)]  # broker-ew1-b, the platform's own subnetwork
UNDECLARED = [_to_a("203.0.113.50", ago=800, bytes_sent=9000)]


def _complete() -> list[dict[str, Any]]:
    """The estate with kafka-ew4 logging every flow (the clean twin's subnetworks)."""
    assets = estate()
    data(assets, EW4)["logConfig"]["flowSampling"] = 1.0
    return assets


def _decl(tmp: Path) -> Declaration:
    doc = YAML(typ="safe").load((FIXTURE / "boundary.yaml").read_text(encoding="utf-8"))
    doc["network"]["clients"] = {"from": ["192.0.2.0/24"]}
    path = tmp / "boundary.yaml"
    with path.open("w", encoding="utf-8") as fh:
        YAML().dump(doc, fh)
    return load_declaration(path)


def _collect(
    assets: Sequence[Mapping[str, Any]],
    entries: Sequence[Mapping[str, Any]],
    *,
    since: int | None = DAY,
    fault: tuple[str, int, str] | None = None,
    bodies: list[Any] | None = None,
) -> tuple[CollectionResult, Inventory]:
    with GcpFake(list(assets), page_size=20, entries=entries) as fake:
        if fault is not None:
            fake.fail(fault[0], fault[1], fault[2])
        result = collect_gcp(
            GcpScanOptions(
                projects=(PROJECT,),
                api_endpoint=fake.endpoint,
                logging_endpoint=fake.endpoint,
                credentials=fake.credentials(),
                retry=None,
                timeout=10.0,
                page_size=20,
                max_workers=2,
                flows_since=since,
            )
        )
        if bodies is not None:
            bodies.extend(fake.logging.bodies)
    inv = normalize(
        result.records,
        scope=Scope(accounts=(PROJECT,), regions=("europe-west1", "europe-west4"), cloud="gcp"),
        gaps=result.gaps,
        collected=result.units,
    )
    return result, inv


def _verdicts(inv: Inventory, tmp: Path) -> list[Verdict]:
    return [v for v in run_rules(inv, _decl(tmp), rules=[RULE]) if v.rule == RULE]


def _on(verdicts: list[Verdict], resource: str) -> Verdict:
    found = [v for v in verdicts if v.resource == resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in verdicts]
    return found[0]


def test_an_undeclared_source_that_reached_9092_fails_on_the_admitting_firewall(
    tmp_path: Path,
) -> None:
    bodies: list[Any] = []
    result, inv = _collect(_complete(), [*CLIENT, *PEER, *UNDECLARED], bodies=bodies)
    assert result.gaps == []
    assert bodies[0]["filter"].startswith(f'logName="{LOG}" AND timestamp>="')
    assert bodies[0]["resourceNames"] == [f"projects/{PROJECT}"]
    verdicts = _verdicts(inv, tmp_path)
    v = _on(verdicts, BROKER_EW1_A)
    assert v.status is Status.FAIL, v.message
    assert "203.0.113.50" in v.message and "192.0.2.10 ->" not in v.message
    assert v.causes == (FIREWALL,)
    flows = v.evidence.attributes["undeclared_flows"]
    assert flows == [
        {
            "src": "203.0.113.50",
            "dst": "10.10.0.11",
            "dst_port": 9092,
            "bytes": 9000,
            "records": 1,
            "first_seen": flows[0]["first_seen"],
            "last_seen": flows[0]["last_seen"],
        }
    ]
    # the FAIL stands for the network; Managed Kafka is not seen by VM flow logs
    assert {x.resource: x.status for x in verdicts} == {
        BROKER_EW1_A: Status.FAIL,
        MK: Status.INCONCLUSIVE,
    }


def test_the_clean_twin_passes_on_what_was_read(tmp_path: Path) -> None:
    result, inv = _collect(_complete(), [*CLIENT, *PEER])
    assert result.gaps == [] and result.api_calls["logging:ListLogEntries"] == 1
    read = [r for r in inv.resources if r.kind == "flow_read"]
    assert [r.attributes["records"] for r in read] == [3]
    flow = next(r for r in inv.resources if r.kind == "observed_flow" and "192.0.2.10" in r.id)
    assert flow.attributes["action"] == "ACCEPT" and flow.attributes["records"] == 2
    assert any(
        rel.target == BROKER_EW1_A and rel.kind == "network.observed" for rel in inv.relations
    )
    verdicts = _verdicts(inv, tmp_path)
    v = _on(verdicts, NET)
    assert v.status is Status.PASS, v.message
    assert v.evidence.attributes["flows_judged"] == 2 and v.evidence.attributes["records"] == 3
    mk = _on(verdicts, MK)
    assert mk.status is Status.INCONCLUSIVE and "Managed Kafka" in mk.unmodelled


def test_a_sampled_listener_subnetwork_keeps_the_pass_from_being_claimed(tmp_path: Path) -> None:
    """The fixture as it is: kafka-ew4 samples half its flows; the records read hold, but
    they cannot show every connection to the ew4 brokers."""
    _, inv = _collect(estate(), [*CLIENT, *PEER])
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "kafka-ew4 samples 0.5" in v.unmodelled


def test_a_malformed_entry_is_counted_not_guessed(tmp_path: Path) -> None:
    bad = copy.deepcopy(CLIENT[0])
    bad["insertId"] = "no-port"
    del bad["jsonPayload"]["connection"]["dest_port"]
    gateway = copy.deepcopy(PEER[0])
    gateway["insertId"] = "vpn"
    gateway["jsonPayload"]["reporter"] = "DEST_GATEWAY"
    _, inv = _collect(_complete(), [*CLIENT, bad, gateway])
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["malformed"] == 1 and read.attributes["records"] == 2
    assert read.attributes["gateway_records"] == 1 and read.attributes["entries"] == 4
    assert read.attributes["malformed_examples"] == ["entry no-port: no connection.dest_port"]
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE and "1 malformed" in v.message


def test_permission_denied_is_a_gap_naming_the_log_and_inconclusive(tmp_path: Path) -> None:
    denied = json.dumps(
        {"error": {"code": 403, "message": "no logEntries.list", "status": "PERMISSION_DENIED"}}
    )
    result, inv = _collect(_complete(), CLIENT, fault=("entries:list", 403, denied))
    assert [(g.service, g.operation, g.error_code, g.resource) for g in result.gaps] == [
        (SERVICE, OPERATION, "403", LOG)
    ]
    assert not any(u.service == SERVICE for u in result.units)
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "failed" in v.message and any(LOG in g for g in v.evidence.gaps)


def test_entries_outside_the_window_are_not_read(tmp_path: Path) -> None:
    old = [_to_a("203.0.113.50", ago=3 * DAY)]
    _, inv = _collect(_complete(), [*CLIENT, *old])
    assert not [r for r in inv.resources if r.kind == "observed_flow" and "203.0.113" in r.id]
    assert _on(_verdicts(inv, tmp_path), NET).status is Status.PASS


def test_not_asked_for_reads_nothing_and_is_not_applicable(tmp_path: Path) -> None:
    bodies: list[Any] = []
    result, inv = _collect(_complete(), UNDECLARED, since=None, bodies=bodies)
    assert bodies == [] and "logging:ListLogEntries" not in result.api_calls
    v = _on(_verdicts(inv, tmp_path), "scope:aws/*/*")
    assert v.status is Status.NOT_APPLICABLE and "--flows-since" in v.message


def test_the_cap_is_applied_per_vm_and_named(tmp_path: Path) -> None:
    many = [_to_a("192.0.2.10", ago=60 + i, insert_id=f"c{i}") for i in range(CAP + 5)]
    _, inv = _collect(_complete(), many)
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["records"] == CAP and read.attributes["pages"] == 11
    assert read.attributes["capped_interfaces"] == [BROKER_EW1_A]
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE and "sample cap" in v.message


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"entries": [], "nextPageToken": "same"}', "RepeatedPageToken"),
        ('{"entries": {"not": "a list"}}', "MalformedResponse"),
        ("<html>not json</html>", "JSONDecodeError"),
    ],
)
def test_a_bad_page_is_a_gap_naming_the_log(tmp_path: Path, body: str, code: str) -> None:
    result, inv = _collect(_complete(), CLIENT, fault=("entries:list", 200, body))
    assert [(g.error_code, g.resource) for g in result.gaps] == [(code, LOG)]
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["status"] == "failed"
    assert _on(_verdicts(inv, tmp_path), NET).status is Status.INCONCLUSIVE


def test_a_project_without_flow_logged_subnetworks_is_named_not_read(tmp_path: Path) -> None:
    assets = estate()
    for sub in (f"{CP}/regions/europe-west1/subnetworks/kafka-ew1", EW4):
        data(assets, sub)["logConfig"]["enable"] = False
    bodies: list[Any] = []
    result, inv = _collect(assets, UNDECLARED, bodies=bodies)
    assert bodies == [] and result.gaps == []
    read = next(r for r in inv.resources if r.kind == "flow_read")
    assert read.attributes["status"] == "not-read"
    assert "no subnetwork" in str(read.attributes["reason"])
    v = _on(_verdicts(inv, tmp_path), NET)
    assert v.status is Status.INCONCLUSIVE and "kafka-ew1 has no flow log read" in v.message


def test_a_scan_with_flows_since_reads_gcp_flows_and_writes_the_verdict(tmp_path: Path) -> None:
    """--flows-since reaches the GCP options through the scan's scale options."""
    from auditor.checks.pack import load_pack
    from auditor.commands._scale import ScanScale
    from auditor.pipeline import run_scan, scan_request

    decl = _decl(tmp_path)
    text = (tmp_path / "boundary.yaml").read_text(encoding="utf-8")
    with GcpFake(_complete(), page_size=50, entries=[*CLIENT, *UNDECLARED]) as fake:
        options = {
            "gcp": {
                "api_endpoint": fake.endpoint,
                "logging_endpoint": fake.endpoint,
                "credentials": fake.credentials(),
                "retry": None,
            }
        }
        request = scan_request(
            decl,
            text,
            load_pack("default"),
            out_dir=tmp_path / "out",
            scale=ScanScale(cache_dir=None, flows_since=DAY),
            cloud_options=options,
        )
        assert request.targets.gcp is not None and request.targets.gcp.flows_since == DAY
        result = run_scan(request)
    mine = [v for v in result.evaluation.verdicts if v.rule == RULE]
    assert _on(mine, BROKER_EW1_A).status is Status.FAIL
    assert any(u.service == SERVICE for u in result.inventory.collected)


def test_a_default_sink_that_may_drop_vpc_flows_keeps_the_pass_from_being_claimed(
    tmp_path: Path,
) -> None:
    """entries.list reads what the project's buckets keep: an exclusion on the _Default
    sink, or a filter beyond leaving out audit logs, may have dropped the flows (the filters
    are read: an exclusion of another log drops none of them)."""
    sink = "//logging.googleapis.com/projects/orders-prod/sinks/_Default"
    excluded = _complete()
    on_field = [{"name": "no-flows", "filter": 'resource.type="gce_subnetwork"'}]
    data(excluded, sink)["exclusions"] = on_field
    filtered = _complete()
    data(filtered, sink)["filter"] += ' AND NOT LOG_ID("compute.googleapis.com/vpc_flows")'
    for assets, why in (
        (excluded, "has exclusions (no-flows) that may drop vpc_flows"),
        (filtered, "it drops vpc_flows"),
    ):
        _, inv = _collect(assets, [*CLIENT, *PEER])
        v = _on(_verdicts(inv, tmp_path), NET)
        assert v.status is Status.INCONCLUSIVE, v.message
        assert "_Default log sink of orders-prod" in v.unmodelled and why in v.unmodelled
    other = _complete()
    data(other, sink)["exclusions"] = [{"name": "no-stdout", "filter": 'LOG_ID("stdout")'}]
    _, inv = _collect(other, [*CLIENT, *PEER])
    assert _on(_verdicts(inv, tmp_path), NET).status is Status.PASS


def test_a_throttled_page_is_asked_again_then_a_gap_when_it_stays_throttled(
    tmp_path: Path,
) -> None:
    quota = json.dumps({"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}})
    with GcpFake(_complete(), page_size=20, entries=CLIENT) as fake:
        fake.fail("entries:list", 429, quota, times=1)
        opts = GcpScanOptions(
            projects=(PROJECT,),
            api_endpoint=fake.endpoint,
            logging_endpoint=fake.endpoint,
            credentials=fake.credentials(),
            retry=None,
            timeout=10.0,
            page_size=20,
            throttle_retries=1,
            flows_since=DAY,
        )
        once = collect_gcp(opts)
        fake.fail("entries:list", 429, quota)
        always = collect_gcp(opts)
    assert once.gaps == [] and once.api_calls["logging:ListLogEntries"] == 2
    assert [(g.error_code, g.resource) for g in always.gaps] == [("429", LOG)]
