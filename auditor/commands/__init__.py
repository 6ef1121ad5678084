"""Extra CLI commands, one module each, found by discovery.

A module here defines ``COMMAND``, a click command. Modules must stay light to
import: cloud SDKs and heavy analysis are imported inside the command body.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def commands() -> list[click.Command]:
    found: list[click.Command] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "COMMAND", None)
        if isinstance(command, click.Command):
            found.append(command)
    return sorted(found, key=lambda c: c.name or "")
