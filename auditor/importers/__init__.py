"""Offline exports as raw records: a bundle for a customer who cannot grant live access.

An importer is a module under ``auditor/importers/`` that defines ``IMPORTER``
(an :class:`Importer`). It reads one export file (an AWS Config snapshot, an
Azure Resource Graph export, a GCP Cloud Asset export) and returns the same
:class:`~auditor.model.RawRecord` values the live collector of that cloud would
emit, so normalisation, rules and bundles are shared and an import of an estate
gives the same inventory as a live scan of it. Modules are found by discovery.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.model import CollectionUnit, RawRecord


class ExportFormatError(ValueError):
    """An export file that cannot be read; the message names the file and where."""


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    """What one export file held, as a live collection would have produced it."""

    records: tuple[RawRecord, ...]
    units: tuple[CollectionUnit, ...] = ()
    """(cloud, account, region, service) the export covers completely."""
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Importer:
    """One export format: its name on the command line, its cloud, and its reader."""

    format: str
    cloud: str
    description: str
    read: Callable[[Path], ImportResult] = field(repr=False)


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
