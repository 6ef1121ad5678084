"""Hostile bundles and exports: one line naming the file, exit 2, quickly (#18 items 4, 5).

Each bundle here is "intact" as far as its own SHA256SUMS goes (the sums are
regenerated after the change, as a forger would), so what is tested is the
reader, not the hash check: a link to ``/dev/zero``, a FIFO, JSON nested too
deeply, a ``graph.json`` that is not a graph, an alias bomb as the bundle's
declaration, a member name of 300 characters, an AWS Config item with
``tags: 5``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.bundle import SIGNATURE, SUMS, sums_text
from tests.helpers import BASE, CUSTOMER, PRIMARY
from tests.unit.test_archive import bundle
from tests.unit.test_declaration_hostile import BOMB

DEEP = "[" * 100_000 + "]" * 100_000

__all__ = ["bundle"]  # the fixture: a small unsigned scan bundle, from tests/unit/test_archive.py


def reseal(bundle: Path) -> None:
    """Regenerate SHA256SUMS over the regular files (as a forger would); drop the signature."""
    files = {
        p.relative_to(bundle).as_posix(): p.read_bytes()
        for p in bundle.rglob("*")
        if p.is_file() and not p.is_symlink() and p.name not in (SUMS, SIGNATURE)
    }
    (bundle / SUMS).write_bytes(sums_text(files))
    (bundle / SIGNATURE).unlink(missing_ok=True)


def cli(*args: str, timeout: float = 20) -> tuple[int, str, str]:
    """The CLI in a child process: a hang is a timeout (a failure), never a stuck suite."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "auditor.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"auditor {' '.join(args)} hung for {timeout}s")
    assert time.monotonic() - start < timeout
    return done.returncode, done.stdout, done.stderr


