"""``scan`` options for organisation-wide scale: discovery, regions, executor, limits, resume.

The options are packed into one :class:`ScanScale` so ``scan`` and
``run_scan`` take a single argument for them. Light to import (click only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def default_cache_dir() -> Path:
    """The platform's per-user cache folder for the auditor (the checkpoint's home).

    ``$XDG_CACHE_HOME/auditor`` when that variable holds an absolute path, else
    ``~/Library/Caches/auditor`` on macOS, ``%LOCALAPPDATA%\\auditor\\Cache`` on
    Windows, ``~/.cache/auditor`` elsewhere (the XDG base directory default).
    """
    import os
    import sys

    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "auditor"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "auditor"
    local = os.environ.get("LOCALAPPDATA", "")
    if sys.platform == "win32" and local:
        return Path(local) / "auditor" / "Cache"
    return Path.home() / ".cache" / "auditor"


class ScaleError(ValueError):
    """Options that contradict each other (exit 2)."""


@dataclass(frozen=True, kw_only=True)
class ScanScale:
    organization: bool = False
    organizational_units: tuple[str, ...] = ()
    all_regions: bool = False
    executor: str = "threads"
    rate: float | None = None
    """A ceiling in requests/second per account-region over every service (None: none)."""
    pacing: bool = True
    """Pace each service by its documented limits (off with ``--rate 0``)."""
    per_region: int = 4
    resume: bool = False
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    """None: no checkpoint (``--no-checkpoint``)."""
    flows_since: int | None = None
    """Seconds of observed flows (VPC Flow Log records) to read, ending now; None: none."""
    flows_insights: bool = False
    """AWS: read CloudWatch Logs flow log groups with Logs Insights first."""

    def apply(self, opts: Any, decl_text: str, regions_given: bool) -> Any:
        """``opts`` (AwsScanOptions) with these choices and the checkpoint folder set."""
        from auditor.boundary import declaration_hash
        from auditor.collect.checkpoint import checkpoint_key
        from auditor.collect.executors import check_reachable, require_executor

        if self.all_regions and regions_given:
            raise ScaleError("--all-regions and --region exclude each other")
        if self.organizational_units and not self.organization:
            raise ScaleError("--organizational-unit needs --organization")
        if self.flows_insights and self.flows_since is None:
            raise ScaleError("--flows-insights needs --flows-since")
        if self.resume and self.cache_dir is None:
            raise ScaleError("--resume needs the checkpoint (drop --no-checkpoint)")
        require_executor(self.executor)  # a missing [dask] first: no need to connect
        check_reachable(self.executor)
        opts = replace(
            opts,
            organization=self.organization,
            organizational_units=self.organizational_units,
            all_regions=self.all_regions,
            executor=self.executor,
            rate=self.rate,
            pacing=self.pacing,
            per_region_workers=self.per_region,
            resume=self.resume,
            flows_since=self.flows_since,
            flows_insights=self.flows_insights,
        )
        if self.cache_dir is None:
            return opts
        key = checkpoint_key(declaration_hash(decl_text), opts.scope_key())
        sweep_checkpoints(self.cache_dir, keep=key if self.resume else None)
        return replace(opts, checkpoint=self.cache_dir / key)


def sweep_checkpoints(root: Path, keep: str | None = None) -> list[Path]:
    """Remove the checkpoints under ``root`` that no running scan holds, but ``keep``'s.

    A killed scan leaves its checkpoint (raw answers, unredacted) for
    ``--resume``; the next scan using the same cache folder removes it unless
    it resumes that very scan. A checkpoint whose lock a running scan holds is
    left alone.
    """
    import contextlib
    import fcntl
    import os
    import shutil

    removed: list[Path] = []
    if not root.is_dir() or root.is_symlink():
        return removed
    for lock in sorted(root.glob("*.lock")):
        key = lock.name[: -len(".lock")]
        if keep is not None and (key == keep or key.startswith(f"{keep}-")):
            continue  # the resumed scan's, and its Azure and GCP checkpoints (KEY-azure)
        try:
            fd = os.open(lock, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # held: a running scan
        try:
            folder = root / key
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            with contextlib.suppress(OSError):
                lock.unlink()
        finally:
            os.close(fd)
    return removed


def _flows_since(_ctx: Any, _param: Any, value: str | None) -> int | None:
    """``--flows-since`` in seconds (a positive duration such as 30m, 24h, 7d)."""
    from auditor.boundary import parse_duration

    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if seconds <= 0:
        raise click.BadParameter(f"the window must be longer than zero, got {value!r}")
    return seconds


# long: the scale options are one table of click decorators and their packing
def scale_options(f: F) -> F:
    """Add the scale options to a command; they arrive packed as ``scale``."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        organization: bool,
        organizational_units: tuple[str, ...],
        all_regions: bool,
        executor: str,
        rate: float | None,
        per_region: int,
        resume: bool,
        cache_dir: Path | None,
        no_checkpoint: bool,
        flows_since: int | None,
        flows_insights: bool,
        **kwargs: Any,
    ) -> Any:
        scale = ScanScale(
            organization=organization,
            organizational_units=organizational_units,
            all_regions=all_regions,
            executor=executor,
            rate=rate or None,
            pacing=rate != 0,
            per_region=per_region,
            resume=resume,
            cache_dir=None if no_checkpoint else (cache_dir or default_cache_dir()),
            flows_since=flows_since,
            flows_insights=flows_insights,
        )
        return f(*args, scale=scale, **kwargs)

    options = [
        click.option(
            "--organization",
            is_flag=True,
            help="Also scan every ACTIVE account of the caller's AWS Organization (run from "
            "the management or a delegated administrator account, with --assume-role). "
            "Undeclared accounts are scanned as the 'unknown' party.",
        ),
        click.option(
            "--organizational-unit",
            "organizational_units",
            multiple=True,
            metavar="OU_ID",
            help="With --organization: only discovered accounts below this OU or root "
            "(repeatable; declared accounts are always scanned).",
        ),
        click.option(
            "--all-regions",
            is_flag=True,
            help="Scan every region enabled in each account (ec2:DescribeRegions; opt-in "
            "regions only once opted in) instead of the declared regions.",
        ),
        click.option(
            "--executor",
            default="threads",
            show_default=True,
            metavar="threads|dask://HOST:PORT",
            help="Where collection units run: this process, or a Dask distributed scheduler.",
        ),
        click.option(
            "--rate",
            default=None,
            type=click.FloatRange(min=0),
            help="A ceiling in requests/second per account and region over all services, "
            "for an account shared with other tools. Without it each service is paced by "
            "its documented limits and slowed on throttling; 0 turns all pacing off.",
        ),
        click.option(
            "--per-region",
            default=4,
            show_default=True,
            type=click.IntRange(1, 64),
            help="Collection units at once in one account-region (--workers caps the total).",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="Reuse the units an interrupted scan of the same declaration and scope "
            "finished (from --cache-dir); collect only the rest.",
        ),
        click.option(
            "--cache-dir",
            default=None,
            type=click.Path(file_okay=False, path_type=Path),
            help="Checkpoint folder (raw API data, owner-only 0700/0600; removed after a "
            "bundle is written). Default: the platform cache folder, $XDG_CACHE_HOME/auditor "
            "or ~/.cache/auditor (~/Library/Caches/auditor on macOS).",
        ),
        click.option(
            "--no-checkpoint",
            is_flag=True,
            help="Do not checkpoint finished units to disk (no --resume possible).",
        ),
        click.option(
            "--flows-since",
            default=None,
            metavar="DURATION",
            callback=_flows_since,
            help="Also read observed flows: the VPC Flow Log records of the last DURATION "
            "(e.g. 24h; AWS: CloudWatch Logs and S3, GCP: Cloud Logging), at most 10000 per "
            "interface or VM (docs/observed-flows.md). Off by default.",
        ),
        click.option(
            "--flows-insights",
            is_flag=True,
            help="With --flows-since, AWS: read each CloudWatch Logs flow log group with one "
            "Logs Insights query (logs:StartQuery), the whole window without the per-interface "
            "cap; FilterLogEvents when the query fails. Insights is billed per GB scanned, so "
            "it is off by default (docs/observed-flows.md).",
        ),
    ]
    decorated: Any = wrapper
    for opt in reversed(options):
        decorated = opt(decorated)
    return decorated  # type: ignore[no-any-return]
