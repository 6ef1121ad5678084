"""Text made safe for the documents the auditor writes.

Cloud-supplied strings (names, tags, policy text) end up in Markdown reports
and diffs; the escaping lives here so every writer, in any layer, uses the
same rule.
"""

from __future__ import annotations


def md_cell(text: object) -> str:
    """Make a cloud-supplied string inert inside a Markdown table cell."""
    s = str(text)
    if not s.isprintable():
        s = "".join(ch if ch.isprintable() else " " for ch in s)
    for ch in "\\`*_[]<>|#!":
        s = s.replace(ch, "\\" + ch)
    return s


def inert(text: object) -> str:
    """``text`` safe to print on a terminal: every control or format character escaped.

    ANSI escapes, carriage returns, backspaces, line breaks and bidirectional
    overrides from cloud or bundle names become visible ``\\x1b``-style escapes,
    so a crafted name cannot move the cursor, overwrite a line or hide text.
    """
    s = str(text)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in s)
