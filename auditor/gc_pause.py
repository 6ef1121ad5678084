"""Pause Python's cyclic garbage collector while large, long-lived structures are built.

Loading an inventory, building the graph and evaluating the rules allocate
millions of objects that live until the run ends. Every full collection walks
all of them, so the collector's share grows with the square of the estate: at
100k resources it was a third of the CPU time, and a 1M-resource evaluation
spent most of its time in it. Reference counting still frees everything that
is not in a cycle; the collector resumes when the block ends.

Resuming alone still costs a walk of everything the block made: those objects
are all in the youngest generation, so the first collections after it visit
each of them again (about 3 s of CPU at 1M resources, after loading and after
the graph build). Inside :func:`one_run` (a command, the benchmark) a paused
block therefore ends with :func:`gc.freeze`: what it made is left out of later
collections, still freed by reference counting, and handed back to the
collector (:func:`gc.unfreeze`) when the run ends, so a reference cycle that
died meanwhile is collected then, not kept for the life of the process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_RUNS = 0
"""How many :func:`one_run` blocks are open (a run inside a run is the same run)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable cyclic collection inside the block (re-entrant; restores the prior state)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if _RUNS:
                gc.freeze()  # what the block made lives until the run ends: see above
            gc.enable()


@contextmanager
def one_run() -> Iterator[None]:
    """One run's long-lived objects: frozen as paused blocks end, unfrozen when this ends."""
    global _RUNS
    _RUNS += 1
    try:
        yield
    finally:
        _RUNS -= 1
        if not _RUNS:
            gc.unfreeze()
