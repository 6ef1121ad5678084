"""What one scan is asked to do: its targets per cloud, outputs and options, checked.

:func:`scan_request` turns a declaration and the command line's options into a
:class:`ScanRequest` that :func:`auditor.pipeline.run_scan` runs; a request that
cannot start raises :class:`ScanError` (one line, exit 2). Kept apart from the
pipeline, which runs requests, so each stays one concept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from auditor.boundary import Declaration, declaration_hash
from auditor.checks.pack import RulePack
from auditor.collect.runner import AwsScanOptions
from auditor.render import renderers


def aws_scope(
    decl: Declaration, regions: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Accounts (the customer's) and regions (declared, or as given) to scan."""
    accounts = tuple(decl.accounts("aws", "customer"))
    chosen = regions or tuple(sorted(decl.regions_of("aws")))
    return accounts, chosen


@dataclass(frozen=True, kw_only=True)
class ScanTargets:
    """The clouds one scan reads and how to reach each; None means not scanned.

    ``azure`` is an :class:`~auditor.collect.azure.AzureScanOptions` and ``gcp`` a
    :class:`~auditor.collect.gcp.GcpScanOptions` (typed loosely so that this module
    imports neither package). ``regions`` holds the declared regions of Azure and
    GCP: their collection is not per region, the scope still names them.
    """

    aws: AwsScanOptions | None = None
    azure: Any = None
    gcp: Any = None
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def clouds(self) -> tuple[str, ...]:
        return tuple(c for c in ("aws", "azure", "gcp") if getattr(self, c) is not None)

    def options(self, cloud: str) -> Any:
        """The scan options of ``cloud`` (None: not scanned)."""
        return getattr(self, cloud)


class ScanError(ValueError):
    """A scan that cannot start or finish for a reason the user can fix: one line, exit 2."""


CORE_MEMBERS = (
    "manifest.json",
    "declaration.yaml",
    "inventory.jsonl",
    "graph.json",
    "verdicts.json",
)
"""Written in every bundle: what verify, replay, diff and evaluate read."""


@dataclass(frozen=True, kw_only=True)
class OutputChoice:
    """Which rendered files a bundle gets, and its folder name (``--output-formats``,
    ``--output-name``). The core members are always written."""

    formats: frozenset[str] | None = None
    """Renderer file names (``report.md``, ``report.sarif``, ...); None: all of them."""
    name: str | None = None
    """The bundle folder's name; None: ``<declaration>-<start time>``."""

    def check(self) -> None:
        """Refuse an unknown format or an unsafe name (raises :class:`ScanError`)."""
        known = set(renderers()) if self.formats else set()  # the renderers load jinja2
        unknown = sorted((self.formats or frozenset()) - known)
        if unknown:
            raise ScanError(f"unknown output format {unknown[0]!r}; known: {sorted(known)}")
        if self.name is not None and (
            not self.name
            or self.name in (".", "..")
            or any(c in self.name for c in "/\\\x00")
            or self.name != self.name.strip()
        ):
            raise ScanError(f"--output-name {self.name!r}: not a plain folder name")


@dataclass(frozen=True, kw_only=True)
class ScanRequest:
    """Everything one scan needs, checked: what to read, how to judge it, where to write."""

    declaration: Declaration
    declaration_text: str
    declaration_path: Path | None
    """The ``--boundary`` file: recorded drills are found relative to it."""
    pack: RulePack
    targets: ScanTargets
    out_dir: Path
    signer: Callable[[bytes], bytes] | None = None
    keep_raw: bool = False
    output: OutputChoice = field(default_factory=OutputChoice)


