"""Re-export of :mod:`auditor.normalize.drills` at its old path (a shim).

Reading drill files into the inventory moved beside the normalisers so checks
can use it without importing evidence; this shim keeps ``cli``, ``commands``
and ``fakecloud`` working until they import from ``auditor.normalize.drills``.
"""

from auditor.normalize.drills import (
    DrillError,
    drill_json,
    drill_schema_text,
    drills_folder,
    file_name_for,
    read_drill,
    with_drills,
)

__all__ = [
    "DrillError",
    "drill_json",
    "drill_schema_text",
    "drills_folder",
    "file_name_for",
    "read_drill",
    "with_drills",
]
