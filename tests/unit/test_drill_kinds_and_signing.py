"""Drill kinds, thresholds and Ed25519 signatures: the drill reader, `drill sign/record`, rules."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.base.ed25519 import TRUST_ENV
from auditor.cli import main
from auditor.evidence.signing import generate_keypair, load_public_key
from auditor.model import Status, Verdict
from auditor.normalize.drills import DrillError, load_drills, parse_drill
from tests.helpers import declaration, run_rules
from tests.unit.netfixtures import inv

ROOT = Path(__file__).resolve().parents[2]
AP = ROOT / "fixtures" / "failure-active-passive"
FAILOVER = AP / "drills" / "2026-11-10-use1-to-usw2.json"
KILL = AP / "drills" / "2026-11-14-kill-broker-use1.json"
AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
S_SCOPE = "scope:aws/*/us-west-2"


def doc(path: Path = FAILOVER, *, claims: bool = False) -> dict[str, Any]:
    """A fixture drill; without its claims unless asked (these inventories hold no DNS)."""
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if not claims:
        loaded.pop("dns_records", None)
        loaded.pop("health_checks", None)
    return loaded


def folder_with(tmp: Path, *docs: dict[str, Any]) -> Path:
    folder = tmp / "drills"
    folder.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (folder / f"{d['id']}.json").write_text(json.dumps(d), encoding="utf-8")
    return folder


def verdicts(folder: Path, rules: str = "failure.drill-*", **failure: Any) -> list[Verdict]:
    decl = declaration(failure={"drills": {"max_age": "90d", "path": str(folder), **failure}})
    resources, _ = load_drills(decl, None, AS_OF, keys=[])
    return run_rules(inv(*resources), decl, rules=[rules])


def one(vs: list[Verdict], rule: str, resource: str) -> Verdict:
    found = [v for v in vs if v.rule == rule and v.resource == resource]
    assert len(found) == 1, [(v.rule, v.resource, v.message) for v in vs]
    return found[0]


def test_a_kind_must_record_what_it_is_judged_on() -> None:
    bad = doc()
    del bad["measurements"]["dns_switch_seconds"]
    with pytest.raises(DrillError, match="region-failover drill must measure dns_switch_seconds"):
        parse_drill(json.dumps(bad), "d.json")
    kill = doc(KILL)
    kill["to_region"] = "aws/us-west-2"
    with pytest.raises(DrillError, match="run in one region"):
        parse_drill(json.dumps(kill), "k.json")
    pause = doc(KILL) | {"kind": "pause-replication"}
    with pytest.raises(DrillError, match="same region"):
        parse_drill(json.dumps(pause), "p.json")
    assert parse_drill(KILL.read_text(encoding="utf-8"), "k.json").kind == "kill-broker"


def test_thresholds_judge_dns_switch_client_errors_and_offset_gap(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, doc())
    v = one(verdicts(folder), "failure.drill-objectives", S_SCOPE)
    assert v.status is Status.PASS
    assert "130 client errors not judged" in v.message and "unsigned: a self-report" in v.message
    v = one(
        verdicts(folder, thresholds={"client_errors": 100, "consumer_offset_gap": 10}),
        "failure.drill-objectives",
        S_SCOPE,
    )
    assert v.status is Status.FAIL
    assert "clients saw 130 errors, over the limit of 100" in v.message
    assert "orders-processor resumed 35 messages off, over the limit of 10" in v.message
    slow = doc()
    slow["measurements"]["dns_switch_seconds"] = 1000
    v = one(verdicts(folder_with(tmp_path, slow)), "failure.drill-objectives", S_SCOPE)
    assert v.status is Status.FAIL and "DNS switch took 1000s, over the limit of 900s" in v.message
    v = one(
        verdicts(folder_with(tmp_path, doc()), thresholds={"dns_switch": "1m"}),
        "failure.drill-objectives",
        S_SCOPE,
    )
    assert v.status is Status.FAIL and "DNS switch took 95s, over the limit of 60s" in v.message


def test_claims_the_estate_contradicts_fail_the_drill(tmp_path: Path) -> None:
    claimed = doc(claims=True)
    v = one(verdicts(folder_with(tmp_path, claimed)), "failure.drill-objectives", S_SCOPE)
    assert v.status is Status.FAIL
    assert (
        "contradicted by the estate: it names DNS record bootstrap.kafka.example.internal, "
        "which the scan did not find" in v.message
    )
    assert "health check 10.1.0.10" in v.message
    elsewhere = doc() | {"id": "from-elsewhere", "from_region": "aws/eu-west-1"}
    v = verdicts(folder_with(tmp_path / "b", elsewhere))
    bad = one(v, "failure.drill-objectives", S_SCOPE)
    assert bad.status is Status.FAIL
    assert "its from_region aws/eu-west-1 is not a declared region" in bad.message


def test_per_kind_thresholds_replace_the_general_ones(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, doc(KILL))
    kill_id = "drill:2026-11-14-kill-broker-use1"
    general = {"client_errors": 10}
    v = one(verdicts(folder, thresholds=general), "failure.drill-objectives", kill_id)
    assert v.status is Status.FAIL and "clients saw 16 errors, over the limit of 10" in v.message
    v = one(
        verdicts(folder, thresholds=general, by_kind={"kill-broker": {"client_errors": 20}}),
        "failure.drill-objectives",
        kill_id,
    )
    assert v.status is Status.PASS and "recovered in 240s (RTO 900s)" in v.message


def test_drill_coverage_needs_each_kind_recently(tmp_path: Path) -> None:
    stale_kill = doc(KILL) | {"started": "2026-06-01T10:00:00Z", "ended": "2026-06-01T10:05:00Z"}
    folder = folder_with(tmp_path, doc(), stale_kill)
    v = verdicts(folder, rules="failure.drill-coverage")
    by_kind = {x.resource: x for x in v}
    assert sorted(by_kind) == [
        "drill-kind:break-permission",
        "drill-kind:failback",
        "drill-kind:kill-broker",
        "drill-kind:pause-replication",
        "drill-kind:resume-consumers",
        "drill-kind:rotate-credentials",
    ]
    assert all(x.status is Status.FAIL for x in v)
    assert "outside the declared maximum of 90.0 days" in by_kind["drill-kind:kill-broker"].message
    assert "no failback drill is recorded" in by_kind["drill-kind:failback"].message
    v = verdicts(
        folder_with(tmp_path, doc(KILL)), "failure.drill-coverage", required=["kill-broker"]
    )
    assert [(x.resource, x.status) for x in v] == [("drill-kind:kill-broker", Status.PASS)]


def _keys(tmp: Path, name: str) -> tuple[Path, Path]:
    return generate_keypair(tmp / "keys" / name)


def test_signed_drill_is_verified_and_a_tampered_one_refused(tmp_path: Path) -> None:
    private, public = _keys(tmp_path, "drills")
    _, other_public = _keys(tmp_path, "other")
    shutil.copy(AP / "boundary.yaml", tmp_path / "boundary.yaml")
    result = tmp_path / "result.json"
    shutil.copy(FAILOVER, result)
    runner = CliRunner()
    r = runner.invoke(main, ["drill", "sign", str(result), "--key", str(private)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "result.json.sig").is_file()
    boundary = str(tmp_path / "boundary.yaml")
    r = runner.invoke(
        main,
        ["drill", "record", str(result), "--boundary", boundary, "--public-key", str(other_public)],
    )
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and "not by the given key" in lines[0]
    r = runner.invoke(
        main, ["drill", "record", str(result), "--boundary", boundary, "--public-key", str(public)]
    )
    assert r.exit_code == 0, r.output
    assert "(verified)" in r.output
    stored = tmp_path / "drills" / "2026-11-10-use1-to-usw2.json"
    assert (tmp_path / "drills" / "2026-11-10-use1-to-usw2.json.sig").is_file()

    decl = declaration(failure={"drills": {"path": str(stored.parent), "signatures": "required"}})
    key = load_public_key(public)
    resources, gaps = load_drills(decl, None, AS_OF, keys=[key])
    assert not gaps
    drill = next(x for x in resources if x.kind == "drill")
    assert drill.attributes["signature"] == {
        "status": "verified",
        "signer": str(drill.attributes["signature"]["signer"]),  # type: ignore[index]
    }
    v = run_rules(inv(*resources), decl, rules=["failure.drill-recent"])
    recent = one(v, "failure.drill-recent", S_SCOPE)
    assert recent.status is Status.PASS and "verified against a trusted key" in recent.message
    # Without a trusted key the signature cannot be checked: a self-report, not counted
    # when signatures are required.
    unchecked, _ = load_drills(decl, None, AS_OF, keys=[])
    v = run_rules(inv(*unchecked), decl, rules=["failure.drill-recent"])
    recent = one(v, "failure.drill-recent", S_SCOPE)
    assert recent.status is Status.FAIL and "not signed by a trusted key" in recent.message
    # The trust store is the environment's, as for bundles.
    monkey_env = {TRUST_ENV: str(public)}
    with pytest.MonkeyPatch.context() as mp:
        for k, val in monkey_env.items():
            mp.setenv(k, val)
        from_env, _ = load_drills(decl, None, AS_OF)
    assert any(
        x.attributes.get("signature", {}).get("status") == "verified"  # type: ignore[union-attr]
        for x in from_env
    )
    # A changed drill no longer matches its signature: refused, listed, never used.
    changed = json.loads(stored.read_text(encoding="utf-8"))
    changed["measurements"]["recovery_time_seconds"] = 60
    stored.write_text(json.dumps(changed), encoding="utf-8")
    tampered, _ = load_drills(decl, None, AS_OF, keys=[key])
    assert [x.kind for x in tampered] == ["drill_catalog"]
    v = run_rules(inv(*tampered), decl, rules=["failure.drill-recent"])
    refused = one(v, "failure.drill-recent", "drill-file:" + str(stored.parent) + "/" + stored.name)
    assert refused.status is Status.FAIL and "signature does not match the drill" in refused.message
    assert one(v, "failure.drill-recent", S_SCOPE).status is Status.FAIL


def test_unreadable_trust_store_is_a_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = folder_with(tmp_path, doc())
    monkeypatch.setenv(TRUST_ENV, str(tmp_path / "missing.pem"))
    decl = declaration(failure={"drills": {"path": str(folder)}})
    _, gaps = load_drills(decl, None, AS_OF)
    assert [(g.service, g.error_code) for g in gaps] == [("drills", "UnreadableKey")]
