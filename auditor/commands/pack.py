"""``auditor pack BUNDLE --out FILE.tar.gz``: one file to attach, archive or upload.

The bundle is verified first; the archive packs the same bundle to the same
bytes. ``verify``, ``evaluate``, ``diff`` (and every reader of bundles) accept
the ``.tar.gz`` in place of the folder and unpack it defensively.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="pack")
@click.argument("bundle", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive to write (.tar.gz or .tgz); never overwritten.",
)
def pack(bundle: Path, out: Path) -> None:
    """Pack a verified evidence bundle as one deterministic .tar.gz."""
    from auditor.commands._common import fail_with
    from auditor.evidence.archive import pack_bundle
    from auditor.evidence.bundle import BundleError, sha256

    try:
        written = pack_bundle(bundle, out)
    except (BundleError, OSError) as exc:
        fail_with(str(exc))
    click.echo(f"{written}: packed {bundle.name} (sha256 {sha256(written.read_bytes())})")


COMMAND = pack
