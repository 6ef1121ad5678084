"""bench/flows.py at a tiny size, so that it cannot rot (its figures are not checked)."""

from __future__ import annotations

from pathlib import Path

from bench.estate import Spec
from bench.flows import _child, azure_parse, gcp_parse, generate, spec_of

PLANTED = {
    "network.observed-sources FAIL",
    "network.observed-closed-path FAIL",
    "network.observed-medium FAIL",
    "data.observed-egress FAIL",
}


def test_a_small_window_is_read_aggregated_and_judged(tmp_path: Path) -> None:
    folder, meta = generate(20_000, 2, tmp_path)
    got = _child(folder, 2)
    assert got["records"] + got["outside"] == 20_000 and got["outside"] > 0
    assert got["malformed"] == 0 and got["capped"] == 0
    assert 0 < got["aggregates"] == got["observed_flows"] < got["records"]
    assert set(got["verdicts"]) >= PLANTED
    # planted in the first account only; the second (also the platform's) is the clean twin
    first = str(spec_of(2).first_account)
    assert got["fail_accounts"] == [first]
    assert got["verdicts"]["network.observed-sources PASS"] > 0
    assert generate(20_000, 2, tmp_path)[1] == meta  # cached: not written again


def test_azure_and_gcp_records_are_parsed_by_their_readers() -> None:
    assert Spec(accounts=2).platform_accounts == 2  # the bench's clean twin relies on it
    for parse in (azure_parse, gcp_parse):
        got = parse(1_500)
        assert got["records"] == 1_500 and 0 < got["aggregates"] <= 1_500


def test_the_digest_names_the_same_results_for_the_same_window(tmp_path: Path) -> None:
    """``--digest``: the read's records and the verdicts hash alike when judged again in
    the same process (the path engine's remembered parses and pieces warm the second)."""
    folder, _ = generate(20_000, 2, tmp_path)
    one, two = (_child(folder, 2, digest=True) for _ in range(2))
    assert len(one["read_sha256"]) == len(one["verdicts_sha256"]) == 64
    assert (one["read_sha256"], one["verdicts_sha256"]) == (
        two["read_sha256"],
        two["verdicts_sha256"],
    )
    assert "verdicts_sha256" not in _child(folder, 2)  # hashed only when asked
