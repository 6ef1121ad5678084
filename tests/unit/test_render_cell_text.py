"""Cell cleaning keeps printable text as is and still treats every unsafe character."""

from __future__ import annotations

import sys
import unicodedata

from auditor.base.text import md_cell
from auditor.render._csv import csv_cell
from auditor.render._diagrams import clean


def test_every_code_point_is_cleaned_by_its_category() -> None:
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        text = "a" + ch + "b"
        category = unicodedata.category(ch)
        assert clean(text) == ("a b" if category in ("Cc", "Cf", "Zl", "Zp") else text), hex(cp)
        assert csv_cell(text) == ("ab" if category in ("Cc", "Cf") else text), hex(cp)
        if ch not in "\\`*_[]<>|#!":
            assert md_cell(text) == (text if ch.isprintable() else "a b"), hex(cp)
