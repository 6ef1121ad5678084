"""Re-export of :mod:`auditor.base.serialize` at its old path (a shim).

Canonical serialisation moved to the base layer so normalisation can use it
without importing evidence; this shim keeps ``pipeline`` and ``commands.diff``
working until they import from ``auditor.base.serialize`` directly.
"""

from auditor.base.serialize import canonical_json, gap_to_dict, inventory_jsonl, verdicts_json

__all__ = ["canonical_json", "gap_to_dict", "inventory_jsonl", "verdicts_json"]
