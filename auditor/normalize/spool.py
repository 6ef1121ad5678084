"""Normalised parts on disk while collection runs, so raw answers are never all held.

Each finished collection unit is normalised at once (a normaliser reads one
record and nothing else) and written, as resource parts and relations, to one
JSON file in a private temporary folder; its raw records can then be
dropped. When collection ends the files are read back one at a time into a
:class:`~auditor.normalize.Builder`, which merges the parts of a resource in a
canonical order, so the inventory is byte for byte the one a single pass over
every record gives. Peak memory is the normalised inventory plus the units in
flight, not every raw answer of the scan.

A unit whose answer cannot be normalised (an odd API response) becomes a gap
for that unit, and none of its records count: the rest of the scan goes on.

A scan killed with SIGKILL cannot remove its spool; each new spool first removes
the spools, in the same folder and of the same user, whose owner process
(the ``owner`` file) is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.base.serialize import relation_to_dict, resource_to_dict
from auditor.gc_pause import gc_paused
from auditor.model import CollectionUnit, Gap, Inventory, RawRecord, Relation, Resource, Scope
from auditor.normalize import Builder, NormalizationError, normalize_into

_RESOURCES, _RELATIONS = "resources", "relations"
PREFIX = "auditor-spool-"
OWNER = "owner"
"""The file naming the process that owns a spool (its pid)."""


def _cannot(where: Path, exc: OSError) -> str:
    return (
        f"cannot write the collection spool in {where}: {exc.strerror or exc} "
        "(set TMPDIR to a folder with room)"
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep_stale_spools(folder: Path) -> list[Path]:
    """Remove this user's spools in ``folder`` whose owner process is gone; the removed.

    A spool without a readable owner file is left alone (it may be being made).
    """
    removed: list[Path] = []
    for path in sorted(folder.glob(PREFIX + "*")):
        try:
            st = path.lstat()
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                continue
            pid = int((path / OWNER).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class SpoolError(RuntimeError):
    """The spool folder cannot be made or written (a full disk, say): one line."""


class InventorySpool:
    """A private folder of normalised units; :meth:`inventory` merges them.

    Not thread-safe: one thread (the scheduler's) adds units. Use as a context
    manager, or call :meth:`close`, to remove the folder.
    """

    def __init__(self, parent: Path | None = None) -> None:
        where = Path(parent if parent is not None else tempfile.gettempdir())
        sweep_stale_spools(where)
        try:
            self._dir = Path(tempfile.mkdtemp(prefix=PREFIX, dir=where))  # mode 0700
            _write_private(self._dir / OWNER, f"{os.getpid()}\n".encode())
        except OSError as exc:
            raise SpoolError(_cannot(where, exc)) from None
        self._files: list[Path] = []
        self.records = 0
        """Raw records normalised so far."""
        self.bytes = 0
        """Bytes written to the spool so far."""
        self.gaps: list[Gap] = []
        """Units whose answers could not be normalised."""

    @property
    def folder(self) -> Path:
        return self._dir

    def add(self, records: Iterable[RawRecord], *, unit: CollectionUnit | None = None) -> bool:
        """Normalise one unit's records and write them out; False (and a gap) if unreadable.

        Without ``unit`` (an importer, or a cloud collected in one piece), an
        unreadable record raises :class:`~auditor.normalize.NormalizationError`.
        """
        builder = Builder()
        batch = list(records)
        try:
            normalize_into(builder, batch)
        except NormalizationError as exc:
            if unit is None:
                raise
            self.gaps.append(
                Gap(
                    cloud=unit.cloud,
                    account=unit.account,
                    region=unit.region,
                    service=unit.service,
                    operation=exc.operation.rpartition(":")[2],
                    error_code="MalformedResponse",
                    message=str(exc)[:300],
                )
            )
            return False
        self.gaps += builder.schema_gaps
        doc = {
            _RESOURCES: [[p.rank, resource_to_dict(p.resource)] for p in builder.parts()],
            _RELATIONS: [relation_to_dict(r) for r in builder.relations()],
        }
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        path = self._dir / f"{len(self._files):08d}.json"
        try:
            _write_private(path, data)
        except OSError as exc:
            raise SpoolError(_cannot(self._dir, exc)) from None
        self._files.append(path)
        self.records += len(batch)
        self.bytes += len(data)
        return True

    def inventory(
        self,
        *,
        scope: Scope,
        gaps: Iterable[Gap] = (),
        api_calls: Mapping[str, int] | None = None,
        collected: Iterable[CollectionUnit] = (),
    ) -> Inventory:
        """Every unit read back and merged: the scan's deterministic inventory."""
        builder = Builder()
        with gc_paused():  # long-lived objects: see auditor/gc_pause.py
            for path in self._files:
                # One document per unit: the decoder shares repeated keys within it.
                doc = json.loads(path.read_bytes())
                for rank, obj in doc[_RESOURCES]:
                    builder.add(_resource(obj), tuple(rank), checked=True)  # when spooled
                for obj in doc[_RELATIONS]:
                    builder.add_relation(Relation(**obj))
            return builder.inventory(
                scope=scope,
                gaps=[*gaps, *self.gaps],
                api_calls=api_calls,
                collected=collected,
            )

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> InventorySpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _resource(obj: dict[str, Any]) -> Resource:
    """A resource read back; the fields repeated across resources share one string."""
    return Resource(
        id=obj["id"],
        cloud=sys.intern(obj["cloud"]),
        kind=sys.intern(obj["kind"]),
        account=sys.intern(obj["account"]),
        region=sys.intern(obj["region"]),
        name=obj["name"],
        tags=obj["tags"],
        attributes=obj["attributes"],
        source=sys.intern(obj["source"]),
    )
