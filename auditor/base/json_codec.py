"""JSON encoded and decoded by orjson, with exactly the bytes and values of the stdlib.

Bundles are compared and signed byte for byte, so the fast path must write what
``json.dumps`` wrote and read what ``json.loads`` read. orjson differs in a few
places, each detected here and handed to the stdlib instead:

- writing: NaN and infinities become ``null`` (the stdlib writes ``NaN``), floats
  between 1e-10 and 1e-4 are spelled ``0.00001`` / ``1e-7`` (``1e-05`` / ``1e-07``),
  integers past 64 bits and non-string keys are refused;
- reading: integers past 64 bits become floats, and ``NaN``, ``Infinity``, lone
  surrogates and a byte-order mark are refused.

Values ``json.dumps`` refuses but orjson writes (a UUID, a plain ``Enum``) are
not JSON values of the model and are not guarded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring
from typing import Any

import orjson

json_string: Callable[[str], str] = encode_basestring
"""A ``str`` as ``json.dumps(..., ensure_ascii=False)`` writes it (the C encoder's own function)."""

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_INDENTED_OPTIONS = _OPTIONS | orjson.OPT_INDENT_2
_STD_INDENTED = json.JSONEncoder(sort_keys=True, indent=2, ensure_ascii=False)
_STD_LINES = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_LINE_BREAK = "\x00"
"""Put between the objects of a batch: encoded as below, it marks where each one ends."""
_LINE_BREAK_ENCODED = ', "\\u0000", '
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])(?<=[0-9]e-[0-9])")
"""orjson's one-digit negative exponent after a digit (``1e-7``; the stdlib writes ``1e-07``).

The digit is checked by a lookbehind at the end: the search then scans for the
literal ``e-`` (a lookbehind first is tried at every byte, 15x slower)."""
_DIGIT_RUNS = bytes.maketrans(b"0123456789", b"0000000000")
_LONG_NUMBER = b"0" * 19
"""19 digits in a row: an integer orjson may read as a float (past 64 bits)."""


def _refuse(obj: Any) -> Any:
    """orjson's fallback for a type it does not encode: let the stdlib decide."""
    raise TypeError(type(obj).__name__)


def _short_float(out: bytes) -> bool:
    """Whether ``out`` may hold a float orjson spells unlike ``repr`` (false alarms allowed)."""
    if b"0.0000" in out:
        return True
    return _SHORT_EXPONENT.search(out) is not None


def _orjson(obj: Any, options: int) -> bytes | None:
    """orjson's encoding of ``obj`` when it is certainly the stdlib's, else None."""
    try:
        out = orjson.dumps(obj, default=_refuse, option=options)
    except TypeError:  # orjson.JSONEncodeError: big int, non-string key, surrogate, ...
        return None
    if b"null" in out and orjson.loads(out) != obj:  # a NaN or infinity written as null
        return None
    return out


def dumps_indented(obj: Any) -> bytes:
    """``json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False)`` as UTF-8."""
    out = _orjson(obj, _INDENTED_OPTIONS)
    if out is None or _short_float(out):
        return _STD_INDENTED.encode(obj).encode()
    return out


def dumps_indented_items(items: Sequence[Any], level: int) -> bytes:
    """``items`` as elements of an array at indent ``level`` (``json.dumps`` with ``indent=2``).

    Each item comes after a newline and its indent, with a comma between two; the
    array's brackets are the caller's. orjson encodes the whole batch as one array,
    shifted right by ``level``; a batch it may spell unlike the stdlib goes item by item.
    """
    out = _orjson(items, _INDENTED_OPTIONS)
    if out is None or _short_float(out):
        pad = b"\n" + b"  " * (level + 1)
        return b",".join(pad + dumps_indented(item).replace(b"\n", pad) for item in items)
    return out[1:-2].replace(b"\n", b"\n" + b"  " * level) if level else out[1:-2]


def dumps_lines(objs: Sequence[Any]) -> bytes:
    """``json.dumps(o, sort_keys=True, ensure_ascii=False)`` of each of ``objs``, one a line."""
    if not objs:
        return b""
    lines = dumps_each(objs)
    lines.append("")
    return "\n".join(lines).encode()


def dumps_each(objs: Sequence[Any]) -> list[str]:
    """``json.dumps(o, sort_keys=True, ensure_ascii=False)`` of each of ``objs``.

    The stdlib's C encoder encodes the whole batch as one list with a marker string
    between the objects, and the text is cut at the markers: the same text as one
    ``json.dumps`` per object without its per-call cost. (orjson writes ``,`` and ``:``
    where these lines have ``, `` and ``: ``; respacing its output outside strings
    cost more than it saved.) A marker the objects themselves hold makes the cut
    count wrong, and then each object is encoded on its own.
    """
    if not objs:
        return []
    items: list[Any] = [_LINE_BREAK] * (2 * len(objs) - 1)
    items[::2] = objs
    lines = _STD_LINES.encode(items)[1:-1].split(_LINE_BREAK_ENCODED)
    if len(lines) != len(objs):
        lines = [_STD_LINES.encode(o) for o in objs]
    return lines


BLANK: Any = object()
"""What :func:`loads_line` gives for a blank line (whitespace only, as ``str.strip`` sees it)."""


def loads_line(line: bytes, *, long_numbers: bool = True) -> Any:
    """``json.loads`` of one line of UTF-8 JSON, errors included; orjson where it reads the same.

    ``long_numbers=False`` when the caller knows the line has no 19-digit run
    (:func:`may_hold_long_numbers` of a whole batch). A blank line gives :data:`BLANK`.
    """
    if not (long_numbers and _LONG_NUMBER in line.translate(_DIGIT_RUNS)):
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    text = line.decode("utf-8", "surrogatepass")
    return BLANK if not text.strip() else json.loads(text)


def may_hold_long_numbers(data: bytes) -> bool:
    """Whether ``data`` has 19 digits in a row: only then may one of its lines need the stdlib."""
    return _LONG_NUMBER in data.translate(_DIGIT_RUNS)
