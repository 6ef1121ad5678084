"""The GCP read-only guard: only list and search methods of the Cloud Asset client run.

:class:`ReadOnlyAssetClient` wraps an ``AssetServiceClient``; any other method
(``export_assets``, ``create_feed``, ``update_feed``, ``delete_feed``,
``analyze_move``...) raises :class:`MutatingCallRefused` before a request is
built, so the auditor cannot change (or start long-running work in) a cloud.
"""

from __future__ import annotations

from typing import Any

from auditor.collect.readonly import MutatingCallRefused

READ_METHODS = frozenset({"list_assets", "search_all_resources", "search_all_iam_policies"})
"""The only client methods the GCP collector may call."""

PERMISSIONS: dict[str, str] = {
    "cloudasset.assets.listResource": "list_assets with content RESOURCE",
    "cloudasset.assets.listIamPolicy": "list_assets with content IAM_POLICY",
    "logging.logEntries.list": (
        "entries.list of the vpc_flows log (--flows-since; in roles/logging.viewer: "
        "VPC Flow Logs are not private logs)"
    ),
    "logging.views.access": (
        "entries.list of the _AllLogs view of a log bucket a user sink routes vpc_flows to, "
        "when the _Default sink drops them (--flows-since; roles/logging.viewAccessor on the "
        "bucket's project or view)"
    ),
}
"""GCP permissions the collector's calls need, and why (see ``auditor permissions gcp``)."""


class ReadOnlyAssetClient:
    """An ``AssetServiceClient`` that refuses every method but :data:`READ_METHODS`."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in READ_METHODS:
            raise MutatingCallRefused(f"refused non-read call cloudasset:{name}")
        return getattr(self._client, name)
