"""Signed bundles: a valid signature verifies; any tampering or another key is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.bundle import write_bundle
from auditor.evidence.signing import SigningError, generate_keypair, load_private_key, sign

FILES = {"manifest.json": b"{}\n", "verdicts.json": b"[]\n"}


def _signed(tmp_path: Path, key_name: str = "k") -> tuple[Path, Path]:
    private, public = generate_keypair(tmp_path / "keys" / key_name)
    key = load_private_key(private)
    bundle = write_bundle(tmp_path / "out", f"b-{key_name}", FILES, lambda s: sign(s, key))
    return bundle, public


def verify(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["verify", *args])
    return r.exit_code, r.output


def test_keygen_writes_a_private_key_only_the_owner_can_read(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["keygen", "--out", str(tmp_path / "signing")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "signing").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "signing.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = CliRunner().invoke(main, ["keygen", "--out", str(tmp_path / "signing")])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output


def test_valid_signature(tmp_path: Path) -> None:
    bundle, public = _signed(tmp_path)
    code, out = verify(str(bundle), "--public-key", str(public))
    assert code == 0 and "signature valid" in out
    code, out = verify(str(bundle))
    assert code == 0 and "signature not checked" in out


def test_one_byte_change_breaks_the_hashes(tmp_path: Path) -> None:
    bundle, public = _signed(tmp_path)
    (bundle / "verdicts.json").write_bytes(b"[]\r\n")
    code, out = verify(str(bundle), "--public-key", str(public))
    assert code == 1 and "verdicts.json: hash mismatch" in out


def test_rewritten_sums_break_the_signature(tmp_path: Path) -> None:
    from auditor.evidence.bundle import sums_text

    bundle, public = _signed(tmp_path)
    forged = {**FILES, "verdicts.json": b'[{"status": "PASS"}]\n'}
    (bundle / "verdicts.json").write_bytes(forged["verdicts.json"])
    (bundle / "SHA256SUMS").write_bytes(sums_text(forged))
    code, out = verify(str(bundle), "--public-key", str(public))
    assert code == 1 and "signature does not match SHA256SUMS" in out


def test_signature_from_another_key(tmp_path: Path) -> None:
    bundle, _ = _signed(tmp_path, "a")
    _, other_public = generate_keypair(tmp_path / "keys" / "b")
    code, out = verify(str(bundle), "--public-key", str(other_public))
    assert code == 1 and "not by the given key" in out


def test_unsigned_bundle_with_a_key_required(tmp_path: Path) -> None:
    _, public = generate_keypair(tmp_path / "k")
    bundle = write_bundle(tmp_path / "out", "plain", FILES)
    code, out = verify(str(bundle), "--public-key", str(public))
    assert code == 1 and "SHA256SUMS.sig: missing" in out


def test_bad_key_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    with pytest.raises(SigningError, match="not a readable"):
        load_private_key(junk)
    bundle = write_bundle(tmp_path / "out", "plain", FILES)
    code, out = verify(str(bundle), "--public-key", str(junk))
    assert code == 2 and "not a readable PEM public key" in out
