"""Read a bundle back for offline questions (paths, who-can, failover plans, replay).

The bundle is verified first: an answer drawn from evidence that does not
match its own checksums would be worthless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.base.serialize import BundleFormatError, read_inventory_jsonl, verdict_from_dict
from auditor.boundary import Declaration, DeclarationError, parse_declaration
from auditor.evidence.bundle import BundleError, verify_bundle
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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _scope(path: Path, raw: Any) -> Scope:
    """The manifest's scope; anything but lists of strings is a BundleError."""
    where = path / "manifest.json"
    if not isinstance(raw, dict):
        raise BundleError(f"{where}: scope must be an object")
    lists = {k: raw.get(k, []) for k in ("accounts", "regions")}
    for key, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BundleError(f"{where}: scope.{key} must be a list of strings")
    cloud = raw.get("cloud", "aws")
    if not isinstance(cloud, str):
        raise BundleError(f"{where}: scope.cloud must be a string")
    return Scope(accounts=tuple(lists["accounts"]), regions=tuple(lists["regions"]), cloud=cloud)


def _check_manifest(where: Path, manifest: dict[str, Any]) -> None:
    """The manifest fields offline commands read have their types (a forgery may not)."""
    import datetime as dt

    for key, parse in (
        ("started", dt.datetime.fromisoformat),
        ("finished", dt.datetime.fromisoformat),
        ("evaluated_on", dt.date.fromisoformat),
    ):
        value = manifest.get(key)
        try:
            parse(value.replace("Z", "+00:00") if isinstance(value, str) else "")
        except ValueError:
            raise BundleError(f"{where}: {key} must be an ISO date or time") from None
    rules = manifest.get("rules", {})
    if not isinstance(rules, dict) or not isinstance(rules.get("pack", ""), str):
        raise BundleError(f"{where}: rules must be an object naming its pack")


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
    _check_manifest(path / "manifest.json", manifest)
    scope = _scope(path, manifest["scope"])
    api_calls = manifest.get("api_calls") or {}
    if not isinstance(api_calls, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in api_calls.values()
    ):
        raise BundleError(f"{path / 'manifest.json'}: api_calls must map operations to counts")
    try:
        inventory = read_inventory_jsonl(
            _read(path, "inventory.jsonl"),
            scope=scope,
            api_calls=api_calls,
            name=str(path / "inventory.jsonl"),
        )
        raw_verdicts = json.loads(_read(path, "verdicts.json"))
        verdicts = [verdict_from_dict(v) for v in raw_verdicts]
    except (
        BundleFormatError,
        json.JSONDecodeError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
    ) as exc:
        # A forged bundle (sums rewritten to match) is hostile input, not a crash.
        raise BundleError(f"{path}: malformed bundle content ({_one_line(exc)})") from None
    return LoadedBundle(
        path=path,
        manifest=manifest,
        declaration=decl,
        declaration_text=text,
        inventory=inventory,
        verdicts=verdicts,
    )
