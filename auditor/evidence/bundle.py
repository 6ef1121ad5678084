"""Write and verify evidence bundles.

A bundle is a directory of files plus ``SHA256SUMS`` covering every one of
them. It is written into a hidden sibling directory and renamed into place,
so a crash never leaves a half bundle under the final name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SUMS = "SHA256SUMS"
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")


class BundleError(Exception):
    """A bundle that cannot be written or read (one-line message)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_text(files: Mapping[str, bytes]) -> bytes:
    return "".join(f"{sha256(files[n])}  {n}\n" for n in sorted(files)).encode()


def _safe_name(name: str) -> None:
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts or name == SUMS:
        raise BundleError(f"refusing bundle member name {name!r}")


def write_bundle(out_dir: Path, name: str, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` and their SHA256SUMS atomically as ``out_dir/name``."""
    for n in files:
        _safe_name(n)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    if final.exists():
        raise BundleError(f"{final}: already exists; refusing to overwrite evidence")
    tmp = out_dir / f".{name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        tmp.mkdir()
        for n, data in sorted({**files, SUMS: sums_text(files)}.items()):
            target = tmp / n
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        tmp.replace(final)
        dir_fd = os.open(out_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


@dataclass
class VerifyResult:
    path: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: Path) -> VerifyResult:
    """Recompute every hash; report changed, missing and extra files."""
    result = VerifyResult(path=path)
    if not path.is_dir():
        result.problems.append(f"{path}: not a bundle directory")
        return result
    sums_path = path / SUMS
    try:
        text = sums_path.read_text(encoding="utf-8")
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
        if (p.is_file() or p.is_symlink()) and p.name != SUMS
    }
    for name in sorted(present - set(listed)):
        result.problems.append(f"{name}: extra file not covered by {SUMS}")
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
        result.checked += 1
        if sha256(data) != digest:
            result.problems.append(f"{name}: hash mismatch (file changed)")
    return result
