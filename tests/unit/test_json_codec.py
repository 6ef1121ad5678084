"""The orjson fast path writes and reads exactly what the stdlib json path did."""

from __future__ import annotations

import json
import math
import random
import struct
from typing import Any

from auditor.analysis.derive import build_graph
from auditor.base.json_codec import (
    BLANK,
    dumps_indented,
    dumps_lines,
    loads_line,
    may_hold_long_numbers,
)
from auditor.base.serialize import (
    inventory_jsonl,
    read_inventory_jsonl,
    verdict_to_dict,
    verdicts_json,
)
from auditor.graph.export import graph_document, graph_json_chunks
from auditor.model import (
    Evidence,
    Inventory,
    PathName,
    Relation,
    Resource,
    Scope,
    Severity,
    Status,
    Verdict,
)
from tests.helpers import CUSTOMER, PRIMARY, declaration


def _stdlib(obj: Any) -> bytes:
    """The bundle's JSON before orjson: what every golden was written with."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def _floats() -> list[float]:
    """Every decimal exponent, both signs, random mantissas and the edges orjson spells apart."""
    rng = random.Random(22)
    out = [0.0, -0.0, 1e-05, 1e-07, 1e-10, 1e-4, 0.0001, 1e16, 1e15, 5e-324, 1.7976931348623157e308]
    out += [math.nan, math.inf, -math.inf]
    for exp in range(-323, 308):
        out += [float(f"{rng.uniform(1, 10)}e{exp}"), -float(f"{rng.uniform(1, 10)}e{exp}")]
    while len(out) < 20000:  # any bit pattern that is a float
        f = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        out.append(f)
    return [f for f in out if not math.isinf(f) or f in (math.inf, -math.inf)]


STRINGS = [
    "".join(chr(c) for c in range(0, 0x250)),  # control characters, ASCII, Latin
    "é\u2028\u2029\x85\x7f\ufeff\U0001f600 日本",
    'quote " backslash \\ slash / 0.00001 1e-7 null NaN',
]
INTS = [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**30, -(10**40)]


def _awkward() -> dict[str, Any]:
    """Keys out of order (non-ASCII among them), every kind of value, nested."""
    return {
        "zeta": STRINGS,
        "é": {"b": INTS, "a": [1.5, 1e-05, None, True, False, [], {}]},
        "A": ("tuple", 1),
        "ünïcode key": {"\u2028": 1e-07, "z": math.nan},
        "": [[[]]],
    }


FLOATS_ONLY = {"f": [1e-05, 1e-07, 2.5e-06, math.nan, 0.5], "é": "ü", "n": None}


def test_each_value_is_written_as_json_dumps_wrote_it() -> None:
    values: list[Any] = [*_floats(), *INTS, *STRINGS, _awkward(), {1: "int key"}, [], {}, None]
    values += [Status.FAIL, {"k": [Severity.HIGH]}]
    for v in values:
        assert dumps_indented(v) + b"\n" == _stdlib(v), repr(v)
    floats = _floats()
    assert dumps_indented(floats) + b"\n" == _stdlib(floats)


def test_sample_inventory_graph_and_verdicts_bytes_are_unchanged() -> None:
    ids = [f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:instance/i-{n}" for n in ("b", "a", "é")]
    attrs = _awkward()
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=tuple(
            Resource(
                id=i,
                cloud="aws",
                kind="instance",
                account=CUSTOMER,
                region=PRIMARY,
                name=f"名前 {i}",
                tags={"Zürich": "ja", "a": "\u2028"},
                attributes=attrs,
            )
            for i in ids
        ),
        relations=tuple(
            Relation(source=s, target=t, kind="network.reaches", reason=str(len(a)), attributes=a)
            for a in (attrs, FLOATS_ONLY)  # one with ints past 64 bits (all stdlib), one without
            for s in ids
            for t in ids
            if s != t
        ),
        gaps=(),
    )
    bg = build_graph(inv, declaration())
    assert b"".join(graph_json_chunks(bg)) == _stdlib(graph_document(bg))
    verdicts = [
        Verdict(
            rule="network.x",
            path=PathName.NETWORK,
            status=Status.FAIL,
            resource=i,
            severity=Severity.HIGH,
            message="ü 1e-05",
            evidence=Evidence(nodes=(i,), edges=((i, i, "k"),), attributes=a),
            waiver={"reason": "é"} if i.endswith("a") else None,
        )
        for i in ids
        for a in (attrs, FLOATS_ONLY)
    ]
    assert verdicts_json(verdicts) == _stdlib([verdict_to_dict(v) for v in verdicts])
    # inventory.jsonl is read back (orjson where it reads as json.loads) to the same bytes
    text = inventory_jsonl(inv)
    for data in (text, text.decode()):
        back = read_inventory_jsonl(data, scope=inv.scope)
        assert inventory_jsonl(back) == text
        assert repr(back.resources[0].attributes) == repr(
            json.loads(json.dumps(attrs, sort_keys=True))
        )


def test_lines_are_json_dumps_of_each_object_even_when_they_hold_the_batch_marker() -> None:
    """dumps_lines cuts one encoding of the batch at a marker string: an object holding
    that string in a list (where its encoding looks like the cut) must not move a cut."""
    objs: list[Any] = [_awkward(), FLOATS_ONLY, {}, {"é": [1, 2.5, None, True]}]
    objs += [
        {"a": ["x", "\x00", "y"]},
        {"b": "\x00", "c": ["\x00"]},
        {"d": ["\x00", "\x00", "\x00"]},
    ]
    for batch in (objs, objs[:4], objs[4:5], objs[:1]):
        want = "".join(json.dumps(o, sort_keys=True, ensure_ascii=False) + "\n" for o in batch)
        assert dumps_lines(batch) == want.encode()
    assert dumps_lines([]) == b""


def test_each_line_is_read_as_json_loads_read_it() -> None:
    lines = [
        json.dumps(v, ensure_ascii=False).encode()
        for v in [*_floats(), *INTS, *STRINGS, _awkward()]
    ]
    lines += [b"NaN", b"[Infinity, -Infinity]", b'"\\ud800"', b"1e400", b'{"a": 1, "a": 2}']
    lines += [b"123456789012345678901234567890", b"-9223372036854775809", b"18446744073709551616"]
    for line in lines:
        for long_numbers in (True,) if may_hold_long_numbers(line) else (True, False):
            got, want = loads_line(line, long_numbers=long_numbers), json.loads(line.decode())
            assert repr(got) == repr(want), line
            assert [type(x) for x in _leaves(got)] == [type(x) for x in _leaves(want)], line
    for blank in (b"", b"  ", b"\t\r", " \u3000".encode()):
        assert loads_line(blank) is BLANK
    for bad in (b"[1,]", b"{", b'"\x01"', b"\xef\xbb\xbf{}"):
        try:
            json.loads(bad.decode())
        except json.JSONDecodeError as want:
            try:
                loads_line(bad)
            except json.JSONDecodeError as got:
                assert (got.msg, got.pos) == (want.msg, want.pos)
            else:
                raise AssertionError(f"{bad!r} was read")


def _leaves(v: Any) -> list[Any]:
    if isinstance(v, dict):
        return [x for k in v for x in [k, *_leaves(v[k])]]
    if isinstance(v, list):
        return [x for i in v for x in _leaves(i)]
    return [v]
