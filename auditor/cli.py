"""The ``auditor`` command line.

Exit codes: 0 all pass; 1 failures at or above ``--fail-on`` (with
``--baseline``: only failures the baseline lacked, or expired waivers); 2 usage or
input error (checked before any API call where it can be); 3 scan incomplete
(gaps) with ``--strict``; 4 the bundle was written but ``--upload`` failed; 5 an
account, subscription or project could not be read at all (no credentials,
expired token, access denied on entry: one line says which and why); 130
interrupted. Cloud SDKs are imported only inside the commands that need them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import click

from auditor.commands._bundle_options import bundle_options
from auditor.commands._scale import scale_options

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
EXIT_UPLOAD = 4
EXIT_UNREAD = 5
EXIT_INTERRUPTED = 130
SUMMARY_FAILS = 15


def _die(message: str, code: int = EXIT_INPUT) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def make_console() -> Any:
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True)


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
            _die(str(exc))


@click.group(cls=_AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="boundary-auditor", prog_name="auditor")
def main() -> None:
    """Audit a declared cloud account boundary for multi-region Kafka platforms."""
    from auditor.collect.sdk_logs import quiet_sdk_logs

    quiet_sdk_logs()  # SDK debug logs would print raw answers: credentials, tag values


@main.command()
@click.argument("declaration", type=click.Path(dir_okay=False, path_type=Path))
def validate(declaration: Path) -> None:
    """Check a boundary declaration; errors name file, line, column and field."""
    from auditor.boundary import DeclarationError, load_declaration

    try:
        decl = load_declaration(declaration)
    except DeclarationError as exc:
        _die(str(exc))
    accounts = sum(len(decl.accounts(c)) for c in ("aws", "azure", "gcp"))
    click.echo(
        f"{declaration}: valid ({decl.name}, {decl.pattern.value}, "
        f"{len(decl.parties)} parties, {accounts} accounts, {len(decl.regions)} regions, "
        f"{len(decl.exceptions)} waivers)"
    )


def _load_inputs(declaration: Path, rules: str) -> tuple[Any, str, Any]:
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.checks import all_rules
    from auditor.checks.pack import PackError, load_pack

    try:
        decl = load_declaration(declaration)
        pack = load_pack(rules)
        pack.entries(all_rules())
    except (DeclarationError, PackError) as exc:
        _die(str(exc))
    return decl, declaration.read_text(encoding="utf-8"), pack


_scan_options = bundle_options(
    "boundary",
    "profile",
    "region",
    "assume-role",
    "external-id",
    "out",
    "rules",
    "fail-on",
    "strict",
    "workers",
    "sign-key",
    "baseline",
    "keep-raw",
    "upload",
)


@main.command()
@_scan_options
@scale_options
@click.option(
    "--gcp-folder",
    "gcp_folders",
    multiple=True,
    metavar="NUMBER",
    help="Also read this GCP folder (its IAM policy and every project in it; repeatable).",
)
@click.option(
    "--gcp-organization",
    is_flag=True,
    help="Also read the customer's declared GCP organisation (org IAM, every project in it).",
)
def scan(
    declaration: Path,
    profile: str | None,
    regions: tuple[str, ...],
    assume_role: str | None,
    external_id: str | None,
    out_dir: Path,
    rules: str,
    fail_on: str,
    strict: bool,
    workers: int,
    sign_key: Path | None,
    baseline: Path | None,
    keep_raw: bool,
    upload: str | None,
    scale: Any,
    gcp_folders: tuple[str, ...],
    gcp_organization: bool,
) -> None:
    """Collect the declared AWS accounts, Azure subscriptions and GCP projects, evaluate
    the rules, and write an evidence bundle."""
    target = _upload_target(upload) if upload else None
    decl, text, pack = _load_inputs(declaration, rules)
    check_writable(out_dir)
    cloud_options = {"gcp": gcp_scope(decl, gcp_folders, gcp_organization)}
    signer = _signer(sign_key) if sign_key else None
    prior = _baseline_verdicts(baseline) if baseline else None
    code = run_scan(
        decl,
        text,
        pack,
        profile=profile,
        regions=regions,
        assume_role=assume_role,
        external_id=external_id,
        out_dir=out_dir,
        fail_on=fail_on,
        strict=strict,
        workers=workers,
        declaration_path=declaration,
        signer=signer,
        baseline=prior,
        keep_raw=keep_raw,
        upload=target,
        scale=scale,
        cloud_options=cloud_options,
    )
    sys.exit(code)


def gcp_scope(decl: Any, folders: tuple[str, ...], organization: bool) -> dict[str, Any]:
    """GCP scopes beyond the declared projects: folders, and the customer's organisation.

    A folder or organisation listing covers every project under it, so resources of
    undeclared projects land in the ``unknown`` party's zones.
    """
    scope: dict[str, Any] = {}
    if folders:
        if not decl.accounts("gcp", "customer"):
            _die("--gcp-folder: the customer party declares no gcp.projects")
        scope["folders"] = tuple(folders)
    if organization:
        party = decl.parties["customer"].gcp
        if party is None or not party.organization:
            _die("--gcp-organization: the customer party declares no gcp.organization")
        scope["organization"] = party.organization
    return scope


def check_writable(out_dir: Path) -> None:
    """``--out`` can take a bundle: found before collection, not after it."""
    import tempfile

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".auditor-write-check-"):
            pass
    except OSError as exc:
        _die(f"--out {out_dir}: cannot write there: {exc.strerror or exc}")


def check_aws_profile(profile: str | None) -> None:
    """A named profile (``--profile`` or ``AWS_PROFILE``) exists, before any API call."""
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    source = "--profile" if profile else "AWS_PROFILE"
    name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    if not name:
        return
    session = botocore.session.Session(profile=name)
    try:
        session.get_scoped_config()
    except ProfileNotFound:
        known = ", ".join(sorted(session.available_profiles)) or "none"
        _die(f"{source}: the AWS profile {name!r} does not exist (profiles configured: {known})")


def _upload_target(url: str) -> Any:
    """The parsed ``--upload`` URL; a bad one is an input error before anything runs."""
    from auditor.evidence.upload import UploadError, parse_s3_url

    try:
        return parse_s3_url(url)
    except UploadError as exc:
        _die(str(exc))


def _upload(console: Any, bundle: Path, target: Any, profile: str | None) -> bool:
    """Copy the bundle to S3; False (after a one-line error) when that failed."""
    from rich.text import Text

    from auditor.evidence.upload import UploadError, upload_bundle

    try:
        done = upload_bundle(bundle, target, profile=profile)
    except (UploadError, OSError) as exc:
        click.echo(f"error: upload failed, the local bundle stays at {bundle}: {exc}", err=True)
        return False
    console.print(
        Text(
            f"uploaded {len(done.keys)} files to s3://{target.bucket}/"
            f"{target.key(bundle.name, '')}/ ({done.note})"
        )
    )
    return True


def _signer(path: Path) -> Any:
    """A signing function for the bundle's SHA256SUMS; a bad key is an input error."""
    from auditor.evidence.signing import SigningError, load_private_key, sign

    try:
        key = load_private_key(path)
    except SigningError as exc:
        _die(str(exc))
    return lambda sums: sign(sums, key)


