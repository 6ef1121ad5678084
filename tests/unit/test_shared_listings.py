"""A listing several units need is made once, even when they ask at the same time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from auditor.collect.aws_context import Listed, SharedListings

KEY = ("111111111111", "us-east-1", "kafka", "ListClustersV2", "ClusterInfoList", "100", "{}")


def test_units_asking_at_once_share_one_listing() -> None:
    shared = SharedListings()
    made: list[str] = []
    start = threading.Barrier(4)

    def make() -> Listed:
        made.append(threading.current_thread().name)
        time.sleep(0.05)  # the others ask while it is being made
        return ((("ClusterInfoList", {"ClusterArn": "arn:1"}),), (("Throttling", "slow"),))

    def ask() -> Listed:
        start.wait()
        return shared.once(KEY, make)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: ask(), range(4)))
    assert len(made) == 1
    assert all(a == answers[0] for a in answers)
    assert answers[0][1] == (("Throttling", "slow"),)  # the failure is every unit's


def test_other_requests_are_other_listings() -> None:
    shared = SharedListings()
    shared.once(KEY, lambda: ((), ()))
    other = (*KEY[:1], "us-west-2", *KEY[2:])
    assert shared.once(other, lambda: ((("k", {"n": 2}),), ())) == ((("k", {"n": 2}),), ())


def test_a_listing_that_raised_is_made_again() -> None:
    shared = SharedListings()

    def boom() -> Listed:
        raise KeyError("ClusterArn")

    with pytest.raises(KeyError):
        shared.once(KEY, boom)
    assert shared.once(KEY, lambda: ((), (("AccessDenied", "no"),))) == (
        (),
        (("AccessDenied", "no"),),
    )
