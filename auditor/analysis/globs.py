"""IAM globs (``*`` and ``?``) over actions and ARNs.

Both the policy model (:mod:`auditor.analysis.policy`) and the evaluator
(:mod:`auditor.analysis.policy_eval`) match globs; the matcher lives apart so
neither has to import the other for it.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=65536)
def _glob_re(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM glob: ``*`` any run of characters (``:`` and ``/`` included), ``?`` one."""
    if pattern == "*":
        return True
    return _glob_re(pattern, ignore_case).fullmatch(value) is not None
