"""What the commands share: one-line errors, checked inputs, and the scan front end.

The pipeline runs the scan (:func:`auditor.pipeline.run_scan`); this module only
turns options into a request, shows progress, prints the summary and returns
the exit code. Light to import: SDKs and the pipeline load inside functions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from auditor.base.exit_codes import ExitCode
from auditor.base.text import inert
from auditor.commands._output import current, styled
from auditor.commands._output import fail_with as fail_with  # where commands look for it
from auditor.render.terminal import collection_notes, print_summary
from auditor.render.terminal import make_console as _terminal_console

__all__ = ["collection_notes", "inert", "make_console", "print_summary"]

EXIT_INPUT = ExitCode.INPUT


def make_console(stderr: bool = False) -> Any:
    """The rich console of a command, honouring ``--no-color`` and ``--quiet``."""
    return styled(_terminal_console(stderr=stderr))


def load_inputs(declaration: Path, rules: Any) -> tuple[Any, str, Any]:
    """The declaration, its text and the rule pack (narrowed to the rules chosen on the
    command line, ``rules`` being a RuleChoice or a pack name), or a one-line error."""
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.checks import all_rules
    from auditor.checks.pack import PackError, load_pack
    from auditor.commands._bundle_options import RuleChoice

    choice = rules if isinstance(rules, RuleChoice) else RuleChoice(pack=str(rules))
    try:
        decl = load_declaration(declaration)
        known = all_rules()
        pack = load_pack(choice.pack).narrowed(
            known,
            checks=choice.checks,
            exclude=choice.exclude,
            severities=choice.severities,
            paths=choice.paths,
        )
        pack.entries(known)
    except (DeclarationError, PackError) as exc:
        fail_with(str(exc))
    return decl, declaration.read_text(encoding="utf-8"), pack


def check_writable(out_dir: Path) -> None:
    """``--out`` can take a bundle: found before collection, not after it.

    Nothing is left behind: a missing folder is not made here (the bundle writer
    makes it), its nearest existing parent is tried with a temporary file.
    """
    import tempfile

    here = out_dir.absolute()
    while not here.exists() and here.parent != here:
        here = here.parent
    if not here.is_dir():
        fail_with(f"--out {out_dir}: cannot write there: {here} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=here, prefix=".auditor-write-check-"):
            pass
    except OSError as exc:
        fail_with(f"--out {out_dir}: cannot write there: {exc.strerror or exc}")


def check_aws_profile(profile: str | None) -> None:
    """A named profile (``--profile`` or ``AWS_PROFILE``) exists, before any API call."""
    from auditor.collect.access import unknown_profile

    problem = unknown_profile(profile)
    if problem is not None:
        fail_with(problem)


def gcp_scope(decl: Any, folders: tuple[str, ...], organization: bool) -> dict[str, Any]:
    """GCP scopes beyond the declared projects: folders, and the customer's organisation.

    A folder or organisation listing covers every project under it, so resources of
    undeclared projects land in the ``unknown`` party's zones.
    """
    scope: dict[str, Any] = {}
    if folders:
        if not decl.accounts("gcp", "customer"):
            fail_with("--gcp-folder: the customer party declares no gcp.projects")
        scope["folders"] = tuple(folders)
    if organization:
        party = decl.parties["customer"].gcp
        if party is None or not party.organization:
            fail_with("--gcp-organization: the customer party declares no gcp.organization")
        scope["organization"] = party.organization
    return scope


def cloud_credentials(
    auth: Any, decl: Any, profile: str | None, assume_role: str | None, scale: Any
) -> tuple[dict[str, dict[str, Any]], dict[str, str] | None]:
    """The per-cloud scan options of ``auth`` (a CloudAuth) and an MFA session's
    environment (None without ``--mfa-serial``); any problem is one line, exit 2."""
    from auditor.collect.credentials import CredentialError, aws_mfa_environment
    from auditor.commands._credentials import AuthError

    executor = getattr(scale, "executor", "threads")
    problem = auth.problem(decl, assume_role=assume_role, executor=executor)
    if problem is not None:
        fail_with(problem)
    try:
        clouds: dict[str, dict[str, Any]] = auth.cloud_options(decl)
        code = auth.mfa_code()
        if code is None:
            return clouds, None
        check_aws_profile(profile)
        return clouds, aws_mfa_environment(profile, auth.mfa_serial, code)
    except (CredentialError, AuthError) as exc:
        fail_with(str(exc))


def upload_target(url: str) -> Any:
    """The parsed ``--upload`` URL; a bad one is an input error before anything runs."""
    from auditor.upload import UploadError, parse_s3_url

    try:
        return parse_s3_url(url)
    except UploadError as exc:
        fail_with(str(exc))


def signer_from(path: Path) -> Callable[[bytes], bytes]:
    """A signing function for the bundle's SHA256SUMS; a bad key is an input error."""
    from auditor.evidence.signing import SigningError, load_private_key, sign

    try:
        key = load_private_key(path)
    except SigningError as exc:
        fail_with(str(exc))
    return lambda sums: sign(sums, key)


