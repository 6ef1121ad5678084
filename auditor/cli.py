"""The ``auditor`` command line: the group, its error handling, and discovered commands.

Each command is one module in :mod:`auditor.commands` (found by discovery); they
parse options, call :mod:`auditor.pipeline`, and print. Nothing below the CLI
imports this module.

Exit codes (:class:`auditor.base.exit_codes.ExitCode`): 0 all pass; 1 failures at or
above ``--fail-on`` (with ``--baseline``: only failures the baseline lacked, or
expired waivers); 2 usage or input error (checked before any API call where it
can be); 3 scan incomplete (gaps) with ``--strict``; 4 the bundle was written
but ``--upload`` failed; 5 an account, subscription or project could not be read
at all (one line says which and why); 130 interrupted. Cloud SDKs are imported
only inside the commands that need them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from auditor.base.exit_codes import ExitCode

EXIT_OK, EXIT_FAIL, EXIT_INPUT = ExitCode.OK, ExitCode.FAIL, ExitCode.INPUT
EXIT_INCOMPLETE, EXIT_UPLOAD = ExitCode.INCOMPLETE, ExitCode.UPLOAD
EXIT_UNREAD, EXIT_INTERRUPTED = ExitCode.UNREAD, ExitCode.INTERRUPTED


class _AuditorGroup(click.Group):
    """Ctrl-C is exit 130 (not click's 1, the FAIL code); a missing extra is one line."""

    def invoke(self, ctx: click.Context) -> Any:
        from auditor.extras import MissingExtra

        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # The stack has unwound (spool removed, no partial bundle, checkpoint kept
            # for --resume); calls still in flight on worker threads are not waited for.
            click.echo("\ninterrupted", err=True)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        except MissingExtra as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT)


@click.group(cls=_AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="boundary-auditor", prog_name="auditor")
@click.option(
    "--log-level",
    default=None,
    metavar="debug|info|warning|error",
    help="Log records at or above this level (default: warning; error with --quiet). "
    "Cloud SDKs never log below info.",
)
@click.option(
    "--log-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append log records to this file instead of stderr.",
)
@click.option("--no-color", is_flag=True, help="No colours in terminal output (as NO_COLOR).")
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress, tables or summary: only errors, the exit code and --json output.",
)
@click.pass_context
def main(
    ctx: click.Context, log_level: str | None, log_file: Path | None, no_color: bool, quiet: bool
) -> None:
    """Audit a declared cloud account boundary for multi-region Kafka platforms."""
    from auditor.collect.sdk_logs import quiet_sdk_logs
    from auditor.commands._output import OutputSettings, setup_logging
    from auditor.gc_pause import one_run

    ctx.with_resource(one_run())  # long-lived objects left out of collections until the end
    ctx.obj = OutputSettings(quiet=quiet, no_color=no_color)
    setup_logging(log_level, log_file, quiet=quiet)
    quiet_sdk_logs()  # SDK debug logs would print raw answers: credentials, tag values


def _add_discovered_commands() -> None:
    from auditor.commands import commands

    for command in commands():
        main.add_command(command)


_add_discovered_commands()


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
