"""The raw API responses behind an inventory, as bundle files (``scan --keep-raw``).

One JSON line per raw record, grouped by where it was read:
``raw/<cloud>/<account>/<region>/<service>.jsonl``. Each line is
``{"data": ..., "operation": ..., "type": ...}`` with keys sorted and the data
passed through :func:`auditor.base.redact.redact_raw`, and the lines of a
file are sorted, so the files do not depend on the order parallel collection
finished in. They are ordinary bundle members: covered by ``SHA256SUMS`` and so
by the signature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from auditor.base.redact import redact_raw
from auditor.model import RawRecord

RAW_DIR = "raw"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _part(text: str) -> str:
    """A path component that cannot escape the raw folder or hide a file."""
    cleaned = _UNSAFE.sub("_", text) or "_"
    return "_" + cleaned if cleaned.startswith(".") else cleaned


def raw_path(record: RawRecord) -> str:
    parts = (record.cloud, record.account, record.region)
    return "/".join((RAW_DIR, *(_part(p) for p in parts), f"{_part(record.service)}.jsonl"))


def raw_line(record: RawRecord) -> str:
    doc = {"type": record.type, "operation": record.operation, "data": redact_raw(record.data)}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def raw_files(records: Iterable[RawRecord]) -> dict[str, bytes]:
    """Bundle members (name -> bytes) holding every record, redacted, in a stable order."""
    groups: dict[str, list[str]] = {}
    for record in records:
        groups.setdefault(raw_path(record), []).append(raw_line(record))
    return {
        path: ("\n".join(sorted(lines)) + "\n").encode() for path, lines in sorted(groups.items())
    }
