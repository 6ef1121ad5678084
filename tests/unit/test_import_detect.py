"""Per-file format detection: each importer recognises its own files from their first bytes."""

from __future__ import annotations

import json

from auditor.importers import HEAD_BYTES, detected


def _formats(head: bytes) -> list[str]:
    return [i.format for i in detected(head[:HEAD_BYTES])]


def test_a_gcp_export_line_longer_than_the_head_is_still_detected() -> None:
    line = {
        "name": "//storage.googleapis.com/b",
        "asset_type": "storage.googleapis.com/Bucket",
        "resource": {"data": {"labels": {"pad": "x" * (2 * HEAD_BYTES)}}},
    }
    assert _formats(json.dumps(line).encode()) == ["gcp-asset"]


def test_api_shaped_assets_and_blank_leading_lines_are_detected() -> None:
    line = {"name": "//x", "assetType": "compute.googleapis.com/Network", "ancestors": []}
    assert _formats(b"\n\n" + json.dumps(line).encode() + b"\n") == ["gcp-asset"]


def test_an_azure_row_list_is_not_a_gcp_export_and_vice_versa() -> None:
    rows = [{"id": "/subscriptions/s/x", "type": "microsoft.storage/storageaccounts"}]
    rows[0]["subscriptionId"] = "s"
    assert _formats(json.dumps(rows, indent=2).encode()) == ["azure-graph"]
    # A GCP line that mentions Azure-looking strings stays GCP (JSON lines, an asset first).
    line = {"name": "//x", "asset_type": "t", "resource": {"data": {"note": rows}}}
    assert _formats(json.dumps(line).encode()) == ["gcp-asset"]


def test_unrelated_json_is_detected_by_nothing() -> None:
    assert _formats(b'{"hello": "world"}') == []
    assert _formats(b"name,asset_type\n") == []
    assert _formats(b"") == []


def test_az_graph_answers_compact_pretty_or_longer_than_the_head_are_detected() -> None:
    row = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/x",
        "type": "microsoft.network/virtualnetworks",
        "subscriptionId": "s",
        "properties": {"pad": "y" * 500},
    }
    many = {"count": 300, "data": [row] * 300, "skip_token": None, "total_records": 300}
    assert len(json.dumps(many)) > HEAD_BYTES
    for text in (json.dumps({"data": [row]}), json.dumps(many), json.dumps(many, indent=2)):
        assert _formats(text.encode()) == ["azure-graph"], text[:80]
