"""CSV shared by the CSV renderers: inert cells, stable bytes.

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return, also after leading spaces) gets a leading
``'``; control and bidirectional-format characters are removed first, so
they cannot hide such a start or reorder what a reviewer sees.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if not text.isprintable():  # Cc and Cf are unprintable: a printable text has none
        text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(c) for c in row])
    return buf.getvalue().encode("utf-8")
