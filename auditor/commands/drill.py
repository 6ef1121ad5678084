"""``auditor drill``: record failover drill results into the evidence, print their schema.

``auditor drill record RESULT.json --boundary boundary.yaml`` validates the drill
file against the drill format (``docs/drill.schema.json``) and the declaration
(same platform, declared regions), then stores it, canonically formatted, as
``<failure.drills.path>/<id>.json`` next to the declaration. Every later scan reads
that folder into the inventory (resources of kind ``drill``). A bad file is one
located line on stderr and exit code 2.

``auditor drill sign RESULT.json --key KEY`` writes ``RESULT.json.sig``, an Ed25519
signature (the bundles' keys, from ``auditor keygen``) over the drill's canonical
text; ``record`` checks it against the trusted keys (``--public-key`` or
``AUDITOR_TRUSTED_KEYS``) and stores it beside the drill. A signature that does not
verify is refused.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands._bundle_options import public_key_option


@click.group(name="drill")
def drill() -> None:
    """Record failover drill results; print the drill file schema."""


@drill.command(name="record")
@click.argument("result", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--boundary",
    "declaration",
    default="boundary.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The declaration whose drills folder receives the drill.",
)
@public_key_option("a signed drill (RESULT.json.sig) must be signed by it")
def record(result: Path, declaration: Path, public_key: Path | None) -> None:
    """Validate RESULT.json (and RESULT.json.sig) and add it to the declaration's drills folder."""
    from auditor.base.ed25519 import SigningError, trusted_keys
    from auditor.boundary import DeclarationError, load_declaration
    from auditor.commands._common import fail_with
    from auditor.normalize.drills import (
        DrillError,
        drill_json,
        drill_signature,
        drills_folder,
        file_name_for,
        read_drill,
        read_signature,
        signature_path,
    )

    try:
        decl = load_declaration(declaration)
    except DeclarationError as exc:
        fail_with(str(exc))
    try:
        keys = trusted_keys(public_key)
    except SigningError as exc:
        fail_with(str(exc))
    try:
        result_drill = read_drill(result)
        sig = read_signature(result)
        signed = drill_signature(result_drill, sig, keys, str(signature_path(result)))
    except DrillError as exc:
        fail_with(str(exc))
    if result_drill.platform != decl.name:
        fail_with(
            f"{result}: the drill is for platform {result_drill.platform!r}, the declaration "
            f"{declaration} is {decl.name!r}"
        )
    for side, key in (
        ("from_region", result_drill.from_region),
        ("to_region", result_drill.to_region),
    ):
        if key not in decl.regions:
            fail_with(
                f"{result}: {side} {key} is not a region of {declaration} "
                f"({', '.join(sorted(decl.regions))})"
            )
    folder = drills_folder(decl.failure.drills, declaration)
    target = folder / file_name_for(result_drill)
    target_sig = signature_path(target)
    text = drill_json(result_drill)
    if target.exists():
        try:
            old = target.read_text(encoding="utf-8")
            old_sig = target_sig.read_bytes() if target_sig.exists() else None
        except (OSError, UnicodeDecodeError) as exc:
            fail_with(f"{target}: cannot read ({exc})")
        if old == text and (sig is None or old_sig == sig):
            click.echo(f"drill {result_drill.id} is already recorded in {target}")
            return
        if old != text:
            fail_with(
                f"{target}: a different drill with id {result_drill.id!r} is already recorded"
            )
    writes = [(target, text.encode())] + ([(target_sig, sig)] if sig is not None else [])
    _write_all(folder, writes)
    loss = result_drill.data_loss()
    how = {
        "verified": f"signed by {signed.get('signer')} (verified)",
        "unchecked": f"signed by {signed.get('signer')}, not checked: no trusted key "
        "(--public-key, AUDITOR_TRUSTED_KEYS)",
        "unsigned": "unsigned: a self-report",
    }[str(signed["status"])]
    click.echo(
        f"recorded {result_drill.kind} drill {result_drill.id} ({result_drill.from_region} -> "
        f"{result_drill.to_region}, {result_drill.outcome}): recovery "
        f"{result_drill.recovery_time():g}s, data loss "
        + (f"{loss:g}s" if loss is not None else "not measured")
        + f", {how} -> {target}"
    )


def _write_all(folder: Path, writes: list[tuple[Path, bytes]]) -> None:
    """Write each file whole (a temporary file renamed over it), or fail with one line."""
    from auditor.commands._common import fail_with

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, data in writes:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
    except OSError as exc:
        fail_with(f"cannot write {writes[0][0]}: {exc}")


@drill.command(name="sign")
@click.argument("result", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ed25519 private key (from auditor keygen), the one bundles are signed with.",
)
def sign(result: Path, key_path: Path) -> None:
    """Sign RESULT.json: write RESULT.json.sig over the drill's canonical text."""
    from auditor.base.ed25519 import SigningError, fingerprint, load_private_key
    from auditor.commands._common import fail_with
    from auditor.normalize.drills import DrillError, read_drill, sign_drill, signature_path

    try:
        key = load_private_key(key_path)
    except SigningError as exc:
        fail_with(str(exc))
    try:
        result_drill = read_drill(result)
    except DrillError as exc:
        fail_with(str(exc))
    target = signature_path(result)
    try:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(sign_drill(result_drill, key))
        tmp.replace(target)
    except OSError as exc:
        fail_with(f"cannot write {target}: {exc}")
    click.echo(f"signed drill {result_drill.id} with {fingerprint(key.public_key())} -> {target}")


@drill.command(name="schema")
def schema() -> None:
    """Print the JSON schema of a drill file (docs/drill.schema.json)."""
    from auditor.normalize.drills import drill_schema_text

    click.echo(drill_schema_text(), nl=False)


COMMAND = drill
