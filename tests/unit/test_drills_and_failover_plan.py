"""Drill files (format, schema, loading, rules) and the drill / failover-plan commands."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from auditor.boundary import load_declaration
from auditor.cli import main
from auditor.model import Status
from auditor.normalize.drills import DrillError, drill_schema_text, load_drills, parse_drill
from tests.helpers import declaration, run_rules, status_of
from tests.unit.netfixtures import inv

ROOT = Path(__file__).resolve().parents[2]
AP = ROOT / "fixtures" / "failure-active-passive"
DRILL = AP / "drills" / "2026-11-10-use1-to-usw2.json"
AS_OF = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
S_SCOPE = "scope:aws/*/us-west-2"


def doc() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(DRILL.read_text(encoding="utf-8"))
    return loaded


def test_committed_schema_is_generated_from_the_model() -> None:
    committed = (ROOT / "docs" / "drill.schema.json").read_text(encoding="utf-8")
    assert committed == drill_schema_text(), (
        "regenerate: auditor drill schema > docs/drill.schema.json"
    )
    schema = json.loads(committed)
    assert "measurements" in schema["required"] and "run_by" in schema["required"]


def test_parse_errors_name_file_line_column_and_field() -> None:
    text = DRILL.read_text(encoding="utf-8").replace(
        '"dns_switch_seconds": 95', '"dns_switch_seconds": -1'
    )
    try:
        parse_drill(text, "d.json")
    except DrillError as exc:
        msg = str(exc)
    assert msg.startswith("d.json:") and "measurements.dns_switch_seconds" in msg
    line = int(msg.split(":")[1])
    assert '"dns_switch_seconds"' in text.splitlines()[line - 1]
    try:
        parse_drill('{"version": 1,', "bad.json")
    except DrillError as exc:
        assert str(exc).startswith("bad.json:1:")
    bad = doc()
    bad["ended"] = "2026-11-10T08:00:00Z"
    try:
        parse_drill(json.dumps(bad), "x.json")
    except DrillError as exc:
        assert "ended is before started" in str(exc)


def test_load_drills_and_rules(tmp_path: Path) -> None:
    folder = tmp_path / "drills"
    folder.mkdir()
    unclaimed = doc()  # its DNS record and health check claims need a DNS estate
    del unclaimed["dns_records"], unclaimed["health_checks"]
    (folder / DRILL.name).write_text(json.dumps(unclaimed), encoding="utf-8")
    (folder / "broken.json").write_text("{}", encoding="utf-8")
    decl = declaration(failure={"drills": {"max_age": "90d", "path": str(folder)}})
    resources, gaps = load_drills(decl, None, AS_OF)
    assert not gaps
    kinds = sorted(r.kind for r in resources)
    assert kinds == ["drill", "drill_catalog"]
    drill = next(r for r in resources if r.kind == "drill")
    assert drill.attributes["recovery_time_seconds"] == 540
    assert drill.attributes["data_loss_seconds"] == 42
    v = run_rules(inv(*resources), decl, rules=["failure.drill-*"])
    assert status_of(v, "failure.drill-recent", S_SCOPE) is Status.PASS
    assert status_of(v, "failure.drill-objectives", S_SCOPE) is Status.PASS
    bad_file = [x for x in v if x.resource.endswith("/broken.json")]
    assert bad_file and bad_file[0].status is Status.FAIL
    tight = declaration(
        objectives={"rpo": "30s", "rto": "15m"},
        failure={"drills": {"max_age": "7d", "path": str(folder)}},
    )
    v = run_rules(inv(*load_drills(tight, None, AS_OF)[0]), tight, rules=["failure.drill-*"])
    assert status_of(v, "failure.drill-recent", S_SCOPE) is Status.FAIL
    v = run_rules(
        inv(*resources),
        declaration(
            objectives={"rpo": "30s", "rto": "15m"}, failure={"drills": {"path": str(folder)}}
        ),
        rules=["failure.drill-objectives"],
    )
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and "over the RPO of 30s" in verdict.message


def test_a_drill_of_another_platform_is_not_counted_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "drills"
    folder.mkdir()
    other = doc()
    other["platform"] = "someone-else"
    (folder / DRILL.name).write_text(json.dumps(other), encoding="utf-8")
    decl = declaration(failure={"drills": {"max_age": "90d", "path": str(folder)}})
    v = run_rules(inv(*load_drills(decl, None, AS_OF)[0]), decl, rules=["failure.drill-recent"])
    verdict = next(x for x in v if x.resource == S_SCOPE)
    assert verdict.status is Status.FAIL and "another platform" in verdict.message


def test_no_drill_catalog_is_a_fail() -> None:
    v = run_rules(inv(), rules=["failure.drill-recent"])
    assert [x.status for x in v] == [Status.FAIL]


def _project(tmp_path: Path) -> Path:
    shutil.copy(AP / "boundary.yaml", tmp_path / "boundary.yaml")
    return tmp_path / "boundary.yaml"


def test_drill_record_validates_and_stores(tmp_path: Path) -> None:
    boundary = _project(tmp_path)
    runner = CliRunner()
    r = runner.invoke(main, ["drill", "record", str(DRILL), "--boundary", str(boundary)])
    assert r.exit_code == 0, r.output
    stored = tmp_path / "drills" / "2026-11-10-use1-to-usw2.json"
    assert stored.is_file() and "recovery 540s" in r.output
    again = runner.invoke(main, ["drill", "record", str(DRILL), "--boundary", str(boundary)])
    assert again.exit_code == 0 and "already recorded" in again.output
    other = doc()
    other["notes"] = "changed"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(other), encoding="utf-8")
    r = runner.invoke(main, ["drill", "record", str(changed), "--boundary", str(boundary)])
    assert r.exit_code == 2 and "already recorded" in r.output
    wrong = doc()
    wrong["to_region"] = "aws/eu-west-1"
    wrong["id"] = "other"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(wrong), encoding="utf-8")
    r = runner.invoke(main, ["drill", "record", str(bad), "--boundary", str(boundary)])
    assert r.exit_code == 2 and "eu-west-1 is not a region" in r.output
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{\n  "version": 2\n}\n', encoding="utf-8")
    r = runner.invoke(main, ["drill", "record", str(invalid), "--boundary", str(boundary)])
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "invalid.json:2:" in lines[0]


def test_failover_plan_prints_per_region_offline(tmp_path: Path) -> None:
    from auditor.analysis.failover import DEPENDS_ON
    from auditor.checks.pack import load_pack
    from auditor.normalize.drills import with_drills
    from auditor.pipeline import evaluate_inventory, write_scan_bundle
    from tests.unit.test_failover_dependencies import bucket, group, key

    boundary = AP / "boundary.yaml"
    decl = load_declaration(boundary)
    k = key("us-east-1", "k1")
    west, rel = bucket("log-west", "us-west-2", k.id)
    inventory = with_drills(
        inv(group("us-east-1"), group("us-west-2"), k, west, relations=[rel]), decl, boundary, AS_OF
    )
    ev = evaluate_inventory(inventory, decl, load_pack("default"), AS_OF.date())
    assert any(d["kind"] == DEPENDS_ON for _, _, d in ev.graph.g.edges(data=True))
    bundle = write_scan_bundle(
        tmp_path,
        decl=decl,
        decl_text=boundary.read_text(encoding="utf-8"),
        ev=ev,
        started=AS_OF,
        finished=AS_OF,
    )
    runner = CliRunner()
    r = runner.invoke(main, ["failover-plan", str(bundle)])
    assert r.exit_code == 0, r.output
    assert "aws/us-west-2 (secondary) takes over from us-east-1" in r.output
    assert "key from us-east-1 (BLOCKING)" in r.output
    assert "FAIL failure.region-independence" in r.output
    assert "Route53 fails bootstrap over to the standby" in r.output
    assert r.output == runner.invoke(main, ["failover-plan", str(bundle)]).output
    # --json: the same plan as data
    j = runner.invoke(main, ["failover-plan", str(bundle), "--json"])
    assert j.exit_code == 0, j.output
    doc = json.loads(j.stdout)
    assert doc["bundle"] == bundle.name and doc["pattern"] == decl.pattern.value
    west_plan = next(e for e in doc["regions"] if e["region"] == "us-west-2")
    assert west_plan["failover_target"] and west_plan["takes_over_from"] == ["us-east-1"]
    assert any("Route53 fails bootstrap over" in s for s in west_plan["changes_first"])
    blocking = [n for n in west_plan["needs"] if n["need"] == "key" and n["blocking"]]
    assert blocking and blocking[0]["from_region"] == "us-east-1"
    assert "failure.region-independence" in {
        v["rule"] for v in west_plan["missing"] if v["status"] == "FAIL"
    } | {v["rule"] for b in west_plan["blockers"] for v in b["verdicts"] if v["status"] == "FAIL"}
    # every line of the text plan says what the data says
    for v in west_plan["missing"]:
        assert f"    - {v['status']} {v['rule']}: {v['message']}" in r.output
    r = runner.invoke(main, ["failover-plan", str(tmp_path / "missing")])
    assert r.exit_code == 2
