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
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUMS = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
"""Not covered by SUMS: it signs SUMS (see :mod:`auditor.evidence.signing`)."""
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")

Content = bytes | Iterable[bytes]
"""A member's bytes, whole or as chunks in order."""
Member = bytes | Callable[[], Content]
"""A bundle member: its bytes, or a function that makes them when the member is written."""


class BundleError(Exception):
    """A bundle that cannot be written or read (one-line message)."""


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


def _safe_name(name: str) -> None:
    parts = Path(name).parts
    if (
        not parts
        or Path(name).is_absolute()
        or ".." in parts
        or name in (SUMS, SIGNATURE)
        or any(ord(c) < 32 or ord(c) == 127 for c in name)  # NUL, escapes: never a file name
    ):
        raise BundleError(f"refusing bundle member name {name!r}")


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
        _safe_name(n)
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


@dataclass
class VerifyResult:
    path: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    signature: str = "absent"
    """absent, unchecked (no key given), valid, or invalid."""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: Path, public_key: Any = None) -> VerifyResult:
    """Recompute every hash; report changed, missing and extra files; check the signature.

    With ``public_key`` (an Ed25519 public key) a missing or wrong signature is
    a problem; without it a present signature is reported as unchecked.
    """
    result = VerifyResult(path=path)
    if not path.is_dir():
        result.problems.append(f"{path}: not a bundle directory")
        return result
    sums_path = path / SUMS
    try:
        raw_sums = sums_path.read_bytes()
        text = raw_sums.decode("utf-8")
    except FileNotFoundError:
        result.problems.append(f"{SUMS}: missing")
        return result
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(f"{SUMS}: unreadable ({exc})")
        return result
    listed: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = _SUM_LINE.match(line)
        if not m:
            result.problems.append(f"{SUMS}:{n}: malformed line")
            continue
        digest, name = m.groups()
        try:
            _safe_name(name)
        except BundleError as exc:
            result.problems.append(f"{SUMS}:{n}: {exc}")
            continue
        listed[name] = digest
    present = {
        p.relative_to(path).as_posix()
        for p in path.rglob("*")
        if (p.is_file() or p.is_symlink())
        and p.relative_to(path).as_posix() not in (SUMS, SIGNATURE)
    }
    for name in sorted(present - set(listed)):
        result.problems.append(f"{name}: extra file not covered by {SUMS}")
    _check_signature(path, raw_sums, public_key, result)
    for name, digest in sorted(listed.items()):
        member = path / name
        if member.is_symlink():
            result.problems.append(f"{name}: is a symbolic link")
            continue
        try:
            data = member.read_bytes()
        except FileNotFoundError:
            result.problems.append(f"{name}: missing")
            continue
        except OSError as exc:  # a directory where a file is listed, no permission
            result.problems.append(f"{name}: unreadable ({exc.strerror or exc})")
            continue
        result.checked += 1
        if sha256(data) != digest:
            result.problems.append(f"{name}: hash mismatch (file changed)")
    return result


def _check_signature(path: Path, sums: bytes, public_key: Any, result: VerifyResult) -> None:
    sig_path = path / SIGNATURE
    if not sig_path.is_file():
        if public_key is not None:
            result.problems.append(f"{SIGNATURE}: missing (the bundle is not signed)")
        return
    if public_key is None:
        result.signature = "unchecked"
        return
    from auditor.evidence.signing import check

    why = check(sums, sig_path.read_bytes(), public_key)
    result.signature = "valid" if why is None else "invalid"
    if why is not None:
        result.problems.append(why)