def one_line_error(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


READERS = {
    "failover-plan": lambda b: ["failover-plan", str(b)],
    "diff": lambda b: ["diff", str(b), str(b)],
    "who-can": lambda b: ["who-can", str(b), "s3:GetObject", "*"],
}


def test_sums_linked_to_dev_zero_is_refused_at_once(bundle: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    (bundle / SUMS).unlink()
    (bundle / SUMS).symlink_to("/dev/zero")
    code, stdout, stderr = cli("verify", str(bundle))
    assert code == 1 and "FAIL SHA256SUMS: is a symbolic link" in stdout, stdout + stderr
    for name, args in READERS.items():
        code, _, stderr = cli(*args(bundle))
        assert code == 2, name
        one_line_error(stderr, "SHA256SUMS: is a symbolic link")


def test_a_fifo_listed_in_sums_is_refused_at_once(bundle: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(bundle / "pipe")
    sums = (bundle / SUMS).read_bytes() + b"0" * 64 + b"  pipe\n"
    (bundle / SUMS).write_bytes(b"".join(sorted(sums.splitlines(keepends=True))))
    code, stdout, _ = cli("verify", str(bundle))
    assert code == 1 and "FAIL pipe: not a regular file" in stdout, stdout
    code, _, stderr = cli("failover-plan", str(bundle))
    assert code == 2
    one_line_error(stderr, "pipe: not a regular file")


def test_a_member_linked_elsewhere_is_refused(bundle: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# not evidence\n")
    (bundle / "report.md").unlink()
    (bundle / "report.md").symlink_to(outside)
    code, stdout, _ = cli("verify", str(bundle))
    assert code == 1 and "FAIL report.md: is a symbolic link" in stdout, stdout


def test_a_300_character_member_name_is_one_line(bundle: Path) -> None:
    long = "x" * 300 + ".json"
    sums = (bundle / SUMS).read_bytes() + b"0" * 64 + f"  {long}\n".encode()
    (bundle / SUMS).write_bytes(sums)
    code, stdout, stderr = cli("verify", str(bundle))
    assert code == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert f"SHA256SUMS:{len(sums.splitlines())}: refusing bundle member name" in stdout, stdout
    code, _, stderr = cli("failover-plan", str(bundle))
    assert code == 2
    one_line_error(stderr, "too long")


@pytest.mark.parametrize("graph", ["null", "[]", '{"nodes": 5}', '{"edges": [1]}'])
def test_a_graph_that_is_not_a_graph_is_one_line_in_diff(bundle: Path, graph: str) -> None:
    (bundle / "graph.json").write_text(graph)
    reseal(bundle)
    res = CliRunner().invoke(main, ["diff", str(bundle), str(bundle)])
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    one_line_error(res.stderr, "graph.json")


@pytest.mark.parametrize("member", ["manifest.json", "verdicts.json", "graph.json"])
def test_json_nested_too_deeply_in_any_member_is_one_line(bundle: Path, member: str) -> None:
    (bundle / member).write_text(DEEP)
    reseal(bundle)
    for name, args in READERS.items():
        res = CliRunner().invoke(main, args(bundle))
        if name != "diff" and member == "graph.json":
            continue  # only diff reads the graph document
        assert res.exit_code == 2, (name, member, res.output)
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        one_line_error(res.stderr, member, "nested too deeply")


def test_an_inventory_line_nested_too_deeply_is_one_line(bundle: Path) -> None:
    inv = bundle / "inventory.jsonl"
    inv.write_text(inv.read_text() + DEEP + "\n")
    reseal(bundle)
    res = CliRunner().invoke(main, ["failover-plan", str(bundle)])
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    one_line_error(res.stderr)


def test_an_alias_bomb_as_the_bundles_declaration_is_refused_quickly(bundle: Path) -> None:
    (bundle / "declaration.yaml").write_text(BOMB)
    reseal(bundle)
    start = time.monotonic()
    res = CliRunner().invoke(main, ["failover-plan", str(bundle)])
    assert time.monotonic() - start < 5
    assert res.exit_code == 2, res.output
    one_line_error(res.stderr, "declaration.yaml", "aliases")


def test_a_member_over_the_size_cap_is_refused_without_reading_it(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.evidence import trusted

    monkeypatch.setattr(trusted, "MAX_MEMBER_BYTES", 64)
    res = CliRunner().invoke(main, ["failover-plan", str(bundle)])
    assert res.exit_code == 2, res.output
    one_line_error(res.stderr, "larger than 64 bytes")


def test_an_extra_folder_link_is_listed_not_followed(bundle: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(bundle, elsewhere)
    (bundle / "raw").symlink_to(elsewhere, target_is_directory=True)
    code, stdout, _ = cli("verify", str(bundle))
    assert code == 1 and "FAIL raw: extra file not covered by SHA256SUMS" in stdout, stdout


@pytest.mark.parametrize(
    ("tags", "why"),
    [
        (5, "tags must be an object or a list of key/value pairs, not a number"),
        ("prod", "not a string"),
        ({"team": {"nested": 1}}, "a tag value must be a string, not a dict"),
    ],
)
def test_an_aws_config_item_with_tags_of_another_shape_is_one_line(
    tmp_path: Path, tags: object, why: str
) -> None:
    from ruamel.yaml import YAML

    item = {
        "resourceType": "AWS::S3::Bucket",
        "resourceId": "orders-log",
        "resourceName": "orders-log",
        "awsAccountId": CUSTOMER,
        "awsRegion": PRIMARY,
        "configuration": {"name": "orders-log"},
        "tags": tags,
    }
    export = tmp_path / "config.json"
    export.write_text(json.dumps({"fileVersion": "1.0", "configurationItems": [item]}))
    decl = tmp_path / "boundary.yaml"
    with decl.open("w") as fh:
        YAML().dump(BASE, fh)
    res = CliRunner().invoke(
        main, ["import", "--boundary", str(decl), str(export), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    one_line_error(res.stderr, str(export), "configurationItems[0].tags", why)
