"""Names from clouds and bundles reach a terminal inert (#18 item 6).

A crafted file name once overwrote ``verify``'s FAIL line with "OK ... signature
valid". Control characters (ANSI escapes, carriage returns, line breaks,
bidirectional overrides) are now printed as visible escapes by ``verify``, the
scan summary, ``diff`` and the offline answers.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from auditor.base.text import inert
from auditor.cli import main
from auditor.model import Inventory, PathName, Scope, Severity, Status, Verdict
from auditor.render.terminal import print_summary
from tests.helpers import CUSTOMER, PRIMARY, declaration
from tests.unit.test_bundle_hostile import bundle, reseal

__all__ = ["bundle"]  # the fixture

OVERWRITE = "\x1b[2K\r\x1b[1A"
"""Erase the line, return to its start, move up: what a forger prints before a fake OK."""


def raw_controls(text: str) -> list[str]:
    return [c for c in text if not c.isprintable() and c != "\n"]


def test_inert_escapes_every_control_and_format_character() -> None:
    assert inert("orders-log") == "orders-log"
    assert inert("a\x1b[31mb") == "a\\x1b[31mb"
    assert inert("a\rb\nc\x08") == "a\\rb\\nc\\x08"
    assert inert("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert raw_controls(inert("".join(chr(c) for c in range(0x00, 0xA0)))) == []


def test_verify_prints_a_crafted_file_name_inert(bundle: Path) -> None:
    crafted = f"x{OVERWRITE}{bundle}: OK (13 files verified; signature valid)".replace("/", "_")
    (bundle / crafted).write_text("planted")
    res = CliRunner().invoke(main, ["verify", str(bundle)])
    assert res.exit_code == 1
    assert raw_controls(res.output) == [], res.output
    assert "\\x1b[2K\\r\\x1b[1A" in res.stdout
    assert res.stdout.startswith("FAIL x\\x1b[2K")


def test_the_scan_summary_prints_cloud_strings_inert(tmp_path: Path) -> None:
    verdict = Verdict(
        rule=f"data.store-location{OVERWRITE}",
        path=PathName.DATA,
        resource="arn:aws:s3:::orders-log",
        status=Status.FAIL,
        severity=Severity.HIGH,
        message=f"bucket orders-log{OVERWRITE}all clear",
    )
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER + "\x1b]0;pwned\x07",), regions=(PRIMARY,)),
        resources=(),
        relations=(),
        gaps=(),
    )
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200, highlight=False)
    print_summary(console, declaration(), inv, [verdict], tmp_path / f"b{OVERWRITE}")
    assert raw_controls(out.getvalue()) == [], repr(out.getvalue())
    assert "\\x1b]0;pwned\\x07" in out.getvalue()


def test_diff_prints_ids_from_a_bundle_inert(bundle: Path, tmp_path: Path) -> None:
    forged = tmp_path / "forged"
    shutil.copytree(bundle, forged)
    for name in ("inventory.jsonl", "verdicts.json", "graph.json"):
        member = forged / name
        member.write_text(
            member.read_text().replace(
                "arn:aws:s3:::orders-log", "arn:aws:s3:::orders-log\\u001b[2K\\rnothing changed"
            )
        )
    reseal(forged)
    res = CliRunner().invoke(main, ["diff", str(bundle), str(forged)])
    assert res.exit_code == 0, res.output
    assert "nothing changed" in res.stdout
    assert raw_controls(res.output) == [], res.output
    for command in (["failover-plan", str(forged)], ["access", str(forged), "x\x1b[2K"]):
        res = CliRunner().invoke(main, command)
        assert raw_controls(res.stdout) == [], (command, res.stdout)


def test_collection_progress_prints_account_names_inert() -> None:
    import io

    from auditor.collect.progress import LogProgress, ProgressUpdate

    out = io.StringIO()
    crafted = "111111111111\x1b[2K\rOK all accounts read"
    LogProgress(out)(
        ProgressUpdate(
            label=f"{crafted}/us-east-1/s3",
            account=crafted,
            account_done=1,
            account_total=1,
            done=1,
            total=2,
            resumed=0,
            elapsed=1.0,
        )
    )
    line = out.getvalue()
    assert "\x1b" not in line and "\r" not in line
    assert "\\x1b[2K\\rOK all accounts read" in line
