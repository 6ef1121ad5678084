"""``auditor keygen``: make an Ed25519 key pair for signing bundles."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="keygen")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Private key path; the public key is written beside it as PATH.pub.",
)
def keygen(out: Path) -> None:
    """Create an Ed25519 key pair: PATH (private, mode 0600) and PATH.pub."""
    from auditor.commands._common import fail_with
    from auditor.evidence.signing import (
        SigningError,
        fingerprint,
        generate_keypair,
        load_public_key,
    )

    try:
        private, public = generate_keypair(out)
    except (SigningError, OSError) as exc:
        fail_with(str(exc))
    click.echo(f"private key: {private} (keep it secret)")
    click.echo(f"public key:  {public} ({fingerprint(load_public_key(public))})")


COMMAND = keygen
