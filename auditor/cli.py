"""The ``auditor`` command line.

Exit codes: 0 all pass; 1 failures at or above ``--fail-on`` (with
``--baseline``: only failures the baseline lacked, or expired waivers); 2 usage or
input error; 3 scan incomplete (gaps) with ``--strict``. Cloud SDKs are
imported only inside the commands that need them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
SEVERITIES = ["info", "low", "medium", "high", "critical"]
SUMMARY_FAILS = 15

F = TypeVar("F", bound=Callable[..., Any])


def _die(message: str, code: int = EXIT_INPUT) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def make_console() -> Any:
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="boundary-auditor", prog_name="auditor")
def main() -> None:
    """Audit a declared cloud account boundary for multi-region Kafka platforms."""


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


def _scan_options(f: F) -> F:
    options = [
        click.option(
            "--boundary",
            "declaration",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="The boundary declaration (YAML).",
        ),
        click.option("--profile", default=None, help="AWS profile (default: standard chain)."),
        click.option(
            "--region",
            "regions",
            multiple=True,
            help="Region to scan (repeatable; default: the declared regions).",
        ),
        click.option(
            "--assume-role",
            default=None,
            help="Role name (or ARN) to assume in each other declared account.",
        ),
        click.option("--external-id", default=None, help="ExternalId for --assume-role."),
        click.option(
            "--out",
            "out_dir",
            default="reports",
            show_default=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder the evidence bundle is written under.",
        ),
        click.option(
            "--rules",
            default="default",
            show_default=True,
            help="Rule pack name (in rules/) or path.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(SEVERITIES),
            default="high",
            show_default=True,
            help="Lowest severity whose FAIL exits 1.",
        ),
        click.option("--strict", is_flag=True, help="Exit 3 when collection had gaps."),
        click.option(
            "--workers",
            default=16,
            show_default=True,
            type=click.IntRange(1, 128),
            help="Parallel collection units.",
        ),
        click.option(
            "--sign-key",
            default=None,
            type=click.Path(dir_okay=False, path_type=Path),
            help="Ed25519 private key (from auditor keygen) to sign the bundle with.",
        ),
        click.option(
            "--baseline",
            default=None,
            type=click.Path(path_type=Path),
            help="Earlier bundle: exit 1 only for failures it did not have (or expired waivers).",
        ),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


@main.command()
@_scan_options
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
) -> None:
    """Collect the declared AWS accounts, evaluate the rules, write an evidence bundle."""
    decl, text, pack = _load_inputs(declaration, rules)
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
    )
    sys.exit(code)


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
) -> int:
    """Scan, write the bundle, print the summary; return the exit code.

    Recorded failover drills are read from the declaration's drills folder, relative
    to ``declaration_path`` (the ``--boundary`` file).
    """
    from auditor.collect.runner import AwsScanOptions
    from auditor.evidence.bundle import BundleError
    from auditor.normalize import NormalizationError
    from auditor.pipeline import (
        aws_scope,
        evaluate_inventory,
        now_utc,
        write_scan_bundle,
    )

    accounts, chosen = aws_scope(decl, regions)
    if not accounts:
        _die("the declaration names no AWS accounts for the customer party")
    if not chosen:
        _die("no AWS regions to scan: declare regions or pass --region")
    opts = AwsScanOptions(
        accounts=accounts,
        regions=chosen,
        profile=profile,
        assume_role=assume_role,
        external_id=external_id,
        max_workers=workers,
        max_attempts=max_attempts,
    )
    console = make_console()
    started = now_utc()
    try:
        inventory = _collect_with_progress(opts, console)
    except NormalizationError as exc:
        _die(f"unexpected API response: {exc}")
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
        )
    except (BundleError, OSError) as exc:
        _die(f"cannot write the evidence bundle: {exc}")
    print_summary(console, decl, inventory, ev.verdicts, bundle)
    return exit_code(
        ev.verdicts, inventory, fail_on=fail_on, strict=strict, baseline=baseline, console=console
    )


def _collect_with_progress(opts: Any, console: Any) -> Any:
    from auditor.pipeline import collect_aws_inventory

    if not console.is_terminal:
        return collect_aws_inventory(opts)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("collecting", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"collecting {label}")

        return collect_aws_inventory(opts, progress)


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
            # Text cells: cloud-supplied strings are never read as rich markup.
            shown.add_row(Text(v.severity.value), Text(v.rule), Text(v.message))
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
    "--estate", default="kafka-byoc-aws", show_default=True, help="Fixture estate under fixtures/."
)
def demo(out_dir: Path, estate: str) -> None:
    """Start an embedded AWS, load a fixture estate through boto3, and scan it."""
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
