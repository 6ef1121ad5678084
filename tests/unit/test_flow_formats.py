"""Custom VPC Flow Log formats: parsed once into field positions, lines read strictly."""

from __future__ import annotations

import pytest

from auditor.base.flowrecords import (
    DEFAULT,
    DEFAULT_FORMAT,
    DEFAULT_HEADER,
    FlowRecord,
    FlowTally,
    parse_format,
)

CUSTOM = (
    "${vpc-id} ${log-status} ${action} ${end} ${start} ${bytes} ${packets} ${protocol} "
    "${dstport} ${dstaddr} ${srcaddr} ${interface-id} ${flow-direction} ${version}"
)
LINE = (
    "vpc-0a1 OK REJECT 1700000060 1700000000 3400 12 17 53 10.0.1.5 203.0.113.9 eni-0a1b ingress 5"
)


def test_the_default_format_parses_to_the_default_header() -> None:
    assert parse_format(DEFAULT_FORMAT) == DEFAULT
    assert DEFAULT.default and DEFAULT.header == DEFAULT_HEADER and DEFAULT.missing() == ()


def test_a_custom_order_is_read_by_field_name_not_position() -> None:
    fmt = parse_format(CUSTOM)
    assert not fmt.default and fmt.missing() == ()
    assert fmt.header.startswith("vpc-id log-status action end")
    assert fmt.parse(LINE) == FlowRecord(
        interface="eni-0a1b",
        src="203.0.113.9",
        dst="10.0.1.5",
        src_port=0,  # srcport is not in the format (nor needed)
        dst_port=53,
        protocol=17,
        packets=12,
        bytes=3400,
        start=1700000000,
        end=1700000060,
        action="REJECT",
    )


def test_a_format_lacking_needed_fields_names_them_and_parses_no_line() -> None:
    fmt = parse_format("${version} ${srcaddr} ${dstaddr} ${srcport}")
    assert fmt.missing() == (
        "interface-id", "dstport", "protocol", "packets", "bytes", "start", "end", "action",
        "log-status",
    )  # fmt: skip
    with pytest.raises(ValueError, match="lacks interface-id"):
        fmt.parse("2 10.0.0.1 10.0.0.2 443")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("${srcaddr} ${no-such-field}", "not a documented"),
        ("${srcaddr}  ${dstaddr}", "not a documented"),
        ("srcaddr dstaddr", "not a documented"),
        ("${srcaddr} ${srcaddr}", "named twice"),
        ("", "not a documented"),
    ],
)
def test_a_format_that_is_not_documented_fields_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_format(text)


def test_nodata_lines_carry_dashes_and_are_statuses() -> None:
    fmt = parse_format(CUSTOM)
    nodata = "vpc-0a1 NODATA - 1700000060 1700000000 - - - - - - eni-0a1b - 5"
    assert fmt.parse(nodata) == "NODATA"
    assert fmt.parse(nodata.replace("NODATA", "SKIPDATA")) == "SKIPDATA"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (LINE.replace(" 53 ", " - "), "not a count"),  # '-' in a needed field of an OK record
        (LINE.replace("203.0.113.9", "-"), "does not appear to be"),
        (LINE.replace("eni-0a1b", "-"), "interface"),
        (LINE.replace(" ingress 5", " ingress v5"), "version"),
        (LINE.replace(" OK ", " ok "), "log status"),
        (LINE + " extra", "15 fields, expected 14"),
        (LINE.replace("REJECT", "DROP"), "action"),
    ],
)
def test_a_custom_line_is_validated_as_strictly_as_the_default(line: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_format(CUSTOM).parse(line)


def test_the_default_format_still_wants_version_2() -> None:
    line = "3 1 eni-0a1b 10.0.0.1 10.0.0.2 1 2 6 1 1 1700000000 1700000060 ACCEPT OK"
    with pytest.raises(ValueError, match="version '3'"):
        DEFAULT.parse(line)


def test_the_tally_takes_a_custom_format_through_its_parser() -> None:
    tally = FlowTally()
    fmt = parse_format(CUSTOM)
    tally.add(LINE, fmt.parse)
    tally.add(LINE.replace("1700000060 1700000000", "1700000120 1700000060"), fmt.parse)
    tally.add(LINE.replace(" 53 ", " x "), fmt.parse)
    assert tally.records == 2 and tally.malformed == 1
    (flow,) = tally.flows()
    assert flow["dst_port"] == 53 and flow["packets"] == 24 and flow["last_seen"] == 1700000120
