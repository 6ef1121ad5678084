"""Where AWS puts S3-delivered flow log files (flow-logs-s3-path.html), and which ones a
window reads; the per-interface cap and window of :class:`FlowTally` used for them."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from auditor.base.flowrecords import DEFAULT, FlowTally
from auditor.collect.aws._flow_objects import (
    SLACK,
    base_path,
    day_prefixes,
    destination,
    name_stamp,
)
from auditor.collect.aws.vpc_flow_records import SERVICE, _readable
from auditor.collect.aws_context import AwsContext, Sink

ACCOUNT, REGION = "111122223333", "eu-west-1"


def _at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())


def test_destination_splits_bucket_and_prefix() -> None:
    assert destination({"LogDestination": "arn:aws:s3:::flows"}) == ("flows", "")
    assert destination({"LogDestination": "arn:aws:s3:::flows/a/b/"}) == ("flows", "a/b/")
    assert destination({"LogDestination": "arn:aws:logs:eu-west-1:1:log-group:x"}) == ("", "")


def test_the_documented_layouts() -> None:
    assert base_path("p/", ACCOUNT, REGION, False) == (f"p/AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/")
    assert base_path("", ACCOUNT, REGION, True) == (
        f"AWSLogs/aws-account-id={ACCOUNT}/aws-service=vpcflowlogs/aws-region={REGION}/"
    )


def test_day_prefixes_cover_the_window_and_the_slack_only() -> None:
    until = _at("2026-03-02T00:30:00")
    assert day_prefixes("B/", False, until - 3600, until) == [
        "B/2026/03/01/",  # the window's start less the slack lies on the day before
        "B/2026/03/02/",
    ]
    since = _at("2026-03-02T05:00:00")
    assert day_prefixes("B/", True, since, since + 3600) == ["B/year=2026/month=03/day=02/"]
    assert SLACK == 3600


def test_name_stamp_reads_only_flow_log_file_names() -> None:
    key = (
        f"AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/2026/03/02/05/"
        f"{ACCOUNT}_vpcflowlogs_{REGION}_fl-0abc_20260302T0505Z_9f8e7d6c.log.gz"
    )
    assert name_stamp(key, ACCOUNT, REGION) == ("fl-0abc", _at("2026-03-02T05:05:00"))
    for bad in (
        key.replace(".log.gz", ".parquet"),
        key.replace("20260302T0505Z", "yesterday"),
        key.replace(f"{ACCOUNT}_vpcflowlogs", "999_vpcflowlogs"),
        key.replace(f"_{REGION}_", "_us-east-1_"),
    ):
        assert name_stamp(bad, ACCOUNT, REGION) is None, bad


def _line(iface: str, end: int) -> str:
    return f"2 1 {iface} 10.0.0.1 10.0.0.2 4000 9092 6 1 60 {end - 60} {end} ACCEPT OK"


def test_tally_window_and_per_interface_cap() -> None:
    t = FlowTally(window=(1000, 2000), cap=2)
    for end in (999, 1000, 1500, 2000, 2001):
        t.add(_line("eni-a", end))
    t.add(_line("eni-b", 1500))
    assert (t.records, t.outside, t.capped) == (3, 2, {"eni-a"})
    t.bad("s3://b/k: not a gzip file")
    assert t.malformed == 1 and t.examples == ["s3://b/k: not a gzip file"]


def test_plain_text_and_parquet_are_read_other_deliveries_named_not_read() -> None:
    ctx = AwsContext(
        session=None,
        account=ACCOUNT,
        region=REGION,
        client_region=REGION,
        service=SERVICE,
        sink=Sink(),
    )
    s3 = {"LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::flows/p"}
    assert _readable(ctx, s3) == DEFAULT
    # moto drops DestinationOptions (describe_flow_logs never returns it), so the Parquet
    # choice is checked here on the record as AWS documents it
    parquet = {**s3, "DestinationOptions": {"FileFormat": "parquet"}}
    assert _readable(ctx, parquet) == DEFAULT
    orc = {**s3, "DestinationOptions": {"FileFormat": "orc"}}
    assert _readable(ctx, orc) == "S3 files in orc format: only plain text and Parquet are parsed"
    firehose = {"LogDestinationType": "kinesis-data-firehose", "LogDestination": "arn:x"}
    assert "kinesis-data-firehose" in str(_readable(ctx, firehose))
    lacking = {**s3, "LogFormat": "${version} ${srcaddr} ${dstaddr}"}
    assert _readable(ctx, lacking) == (
        "its log format lacks interface-id, dstport, protocol, packets, bytes, start, end, "
        "action, log-status (needed to aggregate flows)"
    )


def test_parquet_without_pyarrow_is_not_read_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if not installed
    ctx = AwsContext(
        session=None,
        account=ACCOUNT,
        region=REGION,
        client_region=REGION,
        service=SERVICE,
        sink=Sink(),
    )
    parquet = {
        "LogDestinationType": "s3",
        "LogDestination": "arn:aws:s3:::flows/p",
        "DestinationOptions": {"FileFormat": "parquet"},
    }
    assert _readable(ctx, parquet) == (
        "S3 files in Parquet format: reading them needs the 'aws' extra (pyarrow)"
    )


def _read_file(body: bytes) -> tuple[str, FlowTally]:
    import io

    from auditor.collect.aws._flow_objects import inflated_lines

    tally = FlowTally()
    return inflated_lines(io.BytesIO(body), "arn:aws:s3:::b/k", DEFAULT, tally, [0]), tally


LINE = (
    "2 111122223333 eni-0a1b 203.0.113.9 10.0.1.5 50123 9092 6 12 3400 "
    "1700000000 1700000060 ACCEPT OK"
)


def test_gzip_members_ending_inside_a_capped_inflate_step_are_all_read() -> None:
    """A member that inflates past CHUNK ends in a step whose input is not used up: the
    next member must start from it (this once looped for ever)."""
    import gzip

    from auditor.collect.aws._flow_objects import CHUNK

    many = CHUNK // len(LINE) + 5_000  # the first member inflates past one step
    first = gzip.compress(("\n".join([DEFAULT.header, *[LINE] * many]) + "\n").encode())
    second = gzip.compress((LINE + "\n" + LINE).encode())  # the last line lacks its newline
    how, tally = _read_file(first + second)
    assert how == "read"
    assert tally.records == many + 2 and tally.malformed == 0


def test_lines_decode_alone_crlf_blank_and_bad_bytes() -> None:
    import gzip

    bad = b"2 111122223333 eni-0a1b \xe2\x82 10.0.1.5 1 2 6 1 1 1 1 ACCEPT OK"
    body = b"\n".join(
        [DEFAULT.header.encode() + b"\r", LINE.encode() + b"\r", b"", bad, "é".encode(), b"\xff"]
    )
    how, tally = _read_file(gzip.compress(body + b"\n"))
    assert how == "read" and tally.records == 1 and tally.malformed == 3
    assert "eni-0a1b \ufffd 10.0.1.5" in tally.examples[0]  # the cut sequence is one U+FFFD
    assert "does not appear to be an IPv4" in tally.examples[0]
    assert tally.examples[1].startswith("'é'") and tally.examples[2].startswith("'\ufffd'")
