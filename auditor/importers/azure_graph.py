"""``az graph query`` output (Azure Resource Graph rows) as the Azure collector's raw records.

A file is the JSON ``az graph query -q '<table>' --first 1000`` prints (an
object with ``data`` rows) or a bare list of rows, from the ``resources``,
``authorizationresources`` or ``resourcecontainers`` tables (several files
may be imported together). Each row goes through the same
:func:`~auditor.collect.azure._context.row_record` as a live Resource Graph
answer (resource groups through the same canonical shape as the ARM listing),
so an import gives exactly the records a live scan of the same estate gives.
Rows of types no normaliser reads are skipped and counted as not judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.importers import ExportFormatError, Importer, ImportResult, export_text
from auditor.model import CollectionUnit, Gap, RawRecord

if TYPE_CHECKING:
    from auditor.boundary import Declaration


def _services() -> dict[str, tuple[str, str]]:
    """Row type -> (collector name, operation), as live collection records them."""
    from auditor.collect.azure import collectors

    out: dict[str, tuple[str, str]] = {}
    for c in collectors():
        for t in c.types:
            out[t] = (c.name, f"resourcegraph:{c.table}")
    return out


def _truncated(doc: dict[str, Any]) -> str:
    """Why an ``az graph query`` answer is one page of more ("" when it is whole)."""
    token = doc.get("skip_token") or doc.get("skipToken") or doc.get("$skipToken")
    if token:
        return "it ends with a skip token: more rows were not exported"
    total = doc.get("total_records", doc.get("totalRecords"))
    if isinstance(total, int) and total > len(doc["data"]):
        return f"it holds {len(doc['data'])} of {total} rows"
    return ""


def _rows(path: Path) -> tuple[list[Any], str]:
    """The rows of one export, and why it is partial ("" when whole)."""
    try:
        doc = json.loads(export_text(path))
    except json.JSONDecodeError as exc:
        raise ExportFormatError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from exc
    except RecursionError:
        raise ExportFormatError(f"{path}: JSON nested too deeply to read") from None
    if isinstance(doc, dict):
        if not isinstance(doc.get("data"), list):
            raise ExportFormatError(
                f"{path}: data: expected the list of rows az graph query prints"
            )
        return list(doc["data"]), _truncated(doc)
    if isinstance(doc, list):
        return doc, ""
    raise ExportFormatError(f"{path}: expected an object with 'data' rows or a list of rows")


def _tenants(rows: Iterable[Any]) -> dict[str, str]:
    """Subscription id -> tenant id, from every row that names both (subscription rows do)."""
    out: dict[str, str] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("subscriptionId") and row.get("tenantId"):
            out.setdefault(str(row["subscriptionId"]).lower(), str(row["tenantId"]))
    return out


def _with_tenant(row: dict[str, Any], tenants: Mapping[str, str]) -> dict[str, Any]:
    """A row whose query projected ``tenantId`` away gets its subscription's tenant."""
    sub = str(row.get("subscriptionId") or "").lower()
    if row.get("tenantId") or sub not in tenants:
        return row
    return {**row, "tenantId": tenants[sub]}


def read_all(paths: Sequence[Path]) -> list[ImportResult]:
    """Read the Resource Graph exports of one import together, one result per file.

    A row without ``tenantId`` (a query that projected it away) gets the tenant
    its subscription has in any file of the import (the ``resourcecontainers``
    subscription rows, or any other row naming both).
    """
    loaded = [(path, *_rows(path)) for path in paths]
    tenants = _tenants(row for _, rows, _ in loaded for row in rows)
    return [
        _read(path, [_with_tenant(r, tenants) if isinstance(r, dict) else r for r in rows], partial)
        for path, rows, partial in loaded
    ]


def read(path: Path) -> ImportResult:
    """Read one export file; raise :class:`ExportFormatError` naming file and row."""
    return read_all([path])[0]


