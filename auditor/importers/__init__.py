"""Offline exports as raw records: a bundle for a customer who cannot grant live access.

An importer is a module under ``auditor/importers/`` that defines ``IMPORTER``
(an :class:`Importer`). It reads one export file (an AWS Config snapshot, an
Azure Resource Graph export, a GCP Cloud Asset export) and returns the same
:class:`~auditor.model.RawRecord` values the live collector of that cloud would
emit, so normalisation, rules and bundles are shared and an import of an estate
gives the same inventory as a live scan of it. Modules are found by discovery.

What an export does not cover must not read as "none": ``units`` lists only the
(cloud, account, region, service) units the file covers completely; the
``auditor import`` command turns every expected unit that is missing into a
gap. Facts an export never records are reported per resource (``unknown``) and
become ``null`` attributes with a gap naming the resource.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.model import CollectionUnit, Gap, RawRecord

if TYPE_CHECKING:
    from auditor.boundary import Declaration


class ExportFormatError(ValueError):
    """An export file that cannot be read; the message names the file and where."""


def located(path: Path, where: str, why: str) -> ExportFormatError:
    """The one-line error of a bad export: ``file: where: why``."""
    return ExportFormatError(f"{path}: {where}: {why}" if where else f"{path}: {why}")


MAX_EXPORT_BYTES = 2 << 30
"""An export larger than this (after gunzip) is refused rather than read into memory."""


def export_text(path: Path, limit: int = MAX_EXPORT_BYTES) -> str:
    """The UTF-8 text of an export file, gunzipped when it is gzip (as cloud exports often are).

    Decompression stops at ``limit`` bytes, so a small hostile ``.gz`` cannot fill memory.
    """
    try:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise located(path, "", f"cannot read: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(path, raw, limit)
    if len(raw) > limit:
        raise located(path, "", f"larger than {limit >> 20} MiB; split the export")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise located(path, f"byte {exc.start}", "not UTF-8 text") from exc


def _gunzip(path: Path, raw: bytes, limit: int) -> bytes:
    """Every gzip member of ``raw``, at most ``limit + 1`` bytes of output."""
    import zlib

    out: list[bytes] = []
    size = 0
    data = raw
    try:
        while data:
            d = zlib.decompressobj(wbits=31)
            chunk = d.decompress(data, limit + 1 - size)
            out.append(chunk)
            size += len(chunk)
            if size > limit or d.unconsumed_tail:
                raise located(path, "", f"decompresses to more than {limit >> 20} MiB")
            if not d.eof:
                raise located(path, "", "not a readable gzip file (truncated)")
            data = d.unused_data.lstrip(b"\x00")
    except zlib.error as exc:
        raise located(path, "", f"not a readable gzip file ({exc})") from exc
    return b"".join(out)


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    """What one export file held, as a live collection would have produced it."""

    records: tuple[RawRecord, ...]
    units: tuple[CollectionUnit, ...] = ()
    """(cloud, account, region, service) the export covers completely."""
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    gaps: tuple[Gap, ...] = ()
    """What the export is known to lack (a resource's unrecorded detail, a partial listing)."""
    unknown: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Resource id -> attributes the export does not record: set to null after normalising."""
    origins: tuple[str, ...] = ()
    """Where each record came from in the file (``configurationItems[3]``), parallel to records."""
    notes: tuple[str, ...] = ()
    """Things skipped on purpose (an unknown resource type), for the manifest."""
    not_judged: Mapping[str, int] = field(default_factory=dict)
    """Resource type no normaliser reads -> how many the file holds (kept out, but counted)."""


@dataclass(frozen=True, kw_only=True)
class Importer:
    """One export format: its name on the command line, its cloud, and its reader."""

    format: str
    cloud: str
    description: str
    read: Callable[[Path], ImportResult] = field(repr=False)
    read_all: Callable[[Sequence[Path]], list[ImportResult]] | None = field(
        default=None, repr=False
    )
    """Read every file of this format in one import together (one result per file, in
    order), for a format whose files resolve each other's identifiers."""
    detect: Callable[[bytes], bool] | None = field(default=None, repr=False)
    """Cheap check on the file's first bytes (up to 64 KiB): is it this format?"""
    expected: Callable[[Declaration], tuple[CollectionUnit, ...]] | None = field(
        default=None, repr=False
    )
    """Units a complete live scan of the declaration would run; missing ones become gaps.

    Without it, declared accounts and regions the export does not mention become gaps.
    """
    details: str = ""
    """Markdown for the reference docs: what the format covers and what it cannot show."""


def importers() -> dict[str, Importer]:
    """Every importer under this package, by format name."""
    found: dict[str, Importer] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        imp = getattr(module, "IMPORTER", None)
        if isinstance(imp, Importer):
            if imp.format in found:
                raise RuntimeError(f"two importers for format {imp.format!r}")
            found[imp.format] = imp
    return dict(sorted(found.items()))


def import_formats_reference() -> str:
    """``docs/reference/import-formats.md``: every discovered format, for ``auditor import``."""
    lines = [
        "# Import formats",
        "",
        "Generated from the importers in `auditor/importers/`. "
        "`auditor import` detects the format of each file (one import may mix formats); "
        "`--format NAME` overrides detection for every file.",
        "",
    ]
    for name, imp in importers().items():
        lines += [f"## `{name}` ({imp.cloud})", "", f"{imp.description}.", ""]
        if imp.details:
            lines += [imp.details.strip(), ""]
    return "\n".join(lines)


HEAD_BYTES = 65536


def detected(head: bytes) -> list[Importer]:
    """Every importer whose ``detect`` accepts ``head`` (a file's first bytes)."""
    return [imp for imp in importers().values() if imp.detect is not None and imp.detect(head)]
