"""Strict parsing and aggregation of default-format (version 2) VPC Flow Log lines."""

from __future__ import annotations

import pytest

from auditor.base.flowrecords import FlowRecord, FlowTally, parse_line

OK = (
    "2 123456789012 eni-0a1b 203.0.113.9 10.0.1.5 50123 9092 6 12 3400 "
    "1700000000 1700000060 ACCEPT OK"
)


def test_a_default_line_parses_field_by_field() -> None:
    assert parse_line(OK) == FlowRecord(
        interface="eni-0a1b",
        src="203.0.113.9",
        dst="10.0.1.5",
        src_port=50123,
        dst_port=9092,
        protocol=6,
        packets=12,
        bytes=3400,
        start=1700000000,
        end=1700000060,
        action="ACCEPT",
    )


def test_nodata_and_skipdata_are_statuses_not_records() -> None:
    line = "2 123456789012 eni-0a1b - - - - - - - 1700000000 1700000060 - NODATA"
    assert parse_line(line) == "NODATA"
    assert parse_line(line.replace("NODATA", "SKIPDATA")) == "SKIPDATA"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (OK.replace("2 ", "3 ", 1), "version"),
        (OK + " extra", "15 fields"),
        (OK.replace("203.0.113.9", "203.0.113.999"), "does not appear to be an IPv4"),
        (OK.replace(" 9092 ", " 70000 "), "above 65535"),
        (OK.replace(" 6 ", " -6 "), "not a count"),
        (OK.replace("ACCEPT", "ALLOW"), "action"),
        (OK.replace(" OK", " FINE"), "log status"),
        (OK.replace("eni-0a1b", "i-0a1b"), "interface"),
        (OK.replace(" 12 ", " ١٢ "), "not a count"),
    ],
)
def test_anything_the_format_does_not_allow_is_refused(line: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_line(line)


def test_tally_aggregates_by_flow_and_counts_what_it_could_not_take() -> None:
    t = FlowTally()
    later = OK.replace("1700000000 1700000060", "1700000120 1700000180")
    other = OK.replace("203.0.113.9", "10.0.9.9")
    t.add_all([OK, later, other, "garbage", OK.replace("ACCEPT OK", "- NODATA")])
    assert (t.records, t.malformed, t.no_data) == (3, 1, 1)
    flows = t.flows()
    assert [f["src"] for f in flows] == ["10.0.9.9", "203.0.113.9"]
    big = flows[1]
    assert (big["records"], big["packets"], big["bytes"]) == (2, 24, 6800)
    assert (big["first_seen"], big["last_seen"]) == (1700000000, 1700000180)
    assert len(t.examples) == 1 and "garbage" in t.examples[0]


def test_values_is_parse_without_the_object() -> None:
    from auditor.base.flowrecords import DEFAULT

    got = DEFAULT.values(OK)
    assert isinstance(got, tuple)
    assert parse_line(OK) == FlowRecord(
        interface=got[0], src=got[1], dst=got[2], src_port=got[3], dst_port=got[4],
        protocol=got[5], packets=got[6], bytes=got[7], start=got[8], end=got[9], action=got[10],
    )  # fmt: skip


def test_a_format_lacking_a_needed_field_is_checked_in_order_until_the_gap() -> None:
    from auditor.base.flowrecords import LineFormat

    fields = ("interface-id", "srcaddr", "dstaddr", "dstport", "protocol", "packets", "action")
    lacking = LineFormat(fields=(*fields, "log-status"))
    assert lacking.parse("eni-1 - - - - - - NODATA") == "NODATA"  # no flow field read
    with pytest.raises(ValueError, match="not a count"):  # before the missing 'bytes'
        lacking.parse("eni-1 10.0.0.1 10.0.0.2 9092 6 x ACCEPT OK")
    with pytest.raises(ValueError, match="the format lacks bytes, start, end"):
        lacking.parse("eni-1 10.0.0.1 10.0.0.2 9092 6 10 ACCEPT OK")


def _lines() -> list[str]:
    """Good lines mixed with every kind the strict parser refuses or counts."""
    bad = [
        OK.replace("2 ", "3 ", 1), OK + " extra", OK.replace("203.0.113.9", "203.0.113.999"),
        OK.replace(" 9092 ", " 70000 "), OK.replace(" 50123 ", " 65536 "),
        OK.replace(" 6 ", " 256 "), OK.replace(" 6 ", " -6 "), OK.replace(" 6 ", "  "),
        OK.replace("ACCEPT", "ALLOW"), OK.replace(" OK", " FINE"),
        OK.replace("eni-0a1b", "i-0a1b"), OK.replace(" 12 ", " ١٢ "), OK.replace(" 12 ", " - "),
        OK.replace("ACCEPT OK", "- NODATA"), OK.replace("ACCEPT OK", "- SKIPDATA"),
        OK.replace("203.0.113.9", "2001:DB8:0:0::1"), OK.replace("10.0.1.5", "010.0.1.5"),
        OK.replace("123456789012 ", " "), OK.replace(" 3400 ", " 0003400 "),
        OK.replace("1700000060", "1600000000"), OK + "\r", "\r", "", OK.replace(" ", "\t", 1),
    ]  # fmt: skip
    out = []
    for n in range(60):
        good = OK.replace("eni-0a1b", f"eni-{n % 4}").replace("10.0.1.5", f"10.0.1.{n % 3}")
        out += [good.replace(" 12 ", f" {n} "), bad[n % len(bad)]]
    return out


def test_the_default_formats_fast_loop_tallies_as_the_strict_parser_does() -> None:
    """add_lines with the default format's parser takes clean lines itself: same
    aggregates, counts, capped interfaces and malformed reasons as line by line."""
    from auditor.base.flowrecords import DEFAULT, MALFORMED_EXAMPLES

    fast, slow = (FlowTally(window=(1_699_999_000, 1_700_001_000), cap=12) for _ in range(2))
    lines = _lines()
    fast.add_lines(lines, DEFAULT.values)
    for line in lines:
        if line.rstrip("\r"):
            slow.add(line.rstrip("\r"), lambda text: DEFAULT.values(text))
    assert fast.malformed > MALFORMED_EXAMPLES and fast.outside and fast.capped
    assert fast.no_data and fast.skip_data and fast.records
    for name in ("records", "malformed", "examples", "no_data", "skip_data", "outside"):
        assert getattr(fast, name) == getattr(slow, name), name
    assert fast.capped == slow.capped and fast.flows() == slow.flows()