def scan_request(
    decl: Declaration,
    text: str,
    pack: RulePack,
    *,
    out_dir: Path,
    declaration_path: Path | None = None,
    profile: str | None = None,
    regions: tuple[str, ...] = (),
    assume_role: str | None = None,
    external_id: str | None = None,
    workers: int = 32,
    max_attempts: int = 5,
    scale: Any = None,
    cloud_options: Mapping[str, Mapping[str, Any]] | None = None,
    signer: Callable[[bytes], bytes] | None = None,
    keep_raw: bool = False,
    output: OutputChoice | None = None,
) -> ScanRequest:
    """A request for every cloud the customer party names; raises :class:`ScanError`.

    ``scale`` (a :class:`~auditor.commands._scale.ScanScale`) adds organisation
    discovery, all regions, the executor, rate limits and the checkpoint.
    ``cloud_options`` adds keyword arguments to the AWS, Azure and GCP scan options
    (``{"azure": {"base_url": ...}}``: a fake's endpoint, credential and CA in the
    demo and tests; the credentials and subscriptions or projects chosen on the
    command line; ``{"aws": {"role_session_name": ...}}``).
    """
    if output is not None:
        output.check()
    aws_accounts, chosen = aws_scope(decl, regions)
    subscriptions = tuple(decl.accounts("azure", "customer"))
    projects = tuple(decl.accounts("gcp", "customer"))
    if not (aws_accounts or subscriptions or projects):
        raise ScanError(
            "the declaration names no accounts, subscriptions or projects for the customer party"
        )
    aws = None
    if aws_accounts:
        if not chosen:
            raise ScanError("no AWS regions to scan: declare regions or pass --region")
        aws = _aws_options(
            AwsScanOptions(
                accounts=aws_accounts,
                regions=chosen,
                profile=profile,
                assume_role=assume_role,
                external_id=external_id,
                max_workers=workers,
                max_attempts=max_attempts,
                **(cloud_options or {}).get("aws", {}),
            ),
            scale,
            text,
            regions_given=bool(regions),
        )
    targets = _targets(decl, aws, subscriptions, projects, cloud_options or {})
    targets = replace(
        targets,
        azure=_scaled(targets.azure, scale, text, aws),
        gcp=_scaled(targets.gcp, scale, text, aws),
    )
    return ScanRequest(
        declaration=decl,
        declaration_text=text,
        declaration_path=declaration_path,
        pack=pack,
        targets=targets,
        out_dir=out_dir,
        signer=signer,
        keep_raw=keep_raw,
        output=output or OutputChoice(),
    )


def _targets(
    decl: Declaration,
    aws: AwsScanOptions | None,
    subscriptions: tuple[str, ...],
    projects: tuple[str, ...],
    options: Mapping[str, Mapping[str, Any]],
) -> ScanTargets:
    """The scan's targets: AWS as given, Azure and GCP built from the declaration."""
    azure = gcp = None
    if subscriptions:
        from auditor.collect.azure import AzureScanOptions

        azure = AzureScanOptions(**{"subscriptions": subscriptions, **options.get("azure", {})})
    if projects:
        from auditor.collect.gcp import GcpScanOptions

        gcp = GcpScanOptions(**{"projects": projects, **options.get("gcp", {})})
    return ScanTargets(
        aws=aws,
        azure=azure,
        gcp=gcp,
        regions={c: tuple(sorted(decl.regions_of(c))) for c in ("azure", "gcp")},
    )


def _scaled(opts: Any, scale: Any, text: str, aws: AwsScanOptions | None) -> Any:
    """Azure or GCP options with the scan's pacing, resume and checkpoint (beside AWS's)."""
    if opts is None or scale is None:
        return opts
    opts = replace(opts, pacing=scale.pacing, resume=scale.resume)
    if any(f.name == "flows_since" for f in fields(opts)):  # observed flows (--flows-since)
        opts = replace(opts, flows_since=scale.flows_since)
    if scale.cache_dir is None:
        return opts
    from auditor.collect.checkpoint import checkpoint_key

    if aws is not None and aws.checkpoint is not None:
        key = aws.checkpoint.name  # one scan's checkpoints share its key (swept together)
    else:
        key = checkpoint_key(declaration_hash(text), opts.scope_key())
    return replace(opts, checkpoint=scale.cache_dir / f"{key}-{opts.scope_key()['cloud']}")


def _aws_options(
    aws: AwsScanOptions, scale: Any, text: str, *, regions_given: bool
) -> AwsScanOptions:
    """``aws`` with the scale options applied (discovery, executor, rates, checkpoint)."""
    if scale is None:
        return aws
    try:  # contradicting options, a malformed or unreachable --executor
        applied: AwsScanOptions = scale.apply(aws, text, regions_given=regions_given)
    except ValueError as exc:
        raise ScanError(str(exc)) from None
    return applied


def collection_settings(targets: ScanTargets) -> dict[str, dict[str, Any]]:
    """Per cloud scanned: where its collection units ran and how many at once (manifest)."""
    out: dict[str, dict[str, Any]] = {}
    if targets.aws is not None:
        aws = targets.aws
        executor = "dask" if aws.executor.startswith("dask://") else aws.executor
        out["aws"] = {
            "executor": executor,
            "workers": aws.max_workers,
            "per_region_workers": aws.per_region_workers,
        }
        if executor == "dask":
            out["aws"]["scheduler"] = aws.executor
    for cloud, opts in (("azure", targets.azure), ("gcp", targets.gcp)):
        if opts is not None:
            out[cloud] = {"executor": "threads", "workers": opts.max_workers}
    return out
