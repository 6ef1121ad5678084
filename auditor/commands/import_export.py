"""``auditor import``: an evidence bundle from offline exports, for customers without live access.

Each file is read by an importer (``auditor/importers/``, found by discovery;
each file's format is detected, so one import may mix formats and clouds, unless
``--format`` names one for every file) into the raw records the
live collectors emit, then normalised, evaluated and written exactly as
``scan`` does. What the exports do not cover completely becomes a gap: every
unit a live scan of the declaration would run and no file covers, and every
fact an export does not record (set to null on its resource). The manifest's
``provenance`` names each file with its SHA-256.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor.commands._bundle_options import RuleChoice, bundle_options

if TYPE_CHECKING:
    from auditor.boundary import Declaration
    from auditor.importers import Importer, ImportResult
    from auditor.model import Gap, Inventory


class _ImportCommand(click.Command):
    """Lists the discovered formats at the end of ``--help`` (read only when asked)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from auditor.importers import importers

        with formatter.section("Formats"):
            formatter.write_dl([(f, f"{i.cloud}: {i.description}") for f, i in importers().items()])


def _head(path: Path) -> bytes:
    """The first 64 KiB of a file, decompressed when it is gzip."""
    from auditor.importers import HEAD_BYTES

    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(wbits=31).decompress(head, HEAD_BYTES)
        except zlib.error:
            return b""
    return head


def _choose(path: Path, fmt: str | None) -> Importer:
    """The importer of one file: ``--format`` when given, else the one that recognises it."""
    from auditor.commands._common import fail_with
    from auditor.importers import detected, importers

    found = importers()
    if fmt is not None:
        if fmt not in found:
            fail_with(f"--format {fmt}: unknown format (one of: {', '.join(found)})")
        return found[fmt]
    try:
        head = _head(path)
    except OSError as exc:
        fail_with(f"{path}: cannot read: {exc.strerror or exc}")
    hits = detected(head)
    if not hits:
        fail_with(
            f"{path}: no importer recognises this file; pass --format (one of: {', '.join(found)})"
        )
    if len(hits) > 1:
        names = ", ".join(i.format for i in hits)
        fail_with(f"{path}: the file looks like several formats ({names}); pass --format")
    return hits[0]


def _read(files: Sequence[Path], fmt: str | None) -> list[tuple[Path, Importer, ImportResult]]:
    """Every file read by its importer; files of one format that resolve together, together."""
    from auditor.commands._common import fail_with
    from auditor.importers import ExportFormatError

    _refuse_repeats(files)
    chosen = [(path, _choose(path, fmt)) for path in files]
    results: dict[Path, ImportResult] = {}
    try:
        for imp in {i.format: i for _, i in chosen}.values():
            paths = [p for p, i in chosen if i.format == imp.format]
            if imp.read_all is not None:
                results.update(zip(paths, imp.read_all(paths), strict=True))
            else:
                results.update((p, imp.read(p)) for p in paths)
    except ExportFormatError as exc:
        fail_with(str(exc))
    return [(path, imp, results[path]) for path, imp in chosen]


def _refuse_repeats(files: Sequence[Path]) -> None:
    """One file given twice (by two names, or as two identical copies) would count twice."""
    from auditor.commands._common import fail_with

    seen: dict[tuple[int, int] | str, Path] = {}
    for path in files:
        try:
            st = path.stat()
            keys: list[tuple[int, int] | str] = [(st.st_dev, st.st_ino), _sha256(path)]
        except OSError as exc:
            fail_with(f"{path}: cannot read: {exc.strerror or exc}")
        for key in keys:
            if key in seen:
                fail_with(f"{path}: the same export as {seen[key]}; give each file once")
            seen[key] = path


def _sha256(path: Path) -> str:
    from auditor.evidence.bundle import sha256

    return sha256(path.read_bytes())


