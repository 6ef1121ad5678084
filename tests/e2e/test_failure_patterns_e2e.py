"""Failure path patterns end to end: estates in moto, collected with real boto3, judged.

Each pattern has a fixture under ``fixtures/failure-<pattern>/``: ``estate.yaml``
(passes every failure rule), ``broken.yaml`` (applied on top: the failing variant),
``boundary.yaml`` and a ``drills/`` folder. Drill variants (stale, too slow) reuse
the passing inventory with other drill folders, so each estate is built once.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from auditor.boundary import Declaration, load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.model import Inventory, Status, Verdict
from auditor.normalize.drills import with_drills
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import run_rules

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("us-east-1", "us-west-2")
AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
SERVICES = (
    "ec2-compute",
    "ec2-network",
    "autoscaling",
    "s3",
    "kms",
    "route53",
    "cloudtrail",
)
_CACHE: dict[tuple[str, bool], Inventory] = {}
VARIANTS: dict[tuple[str, bool], tuple[str, ...]] = {
    ("active-passive", False): ("estate.yaml",),
    ("active-passive", True): ("estate.yaml", "broken.yaml"),
    ("active-active", False): ("estate.yaml", "local-dns.yaml"),
    ("active-active", True): ("estate.yaml", "broken.yaml"),
    ("shared-storage", False): ("estate.yaml",),
    ("shared-storage", True): ("estate.yaml", "broken.yaml"),
}


def fixture(pattern: str) -> Path:
    return ROOT / "fixtures" / f"failure-{pattern}"


def estate(fake: FakeAws, pattern: str, *, broken: bool) -> Inventory:
    """Apply (and cache) the pattern's estate, collect it, add its drills."""
    key = (pattern, broken)
    if key not in _CACHE:
        folder = fixture(pattern)
        for name in VARIANTS[key]:
            apply_estate(folder / name)
        _CACHE[key] = fake.collect(accounts=(CUSTOMER,), regions=REGIONS, services=SERVICES)
    return _CACHE[key]


def judge(
    inv: Inventory, pattern: str, drills: Path | None = None, rules: Sequence[str] = ("failure.*",)
) -> list[Verdict]:
    path = fixture(pattern) / "boundary.yaml"
    decl = load_declaration(path)
    if drills is not None:
        decl = _with_drills_path(decl, drills)
    return run_rules(with_drills(inv, decl, path, AS_OF), decl, rules=rules)


def _with_drills_path(decl: Declaration, folder: Path) -> Declaration:
    data = decl.model_dump(mode="json", by_alias=True)
    data["failure"]["drills"]["path"] = str(folder)
    return Declaration.model_validate(data)


SHARED_STORAGE_DNS = "no failure.dns section names how"
"""The shared-storage fixture declares no failure.dns: its client failover is unjudged."""


SELF_MANAGED_MM2 = "MirrorMaker 2 on self-managed workers"
"""These fixtures run MirrorMaker 2 on Auto Scaling groups: no control-plane API shows its
configuration, so failure.replication-service is INCONCLUSIVE and names what it cannot see
(fixtures/failure-msk-replication judges the managed kind to PASS and FAIL)."""


def _self_managed_mm2(v: Verdict) -> bool:
    return (
        v.rule == "failure.replication-service"
        and v.status is Status.INCONCLUSIVE
        and SELF_MANAGED_MM2 in v.unmodelled
    )


SELF_MANAGED_BROKERS = "self-managed broker configuration"
"""The brokers of these fixtures run on EC2 (Auto Scaling groups): their server.properties
is in no control-plane API, so failure.broker-durability is INCONCLUSIVE naming it."""


def _self_managed_brokers(v: Verdict) -> bool:
    return (
        v.rule == "failure.broker-durability"
        and v.status is Status.INCONCLUSIVE
        and v.unmodelled == SELF_MANAGED_BROKERS
    )


def not_passing(verdicts: list[Verdict]) -> list[str]:
    """FAIL and INCONCLUSIVE verdicts (NOT_APPLICABLE says the rule has nothing to judge)."""
    return [
        f"{v.status.value} {v.rule} {v.resource}: {v.message}"
        for v in verdicts
        if v.status in (Status.FAIL, Status.INCONCLUSIVE)
        and not (v.status is Status.INCONCLUSIVE and SHARED_STORAGE_DNS in v.message)
        and not _self_managed_mm2(v)
        and not _self_managed_brokers(v)
    ]


def one(verdicts: list[Verdict], rule: str, part: str = "") -> Verdict:
    found = [v for v in verdicts if v.rule == rule and part in v.resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in found]
    return found[0]


@pytest.mark.parametrize("pattern", ["active-passive", "active-active", "shared-storage"])
def test_passing_estate_passes_every_failure_rule(fake_aws: FakeAws, pattern: str) -> None:
    v = judge(estate(fake_aws, pattern, broken=False), pattern)
    assert not not_passing(v), "\n".join(not_passing(v))
    services = [x for x in v if x.rule == "failure.replication-service"]
    if pattern != "shared-storage":
        assert services and all(_self_managed_mm2(x) for x in services), services
    durability = [x for x in v if x.rule == "failure.broker-durability"]
    assert durability and all(_self_managed_brokers(x) for x in durability), durability