def _read(path: Path, rows: list[Any], partial: str) -> ImportResult:
    """One file's result from its rows (``partial``: why it is one page of more)."""
    from auditor.collect.azure._context import row_record
    from auditor.collect.azure.containers import COLLECTOR as CONTAINERS
    from auditor.collect.azure.containers import RESOURCE_GROUP_TYPE, resource_group_row

    services = _services()
    records: list[RawRecord] = []
    skipped: dict[str, int] = {}
    tables: dict[str, set[str]] = {}
    for i, row in enumerate(rows):
        where = f"data[{i}]"
        if not isinstance(row, dict):
            raise ExportFormatError(f"{path}: {where}: a row must be a JSON object")
        if not isinstance(row.get("id"), str) or not isinstance(row.get("type"), str):
            raise ExportFormatError(f"{path}: {where}: a row needs string 'id' and 'type'")
        rtype = row["type"].lower()
        sub = str(row.get("subscriptionId") or "")
        if rtype == RESOURCE_GROUP_TYPE:
            if not sub:
                raise ExportFormatError(
                    f"{path}: {where}: a resource group row needs subscriptionId"
                )
            canon = resource_group_row(row, sub)
            records.append(row_record(canon, CONTAINERS.name, "ResourceGroups.List"))
            tables.setdefault(CONTAINERS.name, set()).add(sub)
            continue
        if rtype not in services:
            skipped[rtype] = skipped.get(rtype, 0) + 1
            continue
        name, operation = services[rtype]
        records.append(row_record(row, name, operation))
        if sub:
            tables.setdefault(name, set()).add(sub)
    if not records:
        raise ExportFormatError(f"{path}: the export holds no row of a type the auditor reads")
    accounts = tuple(sorted({s for subs in tables.values() for s in subs}))
    places = [(name, a) for name, subs in sorted(tables.items()) for a in sorted(subs)]
    # A truncated page covers nothing completely: what it lacks stays unknown (a gap),
    # recorded under the service a failed live query of that collector is.
    from auditor.collect.azure import collectors

    gap_service = {c.name: c.gap_service for c in collectors()}
    gaps = tuple(
        Gap(
            cloud="azure",
            account=a,
            region="*",
            service=gap_service.get(name, "*"),
            operation="import",
            error_code="NotInExport",
            message=f"{path.name} is partial: {partial}"[:300],
        )
        for name, a in places
        if partial
    )
    return ImportResult(
        records=tuple(records),
        units=()
        if partial
        else tuple(
            CollectionUnit(cloud="azure", account=a, region="global", service=name)
            for name, a in places
        ),
        gaps=gaps,
        accounts=accounts,
        regions=tuple(sorted({r.region for r in records})),
        notes=tuple(f"not judged: {n} row(s) of type {t}" for t, n in sorted(skipped.items())),
        not_judged=dict(sorted(skipped.items())),
    )


def _parsed(text: str) -> Any:
    """The JSON value of the head's first line or of the whole head; None when neither parses."""
    for candidate in (text.split("\n", 1)[0], text):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def detect(head: bytes) -> bool:
    """A JSON object with ``data`` rows or a list of rows naming an Azure subscription and type."""
    text = head.decode("utf-8", "replace").strip()
    if not text.startswith(("{", "[")):
        return False
    doc = _parsed(text)
    if isinstance(doc, dict) and not isinstance(doc.get("data"), list):
        return False  # a whole object that is no az graph answer (a JSON line, say)
    return '"subscriptionId"' in text and '"type"' in text and "microsoft." in text.lower()


def expected(decl: Declaration) -> tuple[CollectionUnit, ...]:
    from auditor.collect.azure import collectors

    return tuple(
        CollectionUnit(cloud="azure", account=s.lower(), region="global", service=c.name)
        for s in decl.accounts("azure", "customer")
        for c in collectors()
        if not c.opt_in
    )


IMPORTER = Importer(
    format="azure-graph",
    cloud="azure",
    description="az graph query JSON (resources, authorizationresources, resourcecontainers)",
    read=read,
    read_all=read_all,
    detect=detect,
    expected=expected,
)
