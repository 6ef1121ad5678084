"""Bundles: written atomically, verified byte for byte."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.evidence.bundle import (
    BundleError,
    Member,
    sums_text,
    verify_bundle,
    write_bundle,
)
from auditor.evidence.digests import EvidenceDigests, HashedChunks

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


def _chunks_then(error: BaseException) -> Iterator[bytes]:
    """A streamed member that fails after its first chunks were written."""
    yield b'{"first": '
    yield b"1}\n"
    raise error


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failure_mid_stream_leaves_no_bundle_and_no_temp_folder(
    tmp_path: Path, error: BaseException
) -> None:
    files: dict[str, Member] = {
        "a.json": b"1",  # written before the failing member (sorted order)
        "b.json": lambda: _chunks_then(error),
        "c.json": lambda: iter([b"never", b" reached"]),
    }
    with pytest.raises(type(error)):
        write_bundle(tmp_path, "scan", files)
    assert list(tmp_path.iterdir()) == []


def test_streamed_members_hash_and_read_as_their_whole_bytes(tmp_path: Path) -> None:
    made: list[str] = []

    def member(name: str, data: bytes) -> Member:
        def make() -> Iterator[bytes]:
            # One at a time: every member before this one is already on disk.
            (partial,) = tmp_path.glob(".scan.partial-*")
            assert {p.name for p in partial.iterdir()} - {name} == set(made)
            made.append(name)
            for i in range(0, len(data), 2):
                yield data[i : i + 2]

        return make

    b = write_bundle(tmp_path, "scan", {n: member(n, d) for n, d in FILES.items()})
    assert made == sorted(FILES)
    assert (b / "SHA256SUMS").read_bytes() == sums_text(FILES)
    for n, data in FILES.items():
        assert (b / n).read_bytes() == data
    assert verify_bundle(b).ok


def test_self_hashing_members_are_hashed_once_and_share_their_digest(tmp_path: Path) -> None:
    """inventory.jsonl hashes itself for the reports; SHA256SUMS takes that digest."""
    data = {"inventory.jsonl": b'{"a": 1}\n' * 5000, "verdicts.json": b"[]\n"}
    digests = EvidenceDigests({n: (lambda d=d: iter([d[:7], d[7:]])) for n, d in data.items()})
    files: dict[str, Member] = {n: functools.partial(digests.member, n) for n in data}
    files["report.md"] = lambda: digests["inventory.jsonl"].encode()  # written after it
    b = write_bundle(tmp_path, "scan", files)
    want = hashlib.sha256(data["inventory.jsonl"]).hexdigest()
    assert (b / "report.md").read_text() == digests["inventory.jsonl"] == want
    assert (b / "SHA256SUMS").read_bytes() == sums_text({**data, "report.md": want.encode()})
    assert verify_bundle(b).ok
    unread = HashedChunks(iter([b"x"]))
    with pytest.raises(RuntimeError):
        unread.hexdigest()