def _expected_gaps(
    decl: Declaration, imp: Importer, results: Sequence[ImportResult], present: Iterable[Gap]
) -> list[Gap]:
    """Gaps for what a live scan would read and no file covers (nor already explains)."""
    from auditor.model import Gap

    covered = {u for r in results for u in r.units}
    explained = {(g.account, g.region, g.service) for g in present if not g.resource}
    out: list[Gap] = []
    if imp.expected is not None:
        for unit in imp.expected(decl):
            if unit in covered or (unit.account, unit.region, unit.service) in explained:
                continue
            out.append(
                Gap(
                    cloud=imp.cloud,
                    account=unit.account,
                    region=unit.region,
                    service=unit.service,
                    operation="import",
                    error_code="NotInExport",
                    message=f"no export covers {unit.service} in {unit.account}/{unit.region}",
                )
            )
        return out
    accounts = {a for r in results for a in r.accounts}
    regions = {g for r in results for g in r.regions}
    for account in decl.accounts(imp.cloud, "customer"):
        if account not in accounts:
            out.append(_place_gap(imp.cloud, account, "*", f"no export covers {account}"))
            continue
        for region in sorted(decl.regions_of(imp.cloud)):
            if region not in regions:
                out.append(
                    _place_gap(imp.cloud, account, region, f"no export covers {account}/{region}")
                )
    return out


def _place_gap(cloud: str, account: str, region: str, message: str) -> Gap:
    from auditor.model import Gap

    return Gap(
        cloud=cloud,
        account=account,
        region=region,
        service="*",
        operation="import",
        error_code="NotInExport",
        message=message,
    )


def _normalise(
    files: Sequence[tuple[Path, ImportResult]], scope: Any, gaps: Sequence[Gap]
) -> Inventory:
    """Normalise every file's records together; a bad record is named by file and place."""
    from auditor.commands._common import fail_with
    from auditor.normalize import NormalizationError, normalize

    records = [rec for _, r in files for rec in r.records]
    units = [u for _, r in files for u in r.units]
    try:
        inventory = normalize(records, scope=scope, gaps=gaps, collected=units)
    except NormalizationError as whole:
        for path, result in files:
            for n, rec in enumerate(result.records):
                try:
                    normalize([rec], scope=scope)
                except NormalizationError as exc:
                    where = result.origins[n] if n < len(result.origins) else f"record {n}"
                    fail_with(f"{path}: {where}: {exc}")
        fail_with(f"{', '.join(str(p) for p, _ in files)}: {whole}")
    unknown: dict[str, set[str]] = {}
    for _, r in files:
        for rid, attrs in r.unknown.items():
            unknown.setdefault(rid, set()).update(attrs)
    return replace(inventory, resources=tuple(_null(res, unknown) for res in inventory.resources))


def _null(res: Any, unknown: Mapping[str, set[str]]) -> Any:
    """A resource with the attributes its export does not record set to null (unknown)."""
    attrs = unknown.get(res.id)
    if not attrs:
        return res
    return replace(
        res, attributes={k: (None if k in attrs else v) for k, v in res.attributes.items()}
    )


def _not_judged(results: Iterable[ImportResult]) -> dict[str, int]:
    """Type -> count over every file: exported resources of types no normaliser reads."""
    total: dict[str, int] = {}
    for r in results:
        for rtype, n in r.not_judged.items():
            total[rtype] = total.get(rtype, 0) + n
    return dict(sorted(total.items()))


def _not_judged_line(not_judged: Mapping[str, int]) -> str:
    """The summary's one line on types imported but judged by no rule."""
    n = sum(not_judged.values())
    types = ", ".join(f"{t} ({c})" for t, c in not_judged.items())
    return (
        f"not judged: {n} exported resource(s) of {len(not_judged)} type(s) no rule reads: {types}"
    )


