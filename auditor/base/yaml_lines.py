"""Where each key of a YAML document is: dotted path -> 1-based line.

Reports point a reader (and SARIF viewers) at the clause of the declaration a rule
judges or a waiver came from: ``network.clients`` -> 12, ``exceptions.0`` -> 40.
"""

from __future__ import annotations

import contextlib
from typing import Any


def key_lines(text: str, depth: int = 3) -> dict[str, int]:
    """Dotted path of every mapping key and list item, to ``depth`` levels, to its line.

    ``text`` is a declaration that already loaded (bounded and valid); a text that
    does not parse gives no lines rather than an error.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="rt").load(text)
    except (YAMLError, ValueError, IndexError):
        return {}
    out: dict[str, int] = {}
    _walk(doc, "", depth, out)
    return out


def _walk(node: Any, prefix: str, depth: int, out: dict[str, int]) -> None:
    if depth <= 0:
        return
    lc = getattr(node, "lc", None)
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}{key}"
            if lc is not None:
                with contextlib.suppress(KeyError, TypeError):
                    out[path] = int(lc.key(key)[0]) + 1
            _walk(value, f"{path}.", depth - 1, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            path = f"{prefix}{i}"
            if lc is not None:
                with contextlib.suppress(KeyError, IndexError, TypeError):
                    out[path] = int(lc.item(i)[0]) + 1
            _walk(value, f"{path}.", depth - 1, out)
