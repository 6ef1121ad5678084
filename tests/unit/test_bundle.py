"""Bundles: written atomically, verified byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evidence.bundle import BundleError, verify_bundle, write_bundle

FILES = {"manifest.json": b"{}\n", "verdicts.json": b"[]\n", "report.md": b"# r\n"}


def test_roundtrip_verifies(tmp_path: Path) -> None:
    b = write_bundle(tmp_path, "scan", FILES)
    r = verify_bundle(b)
    assert r.ok and r.checked == 3
    assert not list(tmp_path.glob(".*partial*"))


def test_one_byte_change_is_caught(tmp_path: Path) -> None:
    b = write_bundle(tmp_path, "scan", FILES)
    data = bytearray((b / "verdicts.json").read_bytes())
    data[0] ^= 1
    (b / "verdicts.json").write_bytes(bytes(data))
    assert verify_bundle(b).problems == ["verdicts.json: hash mismatch (file changed)"]


def test_missing_and_extra_files_are_caught(tmp_path: Path) -> None:
    b = write_bundle(tmp_path, "scan", FILES)
    (b / "report.md").unlink()
    (b / "notes.txt").write_text("added later")
    problems = verify_bundle(b).problems
    assert "report.md: missing" in problems
    assert "notes.txt: extra file not covered by SHA256SUMS" in problems


def test_missing_sums(tmp_path: Path) -> None:
    b = write_bundle(tmp_path, "scan", FILES)
    (b / "SHA256SUMS").unlink()
    assert verify_bundle(b).problems == ["SHA256SUMS: missing"]


def test_refuses_overwrite_and_traversal(tmp_path: Path) -> None:
    write_bundle(tmp_path, "scan", FILES)
    with pytest.raises(BundleError, match="already exists"):
        write_bundle(tmp_path, "scan", FILES)
    with pytest.raises(BundleError, match="refusing"):
        write_bundle(tmp_path, "other", {"../escape": b"x"})
    assert not (tmp_path / "other").exists()


def test_crash_mid_write_leaves_no_bundle(tmp_path: Path) -> None:
    files: dict[str, bytes] = {"a.json": b"1", "b.json": object()}  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        write_bundle(tmp_path, "scan", files)
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_a_tampered_bundle(tmp_path: Path) -> None:
    from auditor.evidence.load import load_bundle

    b = write_bundle(tmp_path, "scan", FILES)
    (b / "report.md").write_bytes(b"# changed\n")
    with pytest.raises(BundleError, match="not intact"):
        load_bundle(b)