def keys_or_fail(public_key: Path | None) -> list[Any]:
    """The trusted public keys (``--public-key``, else ``$AUDITOR_TRUSTED_KEYS``), or exit 2."""
    from auditor.evidence.signing import SigningError
    from auditor.evidence.trusted import trusted_keys

    try:
        return trusted_keys(public_key)
    except SigningError as exc:
        fail_with(str(exc))


def open_or_fail(path: Path, public_key: Path | None, what: str = "") -> Any:
    """The verified bundle at ``path`` (a LoadedBundle), or a one-line error (exit 2).

    With a trusted key the bundle must be signed by it, before any of it is
    parsed; without one, a note on stderr says its authenticity was not checked.
    Every command that reads a bundle comes through here.
    """
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.load import load_bundle
    from auditor.evidence.trusted import NOT_AUTHENTICATED

    keys = keys_or_fail(public_key)
    try:
        loaded = load_bundle(path, keys)
    except BundleError as exc:
        fail_with(inert(f"{what}{exc}"))
    if not keys:
        click.echo(inert(f"note: {what}{path}: {NOT_AUTHENTICATED}"), err=True)
    return loaded


def baseline_verdicts(path: Path, public_key: Path | None = None) -> Any:
    """The verdicts of a verified earlier bundle; a bad one is an input error."""
    return open_or_fail(path, public_key, "--baseline: ").verdicts


def _upload(console: Any, bundle: Path, target: Any, profile: str | None) -> bool:
    """Copy the bundle to S3; False (after a one-line error) when that failed."""
    from rich.text import Text

    from auditor.upload import UploadError, upload_bundle

    try:
        done = upload_bundle(bundle, target, profile=profile)
    except (UploadError, OSError) as exc:
        click.echo(
            inert(f"error: upload failed, the local bundle stays at {bundle}: {exc}"), err=True
        )
        return False
    console.print(
        Text(
            f"uploaded {len(done.keys)} files to s3://{target.bucket}/"
            f"{target.key(bundle.name, '')}/ ({done.note})"
        )
    )
    return True


def request_or_fail(decl: Any, text: str, pack: Any, **options: Any) -> Any:
    """:func:`auditor.pipeline.scan_request`, its refusal a one-line error (exit 2)."""
    from auditor.pipeline import ScanError, scan_request

    try:
        return scan_request(decl, text, pack, **options)
    except ScanError as exc:
        fail_with(str(exc))


