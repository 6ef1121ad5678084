"""Every output format of the demo estate against a golden file, through a replay.

The kafka-byoc-aws estate is scanned once (the session scan of
``test_demo_estate``: real boto3 over moto, seeded ids, drills aged at a fixed
time). MSK cluster ids, which moto draws outside its seed, are masked in the
inventory itself (the same pattern ``test_demo_estate`` masks verdicts with),
so that ids and the hashes derived from them (SARIF fingerprints, OCSF uids)
are stable. A bundle is written from that inventory and replayed with
``auditor evaluate --as-of``; the replay must reproduce every format byte for
byte, and each must equal ``tests/golden/kafka-byoc-aws/<file>`` once the tool
version is masked, and the reports' SHA-256 of ``inventory.jsonl``: moto gives the
default VPC, its subnets and network ACL fresh ids each session, so that file (not a
golden) differs from session to session although nothing rendered shows them. The
replay still must reproduce that digest byte for byte, and verdicts.json's digest
stays in the golden. ``UPDATE_GOLDEN=1`` rewrites the goldens; a missing golden
fails.

The signed replay bundle then serves the tamper tests at the CLI: one byte
changed, a file added, a file removed, a signature by another key.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.base.serialize import inventory_jsonl, read_inventory_jsonl
from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.cli import main
from auditor.evidence.signing import generate_keypair
from auditor.model import Inventory
from auditor.pipeline import evaluate_inventory, tool_version, write_scan_bundle
from tests.e2e.test_demo_estate import _MASKS, AS_OF, ESTATE, ROOT, Scan, scan

__all__ = ["scan"]  # the session scan fixture, shared with test_demo_estate

GOLDEN_DIR = ROOT / "tests" / "golden" / "kafka-byoc-aws"
FORMATS = (
    "report.md",
    "report.html",
    "accountability.csv",
    "verdicts.csv",
    "report.sarif",
    "junit.xml",
    "ocsf.jsonl",
    "verdicts.json",
    "findings.json",
    "asff.json",
)
FIXED_UUID = "00000000-0000-4000-8000-000000000000"
VERSION_MASK = b"0.0.0+golden"
INVENTORY_DIGEST = re.compile(rb"(inventory\.jsonl(?: \| `|</td><td><code>))[0-9a-f]{64}")
"""The reports' SHA-256 of inventory.jsonl (report.md's table cell, report.html's)."""


def masked_inventory(inventory: Inventory) -> Inventory:
    """The inventory with moto's unseeded MSK cluster ids replaced by one fixed uuid."""
    text = inventory_jsonl(inventory).decode()
    for pattern, _ in _MASKS:
        text = pattern.sub(lambda m: m.group(1) + FIXED_UUID, text)
    return read_inventory_jsonl(text, scope=inventory.scope, api_calls=inventory.api_calls)


def mask_version(data: bytes) -> bytes:
    version = re.escape(tool_version().encode())
    data = re.sub(rb"(?<![\w.+-])" + version + rb"(?![\w.+-])", VERSION_MASK, data)
    return INVENTORY_DIGEST.sub(rb"\g<1>" + b"0" * 64, data)


def _bundles(scan: Scan, tmp_path: Path, signer_key: Path) -> tuple[Path, Path, Path]:
    from auditor.evidence.signing import load_private_key, sign

    decl_path = ESTATE / "boundary.yaml"
    decl = load_declaration(decl_path)
    inventory = masked_inventory(scan.inventory)
    ev = evaluate_inventory(inventory, decl, load_pack("default"), AS_OF.date())
    original = write_scan_bundle(
        tmp_path / "scan",
        decl=decl,
        decl_text=decl_path.read_text(encoding="utf-8"),
        ev=ev,
        started=AS_OF,
        finished=AS_OF,
    )
    res = CliRunner().invoke(
        main,
        ["evaluate", str(original), "--as-of", AS_OF.date().isoformat(), "--out", str(tmp_path)],
    )
    assert res.exit_code == 0, res.output
    (replay,) = [p for p in tmp_path.iterdir() if p.name.startswith(decl.name)]
    key = load_private_key(signer_key)
    signed = write_scan_bundle(
        tmp_path / "signed",
        decl=decl,
        decl_text=decl_path.read_text(encoding="utf-8"),
        ev=ev,
        started=AS_OF,
        finished=AS_OF,
        signer=lambda sums: sign(sums, key),
    )
    return original, replay, signed


@pytest.fixture
def bundles(scan: Scan, tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    key, pub = generate_keypair(tmp_path / "keys" / "signing")
    original, replay, signed = _bundles(scan, tmp_path, key)
    return original, replay, signed, pub


def test_every_format_replays_byte_for_byte_and_matches_its_golden(
    bundles: tuple[Path, Path, Path, Path],
) -> None:
    original, replay, _, _ = bundles
    for name in FORMATS:
        assert (replay / name).read_bytes() == (original / name).read_bytes(), name
    got = {name: mask_version((replay / name).read_bytes()) for name in FORMATS}
    assert any(VERSION_MASK in data for data in got.values())  # the version was there, masked
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        for name, data in got.items():
            (GOLDEN_DIR / name).write_bytes(data)
        return
    missing = [name for name in FORMATS if not (GOLDEN_DIR / name).is_file()]
    assert not missing, f"goldens missing in {GOLDEN_DIR}: {missing}; run with UPDATE_GOLDEN=1"
    problems = []
    for name, data in got.items():
        want = (GOLDEN_DIR / name).read_bytes()
        if data != want:
            diff = difflib.unified_diff(
                want.decode(errors="replace").splitlines(),
                data.decode(errors="replace").splitlines(),
                f"golden/{name}",
                f"now/{name}",
                lineterm="",
                n=1,
            )
            problems.append("\n".join(list(diff)[:40]))
    assert not problems, "outputs differ from the goldens (UPDATE_GOLDEN=1 rewrites them):\n" + (
        "\n".join(problems)
    )


def _verify(bundle: Path, pub: Path) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["verify", str(bundle), "--public-key", str(pub)])
    return res.exit_code, res.output


def test_tampering_with_a_signed_demo_bundle_is_caught(
    bundles: tuple[Path, Path, Path, Path], tmp_path: Path
) -> None:
    _, _, signed, pub = bundles
    code, output = _verify(signed, pub)
    assert code == 0 and "signature valid" in output, output

    # one byte changed
    report = signed / "report.sarif"
    good = report.read_bytes()
    report.write_bytes(good.replace(b"FAIL", b"PASS", 1) if b"FAIL" in good else good + b" ")
    code, output = _verify(signed, pub)
    assert code == 1 and "FAIL report.sarif: hash mismatch (file changed)" in output, output
    report.write_bytes(good)

    # a file added
    (signed / "extra.txt").write_text("not evidence\n")
    code, output = _verify(signed, pub)
    assert code == 1 and "FAIL extra.txt: extra file not covered by SHA256SUMS" in output, output
    (signed / "extra.txt").unlink()

    # a file removed
    junit = signed / "junit.xml"
    kept = junit.read_bytes()
    junit.unlink()
    code, output = _verify(signed, pub)
    assert code == 1 and "FAIL junit.xml: missing" in output, output
    junit.write_bytes(kept)
    assert _verify(signed, pub)[0] == 0

    # a signature from another key
    _, other_pub = generate_keypair(tmp_path / "keys" / "other")
    code, output = _verify(signed, other_pub)
    assert code == 1 and "not by the given key" in output, output