@click.command(name="import", cls=_ImportCommand)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--boundary",
    "declaration",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The boundary declaration (YAML).",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    help="Read every FILE as this format (default: detect each file's format).",
)
@click.option("--list-formats", is_flag=True, help="List the export formats and exit.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON summary on stdout (the object scan --json prints); the human "
    "output goes to stderr.",
)
@bundle_options(
    "out",
    "rules",
    "fail-on",
    "strict",
    "sign-key",
    "baseline",
    "public-key",
    gaps="the exports left gaps",
)
def import_command(
    files: tuple[Path, ...],
    declaration: Path | None,
    fmt: str | None,
    list_formats: bool,
    as_json: bool,
    out_dir: Path,
    rules: RuleChoice,
    fail_on: str,
    strict: bool,
    sign_key: Path | None,
    baseline: Path | None,
    public_key: Path | None,
) -> None:
    """Evaluate offline exports (AWS Config, Azure Resource Graph, GCP Cloud Asset) into a bundle.

    Exit codes as for scan: 0 no FAIL at --fail-on, 1 FAIL, 2 bad input, 3 gaps with --strict.
    """
    import sys

    from rich.text import Text

    from auditor.commands._common import (
        baseline_verdicts,
        bundle_summary,
        fail_with,
        load_inputs,
        make_console,
        signer_from,
    )
    from auditor.importers import importers
    from auditor.pipeline import scan_exit_code

    if list_formats:
        for name, imp in importers().items():
            click.echo(f"{name}\t{imp.cloud}\t{imp.description}")
        return
    if declaration is None:
        fail_with("missing option --boundary")
    if not files:
        fail_with("no export FILE given (auditor import --boundary B.yaml FILE...)")
    decl, text, pack = load_inputs(declaration, rules)
    signer = signer_from(sign_key) if sign_key else None
    prior = baseline_verdicts(baseline, public_key) if baseline else None

    read = _read(files, fmt)
    console = make_console(stderr=as_json)
    inventory, ev, bundle = _evaluate_and_write(
        decl,
        text,
        pack,
        read,
        declaration_path=declaration,
        out_dir=out_dir,
        signer=signer,
        console=console,
    )
    code, lines = scan_exit_code(
        ev.verdicts, inventory, fail_on=fail_on, strict=strict, baseline=prior
    )
    for line in lines:
        console.print(Text(line))
    if as_json:
        click.echo(bundle_summary(bundle, ev, inventory, int(code), lines))
    sys.exit(int(code))


def _evaluate_and_write(
    decl: Declaration,
    text: str,
    pack: Any,
    read: Sequence[tuple[Path, Importer, ImportResult]],
    *,
    declaration_path: Path,
    out_dir: Path,
    signer: Any,
    console: Any,
) -> tuple[Inventory, Any, Path]:
    """Judge the imported inventory and write its bundle: (inventory, evaluation, bundle)."""
    from rich.text import Text

    from auditor.commands._common import fail_with, print_summary
    from auditor.model import Scope
    from auditor.normalize.drills import with_drills
    from auditor.pipeline import ScanError, judge_and_write, now_utc

    started = now_utc()
    clouds = sorted({imp.cloud for _, imp, _ in read})
    covered = {(u.cloud, u.account, u.region, u.service) for _, _, r in read for u in r.units}
    # One file may lack what another covers (a region's snapshot without the global types
    # the home region's snapshot records): a unit any file covers is no gap.
    gaps: list[Gap] = [
        g
        for _, _, r in read
        for g in r.gaps
        if g.resource or (g.cloud, g.account, g.region, g.service) not in covered
    ]
    by_format: dict[str, tuple[Importer, list[ImportResult]]] = {}
    for _, imp, result in read:
        by_format.setdefault(imp.format, (imp, []))[1].append(result)
    for imp, results in by_format.values():
        gaps += _expected_gaps(decl, imp, results, gaps)
    scope = Scope(
        accounts=tuple(a for c in clouds for a in decl.accounts(c, "customer")),
        regions=tuple(r for c in clouds for r in sorted(decl.regions_of(c))),
        cloud=clouds[0] if len(clouds) == 1 else "+".join(clouds),
    )
    inventory = _normalise([(p, r) for p, _, r in read], scope, gaps)
    inventory = with_drills(inventory, decl, declaration_path, started.date())
    not_judged = _not_judged(r for _, _, r in read)
    provenance = {
        "source": "import",
        "files": [
            {
                "name": path.name,
                "format": imp.format,
                "sha256": _sha256(path),
                "records": len(result.records),
                "notes": list(result.notes),
                "not_judged": dict(result.not_judged),
            }
            for path, imp, result in read
        ],
        "not_judged": not_judged,
    }
    try:
        ev, bundle = judge_and_write(
            inventory,
            decl=decl,
            decl_text=text,
            pack=pack,
            out_dir=out_dir,
            started=started,
            finished=now_utc(),
            signer=signer,
            provenance=provenance,
        )
    except ScanError as exc:
        fail_with(str(exc))
    for path, imp, result in read:
        console.print(Text(f"imported {path} ({imp.format}): {len(result.records)} records"))
        for note in result.notes:
            console.print(Text(f"  note: {note}"))
    if not_judged:
        console.print(Text(_not_judged_line(not_judged)))
    print_summary(console, decl, inventory, ev.verdicts, bundle)
    return inventory, ev, bundle


COMMAND = import_command
