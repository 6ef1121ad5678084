"""Options shared by the commands that collect (or import) and write an evidence bundle.

``scan``, ``snapshot`` and ``import`` take the same ``--boundary``, ``--out``,
``--rules``, ``--fail-on``, ``--sign-key``, ... options; they are declared once
here so their types, defaults and wording cannot drift apart. Each command picks
the options it has, in the order its ``--help`` lists them, and names what it
writes (``bundle``) and what makes it incomplete (``gaps``). Light to import
(click only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

SEVERITIES = ["info", "low", "medium", "high", "critical"]
PATHS = ["data", "control", "network", "failure"]
FORMAT_ALIASES = {
    "md": ("report.md",),
    "html": ("report.html",),
    "sarif": ("report.sarif",),
    "junit": ("junit.xml",),
    "ocsf": ("ocsf.jsonl",),
    "csv": ("verdicts.csv", "accountability.csv"),
    "findings": ("findings.json",),
    "asff": ("asff.json",),
}
"""Short names of the rendered bundle files for ``--output-formats``."""


def output_files(values: tuple[str, ...]) -> frozenset[str] | None:
    """Bundle file names from ``--output-formats`` values (None: every format)."""
    names = _split(values)
    if not names:
        return None
    return frozenset(f for n in names for f in FORMAT_ALIASES.get(n, (n,)))


DEFAULT_WORKERS = 16


TRUST_HELP = " (default: the keys named by $AUDITOR_TRUSTED_KEYS)."


def public_key_option(
    what: str = "the bundle must carry a valid signature by it",
) -> Callable[[F], F]:
    """``--public-key``: the key every bundle a command reads must be signed by."""
    option: Callable[[F], F] = click.option(
        "--public-key",
        default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Ed25519 public key: {what}{TRUST_HELP}",
    )
    return option


@dataclass(frozen=True, kw_only=True)
class RuleChoice:
    """``--rules`` and the selection options, packed into the command's ``rules``."""

    pack: str = "default"
    checks: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated and comma-separated values alike: ``--checks a,b --checks c``."""
    return tuple(dict.fromkeys(v.strip() for value in values for v in value.split(",") if v))


def rule_options(f: F) -> F:
    """``--rules`` plus ``--checks``, ``--exclude-checks``, ``--severity``, ``--paths``."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        rules: str,
        checks: tuple[str, ...],
        exclude_checks: tuple[str, ...],
        severity: tuple[str, ...],
        paths: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        choice = RuleChoice(
            pack=rules,
            checks=_split(checks),
            exclude=_split(exclude_checks),
            severities=_split(severity),
            paths=_split(paths),
        )
        for value, allowed, flag in (
            (choice.severities, SEVERITIES, "--severity"),
            (choice.paths, PATHS, "--paths"),
        ):
            wrong = [v for v in value if v not in allowed]
            if wrong:
                raise click.BadParameter(f"{wrong[0]!r} is not one of {allowed}", param_hint=flag)
        return f(*args, rules=choice, **kwargs)

    options = [
        click.option(
            "--rules",
            default="default",
            show_default=True,
            help="Rule pack name (in rules/) or path.",
        ),
        click.option(
            "--checks",
            multiple=True,
            metavar="ID[,ID...]",
            help="Run only these rules of the pack (ids or globs such as network.*; repeatable).",
        ),
        click.option(
            "--exclude-checks",
            multiple=True,
            metavar="ID[,ID...]",
            help="Leave these rules out (ids or globs; repeatable).",
        ),
        click.option(
            "--severity",
            multiple=True,
            metavar="LEVEL[,LEVEL...]",
            help=f"Run only rules at these severities ({', '.join(SEVERITIES)}).",
        ),
        click.option(
            "--paths",
            multiple=True,
            metavar="PATH[,PATH...]",
            help=f"Run only rules of these paths ({', '.join(PATHS)}).",
        ),
    ]
    decorated: Any = wrapper
    for opt in reversed(options):
        decorated = opt(decorated)
    return decorated  # type: ignore[no-any-return]


# long: one table of the options commands share, parameterised by their help texts
def bundle_options(
    *names: str,
    bundle: str = "evidence bundle",
    gaps: str = "collection had gaps",
    fail_on: str = "Lowest severity whose FAIL exits 1.",
    workers: int = DEFAULT_WORKERS,
) -> Callable[[F], F]:
    """A decorator adding the options ``names`` (option names without ``--``), in order.

    ``bundle`` names what the command writes ("evidence bundle", "snapshot
    bundle"); ``gaps`` completes "Exit 3 when ..." for ``--strict``; ``fail_on`` is
    the ``--fail-on`` help; ``workers`` the ``--workers`` default.
    """
    catalogue: dict[str, Callable[[Any], Any]] = {
        "boundary": click.option(
            "--boundary",
            "declaration",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="The boundary declaration (YAML).",
        ),
        "profile": click.option(
            "--profile", default=None, help="AWS profile (default: standard chain)."
        ),
        "region": click.option(
            "--region",
            "regions",
            multiple=True,
            help="Region to scan (repeatable; default: the declared regions).",
        ),
        "assume-role": click.option(
            "--assume-role",
            default=None,
            help="Role name (or ARN) to assume in each other declared account.",
        ),
        "external-id": click.option(
            "--external-id", default=None, help="ExternalId for --assume-role."
        ),
        "out": click.option(
            "--out",
            "out_dir",
            default="reports",
            show_default=True,
            type=click.Path(file_okay=False, path_type=Path),
            help=f"Folder the {bundle} is written under.",
        ),
        "rules": rule_options,
        "output-formats": click.option(
            "--output-formats",
            "output_formats",
            multiple=True,
            metavar="NAME[,NAME...]",
            help="Rendered files to write: " + ", ".join(sorted(FORMAT_ALIASES)) + " (or file "
            "names such as report.sarif; repeatable; default: all). manifest.json, "
            "declaration.yaml, inventory.jsonl, graph.json and verdicts.json are always written.",
        ),
        "output-name": click.option(
            "--output-name",
            default=None,
            metavar="NAME",
            help=f"Name of the {bundle} folder (default: <declaration>-<start time>).",
        ),
        "fail-on": click.option(
            "--fail-on",
            type=click.Choice(SEVERITIES),
            default="high",
            show_default=True,
            help=fail_on,
        ),
        "strict": click.option("--strict", is_flag=True, help=f"Exit 3 when {gaps}."),
        "workers": click.option(
            "--workers",
            default=workers,
            show_default=True,
            type=click.IntRange(1, 128),
            help="Parallel collection units.",
        ),
        "sign-key": click.option(
            "--sign-key",
            default=None,
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Ed25519 private key (from auditor keygen) to sign the {bundle} with.",
        ),
        "baseline": click.option(
            "--baseline",
            default=None,
            type=click.Path(path_type=Path),
            help="Earlier bundle: exit 1 only for failures it did not have (or expired waivers).",
        ),
        "public-key": public_key_option(
            "the earlier bundle it reads must carry a valid signature by it"
        ),
        "keep-raw": click.option(
            "--keep-raw",
            is_flag=True,
            help=f"Keep the raw API responses (secrets redacted) in the {bundle}, under raw/.",
        ),
        "upload": click.option(
            "--upload",
            default=None,
            metavar="s3://BUCKET/PREFIX",
            help=f"Copy the {bundle} to this S3 evidence bucket "
            "(Object Lock retention if set; exit 4 if that fails).",
        ),
    }
    chosen = [catalogue[name] for name in names]

    def apply(f: F) -> F:
        for option in reversed(chosen):
            f = option(f)
        return f

    return apply
