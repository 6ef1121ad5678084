"""The Logs Insights query the flow reader issues, evaluated by the fake's engine, gives
the aggregate :class:`FlowTally` builds from the same lines, or a reason to fall back;
the engine refuses what it does not implement."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.base.flowrecords import DEFAULT, FlowTally, LineFormat, parse_format
from auditor.collect.aws._flow_insights import MAX_ROWS, _tally, query_text
from auditor.fakecloud.logs_insights import QueryError, parse_query, run_query

WINDOW = (1_700_000_000_000, 1_700_086_400_000)
T = 1_700_000_500_000


def _line(src: str = "10.0.0.5", dst: str = "10.0.1.10", **kw: str) -> str:
    f = {
        "version": "2", "account": "111111111111", "iface": "eni-0a1", "src": src, "dst": dst,
        "sport": "49152", "dport": "9092", "proto": "6", "packets": "10", "bytes": "4200",
        "start": "1700000400", "end": "1700000460", "action": "ACCEPT", "status": "OK",
    }  # fmt: skip
    f.update(kw)
    return " ".join(f.values())


def _answer(fmt: LineFormat, lines: list[str], stamps: list[int] | None = None) -> Any:
    """What GetQueryResults answers for the reader's query over ``lines`` (fake engine)."""
    events: list[dict[str, str | int]] = [
        {"@timestamp": (stamps or [T] * len(lines))[i], "@message": m} for i, m in enumerate(lines)
    ]
    rows, matched = run_query(parse_query(query_text(fmt, WINDOW)), events)
    return {
        "status": "Complete",
        "results": [[{"field": k, "value": str(v)} for k, v in r.items()] for r in rows],
        "statistics": {"recordsMatched": float(matched)},
    }


def _direct(fmt: LineFormat, lines: list[str]) -> FlowTally:
    tally = FlowTally()
    for line in lines:
        tally.add(line, fmt.values)
    return tally


def _same(fmt: LineFormat, lines: list[str]) -> FlowTally:
    got = _tally(fmt, _answer(fmt, lines))
    assert isinstance(got, FlowTally), got
    want = _direct(fmt, lines)
    assert want.malformed == 0
    assert got.flows() == want.flows()
    assert (got.records, got.no_data, got.skip_data) == (
        want.records, want.no_data, want.skip_data
    )  # fmt: skip
    return got


def test_default_format_lines_aggregate_as_filter_log_events_reads_them() -> None:
    lines = [
        _line(),
        _line(bytes="100", start="1700000300", end="1700000310"),
        _line(src="10.0.0.6", action="REJECT", sport="0001"),
        _line(src="2001:DB8::1", dst="2001:db8:0:0::2", dport="0443"),
        _line(src="2001:db8::1", dst="2001:db8::2", dport="443", packets="99999999999"),
        _line(status="NODATA", src="-", dst="-", packets="-", bytes="-", iface="eni-0a1"),
        _line(status="SKIPDATA", src="-", dst="-", sport="-", dport="-", proto="-"),
    ]
    got = _same(DEFAULT, lines)
    flows = {(f["src"], f["dst_port"]): f for f in got.flows()}
    # two spellings of one IPv6 flow, ports with leading zeros: one canonical aggregate
    v6 = flows[("2001:db8::1", 443)]
    assert v6["records"] == 2 and v6["packets"] == 10 + 99999999999
    assert flows[("10.0.0.5", 9092)]["bytes"] == 4300
    assert flows[("10.0.0.5", 9092)]["first_seen"] == 1700000300
    assert got.no_data == 1 and got.skip_data == 1


def test_a_custom_format_without_srcport_or_version() -> None:
    fmt = parse_format(
        "${action} ${log-status} ${interface-id} ${dstaddr} ${srcaddr} ${dstport} ${protocol} "
        "${bytes} ${packets} ${end} ${start} ${flow-direction}"
    )
    lines = [
        "ACCEPT OK eni-0b2 10.0.1.10 10.0.0.5 9092 6 500 5 1700000460 1700000400 ingress",
        "ACCEPT OK eni-0b2 10.0.1.10 10.0.0.5 9092 6 700 7 1700000560 1700000500 -",
    ]
    (flow,) = _same(fmt, lines).flows()
    assert (flow["bytes"], flow["packets"], flow["last_seen"]) == (1200, 12, 1700000560)


@pytest.mark.parametrize(
    "bad",
    [
        _line(src="10.0.0.999"),
        _line(src="010.0.0.5"),
        _line(sport="70000"),
        _line(sport="-"),
        _line(packets="-"),
        _line(bytes="1e3"),
        _line(dport="65536"),
        _line(proto="256"),
        _line(version="3"),
        _line(action="ALLOW"),
        _line(iface="if-0a1"),
        _line(status="MAYBE"),
        _line() + " extra",
        "2 111111111111 eni-0a1",
        "",
    ],
)
def test_a_malformed_line_makes_the_reader_fall_back(bad: str) -> None:
    lines = [_line(), bad]
    assert _direct(DEFAULT, lines).malformed == 1  # the strict parser refuses it too
    got = _tally(DEFAULT, _answer(DEFAULT, lines))
    assert isinstance(got, str) and "the lines are read for their examples" in got, got


