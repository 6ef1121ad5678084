"""``auditor pack BUNDLE --out FILE.tar.gz``: one file to attach, archive or upload.

The bundle is verified first (its signature too with ``--public-key`` or
``$AUDITOR_TRUSTED_KEYS``) and the verified bytes are packed; the same bundle
packs to the same bytes. ``verify``, ``evaluate``, ``diff`` (and every reader of bundles) accept
the ``.tar.gz`` in place of the folder and unpack it defensively.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands._bundle_options import public_key_option


@click.command(name="pack")
@click.argument("bundle", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive to write (.tar.gz or .tgz); never overwritten.",
)
@public_key_option()
def pack(bundle: Path, out: Path, public_key: Path | None) -> None:
    """Pack a verified evidence bundle as one deterministic .tar.gz."""
    from auditor.commands._common import fail_with, keys_or_fail
    from auditor.evidence.archive import pack_bundle
    from auditor.evidence.bundle import BundleError, sha256
    from auditor.evidence.trusted import NOT_AUTHENTICATED

    keys = keys_or_fail(public_key)
    try:
        written = pack_bundle(bundle, out, keys)
    except (BundleError, OSError) as exc:
        fail_with(str(exc))
    if not keys:
        click.echo(f"note: {bundle}: {NOT_AUTHENTICATED}", err=True)
    click.echo(f"{written}: packed {bundle.name} (sha256 {sha256(written.read_bytes())})")


COMMAND = pack
