"""Write and verify evidence bundles.

A bundle is a directory of files plus ``SHA256SUMS`` covering every one of
them. It is written into a hidden sibling directory (``.NAME.partial-PID``) and
renamed into place, so a crash never leaves a half bundle under the final
name; the partial folders of writers that died (killed before they could
clean up: their PID is no longer running) are removed by the next write into
the same folder. Members are made,
hashed and written one at a time (a large one as a stream of chunks), so a
bundle of gigabytes is never held in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from auditor.evidence.digests import HashedChunks
from auditor.evidence.members import (
    SIGNATURE,
    SUM_LINE,
    SUMS,
    BundleError,
    VerifyResult,
    safe_member_name,
)
from auditor.gc_pause import gc_paused

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
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, HashedChunks):  # it hashes itself as it is read
        with target.open("wb") as fh:
            for chunk in content:
                fh.write(chunk)
            _sync(fh)
        return content.hexdigest()
    digest = hashlib.sha256()
    with target.open("wb") as fh:
        for chunk in (content,) if isinstance(content, bytes) else content:
            digest.update(chunk)
            fh.write(chunk)
        _sync(fh)
    return digest.hexdigest()


def _sync(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())


_PARTIAL = re.compile(r"^\..+\.partial-(\d+)$")


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (unsure counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission to signal it: it exists; anything else: keep it
        return True
    return True


def remove_dead_partials(folder: Path) -> list[Path]:
    """Remove the ``.NAME.partial-PID`` leftovers in ``folder`` of writers no longer running.

    A writer killed with SIGKILL cannot clean up after itself; the next writer
    does. A partial whose PID still runs (or cannot be told) is left alone.
    """
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _PARTIAL.match(entry.name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def write_bundle(
    out_dir: Path,
    name: str,
    files: Mapping[str, Member],
    signer: Callable[[bytes], bytes] | None = None,
    *,
    last: Mapping[str, Member] | None = None,
    timed: Callable[[str, float], None] | None = None,
) -> Path:
    """Write ``files``, their SHA256SUMS (and its signature) atomically as ``out_dir/name``.

    Each member is made, hashed as it is written and dropped before the next;
    SHA256SUMS comes from those digests and is signed once every member is on disk.
    ``last`` members are made after all of ``files`` (a scan's timings, which time
    the writing of the others); ``timed(name, seconds)`` hears how long each took.
    """
    last = last or {}
    for n in (*files, *last):
        safe_member_name(n)
    if set(files) & set(last):
        raise BundleError(f"bundle member {sorted(set(files) & set(last))[0]!r} given twice")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_dead_partials(out_dir)
    final = out_dir / name
    if final.exists():
        raise BundleError(f"{final}: already exists; refusing to overwrite evidence")
    tmp = out_dir / f".{name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    renamed = False
    try:
        tmp.mkdir()
        digests: dict[str, str] = {}
        with gc_paused():  # see auditor/gc_pause.py: members are made from the whole graph
            for group in (files, last):
                for n in sorted(group):
                    began = time.perf_counter()
                    digests[n] = _write_member(tmp / n, group[n])
                    if timed is not None:
                        timed(n, time.perf_counter() - began)
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
