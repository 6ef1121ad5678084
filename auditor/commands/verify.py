"""``auditor verify``: recompute a bundle's hashes and check its signature."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.base.exit_codes import ExitCode

EXIT_CHANGED = ExitCode.FAIL
"""A bundle that is not intact."""


@click.command(name="verify")
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
    from auditor.commands._common import fail_with
    from auditor.evidence.archive import bundle_dir
    from auditor.evidence.bundle import BundleError, verify_bundle

    key = None
    if public_key is not None:
        from auditor.evidence.signing import SigningError, load_public_key

        try:
            key = load_public_key(public_key)
        except SigningError as exc:
            fail_with(str(exc))
    try:
        folder = bundle_dir(bundle)  # a packed .tar.gz is unpacked defensively first
    except BundleError as exc:
        click.echo(f"FAIL {exc}")
        fail_with(f"{bundle}: refused; the archive is not a safe bundle", EXIT_CHANGED)
    result = verify_bundle(folder, key)
    for problem in result.problems:
        click.echo(f"FAIL {problem}")
    if not result.ok:
        fail_with(
            f"{bundle}: {len(result.problems)} problem(s); the bundle is not intact", EXIT_CHANGED
        )
    signature = {
        "valid": "signature valid",
        "unchecked": "signed, signature not checked (pass --public-key)",
        "absent": "not signed",
    }[result.signature]
    click.echo(f"{bundle}: OK ({result.checked} files verified; {signature})")


COMMAND = verify
