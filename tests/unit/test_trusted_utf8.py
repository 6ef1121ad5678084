"""A member checked as UTF-8 a piece at a time is refused exactly where decoding fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evidence.members import BundleError
from auditor.evidence.trusted import TrustedBundle

MIB = 1024 * 1024


def _bundle(data: bytes) -> TrustedBundle:
    return TrustedBundle(path=Path("b"), sums=b"", files={"m": data}, checked=1, signature="absent")


def test_valid_text_across_piece_boundaries_is_returned_as_is() -> None:
    for shift in range(4):  # a 2-, 3- and 4-byte character on each side of every cut
        data = b"x" * shift + "é€𝄞".encode() * (3 * MIB // 9)
        assert _bundle(data).utf8("m") is data


@pytest.mark.parametrize(
    "data",
    [
        b"a" * (MIB - 1) + b"\xe2\x82" + b"a",  # a character cut short at the first cut
        b"a" * (MIB - 2) + b"\x80" * 6 + b"a",  # continuation bytes with no first byte
        b"a" * (2 * MIB + 7) + b"\xff",
        b"a" * 10 + b"\xf0\x9d\x84",  # cut short at the very end
    ],
)
def test_invalid_text_is_refused_at_the_byte_decoding_names(data: bytes) -> None:
    with pytest.raises(UnicodeDecodeError) as decoding:
        data.decode("utf-8")
    with pytest.raises(BundleError, match=rf"^b/m: not UTF-8 \(byte {decoding.value.start}\)$"):
        _bundle(data).utf8("m")
