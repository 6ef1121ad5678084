"""The CLI: light to import, helpful help, exit codes as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main

COMMANDS = sorted(main.commands)  # built-in and discovered (auditor/commands/)


def test_importing_the_cli_loads_no_cloud_sdk() -> None:
    code = (
        "import sys, auditor.cli; "
        "names = ('boto3', 'botocore', 'moto', 'azure', 'google'); "
        "heavy = [m for m in names if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_help_for_every_command(command: str) -> None:
    assert {"validate", "scan", "verify", "rules", "docs", "demo"} <= set(COMMANDS)
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_validate_good_and_bad(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    from tests.helpers import BASE

    good = tmp_path / "good.yaml"
    with good.open("w") as fh:
        YAML().dump(BASE, fh)
    ok = CliRunner().invoke(main, ["validate", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output

    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("objectives:", "objectivs:"))
    res = CliRunner().invoke(main, ["validate", str(bad)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    # Every error, one located line each; the misspelt key (which explains the
    # missing field) first.
    lines = res.output.splitlines()
    assert len(lines) == 2, lines
    assert all(line.startswith(f"error: {bad}:") for line in lines)
    assert "did you mean 'objectives'?" in lines[0]
    assert "missing required field 'objectives'" in lines[1]

    doc = json.loads(CliRunner().invoke(main, ["validate", "--json", str(bad)]).output)
    assert doc["valid"] is False
    assert [e["field"] for e in doc["errors"]] == ["objectivs", "objectives"]
    assert all(isinstance(e["line"], int) for e in doc["errors"])
    good_doc = json.loads(CliRunner().invoke(main, ["validate", "--json", str(good)]).output)
    assert good_doc["valid"] is True and good_doc["errors"] == []


def test_rules_lists_every_rule() -> None:
    from auditor.checks import all_rules

    res = CliRunner().invoke(main, ["rules"], env={"COLUMNS": "250"})
    assert res.exit_code == 0
    for rid in all_rules():
        assert rid in res.output


def test_rules_piped_never_cut_and_as_json() -> None:
    """Not on a terminal (COLUMNS unset, as in `auditor rules | cat`) no id is cut."""
    from auditor.checks import all_rules

    res = CliRunner().invoke(main, ["rules"], env={"COLUMNS": None})
    assert res.exit_code == 0
    assert all(rid in res.output for rid in all_rules())
    assert "…" not in res.output
    doc = json.loads(CliRunner().invoke(main, ["rules", "--json"]).output)
    assert [r["id"] for r in doc] == list(all_rules())
    assert all(r["remediation"] and r["severity"] and r["path"] for r in doc)


def test_verify_tampered_bundle(tmp_path: Path) -> None:
    from auditor.evidence.bundle import write_bundle

    b = write_bundle(tmp_path, "scan", {"verdicts.json": b"[]\n"})
    assert CliRunner().invoke(main, ["verify", str(b)]).exit_code == 0
    (b / "verdicts.json").write_bytes(b"[ ]\n")
    res = CliRunner().invoke(main, ["verify", str(b)])
    assert res.exit_code == 1
    assert "verdicts.json: hash mismatch" in res.output
    res = CliRunner().invoke(main, ["verify", "--json", str(b)])
    assert res.exit_code == 1
    doc = json.loads(res.output)
    assert doc["ok"] is False and doc["signature"] == "absent"
    assert any("verdicts.json: hash mismatch" in p for p in doc["problems"])


def test_scan_with_unknown_pack_is_an_input_error(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    from tests.helpers import BASE

    good = tmp_path / "good.yaml"
    with good.open("w") as fh:
        YAML().dump(BASE, fh)
    res = CliRunner().invoke(main, ["scan", "--boundary", str(good), "--rules", "nope"])
    assert res.exit_code == 2
    assert "unknown rule pack 'nope'" in res.output
