"""botocore's service models, parsed once per process into plain dicts without their prose.

botocore parses each model file into ``OrderedDict``s (about half again the
memory of a dict, which keeps insertion order too) and keeps every
``documentation`` string, which only client docstrings read. A scan holds the
parsed models of every service it calls for as long as the process lives (EC2's
alone is 14.5 MiB as botocore parses it, 6.7 MiB here), so the loader all of a
scan's sessions share parses them compactly. Nothing a call sends or a response
parses depends on either: the shapes, their members and their order are the same.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from botocore.loaders import JSONFileLoader

_SUFFIXES = (".json", ".json.gz")
"""botocore's own order: an uncompressed model wins over a compressed one."""


def _drop_prose(model: dict[str, Any]) -> None:
    """Remove the documentation of a service model's operations, shapes and members."""
    model.pop("documentation", None)
    for op in model["operations"].values():
        op.pop("documentation", None)
        for ref in (op.get("input"), op.get("output"), *op.get("errors", ())):
            if isinstance(ref, dict):
                ref.pop("documentation", None)
    for shape in model["shapes"].values():
        shape.pop("documentation", None)
        for ref in (*shape.get("members", {}).values(), shape.get("member")):
            if isinstance(ref, dict):
                ref.pop("documentation", None)
        for ref in (shape.get("key"), shape.get("value")):
            if isinstance(ref, dict):
                ref.pop("documentation", None)


class CompactJSONFileLoader(JSONFileLoader):
    """Loads model files as plain dicts, and service models without documentation."""

    def load_file(self, file_path: str) -> Any:
        for ext in _SUFFIXES:
            full = Path(file_path + ext)
            if full.is_file():
                raw = full.read_bytes()
                data = json.loads((gzip.decompress(raw) if ext.endswith(".gz") else raw).decode())
                if isinstance(data, dict) and "operations" in data and "shapes" in data:
                    _drop_prose(data)
                return data
        return None


def compact_models(session: Any) -> Any:
    """``session`` (boto3) with its model loader parsing compactly; returns it."""
    session._session.get_component("data_loader").file_loader = CompactJSONFileLoader()
    return session
