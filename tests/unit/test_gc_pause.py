"""gc_paused: cyclic collection off inside the block, the prior state restored after."""

from __future__ import annotations

import gc
import weakref

import pytest

from auditor.gc_pause import gc_paused, one_run


def test_pauses_and_restores_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not re-enable early
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_inside_a_run_a_block_freezes_what_it_made_until_the_run_ends() -> None:
    gc.collect()
    assert gc.get_freeze_count() == 0
    with one_run():
        with gc_paused():
            kept = [[n] for n in range(1000)]  # tracked containers made in the block
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.is_tracked(kept[0])
    assert gc.get_freeze_count() == 0  # handed back to the collector


def test_a_cycle_frozen_in_a_run_is_collected_after_it() -> None:
    class Node:
        other: object = None

    with one_run():
        with gc_paused():
            a, b = Node(), Node()
            a.other, b.other = b, a
            probe = weakref.ref(a)
        del a, b
        gc.collect()
        assert probe() is not None  # frozen: left out of collections during the run
    gc.collect()
    assert probe() is None


def test_outside_a_run_nothing_is_frozen() -> None:
    with gc_paused():
        kept = [[n] for n in range(100)]
    assert gc.get_freeze_count() == 0 and len(kept) == 100
