"""Resumable collection: each finished (account, region, service) unit saved to a local cache.

Every cloud's units are saved alike (one checkpoint folder per cloud and scope).

A scan writes ``<cache>/<key>/units/<account>__<region>__<service>.json`` as each
unit finishes (raw records, gaps, call counts; written to a temporary file,
fsynced, then renamed, so a unit file is whole or absent). ``key`` hashes the
declaration and the scan's scope, so a checkpoint is only ever reused by the same
scan. ``scan --resume`` reads finished units back and runs only the rest; a scan
without ``--resume`` starts afresh (discarding an old checkpoint of that key).
The checkpoint is removed once the evidence bundle is written.

Raw records can hold sensitive data (policies, tags, names): the cache folders
are created 0700 and files 0600, and a file that cannot be read back whole is
ignored (its unit is collected again), never trusted in part.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.model import CollectionUnit, Gap, RawRecord

FORMAT = 1
_SAFE = re.compile(r"[^A-Za-z0-9._-]")

UnitKey = tuple[str, str, str]


def checkpoint_key(declaration_sha256: str, scope: Mapping[str, Any]) -> str:
    """A short stable key for one declaration and scope (accounts, regions, flags...)."""
    text = json.dumps({"declaration": declaration_sha256, **scope}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclasses.dataclass(frozen=True, kw_only=True)
class SavedUnit:
    records: tuple[RawRecord, ...]
    gaps: tuple[Gap, ...]
    calls: dict[str, int]
    covered: tuple[CollectionUnit, ...] | None = None
    """What the unit read completely when it is not just itself (None: itself)."""


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _write_private(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (or its chunks, in order) to ``path`` atomically, readable by the
    owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in [data] if isinstance(data, bytes) else data:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _unit_doc(head: dict[str, Any], records: Iterable[Any], unit: list[str]) -> Iterator[bytes]:
    """``json.dumps({**head, "records": [...], "unit": unit}, sort_keys=True)``, record by
    record: a unit's records are never all held as one document (every key of ``head``
    sorts before ``records``)."""
    yield (json.dumps(head, sort_keys=True)[:-1] + ', "records": [').encode()
    sep = ""
    for r in records:
        yield (sep + json.dumps(dataclasses.asdict(r), sort_keys=True)).encode()
        sep = ", "
    yield ("], " + json.dumps({"unit": unit}, sort_keys=True)[1:]).encode()


class CheckpointBusy(RuntimeError):
    """Another running scan holds this checkpoint (same declaration and scope)."""


class Checkpoint:
    """The checkpoint folder of one scan key, locked by the scan using it."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root
        self.key = key
        self.path = root / key
        self.units_dir = self.path / "units"
        self._lock_path = root / f"{key}.lock"
        self._lock_fd: int | None = None

    def _lock(self) -> None:
        import fcntl

        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise CheckpointBusy(f"{self.path} is in use by another scan") from exc
        self._lock_fd = fd

    def close(self) -> None:
        """Release the lock (the checkpoint stays for ``--resume``)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def start(self, *, resume: bool, scope: Mapping[str, Any]) -> dt.datetime:
        """Open for writing; returns when this scan's collection began.

        With ``resume`` an existing checkpoint is kept (and its start time
        returned); otherwise any old one is discarded first. Raises
        :class:`CheckpointBusy` when a running scan holds it.
        """
        _private_dir(self.root)
        self._lock()
        if not resume and self.path.exists():
            shutil.rmtree(self.path)
        _private_dir(self.path)
        _private_dir(self.units_dir)
        meta = self.path / "meta.json"
        started = self._started(meta)
        if started is None:
            started = dt.datetime.now(dt.UTC).replace(microsecond=0)
            doc = {"format": FORMAT, "key": self.key, "started": started.isoformat(), **scope}
            _write_private(meta, json.dumps(doc, sort_keys=True, indent=1).encode())
        return started

    @staticmethod
    def _started(meta: Path) -> dt.datetime | None:
        try:
            doc = json.loads(meta.read_text(encoding="utf-8"))
            started = dt.datetime.fromisoformat(str(doc["started"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return started if doc.get("format") == FORMAT else None

    def _file(self, key: UnitKey) -> Path:
        return self.units_dir / ("__".join(_SAFE.sub("_", part) for part in key) + ".json")

    def save(
        self,
        key: UnitKey,
        records: Any,
        gaps: Any,
        calls: Mapping[str, int],
        covered: Any = None,
    ) -> None:
        head: dict[str, Any] = {
            "format": FORMAT,
            "gaps": [dataclasses.asdict(g) for g in gaps],
            "calls": dict(sorted(calls.items())),
        }
        if covered is not None:
            head["covered"] = [dataclasses.asdict(u) for u in covered]
        _write_private(self._file(key), _unit_doc(head, records, list(key)))

    def load(self, key: UnitKey) -> SavedUnit | None:
        """A finished unit, or None (absent, or unreadable: then it runs again)."""
        path = self._file(key)
        try:
            doc = json.loads(path.read_bytes())
            if doc.get("format") != FORMAT or tuple(doc["unit"]) != key:
                return None
            return SavedUnit(
                records=tuple(RawRecord(**r) for r in doc["records"]),
                gaps=tuple(Gap(**g) for g in doc["gaps"]),
                calls={str(k): int(v) for k, v in doc["calls"].items()},
                covered=(
                    None
                    if doc.get("covered") is None
                    else tuple(CollectionUnit(**u) for u in doc["covered"])
                ),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def remove(self) -> None:
        """Delete the checkpoint (after the bundle is written)."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._lock_fd is not None:
            with contextlib.suppress(FileNotFoundError):
                self._lock_path.unlink()
        self.close()
        with contextlib.suppress(OSError):
            self.root.rmdir()  # only when no other scan's checkpoint is left
