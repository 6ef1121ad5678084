"""``auditor verify``: recompute a bundle's hashes and check its signature."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.base.exit_codes import ExitCode
from auditor.commands._bundle_options import public_key_option

EXIT_CHANGED = ExitCode.FAIL
"""A bundle that is not intact."""


@click.command(name="verify")
@click.argument("bundle", type=click.Path(path_type=Path))
@public_key_option()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object on stdout: ok, files checked, problems, signature, signer.",
)
def verify(bundle: Path, public_key: Path | None, as_json: bool) -> None:
    """Recompute every hash of a bundle; report changed, missing or extra files.

    With --public-key (or $AUDITOR_TRUSTED_KEYS), also check the signature over
    SHA256SUMS. File names are printed with control characters escaped.
    """
    from auditor.commands._common import fail_with, inert, keys_or_fail
    from auditor.evidence.archive import bundle_dir
    from auditor.evidence.bundle import BundleError
    from auditor.evidence.trusted import TRUST_ENV, inspect_bundle

    keys = keys_or_fail(public_key)
    try:
        folder = bundle_dir(bundle)  # a packed .tar.gz is unpacked defensively first
    except BundleError as exc:
        click.echo(inert(f"FAIL {exc}"))
        fail_with(f"{bundle}: refused; the archive is not a safe bundle", EXIT_CHANGED)
    result, trusted = inspect_bundle(folder, keys)
    if as_json:
        doc = {
            "bundle": str(bundle),
            "ok": result.ok,
            "checked": result.checked,
            "problems": list(result.problems),
            "signature": result.signature,
            "signer": trusted.signer if result.signature == "valid" else None,
        }
        click.echo(json.dumps(doc, sort_keys=True, ensure_ascii=True))
        if not result.ok:
            sys.exit(EXIT_CHANGED)
        return
    for problem in result.problems:
        click.echo(inert(f"FAIL {problem}"))
    if not result.ok:
        fail_with(
            f"{bundle}: {len(result.problems)} problem(s); the bundle is not intact", EXIT_CHANGED
        )
    signature = {
        "valid": f"signature valid, by {trusted.signer}",
        "unchecked": "signed, signature not checked (pass --public-key or set "
        f"{TRUST_ENV}); authenticity not checked",
        "absent": "not signed; authenticity not checked",
    }[result.signature]
    click.echo(inert(f"{bundle}: OK ({result.checked} files verified; {signature})"))


COMMAND = verify
