"""Read a bundle back for offline questions (paths, who-can, failover plans, replay).

The bundle is verified first (:func:`open_bundle`,
its signature too when keys are given) and parsed from the verified bytes
held in memory: an answer drawn from evidence that does not match its own
checksums, or from a file swapped after the check, would be worthless.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.base.serialize import BundleFormatError, read_inventory_jsonl, verdict_from_dict
from auditor.boundary import Declaration, DeclarationError, parse_declaration
from auditor.evidence.bundle import BundleError
from auditor.evidence.trusted import TrustedBundle, inspect_bundle
from auditor.model import Inventory, Scope, Verdict


@dataclass(frozen=True, kw_only=True)
class LoadedBundle:
    path: Path
    manifest: dict[str, Any]
    declaration: Declaration
    declaration_text: str
    inventory: Inventory
    verdicts: list[Verdict]
    trusted: TrustedBundle
    """The verified bytes every member was parsed from (and its signature state)."""

    def graph(self) -> dict[str, Any]:
        """``graph.json`` (from the verified bytes); anything but an object is a BundleError."""
        where = self.path / "graph.json"
        doc = self.trusted.json("graph.json")
        if not isinstance(doc, dict):
            raise BundleError(f"{where}: not a graph (a JSON object)")
        for key, fields in (("nodes", ("id",)), ("edges", ("source", "kind", "target"))):
            items = doc.get(key) or []
            if not isinstance(items, list):
                raise BundleError(f"{where}: {key} must be a list")
            for n, item in enumerate(items):
                if not isinstance(item, dict) or not all(f in item for f in fields):
                    raise BundleError(f"{where}: {key}[{n}] must be an object with {fields}")
                if not isinstance(item.get("zone") or {}, dict):
                    raise BundleError(f"{where}: {key}[{n}].zone must be an object")
        return doc


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


def _not_raw(name: str) -> bool:
    return not name.startswith("raw/")


def open_bundle(
    path: Path, keys: Sequence[Any] = (), keep: Callable[[str], bool] = _not_raw
) -> TrustedBundle:
    """The verified bundle at ``path`` (folder or packed .tar.gz); any problem is a BundleError.

    With ``keys`` a bundle not validly signed by one of them is refused before
    anything of it is parsed.
    """
    from auditor.evidence.archive import bundle_dir

    folder = bundle_dir(path)
    result, trusted = inspect_bundle(folder, keys, keep)
    if not result.ok:
        more = f" and {len(result.problems) - 1} more" if len(result.problems) > 1 else ""
        raise BundleError(f"{path}: not intact ({result.problems[0]}{more})")
    return trusted


def load_bundle(path: Path, keys: Sequence[Any] = ()) -> LoadedBundle:
    """Verify (signed by one of ``keys``, if any) and parse a bundle folder or .tar.gz.

    Any defect is a one-line BundleError.
    """
    return parse_bundle(open_bundle(path, keys))


def parse_bundle(trusted: TrustedBundle) -> LoadedBundle:
    """A LoadedBundle from verified bytes (nothing is read from disk again)."""
    path = trusted.path
    manifest = trusted.json("manifest.json")
    if not isinstance(manifest, dict) or "scope" not in manifest:
        raise BundleError(f"{path / 'manifest.json'}: not a bundle manifest")
    text = trusted.text("declaration.yaml")
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
    raw_verdicts = trusted.json("verdicts.json")
    if not isinstance(raw_verdicts, list):
        raise BundleError(f"{path / 'verdicts.json'}: not a list of verdicts")
    try:
        inventory = read_inventory_jsonl(
            trusted.utf8("inventory.jsonl"),  # as bytes: no decoded copy (GBs at 1M)
            scope=scope,
            api_calls=api_calls,
            name=str(path / "inventory.jsonl"),
        )
        verdicts = [verdict_from_dict(v) for v in raw_verdicts]
    except RecursionError:
        raise BundleError(f"{path}: malformed bundle content (nested too deeply)") from None
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
        trusted=trusted,
    )
