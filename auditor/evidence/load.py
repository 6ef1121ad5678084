"""Read a bundle back for offline questions (paths, who-can, failover plans, replay).

The bundle is verified first: an answer drawn from evidence that does not
match its own checksums would be worthless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.boundary import Declaration, DeclarationError, parse_declaration
from auditor.evidence.bundle import BundleError, verify_bundle
from auditor.evidence.serialize import BundleFormatError, read_inventory_jsonl, verdict_from_dict
from auditor.model import Inventory, Scope, Verdict


@dataclass(frozen=True, kw_only=True)
class LoadedBundle:
    path: Path
    manifest: dict[str, Any]
    declaration: Declaration
    declaration_text: str
    inventory: Inventory
    verdicts: list[Verdict]


def _read(path: Path, name: str) -> str:
    try:
        return (path / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path / name}: cannot read ({exc})") from exc


def load_bundle(path: Path, *, verify: bool = True) -> LoadedBundle:
    """Verify and parse a bundle directory (or packed .tar.gz); any defect is a BundleError."""
    from auditor.evidence.archive import bundle_dir

    path = bundle_dir(path)
    if verify:
        result = verify_bundle(path)
        if not result.ok:
            raise BundleError(f"{path}: not intact ({result.problems[0]})")
    try:
        manifest = json.loads(_read(path, "manifest.json"))
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path / 'manifest.json'}: not JSON ({exc.msg})") from None
    if not isinstance(manifest, dict) or "scope" not in manifest:
        raise BundleError(f"{path / 'manifest.json'}: not a bundle manifest")
    text = _read(path, "declaration.yaml")
    try:
        decl = parse_declaration(text, str(path / "declaration.yaml"))
    except DeclarationError as exc:
        raise BundleError(str(exc)) from None
    sc = manifest["scope"]
    scope = Scope(
        accounts=tuple(sc.get("accounts", ())),
        regions=tuple(sc.get("regions", ())),
        cloud=str(sc.get("cloud", "aws")),
    )
    try:
        inventory = read_inventory_jsonl(
            _read(path, "inventory.jsonl"),
            scope=scope,
            api_calls=manifest.get("api_calls") or {},
            name=str(path / "inventory.jsonl"),
        )
        raw_verdicts = json.loads(_read(path, "verdicts.json"))
        verdicts = [verdict_from_dict(v) for v in raw_verdicts]
    except (BundleFormatError, json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
        raise BundleError(f"{path}: malformed bundle content ({exc})") from None
    return LoadedBundle(
        path=path,
        manifest=manifest,
        declaration=decl,
        declaration_text=text,
        inventory=inventory,
        verdicts=verdicts,
    )
