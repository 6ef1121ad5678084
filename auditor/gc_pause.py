"""Pause Python's cyclic garbage collector while large, long-lived structures are built.

Loading an inventory, building the graph and evaluating the rules allocate
millions of objects that live until the run ends. Every full collection walks
all of them, so the collector's share grows with the square of the estate: at
100k resources it was a third of the CPU time, and a 1M-resource evaluation
spent most of its time in it. Reference counting still frees everything that
is not in a cycle; the collector resumes when the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable cyclic collection inside the block (re-entrant; restores the prior state)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
