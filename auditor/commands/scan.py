"""``auditor scan``: read the declared clouds, judge them, write an evidence bundle."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from auditor.commands._bundle_options import RuleChoice, bundle_options, output_files
from auditor.commands._credentials import CloudAuth, credential_options
from auditor.commands._scale import scale_options

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
    "public-key",
    "keep-raw",
    "upload",
    "output-formats",
    "output-name",
)


@click.command(name="scan")
@_scan_options
@credential_options
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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON summary on stdout (bundle, exit code and reason, verdict counts, "
    "findings, gaps); the human summary goes to stderr.",
)
def scan(
    declaration: Path,
    profile: str | None,
    regions: tuple[str, ...],
    assume_role: str | None,
    external_id: str | None,
    out_dir: Path,
    rules: RuleChoice,
    fail_on: str,
    strict: bool,
    workers: int,
    sign_key: Path | None,
    baseline: Path | None,
    public_key: Path | None,
    keep_raw: bool,
    upload: str | None,
    output_formats: tuple[str, ...],
    output_name: str | None,
    auth: CloudAuth,
    scale: Any,
    gcp_folders: tuple[str, ...],
    gcp_organization: bool,
    as_json: bool,
) -> None:
    """Collect the declared AWS accounts, Azure subscriptions and GCP projects, evaluate
    the rules, and write an evidence bundle."""
    from auditor.commands._common import (
        baseline_verdicts,
        check_writable,
        cloud_credentials,
        gcp_scope,
        load_inputs,
        request_or_fail,
        scan_and_report,
        signer_from,
        upload_target,
    )
    from auditor.commands._credentials import aws_credentials_env
    from auditor.pipeline import OutputChoice

    target = upload_target(upload) if upload else None
    decl, text, pack = load_inputs(declaration, rules)
    check_writable(out_dir)
    signer = signer_from(sign_key) if sign_key else None
    prior = baseline_verdicts(baseline, public_key) if baseline else None
    clouds, mfa_env = cloud_credentials(auth, decl, profile, assume_role, scale)
    clouds["gcp"] = {**gcp_scope(decl, gcp_folders, gcp_organization), **clouds.get("gcp", {})}
    request = request_or_fail(
        decl,
        text,
        pack,
        out_dir=out_dir,
        declaration_path=declaration,
        profile=None if mfa_env else profile,
        regions=regions,
        assume_role=assume_role,
        external_id=external_id,
        workers=workers,
        scale=scale,
        cloud_options=clouds,
        signer=signer,
        keep_raw=keep_raw,
        output=OutputChoice(formats=output_files(output_formats), name=output_name),
    )
    with aws_credentials_env(mfa_env):
        code = scan_and_report(
            request, fail_on=fail_on, strict=strict, baseline=prior, upload=target, as_json=as_json
        )
    sys.exit(code)


COMMAND = scan
