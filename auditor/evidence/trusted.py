"""Open a bundle once: read every member, check its hash and signature, keep the bytes.

Every command that reads a bundle goes through :func:`auditor.evidence.load.open_bundle`: the bytes
that were hashed (and whose ``SHA256SUMS`` was signed) are the bytes kept in
memory and parsed, so swapping a file on disk after the check changes nothing
(no second read). Members are read only when they are regular files (never a
symbolic link, FIFO or device: a link to ``/dev/zero`` or a FIFO listed in
``SHA256SUMS`` is one problem line, never a hang) and within size caps.

Trust: with keys (``--public-key``, or the files named by the environment
variable :data:`TRUST_ENV`) the bundle must carry a valid signature by one of
them; without, the bundle can only be intact, and callers say that its
authenticity was not checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.base.ed25519 import TRUST_ENV
from auditor.evidence.members import SIGNATURE, SUMS, BundleError, VerifyResult, safe_member_name

__all__ = ["TRUST_ENV", "TrustedBundle", "inspect_bundle", "trusted_keys"]

MAX_MEMBER_BYTES = 2 << 30
"""A member larger than this is refused unread (an inventory of a million resources fits)."""
MAX_KEPT_BYTES = 4 << 30
MAX_SUMS_BYTES = 16 * 1024 * 1024
MAX_SIGNATURE_BYTES = 4096
MAX_MEMBERS = 10_000
MAX_NAME_PART = 255
MAX_NAME = 1024
_CHUNK = 1024 * 1024
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class MemberError(Exception):
    """A member that cannot be read safely (one-line message, without the name)."""


def read_regular(path: Path, limit: int, sink: Callable[[bytes], None]) -> int:
    """Feed the bytes of the regular file ``path`` (at most ``limit``) to ``sink``; its size.

    Opened without following a final symbolic link and without blocking (a FIFO
    opens at once and is then refused), checked with ``fstat`` on the open file.
    """
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        if path.is_symlink():
            raise MemberError("is a symbolic link") from None
        raise MemberError(f"unreadable ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise MemberError("not a regular file" + (" (a directory)" * stat.S_ISDIR(mode)))
        size = 0
        while chunk := os.read(fd, _CHUNK):
            size += len(chunk)
            if size > limit:
                raise MemberError(f"larger than {limit} bytes")
            sink(chunk)
        return size
    except OSError as exc:
        raise MemberError(f"unreadable ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_small(path: Path, limit: int) -> bytes:
    parts: list[bytes] = []
    read_regular(path, limit, parts.append)
    return b"".join(parts)


@dataclass(frozen=True, kw_only=True)
class TrustedBundle:
    """A bundle's members as they were when hashed (and their signature checked)."""

    path: Path
    sums: bytes
    files: Mapping[str, bytes]
    """The members kept (by default all but ``raw/``), as they were hashed."""
    checked: int
    signature: str
    """valid, unchecked (signed, no key given) or absent."""
    signer: str | None = None
    signature_file: bytes = b""
    """``SHA256SUMS.sig`` as read (empty when the bundle is not signed)."""

    @property
    def authenticated(self) -> bool:
        return self.signature == "valid"

    def data(self, name: str) -> bytes:
        try:
            return self.files[name]
        except KeyError:
            raise BundleError(f"{self.path / name}: missing from the bundle") from None

    def text(self, name: str) -> str:
        try:
            return self.data(name).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BundleError(f"{self.path / name}: not UTF-8 (byte {exc.start})") from None

    def utf8(self, name: str) -> bytes:
        """A member's bytes, checked to be UTF-8 a MiB at a time: no decoded copy of the whole.

        Each piece ends before a character's first byte, so the pieces are valid
        exactly when the whole is (valid UTF-8 joined is valid UTF-8); on a bad
        piece the whole is decoded once more for the position :meth:`text` reports.
        """
        data = self.data(name)
        view = memoryview(data)
        start, size = 0, len(data)
        while start < size:
            end = min(start + _CHUNK, size)
            back = 0
            while end < size and back < 3 and 0x80 <= data[end] < 0xC0:  # a continuation byte
                end, back = end - 1, back + 1
            try:
                str(view[start:end], "utf-8")
            except UnicodeDecodeError:
                self.text(name)  # raises with the byte's position in the whole
                raise  # a cut inside a character the whole decodes: not reached
            start = end
        return data

    def json(self, name: str) -> Any:
        """A member parsed as JSON; any defect (depth included) is a one-line BundleError."""
        return parse_json(self.text(name), str(self.path / name))


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleError(f"{where}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise BundleError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:  # a number of more than 4300 digits, ...
        raise BundleError(f"{where}: not JSON ({' '.join(str(exc).split())[:120]})") from None


@dataclass
class _Reading:
    result: VerifyResult
    kept: dict[str, bytes] = field(default_factory=dict)
    kept_bytes: int = 0
    sums: bytes = b""
    signer: str | None = None
    sig: bytes = b""


def _name_problem(name: str) -> str | None:
    try:
        safe_member_name(name)
    except BundleError as exc:
        return str(exc)
    if len(name) > MAX_NAME or any(len(p.encode()) > MAX_NAME_PART for p in name.split("/")):
        return f"refusing bundle member name of {len(name)} characters (too long)"
    return None


def _listed(text: str, result: VerifyResult) -> dict[str, str]:
    from auditor.evidence.members import SUM_LINE

    listed: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = SUM_LINE.match(line)
        if not m:
            result.problems.append(f"{SUMS}:{n}: malformed line")
            continue
        digest, name = m.groups()
        why = _name_problem(name)
        if why is not None:
            result.problems.append(f"{SUMS}:{n}: {why}")
            continue
        if len(listed) >= MAX_MEMBERS:
            result.problems.append(f"{SUMS}:{n}: more than {MAX_MEMBERS} members")
            break
        listed[name] = digest
    return listed


def _present(path: Path, result: VerifyResult) -> set[str]:
    """Names of the files under ``path`` (links and special files included, none followed)."""
    present: set[str] = set()
    for top, dirs, files in os.walk(path, followlinks=False):
        base = Path(top)
        for d in list(dirs):
            if (base / d).is_symlink():
                dirs.remove(d)
                files.append(d)
        for f in files:
            present.add((base / f).relative_to(path).as_posix())
        if len(present) > MAX_MEMBERS:
            result.problems.append(f"{path}: more than {MAX_MEMBERS} files")
            break
    return present - {SUMS, SIGNATURE}


def _parents_are_folders(path: Path, name: str) -> bool:
    here = path
    for part in name.split("/")[:-1]:
        here = here / part
        try:
            if not stat.S_ISDIR(os.lstat(here).st_mode):
                return False
        except OSError:
            return False
    return True


def _read_member(path: Path, name: str, digest: str, keep: bool, r: _Reading) -> None:
    h = hashlib.sha256()
    parts: list[bytes] = []

    def sink(chunk: bytes) -> None:
        h.update(chunk)
        if keep:
            parts.append(chunk)

    if not _parents_are_folders(path, name):
        r.result.problems.append(f"{name}: a folder on its path is a link or not a folder")
        return
    try:
        size = read_regular(path / name, MAX_MEMBER_BYTES, sink)
    except MemberError as exc:
        missing = not os.path.lexists(path / name)
        r.result.problems.append(f"{name}: {'missing' if missing else exc}")
        return
    r.result.checked += 1
    if h.hexdigest() != digest:
        r.result.problems.append(f"{name}: hash mismatch (file changed)")
        return
    if keep:
        r.kept_bytes += size
        if r.kept_bytes > MAX_KEPT_BYTES:
            r.result.problems.append(f"{name}: the bundle exceeds {MAX_KEPT_BYTES} bytes")
            return
        r.kept[name] = b"".join(parts)


def _signature(path: Path, keys: Sequence[Any], r: _Reading) -> None:
    from auditor.base.ed25519 import verify_with_any

    result = r.result
    try:
        sig = read_small(path / SIGNATURE, MAX_SIGNATURE_BYTES)
    except MemberError as exc:
        absent = not os.path.lexists(path / SIGNATURE)
        if keys:
            result.problems.append(
                f"{SIGNATURE}: {'missing (the bundle is not signed)' if absent else exc}"
            )
        elif not absent:
            result.problems.append(f"{SIGNATURE}: {exc}")
        return
    r.sig = sig
    if not keys:
        result.signature = "unchecked"
        return
    why, signer = verify_with_any(r.sums, sig, keys, SIGNATURE, "SHA256SUMS")
    result.signature = "valid" if why is None else "invalid"
    if why is None:
        r.signer = signer
    else:
        result.problems.append(why)


def inspect_bundle(
    path: Path, keys: Sequence[Any] = (), keep: Callable[[str], bool] = lambda _n: False
) -> tuple[VerifyResult, TrustedBundle]:
    """Read every member once: hashes, extra files, signature; the kept bytes.

    The result lists every problem; the TrustedBundle is meaningful only when
    it has none.
    """
    r = _Reading(result=VerifyResult(path=path))
    result = r.result
    if not path.is_dir():
        result.problems.append(f"{path}: not a bundle directory")
        return result, _trusted(path, r)
    try:
        r.sums = read_small(path / SUMS, MAX_SUMS_BYTES)
        text = r.sums.decode("utf-8")
    except MemberError as exc:
        gone = not os.path.lexists(path / SUMS)
        result.problems.append(f"{SUMS}: {'missing' if gone else exc}")
        return result, _trusted(path, r)
    except UnicodeDecodeError as exc:
        result.problems.append(f"{SUMS}: not UTF-8 (byte {exc.start})")
        return result, _trusted(path, r)
    listed = _listed(text, result)
    for name in sorted(_present(path, result) - set(listed)):
        result.problems.append(f"{name}: extra file not covered by {SUMS}")
    _signature(path, keys, r)
    for name, digest in sorted(listed.items()):
        _read_member(path, name, digest, keep(name), r)
    return result, _trusted(path, r)


def _trusted(path: Path, r: _Reading) -> TrustedBundle:
    return TrustedBundle(
        path=path,
        sums=r.sums,
        files=dict(r.kept),
        checked=r.result.checked,
        signature=r.result.signature,
        signer=r.signer,
        signature_file=r.sig,
    )


def trusted_keys(public_key: Path | None, env: Mapping[str, str] | None = None) -> list[Any]:
    """The keys a bundle must be signed by: ``--public-key``, else the :data:`TRUST_ENV` store.

    A key file that cannot be read is a SigningError (an input error). The same rule
    decides which recorded drills count as signed (:mod:`auditor.base.ed25519`).
    """
    from auditor.base.ed25519 import trusted_keys as store_keys

    return list(store_keys(public_key, env))


NOT_AUTHENTICATED = (
    f"authenticity not checked (no --public-key, {TRUST_ENV} unset): "
    "the bundle is intact, but anyone could have written it"
)
