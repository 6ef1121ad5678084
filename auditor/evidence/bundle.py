"""Write and verify evidence bundles.

A bundle is a directory of files plus ``SHA256SUMS`` covering every one of
them. It is written into a hidden sibling directory and renamed into place,
so a crash never leaves a half bundle under the final name. Members are made,
hashed and written one at a time (a large one as a stream of chunks), so a
bundle of gigabytes is never held in memory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from auditor.evidence.members import (
    SIGNATURE,
    SUM_LINE,
    SUMS,
    BundleError,
    VerifyResult,
    safe_member_name,
)

__all__ = [
    "SIGNATURE",
    "SUMS",
    "SUM_LINE",
    "BundleError",
    "VerifyResult",
    "safe_member_name",
    "verify_bundle",
    "write_bundle",
]

Content = bytes | Iterable[bytes]
"""A member's bytes, whole or as chunks in order."""
Member = bytes | Callable[[], Content]
"""A bundle member: its bytes, or a function that makes them when the member is written."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_text(files: Mapping[str, bytes]) -> bytes:
    return sums_of_digests({n: sha256(data) for n, data in files.items()})


def sums_of_digests(digests: Mapping[str, str]) -> bytes:
    """SHA256SUMS from hex digests already computed (one line per name, sorted)."""
    return "".join(f"{digests[n]}  {n}\n" for n in sorted(digests)).encode()


def member_bytes(member: Member) -> bytes:
    """A member's whole bytes (for callers that compare or inspect them, not for writing)."""
    content = member() if callable(member) else member
    return content if isinstance(content, bytes) else b"".join(content)


def _write_member(target: Path, member: Member) -> str:
    """Make ``member``, write it to ``target`` chunk by chunk and fsync; its SHA-256 hex digest.

    Nothing of it is kept once it returns: the next member is made only then.
    """
    content = member() if callable(member) else member
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        for chunk in (content,) if isinstance(content, bytes) else content:
            digest.update(chunk)
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return digest.hexdigest()


def write_bundle(
    out_dir: Path,
    name: str,
    files: Mapping[str, Member],
    signer: Callable[[bytes], bytes] | None = None,
) -> Path:
    """Write ``files``, their SHA256SUMS (and its signature) atomically as ``out_dir/name``.

    Each member is made, hashed as it is written and dropped before the next;
    SHA256SUMS comes from those digests and is signed once every member is on disk.
    """
    for n in files:
        safe_member_name(n)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    if final.exists():
        raise BundleError(f"{final}: already exists; refusing to overwrite evidence")
    tmp = out_dir / f".{name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    renamed = False
    try:
        tmp.mkdir()
        digests = {n: _write_member(tmp / n, files[n]) for n in sorted(files)}
        sums = sums_of_digests(digests)
        _write_member(tmp / SUMS, sums)
        if signer is not None:
            _write_member(tmp / SIGNATURE, signer(sums))
        tmp.replace(final)
        renamed = True
        dir_fd = os.open(out_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if not renamed:  # any failure, Ctrl-C included: leave no partial bundle behind
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def verify_bundle(path: Path, public_key: Any = None) -> VerifyResult:
    """Recompute every hash; report changed, missing and extra files; check the signature.

    With ``public_key`` (an Ed25519 public key) a missing or wrong signature is
    a problem; without it a present signature is reported as unchecked. Members
    are read as :func:`auditor.evidence.trusted.inspect_bundle` reads them:
    regular files only, within size caps.
    """
    from auditor.evidence.trusted import inspect_bundle

    keys = () if public_key is None else (public_key,)
    return inspect_bundle(path, keys)[0]