def _baseline_verdicts(path: Path) -> Any:
    """The verdicts of a verified earlier bundle; a bad one is an input error."""
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.load import load_bundle

    try:
        return load_bundle(path).verdicts
    except BundleError as exc:
        _die(f"--baseline: {exc}")


def run_scan(
    decl: Any,
    text: str,
    pack: Any,
    *,
    profile: str | None,
    regions: tuple[str, ...],
    assume_role: str | None,
    external_id: str | None,
    out_dir: Path,
    fail_on: str,
    strict: bool,
    workers: int,
    max_attempts: int = 5,
    declaration_path: Path | None = None,
    signer: Any = None,
    baseline: Any = None,
    on_bundle: Callable[[Any, Path], None] | None = None,
    keep_raw: bool = False,
    upload: Any = None,
    scale: Any = None,
    cloud_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> int:
    """Scan, write the bundle, print the summary; return the exit code.

    Every cloud the customer party names is scanned: AWS accounts, Azure
    subscriptions, GCP projects. ``cloud_options`` adds keyword arguments to the
    Azure and GCP scan options (``{"azure": {"base_url": ...}}``: a fake's endpoint,
    credential and CA in the demo and tests; real clouds need none).

    Recorded failover drills are read from the declaration's drills folder, relative
    to ``declaration_path`` (the ``--boundary`` file). ``on_bundle(console, bundle)``
    runs once the bundle is written, before the summary (``auditor snapshot``).
    ``keep_raw`` adds the redacted raw API responses; ``upload`` (an S3Target) copies
    the finished bundle to S3 (exit 4 when that fails; the bundle stays).
    ``scale`` (a :class:`~auditor.commands._scale.ScanScale`) adds organisation
    discovery, all regions, the executor, rate limits and the checkpoint.
    """
    from auditor.collect.runner import AwsScanOptions
    from auditor.evidence.bundle import BundleError
    from auditor.normalize import NormalizationError
    from auditor.normalize.spool import SpoolError
    from auditor.pipeline import (
        aws_scope,
        evaluate_inventory,
        now_utc,
        write_scan_bundle,
    )

    aws_accounts, chosen = aws_scope(decl, regions)
    subscriptions = tuple(decl.accounts("azure", "customer"))
    projects = tuple(decl.accounts("gcp", "customer"))
    if not (aws_accounts or subscriptions or projects):
        _die("the declaration names no accounts, subscriptions or projects for the customer party")
    opts = None
    if aws_accounts:
        if not chosen:
            _die("no AWS regions to scan: declare regions or pass --region")
        opts = AwsScanOptions(
            accounts=aws_accounts,
            regions=chosen,
            profile=profile,
            assume_role=assume_role,
            external_id=external_id,
            max_workers=workers,
            max_attempts=max_attempts,
        )
        if scale is not None:
            try:  # contradicting options, a malformed or unreachable --executor
                opts = scale.apply(opts, text, regions_given=bool(regions))
            except ValueError as exc:
                _die(str(exc))
        check_aws_profile(profile)
    targets = _targets(decl, opts, subscriptions, projects, cloud_options or {})
    console = make_console()
    started = now_utc()
    raw: list[Any] | None = [] if keep_raw else None
    collected: list[Any] = []
    try:
        inventory = _collect_with_progress(targets, console, raw, collected)
    except NormalizationError as exc:
        _die(f"unexpected API response: {exc}")
    except SpoolError as exc:
        _die(str(exc))
    except ValueError as exc:  # the Dask scheduler could not be reached (ExecutorError)
        _die(str(exc))
    if collected and collected[0].started is not None:
        started = min(started, collected[0].started)  # a resumed scan began earlier
    finished = now_utc()
    from auditor.evidence.drills import with_drills

    inventory = with_drills(inventory, decl, declaration_path, started.date())
    ev = evaluate_inventory(inventory, decl, pack, started.date())
    try:
        bundle = write_scan_bundle(
            out_dir,
            decl=decl,
            decl_text=text,
            ev=ev,
            started=started,
            finished=finished,
            signer=signer,
            raw=_raw_members(raw),
        )
    except (BundleError, OSError) as exc:
        _die(f"cannot write the evidence bundle: {exc}")
    if collected and collected[0].checkpoint is not None:
        collected[0].checkpoint.remove()  # the bundle holds it all now: drop the raw data
    if on_bundle is not None:
        on_bundle(console, bundle)
    print_summary(console, decl, inventory, ev.verdicts, bundle)
    code = exit_code(
        ev.verdicts, inventory, fail_on=fail_on, strict=strict, baseline=baseline, console=console
    )
    code = _coverage_code(code, inventory, targets, collected)
    if upload is not None and not _upload(console, bundle, upload, profile):
        return EXIT_UPLOAD
    return code


def _coverage_code(code: int, inventory: Any, targets: Any, collected: list[Any]) -> int:
    """EXIT_UNREAD, with one stderr line, when a targeted account yielded nothing."""
    from auditor.coverage import unread_accounts, unread_line

    aws = collected[0].accounts if collected and collected[0].accounts else ()
    wanted = [("aws", a) for a in (aws or (targets.aws.accounts if targets.aws else ()))]
    if targets.azure is not None:
        wanted += [("azure", s) for s in targets.azure.subscriptions]
    if targets.gcp is not None:
        wanted += [("gcp", p) for p in targets.gcp.projects]
    unread = unread_accounts(inventory, wanted)
    if not unread:
        return code
    click.echo(f"error: {unread_line(unread, len(set(wanted)))}", err=True)
    return EXIT_UNREAD


def _raw_members(raw: list[Any] | None) -> dict[str, bytes] | None:
    from auditor.evidence.raw import raw_files

    return None if raw is None else raw_files(raw)


def _targets(
    decl: Any,
    aws: Any,
    subscriptions: tuple[str, ...],
    projects: tuple[str, ...],
    cloud_options: Mapping[str, Mapping[str, Any]],
) -> Any:
    """What to scan in each cloud the declaration names."""
    from auditor.pipeline import ScanTargets

    azure = gcp = None
    if subscriptions:
        from auditor.collect.azure import AzureScanOptions

        azure = AzureScanOptions(subscriptions=subscriptions, **cloud_options.get("azure", {}))
    if projects:
        from auditor.collect.gcp import GcpScanOptions

        gcp = GcpScanOptions(projects=projects, **cloud_options.get("gcp", {}))
    return ScanTargets(
        aws=aws,
        azure=azure,
        gcp=gcp,
        regions={c: tuple(sorted(decl.regions_of(c))) for c in ("azure", "gcp")},
    )


def _collect_with_progress(
    targets: Any, console: Any, raw: list[Any] | None = None, collected: list[Any] | None = None
) -> Any:
    """Collect with per-account progress: rich bars on a terminal, log lines otherwise."""
    from rich.text import Text

    from auditor.collect.progress import LogProgress, RichProgress
    from auditor.pipeline import collect_inventory

    def noted(result: Any) -> None:
        if collected is not None:
            collected.append(result)
        for line in collection_notes(result):
            console.print(Text(line))

    if not console.is_terminal:
        return collect_inventory(targets, LogProgress(sys.stderr), raw, on_result=noted)
    with RichProgress(console) as bar:
        return collect_inventory(targets, bar, raw, on_result=noted)


def collection_notes(result: Any) -> list[str]:
    """One line each on what organisation discovery and resuming did."""
    notes = []
    org = result.organization
    if org is not None:
        notes.append(
            f"organization {org.id}: {len(org.accounts)} account(s), {len(org.active())} "
            f"ACTIVE, {len(org.units)} OU(s); scanning {len(result.accounts)} account(s)"
        )
    if result.resumed_units:
        notes.append(f"resumed {result.resumed_units} finished unit(s) from the checkpoint")
    return notes + list(result.notes)


def exit_code(
    verdicts: Any,
    inventory: Any,
    *,
    fail_on: str,
    strict: bool,
    baseline: Any = None,
    console: Any = None,
) -> int:
    """With ``baseline`` (earlier verdicts) only failures it lacked, or expired waivers, count."""
    from auditor.model import Severity, Status

    threshold = Severity(fail_on).rank
    if baseline is not None:
        from rich.text import Text

        from auditor.evidence.diff import baseline_failures

        counted = baseline_failures(verdicts, baseline, fail_on=fail_on)
        if console is not None:
            console.print(Text(f"versus baseline: {len(counted)} new failure(s) at {fail_on}+"))
            for f in counted:
                v = f.verdict
                console.print(Text(f"  {f.reason}: {v.severity.value} {v.rule} {v.resource}"))
        if counted:
            return EXIT_FAIL
    elif any(v.status is Status.FAIL and v.severity.rank >= threshold for v in verdicts):
        return EXIT_FAIL
    if strict and (inventory.gaps or any(v.status is Status.INCONCLUSIVE for v in verdicts)):
        return EXIT_INCOMPLETE
    return EXIT_OK


def print_summary(console: Any, decl: Any, inventory: Any, verdicts: Any, bundle: Path) -> None:
    from rich.table import Table
    from rich.text import Text

    from auditor.model import PathName, Status

    scope = inventory.scope
    console.print(
        Text(
            f"{decl.name}: scanned {len(scope.accounts)} account(s) "
            f"[{', '.join(scope.accounts)}] in {', '.join(scope.regions)}; "
            f"{len(inventory.resources)} resources, {sum(inventory.api_calls.values())} API calls"
        )
    )
    table = Table(title="Verdicts by path")
    table.add_column("path")
    for s in Status:
        table.add_column(s.value, justify="right")
    for p in PathName:
        table.add_row(
            p.value,
            *(str(sum(1 for v in verdicts if v.path is p and v.status is s)) for s in Status),
        )
    console.print(table)
    fails = [v for v in verdicts if v.status is Status.FAIL]
    if fails:
        worst = sorted(fails, key=lambda v: (-v.severity.rank, v.rule, v.resource))
        shown = Table(title=f"Failures ({len(fails)})", show_lines=False)
        for col in ("severity", "rule", "finding"):
            shown.add_column(col)
        for v in worst[:SUMMARY_FAILS]:
            # Text cells: cloud-supplied strings are never read as rich markup; one line
            # each, so a name holding a line break cannot print a line of its own.
            message = "".join(c if c.isprintable() else " " for c in v.message)
            shown.add_row(Text(v.severity.value), Text(v.rule), Text(message))
        console.print(shown)
        if len(fails) > SUMMARY_FAILS:
            console.print(Text(f"... and {len(fails) - SUMMARY_FAILS} more in report.md"))
    if inventory.gaps:
        console.print(
            Text(
                f"{len(inventory.gaps)} collection gap(s): dependent verdicts are "
                "INCONCLUSIVE (see report.md)"
            )
        )
    else:
        console.print(Text("collection complete: no gaps"))
    console.print(Text(f"evidence bundle: {bundle}"))


@main.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ed25519 public key: the bundle must carry a valid signature by it.",
)
def verify(bundle: Path, public_key: Path | None) -> None:
    """Recompute every hash of a bundle; report changed, missing or extra files.

    With --public-key, also check the signature over SHA256SUMS.
    """
    from auditor.evidence.bundle import verify_bundle

    key = None
    if public_key is not None:
        from auditor.evidence.signing import SigningError, load_public_key

        try:
            key = load_public_key(public_key)
        except SigningError as exc:
            _die(str(exc))
    from auditor.evidence.archive import bundle_dir
    from auditor.evidence.bundle import BundleError

    try:
        folder = bundle_dir(bundle)  # a packed .tar.gz is unpacked defensively first
    except BundleError as exc:
        click.echo(f"FAIL {exc}")
        _die(f"{bundle}: refused; the archive is not a safe bundle", EXIT_FAIL)
    result = verify_bundle(folder, key)
    for problem in result.problems:
        click.echo(f"FAIL {problem}")
    if not result.ok:
        _die(f"{bundle}: {len(result.problems)} problem(s); the bundle is not intact", EXIT_FAIL)
    signature = {
        "valid": "signature valid",
        "unchecked": "signed, signature not checked (pass --public-key)",
        "absent": "not signed",
    }[result.signature]
    click.echo(f"{bundle}: OK ({result.checked} files verified; {signature})")


