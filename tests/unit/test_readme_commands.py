"""The README's command list names every option of every command.

Users read the list (README "Commands") before ``--help``; an option missing there
is one they do not know exists. Every long option of the CLI and of each command,
subcommands included, must appear in that block (``--help`` itself excepted).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from auditor.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _command_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README: no sh block under ## Commands"
    return block.group(1)


def _options(command: click.Command, path: str) -> Iterator[tuple[str, list[str]]]:
    for param in command.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            yield path, [o for o in param.opts if o.startswith("--")]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _options(sub, f"{path} {name}".strip())


def test_every_option_is_in_the_readme_command_list() -> None:
    block = _command_block()
    named = set(re.findall(r"--[a-z][a-z0-9-]*", block))
    options = list(_options(main, ""))
    assert len(options) > 100  # the whole CLI was walked
    missing = [f"{path or 'auditor'}: {opts[0]}" for path, opts in options if not named & set(opts)]
    assert not missing, "options the README's command list does not show:\n" + "\n".join(missing)
