"""Text made safe for the documents the auditor writes.

Cloud-supplied strings (names, tags, policy text) end up in Markdown reports
and diffs; the escaping lives here so every writer, in any layer, uses the
same rule.
"""

from __future__ import annotations


def md_cell(text: object) -> str:
    """Make a cloud-supplied string inert inside a Markdown table cell."""
    s = str(text)
    s = "".join(ch if ch.isprintable() else " " for ch in s)
    for ch in "\\`*_[]<>|#!":
        s = s.replace(ch, "\\" + ch)
    return s