@main.command(name="rules")
@click.option("--pack", default=None, help="Show only the rules of this pack.")
def list_rules(pack: str | None) -> None:
    """List the rules: id, path, severity and rationale."""
    from rich.table import Table

    from auditor.checks import all_rules
    from auditor.checks.pack import PackError, load_pack

    rules = all_rules()
    chosen = list(rules)
    if pack:
        try:
            chosen = [e.id for e in load_pack(pack).entries(rules)]
        except PackError as exc:
            _die(str(exc))
    table = Table(show_lines=False)
    for col in ("id", "path", "severity", "rationale"):
        table.add_column(col)
    for rid in chosen:
        r = rules[rid]
        table.add_row(r.id, r.path.value, r.severity.value, r.rationale.splitlines()[0])
    make_console().print(table)


@main.command()
@click.option(
    "--out",
    "out_dir",
    default="docs/reference",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
def docs(out_dir: Path) -> None:
    """Generate reference docs (rules, edge kinds, declaration schema) from the code."""
    from auditor.reference import write_reference

    for path in write_reference(out_dir):
        click.echo(f"wrote {path}")


@main.command()
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--estate",
    default="kafka-byoc-multicloud",
    show_default=True,
    help="Fixture estate under fixtures/ (kafka-byoc-aws: AWS only).",
)
def demo(out_dir: Path, estate: str) -> None:
    """Start embedded fake clouds (AWS, Azure, GCP), load a fixture estate, and scan it."""
    from auditor.fakecloud.demo import run_demo

    sys.exit(run_demo(estate=estate, out_dir=out_dir))


def _add_discovered_commands() -> None:
    from auditor.commands import commands

    for command in commands():
        main.add_command(command)


_add_discovered_commands()


def fail_with(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """For discovered commands: print a one-line error and exit."""
    _die(message, code)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
