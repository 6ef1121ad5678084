"""A CloudWatch Logs flow log group read with ONE Logs Insights query (``--flows-insights``).

``FilterLogEvents`` reads at most :data:`~auditor.collect.aws.vpc_flow_records.CAP`
records per interface; Logs Insights aggregates the whole window in the service. One
``logs:StartQuery`` over the group and window (:func:`query_text`) parses each line
with the flow log's format (default or custom) and returns the aggregate the collector
builds itself (:class:`~auditor.base.flowrecords.FlowTally`): per raw (version, log
status, interface, source, destination, port, protocol, action) the events, the events
whose counters are digits, and the sums of packets and bytes, the first start and last
end. Each row is then checked here with the format's own strict parser (addresses,
ports, ``eni-``, ``ACCEPT``/``REJECT``, version), so the same lines are taken as on the
``FilterLogEvents`` path. ``logs:GetQueryResults`` is polled for at most
:data:`WAIT_SECONDS`.

The aggregate is used only when it is complete and exact; otherwise the group is read
with ``FilterLogEvents`` as without the option, and the record says why
(``InsightsFallback``): the query was refused (AccessDenied, a region without Insights,
a malformed query), ended ``Failed``/``Cancelled``/``Timeout``, ran past the wait, came
back with :data:`MAX_ROWS` rows (the service's limit: rows may be missing), its rows do
not add up to the events it matched, or a row holds a malformed line (its examples need
the lines themselves). Such a fallback is not a gap: the group is still read.
``logs:StopQuery`` is not called: the read-only guard refuses it, so a query past the
wait runs on until the service's own timeout (billed by the data it scans).

Field names carry an ``f``/``n``/``a_`` prefix: Insights discovers the default format's
fields in flow log groups by itself (``action``, ``bytes``, ...), and a parsed name must
never fall back to a discovered value for a line the regex did not match. Named groups
are letters and digits only (the Java regex rule the service's ``(?<name>...)`` follows).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from auditor.base.flowrecords import FlowTally, LineFormat
from auditor.collect.aws_context import AwsContext, error_code

WAIT_SECONDS = 300.0
"""How long one query is waited for before the group is read with FilterLogEvents."""
POLL_SECONDS = (0.5, 1.0, 2.0, 5.0)
"""Pauses between ``GetQueryResults`` calls (the last repeats)."""
MAX_ROWS = 10_000
"""The most rows a query returns (``limit`` 10,000): a result this long may lack rows."""
EXACT = 2**53
"""The service's numbers are doubles: a sum from here on may not be exact."""
_EXAMPLES = "; the lines are read for their examples"

_KEYS = {
    "version": "fversion",
    "log-status": "fstatus",
    "interface-id": "fiface",
    "srcaddr": "fsrc",
    "dstaddr": "fdst",
    "dstport": "fdport",
    "protocol": "fproto",
    "action": "faction",
}
"""Fields the aggregate is grouped by (checked per row by the format's parser)."""
_COUNTERS = {"packets": "npackets", "bytes": "nbytes", "start": "nstart", "end": "nend"}
_PORT = r"0*(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
"""A port as :func:`~auditor.base.flowrecords._count` takes it: ASCII digits, 0 to 65535."""
_STATES_DONE = ("Complete", "Failed", "Cancelled", "Timeout", "Unknown")


@dataclass(frozen=True, kw_only=True)
class InsightsRead:
    """The group's aggregate when Insights gave a complete one (else None), and what the
    raw record says about the way the group was read (empty when not asked for)."""

    tally: FlowTally | None = None
    note: dict[str, Any] = field(default_factory=dict)


def _regex(fmt: LineFormat, pick: dict[str, str]) -> str:
    """An anchored regex of the format's fields: named captures for ``pick``."""
    parts = []
    for name in fmt.fields:
        if name in pick:
            body = "[0-9]+" if name in _COUNTERS else "[^ ]*"
            parts.append(f"(?<{pick[name]}>{body})")
        elif name == "srcport" and pick is _COUNTERS:
            parts.append(_PORT)  # checked, not kept
        else:
            parts.append("[^ ]*")
    return "^" + " ".join(parts) + "$"


def query_text(fmt: LineFormat, window: tuple[int, int]) -> str:
    """The query: the window to the millisecond, the loose parse (the grouping fields of
    any line with the format's number of fields), the strict one (the counters of a line
    whose counters and source port are numbers), the aggregate, the largest limit."""
    by = ", ".join(_KEYS[f] for f in fmt.fields if f in _KEYS)
    return (
        f"filter toMillis(@timestamp) >= {window[0]} and toMillis(@timestamp) <= {window[1]}"
        f" | parse @message /{_regex(fmt, _KEYS)}/"
        f" | parse @message /{_regex(fmt, _COUNTERS)}/"
        " | stats count(*) as a_records, count(npackets) as a_counted,"
        " sum(npackets) as a_packets, sum(nbytes) as a_bytes,"
        f" min(nstart) as a_first, max(nend) as a_last by {by}"
        f" | limit {MAX_ROWS}"
    )


