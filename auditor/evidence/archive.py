"""A bundle as one ``.tar.gz``: packed deterministically, unpacked defensively.

Packing writes ``NAME/<file>`` members in sorted order with fixed owners,
modes and times (and a zero gzip timestamp), so the same bundle packs to the
same bytes. Only an intact bundle is packed.

Unpacking refuses, with a one-line :class:`BundleError`, any member that is
not a regular file or directory (symbolic and hard links, devices, FIFOs), an
absolute name, a ``..`` component, a name outside the single top-level
folder, a duplicate name, more than :data:`MAX_MEMBERS` members, a member
over :data:`MAX_MEMBER_BYTES` or a total over :data:`MAX_TOTAL_BYTES`. Files
are written by this module (never ``tarfile.extract``), created exclusively,
mode 0600; the result is then verified like any bundle directory.
"""

from __future__ import annotations

import atexit
import gzip
import io
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from auditor.evidence.bundle import SIGNATURE, SUMS, BundleError, remove_dead_partials
from auditor.evidence.trusted import inspect_bundle

MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 10_000
_CHUNK = 1024 * 1024
SUFFIXES = (".tar.gz", ".tgz")


def is_archive(path: Path) -> bool:
    """Whether ``path`` names a packed bundle (by its suffix) rather than a folder."""
    return path.name.endswith(SUFFIXES) and not path.is_dir()


def pack_bundle(bundle: Path, out: Path, keys: Sequence[Any] = ()) -> Path:
    """Pack an intact bundle folder as ``out`` (a .tar.gz); never overwrites.

    What is packed are the bytes that were verified (signed by one of ``keys``,
    if any), read once: a file changed after the check is not packed.
    """
    result, trusted = inspect_bundle(bundle, keys, keep=lambda _name: True)
    if not result.ok:
        raise BundleError(f"{bundle}: not intact ({result.problems[0]}); refusing to pack")
    if not out.name.endswith(SUFFIXES):
        raise BundleError(f"{out}: the archive name must end in .tar.gz or .tgz")
    if out.exists():
        raise BundleError(f"{out}: already exists; refusing to overwrite evidence")
    top = bundle.resolve().name
    members = {**trusted.files, SUMS: trusted.sums}
    if trusted.signature_file:
        members[SIGNATURE] = trusted.signature_file
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for rel in sorted(members):
            data = members[rel]
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tf.addfile(info, io.BytesIO(data))
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_partials(out.parent)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        with tmp.open("wb") as fh:
            with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
                gz.write(raw.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        if out.exists():
            raise BundleError(f"{out}: already exists; refusing to overwrite evidence")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _member_parts(archive: Path, m: tarfile.TarInfo) -> tuple[str, ...]:
    name = m.name
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise BundleError(f"{archive}: refusing absolute member name {name!r}")
    if "\\" in name or "\x00" in name:
        raise BundleError(f"{archive}: refusing member name {name!r}")
    parts = tuple(p for p in PurePosixPath(name).parts if p != ".")
    if ".." in parts:
        raise BundleError(f"{archive}: refusing member name with '..': {name!r}")
    if not parts:
        raise BundleError(f"{archive}: refusing empty member name")
    return parts


def extract_bundle(archive: Path, dest: Path) -> Path:
    """Unpack ``archive`` into the empty folder ``dest``; return the bundle folder in it."""
    top: str | None = None
    total = 0
    count = 0
    seen: set[tuple[str, ...]] = set()
    try:
        with tarfile.open(archive, mode="r:gz") as tf:
            for m in tf:
                count += 1
                if count > MAX_MEMBERS:
                    raise BundleError(f"{archive}: more than {MAX_MEMBERS} members")
                parts = _member_parts(archive, m)
                if not (m.isreg() or m.isdir()):
                    what = "link" if (m.issym() or m.islnk()) else "special file"
                    raise BundleError(f"{archive}: refusing {what} member {m.name!r}")
                if top is None:
                    top = parts[0]
                elif parts[0] != top:
                    raise BundleError(
                        f"{archive}: members outside the single top-level folder {top!r}"
                    )
                if parts in seen:
                    raise BundleError(f"{archive}: duplicate member {m.name!r}")
                seen.add(parts)
                target = dest.joinpath(*parts)
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if len(parts) < 2:
                    raise BundleError(f"{archive}: file {m.name!r} outside a bundle folder")
                if m.size > MAX_MEMBER_BYTES:
                    raise BundleError(
                        f"{archive}: member {m.name!r} is {m.size} bytes (limit {MAX_MEMBER_BYTES})"
                    )
                total += m.size
                if total > MAX_TOTAL_BYTES:
                    raise BundleError(f"{archive}: members exceed {MAX_TOTAL_BYTES} bytes in all")
                _write_member(tf, m, target)
            # tarfile stops at the end-of-archive blocks; read on so gzip checks its CRC
            # and length (a corrupted stream can otherwise unpack altered bytes quietly).
            assert tf.fileobj is not None
            while tf.fileobj.read(_CHUNK):
                pass
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise BundleError(f"{archive}: not a readable .tar.gz ({exc})") from None
    if top is None:
        raise BundleError(f"{archive}: empty archive")
    return dest / top


def _write_member(tf: tarfile.TarFile, m: tarfile.TarInfo, target: Path) -> None:
    src = tf.extractfile(m)
    if src is None:
        raise BundleError(f"cannot read member {m.name!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out, src:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > m.size:
                raise BundleError(f"member {m.name!r} longer than its header says")
            out.write(chunk)


def open_archive(archive: Path) -> Path:
    """Unpack ``archive`` into a private temporary folder (removed at exit); the bundle path."""
    dest = Path(tempfile.mkdtemp(prefix="auditor-bundle-"))
    atexit.register(shutil.rmtree, dest, True)
    try:
        return extract_bundle(archive, dest)
    except BundleError:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def bundle_dir(path: Path) -> Path:
    """``path`` itself for a folder, or the unpacked folder of a packed bundle."""
    return open_archive(path) if is_archive(path) else path
