"""What the auditor's exit status means (the README's table), declared once.

The CLI, the commands and the pipeline all return these; kept in the base layer
so the CLI can name them without importing the pipeline.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FAIL = 1
    """A FAIL at or above ``--fail-on`` (``verify``: a bundle that is not intact)."""
    INPUT = 2
    """A usage or input error, found before any API call where it can be."""
    INCOMPLETE = 3
    """With ``--strict``: gaps or INCONCLUSIVE verdicts."""
    UPLOAD = 4
    """The bundle was written but ``--upload`` failed."""
    UNREAD = 5
    """A targeted account, subscription or project could not be read at all."""
    INTERRUPTED = 130
