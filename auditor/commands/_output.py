"""The global ``--log-level``, ``--log-file``, ``--no-color`` and ``--quiet`` options.

Logging, when any of these options is given: one handler on the root logger (stderr,
or the ``--log-file``, appended), at ``--log-level`` (default ``warning``, ``error``
with ``--quiet``); without them the process's logging set-up is left alone. The cloud
SDKs' loggers stay at INFO or above whatever the level (they would log raw
answers, see :mod:`auditor.collect.sdk_logs`), so ``--log-level info`` shows, for
instance, which credential each SDK used. The rich consoles of every command
honour ``--no-color`` (as they honour ``NO_COLOR``) and ``--quiet`` (no progress,
tables or summary; errors, exit codes and ``--json`` output stay). Light to import.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from auditor.base.exit_codes import ExitCode

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True, kw_only=True)
class OutputSettings:
    """What the global options asked of the terminal output."""

    quiet: bool = False
    no_color: bool = False


HANDLER_NAME = "auditor-cli"
"""The name of the handler these options install (a second run replaces it)."""


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (a test runner swaps it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def current() -> OutputSettings:
    """The settings of the running command (defaults outside a command line)."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, OutputSettings):
            return ctx.obj
        ctx = ctx.parent
    return OutputSettings()


def styled(console: Any) -> Any:
    """``console`` (rich) with ``--no-color`` and ``--quiet`` applied."""
    settings = current()
    if settings.no_color:
        console.no_color = True
    if settings.quiet:
        console.quiet = True
    return console


def fail_with(message: str, code: int = ExitCode.INPUT) -> NoReturn:
    """Print a one-line error, control characters escaped, and exit (2: a usage or
    input error)."""
    from auditor.base.text import inert

    click.echo(f"error: {inert(message)}", err=True)
    sys.exit(code)


def setup_logging(level: str | None, log_file: Path | None, *, quiet: bool) -> None:
    """Install the one root handler at ``level``; a bad level or a log file that
    cannot be opened is a one-line error (exit 2)."""
    if level is None and log_file is None and not quiet:
        return  # nothing asked: logging stays as the process set it up
    chosen = level or ("error" if quiet else "warning")
    if chosen not in LOG_LEVELS:
        fail_with(f"--log-level {chosen!r}: not one of {', '.join(LOG_LEVELS)}")
    handler: logging.Handler
    if log_file is not None:
        try:
            handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            fail_with(f"--log-file {log_file}: cannot write there: {exc.strerror or exc}")
    else:
        handler = _Stderr()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(chosen.upper())
