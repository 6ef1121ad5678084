"""Cap glibc's malloc arenas before a scan starts its worker threads.

glibc gives each new thread its own heap arena (up to eight per core), and
memory freed into one arena is not reused by another thread nor, mostly,
returned to the system: a scan's dozens of short-lived SDK threads each
leave a partly used arena behind. Python's own small-object allocator is
unaffected (it is shared and takes the GIL); this concerns its larger blocks
(parsed service models, response bodies), which threads mostly allocate
holding the GIL anyway, so one shared arena costs little contention and keeps
the peak of the demo's AWS scan about 25 MiB lower with the same output. A
``MALLOC_ARENA_MAX`` set by the user wins; other C libraries are left alone.
"""

from __future__ import annotations

import ctypes
import os
import platform

ARENAS = 1
_M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter number for the arena cap (``malloc.h``)."""


def cap_arenas(arenas: int = ARENAS) -> bool:
    """Limit glibc to ``arenas`` heap arenas for threads made from now on; True if set."""
    if "MALLOC_ARENA_MAX" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, arenas))
