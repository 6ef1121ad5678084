"""``gcloud asset export`` JSON lines (snake_case keys) as the GCP collector's raw records.

Each line is one asset with ``name``, ``asset_type``, ``ancestors`` and either
``resource`` (``data`` keeps the API's camelCase fields) or ``iam_policy``.
Lines are turned into the API's JSON shape and go through the same
:func:`auditor.collect.gcp.records.to_records` as live ``ListAssets`` answers,
so an import gives exactly the records a live scan of the same estate gives.
The files of one import are read together (project numbers resolved across
them); asset types no normaliser reads are counted as not judged, not refused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.collect.gcp.records import (
    ASSET_TYPES,
    IAM_ASSET_TYPES,
    IAM_POLICY_TYPE,
    IAM_UNIT,
    RESOURCE_UNIT,
    AssetFormatError,
    AssetIndex,
    records_of,
    trim_asset,
)
from auditor.importers import ExportFormatError, Importer, ImportResult, export_text
from auditor.model import CollectionUnit, RawRecord

_TOP = {"asset_type": "assetType", "iam_policy": "iamPolicy", "update_time": "updateTime"}
_RESOURCE = {
    "discovery_document_uri": "discoveryDocumentUri",
    "discovery_name": "discoveryName",
    "resource_url": "resourceUrl",
}


_POLICY = {
    "audit_configs": "auditConfigs",
    "audit_log_configs": "auditLogConfigs",
    "log_type": "logType",
    "exempted_members": "exemptedMembers",
}
"""The IAM Policy proto's snake_case names, as an export writes them, and the API's."""


def _policy_shape(node: Any) -> Any:
    """An exported IAM policy in the API's camelCase (bindings, audit configs, conditions)."""
    if isinstance(node, dict):
        return {_POLICY.get(k, k): _policy_shape(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_policy_shape(v) for v in node]
    return node


def api_shape(line: dict[str, Any]) -> dict[str, Any]:
    """An export line's asset with the API's (camelCase) top-level, resource and policy keys."""
    out = {_TOP.get(k, k): v for k, v in line.items()}
    res = out.get("resource")
    if isinstance(res, dict):
        out["resource"] = {_RESOURCE.get(k, k): v for k, v in res.items()}
    if "iamPolicy" in out:
        out["iamPolicy"] = _policy_shape(out["iamPolicy"])
    return out


def _assets(path: Path) -> list[dict[str, Any]]:
    """The trimmed assets of one export file; raise :class:`ExportFormatError` naming the line."""
    text = export_text(path)
    assets: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ExportFormatError(f"{path}:{number}: not a JSON line ({exc.msg})") from exc
        except RecursionError:
            raise ExportFormatError(f"{path}:{number}: JSON nested too deeply to read") from None
        if not isinstance(line, dict):
            raise ExportFormatError(f"{path}:{number}: a line must be a JSON object (an asset)")
        try:
            assets.append(trim_asset(api_shape(line)))
        except AssetFormatError as exc:
            raise ExportFormatError(f"{path}:{number}: {exc}") from exc
    if not assets:
        raise ExportFormatError(f"{path}: the GCP asset export holds no asset")
    return assets


def _judged(rec: RawRecord) -> str:
    """ "" when a normaliser reads ``rec``, else the type it is counted under as not judged."""
    atype = str(rec.data["assetType"])
    if rec.type == IAM_POLICY_TYPE:
        return "" if atype in IAM_ASSET_TYPES else f"{atype} (IAM policy)"
    return "" if atype in ASSET_TYPES else atype


def _result(records: list[RawRecord]) -> ImportResult:
    """One file's result from its records (identifiers already resolved)."""
    skipped = Counter(t for t in map(_judged, records) if t)
    records = [r for r in records if not _judged(r)]
    records.sort(key=lambda r: (r.account, r.type, str(r.data["name"]), r.service))
    accounts = tuple(sorted({r.account for r in records if "/" not in r.account}))
    # An export with IAM policy lines was made with --content-type iam-policy: it lists
    # every policy, so a resource without one has none (as after a live listing). It
    # lists only resources that have a policy, so it covers the resource listing only
    # when resource lines are there too (else a firewall without a policy would be "none").
    services = [
        unit
        for unit, present in (
            (RESOURCE_UNIT, any(r.type != IAM_POLICY_TYPE for r in records)),
            (IAM_UNIT, any(r.type == IAM_POLICY_TYPE for r in records)),
        )
        if present
    ]
    return ImportResult(
        records=tuple(records),
        units=tuple(
            CollectionUnit(cloud="gcp", account=a, region="global", service=s)
            for a in accounts
            for s in services
        ),
        accounts=accounts,
        regions=tuple(sorted({r.region for r in records})),
        notes=tuple(f"not judged: {n} asset(s) of {t}" for t, n in sorted(skipped.items())),
        not_judged=dict(sorted(skipped.items())),
    )


def read_all(paths: Sequence[Path]) -> list[ImportResult]:
    """Read the GCP exports of one import together, one result per file.

    One :class:`AssetIndex` over every file, as a live scan keeps one over every
    listing: a project number is turned into its id, and an IAM policy gets its
    resource's location, whichever file names them.
    """
    per_file = [_assets(p) for p in paths]
    index = AssetIndex()
    for assets in per_file:
        for a in assets:
            index.add(a)
    seen: set[bytes] = set()
    return [
        _result([rec for a in assets for rec in records_of(a, index, seen)]) for assets in per_file
    ]


def read(path: Path) -> ImportResult:
    """Read one export file; raise :class:`ExportFormatError` naming file and line."""
    return read_all([path])[0]


def detect(head: bytes) -> bool:
    """JSON lines whose first line is an asset (``name`` and ``asset_type``)."""
    first = head.lstrip().split(b"\n", 1)[0].strip()
    if not first.startswith(b"{"):
        return False
    try:
        line = json.loads(first)
    except (ValueError, RecursionError):  # a first line longer than the head, or a bomb
        return first.startswith(b'{"name"') and (
            b'"asset_type"' in first or b'"assetType"' in first
        )
    return (
        isinstance(line, dict) and "name" in line and ("asset_type" in line or "assetType" in line)
    )


IMPORTER = Importer(
    format="gcp-asset",
    cloud="gcp",
    description="gcloud asset export JSON lines (--content-type resource and iam-policy)",
    read=read,
    read_all=read_all,
    detect=detect,
)