def test_active_passive_failing_variant(fake_aws: FakeAws) -> None:
    v = judge(estate(fake_aws, "active-passive", broken=True), "active-passive")
    cap = one(v, "failure.secondary-capacity", "us-west-2")
    assert cap.status is Status.FAIL and "1 brokers" in cap.message
    keys = one(v, "failure.keys-in-each-region", "us-west-2")
    assert keys.status is Status.FAIL
    indep = one(v, "failure.region-independence", "us-west-2")
    assert indep.status is Status.FAIL
    needs = {d["need"] for d in indep.evidence.attributes["dependencies"] if d["blocking"]}
    assert needs == {"key", "replication", "control-plane"}, needs
    assert any("fo-log-usw2" in n for n in indep.evidence.nodes)
    assert one(v, "failure.dns-health-checks").status is Status.FAIL
    ttl = one(v, "failure.dns-ttl", "/use1")
    assert ttl.status is Status.FAIL and "3600" in ttl.message
    repl = one(v, "failure.data-replicated", "fo-log-use1")
    assert repl.status is Status.FAIL and "outside the declared boundary" in repl.message
    svc = one(v, "failure.replication-service")
    assert svc.status is Status.FAIL and "runs only in us-east-1" in svc.message
    runbook = {x.resource: x.status for x in v if x.rule == "failure.runbook-resources"}
    assert runbook["runbook:2/replication:fo-log-use1-111111111111/to-west"] is Status.FAIL
    assert runbook["runbook:1/health_check:10.1.0.10"] is Status.FAIL


def _override(pattern: str, **failure: object) -> Declaration:
    data = load_declaration(fixture(pattern) / "boundary.yaml").model_dump(
        mode="json", by_alias=True
    )
    data["failure"].update(failure)
    return Declaration.model_validate(data)


def test_active_active_failing_variant(fake_aws: FakeAws) -> None:
    inv = estate(fake_aws, "active-active", broken=True)
    decl = _override("active-active", ownership={}, conflict_handling=None)
    path = fixture("active-active") / "boundary.yaml"
    v = run_rules(with_drills(inv, decl, path, AS_OF), decl, rules=["failure.*"])
    assert one(v, "failure.topic-ownership").status is Status.FAIL
    loop = one(v, "failure.replication-loops")
    assert loop.status is Status.FAIL and "conflict handling" in loop.message
    local = one(v, "failure.local-resolution")
    assert local.status is Status.FAIL and "us-west-2" in local.message
    indep = one(v, "failure.region-independence", "us-west-2")
    assert indep.status is Status.FAIL and "control plane" in indep.message


def test_shared_storage_failing_variant(fake_aws: FakeAws) -> None:
    v = judge(estate(fake_aws, "shared-storage", broken=True), "shared-storage")
    vol = [
        x for x in v if x.rule == "failure.shared-storage-durability" and ":volume/" in x.resource
    ]
    assert len(vol) == 1 and vol[0].status is Status.FAIL and "EBS volume" in vol[0].message
    west = one(v, "failure.compute-replaceable", "us-west-2")
    assert west.status is Status.FAIL and "outside any Auto Scaling group" in west.message
    assert one(v, "failure.compute-replaceable", "us-east-1").status is Status.PASS


# --- drills over the passing active-passive estate ---------------------------------------------