def scan_and_report(
    request: Any,
    *,
    fail_on: str,
    strict: bool,
    baseline: Any = None,
    on_bundle: Callable[[Any, Path], None] | None = None,
    upload: Any = None,
    as_json: bool = False,
    clock: Any = None,
    show_timings: bool = False,
    settle: Callable[[int], tuple[int, dict[str, Any]]] | None = None,
) -> int:
    """Run ``request`` (a ScanRequest) with progress, print the summary; the exit code.

    ``on_bundle(console, bundle)`` runs once the bundle is written, before the
    summary (``auditor snapshot``); ``upload`` (an S3Target) copies the finished
    bundle to S3 (exit 4 when that fails; the bundle stays). ``as_json``: the human
    output goes to stderr and stdout gets one summary object (:func:`scan_summary`).
    ``clock`` (a :class:`~auditor.evidence.timings.ScanClock`) times the scan;
    ``show_timings`` prints its critical path. ``settle(code)``: the command's last
    word on the exit code and what it adds to the JSON summary (``auditor snapshot``).
    """
    from rich.text import Text

    from auditor.collect.progress import LogProgress, RichProgress
    from auditor.coverage import unread_line
    from auditor.pipeline import ScanError, run_scan, scan_exit_code

    profile = request.targets.aws.profile if request.targets.aws is not None else None
    if request.targets.aws is not None:
        check_aws_profile(profile)
    console = make_console(stderr=as_json)

    def noted(result: Any) -> None:
        for line in collection_notes(result):
            console.print(Text(inert(line)))

    try:
        if current().quiet:
            result = run_scan(request, None, on_result=noted)
        elif console.is_terminal:
            with RichProgress(console) as bar:
                result = run_scan(request, bar, on_result=noted, clock=clock)
        else:
            result = run_scan(request, LogProgress(sys.stderr), on_result=noted, clock=clock)
    except ScanError as exc:
        fail_with(str(exc))
    if on_bundle is not None:
        on_bundle(console, result.bundle)
    verdicts = result.evaluation.verdicts
    print_summary(console, request.declaration, result.inventory, verdicts, result.bundle)
    code, lines = scan_exit_code(
        verdicts,
        result.inventory,
        fail_on=fail_on,
        strict=strict,
        baseline=baseline,
        unread=result.unread,
    )
    for line in lines:
        console.print(Text(inert(line)))
    if show_timings and result.timings:
        from auditor.evidence.timings import summary_lines

        for line in summary_lines(result.timings):
            console.print(Text(inert(line)))
    if result.unread:
        click.echo(inert(f"error: {unread_line(result.unread, result.targeted)}"), err=True)
    final = int(code)
    if upload is not None and not _upload(console, result.bundle, upload, profile):
        final = int(ExitCode.UPLOAD)
    extra: dict[str, Any] = {}
    if settle is not None:
        final, extra = settle(final)
    if as_json:
        click.echo(scan_summary(result, final, lines, extra))
    return final


def scan_summary(
    result: Any, code: int, lines: list[str], extra: dict[str, Any] | None = None
) -> str:
    """One JSON object: bundle, exit code and reason, counts, findings, gaps, unread
    (and the keys of ``extra``)."""
    return bundle_summary(
        result.bundle,
        result.evaluation,
        result.inventory,
        code,
        lines,
        unread=[{"cloud": u.cloud, "account": u.account, "cause": u.cause} for u in result.unread],
        timings=dict(result.timings),
        extra=extra,
    )


def bundle_summary(
    bundle: Path,
    evaluation: Any,
    inventory: Any,
    code: int,
    lines: list[str],
    *,
    unread: list[dict[str, str]] | None = None,
    timings: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """The ``--json`` object of every command that writes a bundle (scan, import,
    evaluate): the same keys, ``unread`` and ``timings`` empty where no cloud was read."""
    import json
    from collections import Counter

    from auditor.base.serialize import gap_to_dict

    verdicts = evaluation.verdicts
    doc = {
        "bundle": str(bundle),
        "exit_code": code,
        "exit_reason": ExitCode(code).name.lower(),
        "baseline": lines,
        "verdicts": dict(sorted(Counter(v.status.value for v in verdicts).items())),
        "findings": [
            {
                "id": f.id,
                "severity": f.severity.value,
                "status": f.status.value,
                "summary": f.summary,
                "verdicts": len(f.verdicts),
            }
            for f in evaluation.findings
        ],
        "gaps": [gap_to_dict(g) for g in inventory.gaps],
        "unread": unread or [],
        "timings": timings or {},
        **(extra or {}),
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=True)
