"""``gcloud asset export`` JSON lines (snake_case keys) as the GCP collector's raw records.

Each line is one asset with ``name``, ``asset_type``, ``ancestors`` and either
``resource`` (``data`` keeps the API's camelCase fields) or ``iam_policy``.
Lines are turned into the API's JSON shape and go through the same
:func:`auditor.collect.gcp.records.to_records` as live ``ListAssets`` answers,
so an import gives exactly the records a live scan of the same estate gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.collect.gcp.records import (
    IAM_POLICY_TYPE,
    IAM_UNIT,
    RESOURCE_UNIT,
    AssetFormatError,
    to_records,
    trim_asset,
)
from auditor.importers import ExportFormatError, Importer, ImportResult
from auditor.model import CollectionUnit

_TOP = {"asset_type": "assetType", "iam_policy": "iamPolicy", "update_time": "updateTime"}
_RESOURCE = {
    "discovery_document_uri": "discoveryDocumentUri",
    "discovery_name": "discoveryName",
    "resource_url": "resourceUrl",
}


def api_shape(line: dict[str, Any]) -> dict[str, Any]:
    """An export line's asset with the API's (camelCase) top-level and resource keys."""
    out = {_TOP.get(k, k): v for k, v in line.items()}
    res = out.get("resource")
    if isinstance(res, dict):
        out["resource"] = {_RESOURCE.get(k, k): v for k, v in res.items()}
    return out


def read(path: Path) -> ImportResult:
    """Read one export file; raise :class:`ExportFormatError` naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"{path}: cannot read the GCP asset export ({exc})") from exc
    assets: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ExportFormatError(f"{path}:{number}: not a JSON line ({exc.msg})") from exc
        if not isinstance(line, dict):
            raise ExportFormatError(f"{path}:{number}: a line must be a JSON object (an asset)")
        asset = api_shape(line)
        try:
            trim_asset(asset)
        except AssetFormatError as exc:
            raise ExportFormatError(f"{path}:{number}: {exc}") from exc
        assets.append(asset)
    if not assets:
        raise ExportFormatError(f"{path}: the GCP asset export holds no asset")
    records = to_records(assets)
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
    )


IMPORTER = Importer(
    format="gcp-asset",
    cloud="gcp",
    description="gcloud asset export JSON lines (--content-type resource and iam-policy)",
    read=read,
)