def _drill(tmp: Path, **changes: object) -> Path:
    folder = tmp / "drills"
    folder.mkdir(parents=True, exist_ok=True)
    src = fixture("active-passive") / "drills" / "2026-11-10-use1-to-usw2.json"
    doc = json.loads(src.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key in doc["measurements"] or key == "recovery_time_seconds":
            doc["measurements"][key] = value
        else:
            doc[key] = value
    (folder / "drill.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


DRILL_RULES = ("failure.drill-*",)


def test_stale_drill_fails(fake_aws: FakeAws, tmp_path: Path) -> None:
    folder = _drill(tmp_path, started="2026-05-01T09:00:00Z", ended="2026-05-01T09:10:00Z")
    v = judge(
        estate(fake_aws, "active-passive", broken=False), "active-passive", folder, DRILL_RULES
    )
    recent = one(v, "failure.drill-recent")
    assert recent.status is Status.FAIL and "older than" in recent.message
    assert one(v, "failure.drill-objectives").status is Status.FAIL


def test_drill_slower_than_the_rto_fails(fake_aws: FakeAws, tmp_path: Path) -> None:
    folder = _drill(tmp_path, recovery_time_seconds=1500)
    v = judge(
        estate(fake_aws, "active-passive", broken=False), "active-passive", folder, DRILL_RULES
    )
    assert one(v, "failure.drill-recent").status is Status.PASS
    obj = one(v, "failure.drill-objectives")
    assert obj.status is Status.FAIL and "over the RTO of 900s" in obj.message


def test_missing_drill_fails_not_inconclusive(fake_aws: FakeAws, tmp_path: Path) -> None:
    v = judge(
        estate(fake_aws, "active-passive", broken=False),
        "active-passive",
        tmp_path / "nothing-here",
        DRILL_RULES,
    )
    recent = one(v, "failure.drill-recent")
    assert recent.status is Status.FAIL and "does not exist" in recent.message


def test_drill_claims_are_cross_checked_against_the_collected_estate(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    inv = estate(fake_aws, "active-passive", broken=False)
    good = _drill(tmp_path / "good")
    obj = one(judge(inv, "active-passive", good, DRILL_RULES), "failure.drill-objectives")
    assert obj.status is Status.PASS and "records and health checks it names exist" in obj.message
    assert any(n.startswith("route53:") or "healthcheck" in n for n in obj.evidence.nodes)
    wrong = _drill(
        tmp_path / "wrong",
        dns_records=["bootstrap-old.kafka.example.internal"],
        health_checks=["10.9.9.9"],
    )
    obj = one(judge(inv, "active-passive", wrong, DRILL_RULES), "failure.drill-objectives")
    assert obj.status is Status.FAIL
    assert "DNS record bootstrap-old.kafka.example.internal, which the scan did not find" in (
        obj.message
    )
    assert "health check 10.9.9.9" in obj.message


def test_runbook_consumer_group_needs_a_recent_drill_of_this_platform(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    inv = estate(fake_aws, "active-passive", broken=False)
    group = "runbook:3/consumer_group:orders-processor"
    rules = ("failure.runbook-resources",)
    recent = _drill(tmp_path / "recent")
    ok = one(judge(inv, "active-passive", recent, rules), "failure.runbook-resources", group)
    assert ok.status is Status.PASS and "offset gap of 35" in ok.message
    stale = _drill(tmp_path / "stale", started="2026-05-01T09:00:00Z", ended="2026-05-01T09:10:00Z")
    old = one(judge(inv, "active-passive", stale, rules), "failure.runbook-resources", group)
    assert old.status is Status.INCONCLUSIVE and "outside failure.drills.max_age" in old.message
    assert old.unmodelled
    foreign = _drill(tmp_path / "foreign", platform="someone-else")
    other = one(judge(inv, "active-passive", foreign, rules), "failure.runbook-resources", group)
    assert other.status is Status.INCONCLUSIVE
    assert "no recorded drill of orders-kafka into aws/us-west-2 lists it" in other.message
    assert "another platform" in other.message


def _plan(fake_aws: FakeAws, tmp_path: Path, *, offset_sync: bool) -> str:
    """The failover-plan of a bundle of the failing active-passive estate, without runbook."""
    from click.testing import CliRunner

    from auditor.checks.pack import load_pack
    from auditor.cli import main
    from auditor.pipeline import evaluate_inventory, write_scan_bundle

    src = fixture("active-passive")
    text = (src / "boundary.yaml").read_text(encoding="utf-8")
    text = text[: text.index("  runbook:")]  # the derived plan, not the declared runbook
    if not offset_sync:
        text = text.replace("offset_sync: true", "offset_sync: false")
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    shutil.copytree(src / "drills", tmp_path / "drills")
    decl = load_declaration(path)
    inv = with_drills(estate(fake_aws, "active-passive", broken=True), decl, path, AS_OF)
    ev = evaluate_inventory(inv, decl, load_pack("default"), AS_OF.date())
    bundle = write_scan_bundle(
        tmp_path / "out", decl=decl, decl_text=text, ev=ev, started=AS_OF, finished=AS_OF
    )
    r = CliRunner().invoke(main, ["failover-plan", str(bundle)])
    assert r.exit_code == 0, r.output
    return r.output


def test_failover_plan_lists_primary_blockers_and_offsets_only_when_synced(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    synced = _plan(fake_aws, tmp_path / "synced", offset_sync=True)
    blockers = synced[synced.index("blockers in us-east-1 (failed away from):") :]
    assert "FAIL failure.data-replicated" in blockers and "fo-log-use1" in blockers
    # MirrorMaker 2 on EC2 workers: the declared offset_sync cannot be read anywhere, so
    # the plan says unknown (it used to trust the flag and say "resume from synced offsets").
    assert "from synced offsets" not in synced
    assert "Consumers: whether offsets are synced into us-west-2 is unknown (mm2 declares " in (
        synced
    )
    assert "whose sync.group.offsets.enabled no control-plane API exposes" in synced
    unsynced = _plan(fake_aws, tmp_path / "unsynced", offset_sync=False)
    assert "from synced offsets" not in unsynced
    assert (
        "Consumers: offsets are NOT synced into us-west-2 (mm2 replicates into us-west-2 "
        "without offset sync (none collected, none declared))" in unsynced
    )
    assert "consumer offsets were NOT synced" in unsynced