def test_events_outside_the_window_are_not_matched() -> None:
    lines = [_line(), _line(src="10.0.0.7"), _line(src="10.0.0.8")]
    stamps = [WINDOW[0] - 1, WINDOW[1], WINDOW[1] + 1]
    got = _tally(DEFAULT, _answer(DEFAULT, lines, stamps))
    assert isinstance(got, FlowTally)
    assert [f["src"] for f in got.flows()] == ["10.0.0.7"]


def test_the_row_limit_is_a_fallback() -> None:
    lines = [_line(src=f"10.1.{i // 250}.{i % 250 + 1}") for i in range(MAX_ROWS + 5)]
    answer = _answer(DEFAULT, lines)
    assert len(answer["results"]) == MAX_ROWS
    got = _tally(DEFAULT, answer)
    assert isinstance(got, str) and "the service's limit" in got


def test_rows_that_do_not_add_up_to_the_matched_events_are_a_fallback() -> None:
    answer = _answer(DEFAULT, [_line(), _line()])
    answer["statistics"]["recordsMatched"] = 3.0
    got = _tally(DEFAULT, answer)
    assert got == "the rows hold 2 events, the query matched 3"


def test_sums_sent_as_decimals_are_read_and_fractions_refused() -> None:
    answer = _answer(DEFAULT, [_line()])
    for cell in answer["results"][0]:
        if cell["field"] == "a_bytes":
            cell["value"] = "4.2E3"
    got = _tally(DEFAULT, answer)
    assert isinstance(got, FlowTally) and got.flows()[0]["bytes"] == 4200
    for cell in answer["results"][0]:
        if cell["field"] == "a_bytes":
            cell["value"] = "4200.5"
    assert "not a whole count" in str(_tally(DEFAULT, answer))
    for cell in answer["results"][0]:
        if cell["field"] == "a_bytes":
            cell["value"] = "9.007199254740992E15"  # 2^53: a double no longer exact
    assert "past 2^53" in str(_tally(DEFAULT, answer))


def test_the_engine_evaluates_parse_stats_and_limit() -> None:
    events: list[dict[str, str | int]] = [
        {"@timestamp": 1, "@message": "a 1"},
        {"@timestamp": 2, "@message": "a 2"},
        {"@timestamp": 3, "@message": "b x"},
        {"@timestamp": 4, "@message": "nomatch"},
    ]
    q = parse_query(
        r"parse @message /^(?<k>\w) (?<v>\S+)$/ | stats count(*) as n, count(v) as c,"
        " sum(v) as s, max(v) as m by k | limit 2"
    )
    rows, matched = run_query(q, events)
    assert matched == 4
    assert rows == [
        {"k": "a", "n": 2, "c": 2, "s": "3", "m": "2"},
        {"k": "b", "n": 1, "c": 1},  # "x" is not a number: no sum, no max
    ]


@pytest.mark.parametrize(
    "query",
    [
        "fields @message | sort @timestamp desc",
        "stats avg(bytes) by srcaddr",
        "stats count(*) by bin(5m)",
        "filter action = 'ACCEPT'",
        "parse @message 'glob * form' as a",
        "stats count(*) | stats count(*)",
        "limit 10001",
        "parse @message /(?<a_b>x)/",
    ],
)
def test_the_engine_refuses_what_it_does_not_implement(query: str) -> None:
    with pytest.raises(QueryError):
        parse_query(query)


def test_the_policy_names_the_query_actions_and_the_guard_refuses_stop_query() -> None:
    import boto3

    from auditor.collect.permissions import declared_actions
    from auditor.collect.readonly import MutatingCallRefused, guard_client, is_read_operation

    needed = declared_actions()
    assert needed["logs:StartQuery"] == ("vpc-flow-records",)
    assert needed["logs:GetQueryResults"] == ("vpc-flow-records",)
    assert "logs:StopQuery" not in needed and not is_read_operation("logs", "StopQuery")
    client = guard_client(
        boto3.client(
            "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
    )
    with pytest.raises(MutatingCallRefused, match="logs:StopQuery"):
        client.stop_query(queryId="q-1")


def test_the_flag_reaches_the_scan_options_and_the_checkpoint_key() -> None:
    from auditor.collect.runner import AwsScanOptions
    from auditor.commands._scale import ScaleError, ScanScale

    base = AwsScanOptions(accounts=("111111111111",), regions=("us-east-1",))
    on = ScanScale(cache_dir=None, flows_since=3600, flows_insights=True).apply(base, "", False)
    off = ScanScale(cache_dir=None, flows_since=3600).apply(base, "", False)
    assert on.flows_insights and not off.flows_insights
    assert on.scope_key() != off.scope_key()  # a resumed scan reads the groups the same way
    assert "flows_insights" not in off.scope_key()  # keys of scans without it unchanged
    with pytest.raises(ScaleError, match="needs --flows-since"):
        ScanScale(cache_dir=None, flows_insights=True).apply(base, "", False)
