"""What a bundle's writer and readers share: member names, SHA256SUMS lines, errors.

Kept apart so that the verifying reader (:mod:`auditor.evidence.trusted`) and
the writer (:mod:`auditor.evidence.bundle`) need nothing of each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SUMS = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
"""Not covered by SUMS: it signs SUMS (see :mod:`auditor.evidence.signing`)."""
SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")


class BundleError(Exception):
    """A bundle that cannot be written or read (one-line message)."""


def safe_member_name(name: str) -> None:
    """A member name that is relative, inside the bundle and free of control characters."""
    parts = Path(name).parts
    if (
        not parts
        or Path(name).is_absolute()
        or ".." in parts
        or name in (SUMS, SIGNATURE)
        or any(ord(c) < 32 or ord(c) == 127 for c in name)  # NUL, escapes: never a file name
    ):
        raise BundleError(f"refusing bundle member name {name!r}")


@dataclass
class VerifyResult:
    path: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    signature: str = "absent"
    """absent, unchecked (no key given), valid, or invalid."""

    @property
    def ok(self) -> bool:
        return not self.problems