def _whole(text: str | None) -> int:
    """A count the service sent as text (``42``, ``42.0``, ``4.2E1``); ValueError else."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise ValueError(f"not a whole count: {text!r}")
    return int(value)


def _take_row(fmt: LineFormat, row: dict[str, str], tally: FlowTally) -> str:
    """Add one result row to ``tally``; why it cannot be taken ("" when it was)."""
    records = _whole(row.get("a_records"))
    if any(_KEYS[f] not in row for f in fmt.fields if f in _KEYS):
        return f"{records} line(s) without the format's {len(fmt.fields)} fields{_EXAMPLES}"
    fill = {**dict.fromkeys(_COUNTERS, "0"), "srcport": "0"}
    line = " ".join(row[_KEYS[f]] if f in _KEYS else fill.get(f, "-") for f in fmt.fields)
    try:
        got = fmt.values(line)
    except ValueError as exc:
        return f"{records} malformed line(s): {exc}{_EXAMPLES}"
    if isinstance(got, str):
        if got == "NODATA":
            tally.no_data += records
        else:
            tally.skip_data += records
        return ""
    if _whole(row.get("a_counted")) != records:
        bad = records - _whole(row.get("a_counted"))
        return f"{bad} line(s) with malformed counters{_EXAMPLES}"
    iface, src, dst, _, port, proto, *_ignored, action = got
    sums = [_whole(row.get(k)) for k in ("a_packets", "a_bytes", "a_first", "a_last")]
    if max(sums) >= EXACT:
        return f"a sum of {max(sums)} is past 2^53, where the service's doubles are not exact"
    tally.add_aggregate(
        (iface, src, dst, 0, port, proto, sums[0], sums[1], sums[2], sums[3], action), records
    )
    return ""


def _tally(fmt: LineFormat, answer: dict[str, Any]) -> FlowTally | str:
    """The aggregate of a complete answer, or why it is not complete."""
    rows = answer.get("results") or []
    if len(rows) >= MAX_ROWS:
        return f"the query returned {len(rows)} rows, the service's limit: rows may be missing"
    tally = FlowTally()
    counted = 0
    try:
        for cells in rows:
            row = {str(c.get("field")): str(c.get("value")) for c in cells if "value" in c}
            why = _take_row(fmt, row, tally)
            if why:
                return why
            counted += _whole(row.get("a_records"))
        matched = _whole(str((answer.get("statistics") or {}).get("recordsMatched")))
    except ValueError as exc:
        return f"an answer not understood: {exc}"
    if counted != matched:
        return f"the rows hold {counted} events, the query matched {matched}"
    return tally


def _run(ctx: AwsContext, group: str, fmt: LineFormat, window: tuple[int, int]) -> Any:
    """The final answer of one query, or why there is none."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = ctx.client()
    try:
        with ctx.counted():
            qid = client.start_query(
                logGroupName=group,
                startTime=window[0] // 1000,
                endTime=-(-window[1] // 1000),
                queryString=query_text(fmt, window),
                limit=MAX_ROWS,
            )["queryId"]
        deadline = time.monotonic() + WAIT_SECONDS
        for n in range(1_000_000):
            with ctx.counted():
                answer = client.get_query_results(queryId=qid)
            status = str(answer.get("status"))
            if status in _STATES_DONE:
                return answer if status == "Complete" else f"the query ended {status}"
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS[min(n, len(POLL_SECONDS) - 1)])
    except (ClientError, BotoCoreError) as exc:
        return f"{error_code(exc)}: {str(exc)[:200]}"
    return f"the query ran past {WAIT_SECONDS:g} s (not stopped: StopQuery is not a read)"


def read(ctx: AwsContext, group: str, fmt: LineFormat, window: tuple[int, int]) -> InsightsRead:
    """The group's aggregate by one Insights query, when asked for and complete."""
    if not ctx.flows_insights:
        return InsightsRead()
    answer = _run(ctx, group, fmt, window)
    got = _tally(fmt, answer) if isinstance(answer, dict) else answer
    if isinstance(got, str):
        return InsightsRead(
            note={"ReadWith": "logs:FilterLogEvents", "InsightsFallback": got[:300]}
        )
    stats = answer.get("statistics") or {}
    scanned = stats.get("bytesScanned")
    return InsightsRead(
        tally=got,
        note={
            "ReadWith": "logs:StartQuery",
            "InsightsBytesScanned": int(scanned) if isinstance(scanned, int | float) else None,
        },
    )
