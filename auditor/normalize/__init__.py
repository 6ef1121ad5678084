"""Normalisation: pure functions from raw SDK records to resources and relations.

A normaliser is a function decorated with :func:`normalizes` for one raw
record type, in any module under ``auditor/normalize/<cloud>/``. Modules are
found by discovery; nothing lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from auditor.evidence.redact import redact_resource
from auditor.model import (
    CollectionUnit,
    Gap,
    Inventory,
    JSONValue,
    RawRecord,
    Relation,
    Resource,
    Scope,
)

Normalizer = Callable[[RawRecord, "Builder"], None]
_REGISTRY: dict[tuple[str, str], Normalizer] = {}
_LOADED = False


class NormalizationError(ValueError):
    """A raw record the normaliser cannot read (an odd API response)."""


def normalizes(cloud: str, record_type: str) -> Callable[[Normalizer], Normalizer]:
    """Register a function as the normaliser of one raw record type."""

    def register(fn: Normalizer) -> Normalizer:
        key = (cloud, record_type)
        if key in _REGISTRY and _REGISTRY[key] is not fn:
            raise RuntimeError(f"two normalisers for {cloud}:{record_type}")
        _REGISTRY[key] = fn
        return fn

    return register


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for cloud_pkg in pkgutil.iter_modules(__path__):
        if not cloud_pkg.ispkg:
            continue
        pkg = importlib.import_module(f"{__name__}.{cloud_pkg.name}")
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{pkg.__name__}.{info.name}")
    _LOADED = True


def registered() -> dict[tuple[str, str], Normalizer]:
    _load()
    return dict(_REGISTRY)


class Builder:
    """Collects resources and relations from normalisers, merging duplicates."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self._relation_keys: set[tuple[str, str, str, str]] = set()
        self.relations_list: list[Relation] = []

    def resource(
        self,
        *,
        id: str,
        cloud: str,
        kind: str,
        account: str,
        region: str,
        name: str = "",
        tags: Mapping[str, str] | None = None,
        attributes: Mapping[str, JSONValue] | None = None,
        source: str = "",
    ) -> str:
        """Add a resource; a second record for the same id merges its attributes.

        Secrets in the name, tags and attribute values are redacted here, the
        one place every resource passes (``auditor/evidence/redact.py``).
        """
        name, tags, attributes = redact_resource(name, tags or {}, attributes or {})
        res = Resource(
            id=id,
            cloud=cloud,
            kind=kind,
            account=account,
            region=region,
            name=name,
            tags=dict(sorted((tags or {}).items())),
            attributes=dict(attributes or {}),
            source=source,
        )
        old = self.resources.get(id)
        if old is not None:
            if old.kind != kind:
                raise NormalizationError(f"{id} normalised as both {old.kind} and {kind}")
            merged_attrs = {**old.attributes, **res.attributes}
            merged_tags = dict(sorted({**old.tags, **res.tags}.items()))
            res = Resource(
                id=id,
                cloud=cloud,
                kind=kind,
                account=old.account or account,
                region=old.region or region,
                name=old.name or name,
                tags=merged_tags,
                attributes=merged_attrs,
                source=old.source or source,
            )
        self.resources[id] = res
        return id

    def relation(
        self,
        source: str,
        target: str,
        kind: str,
        reason: str,
        attributes: Mapping[str, JSONValue] | None = None,
    ) -> None:
        key = (source, target, kind, reason)
        if key in self._relation_keys:
            return
        self._relation_keys.add(key)
        self.relations_list.append(
            Relation(
                source=source,
                target=target,
                kind=kind,
                reason=reason,
                attributes=dict(attributes or {}),
            )
        )


def normalize(
    records: Iterable[RawRecord],
    *,
    scope: Scope,
    gaps: Iterable[Gap] = (),
    api_calls: Mapping[str, int] | None = None,
    collected: Iterable[CollectionUnit] = (),
) -> Inventory:
    """Raw records to a deterministic inventory (sorted resources, relations, gaps)."""
    registry = registered()
    builder = Builder()
    ordered = sorted(records, key=_record_order)
    for rec in ordered:
        fn = registry.get((rec.cloud, rec.type))
        if fn is None:
            raise NormalizationError(f"no normaliser for {rec.cloud} record type {rec.type!r}")
        try:
            fn(rec, builder)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NormalizationError(
                f"cannot normalise {rec.cloud}:{rec.type} from {rec.account}/{rec.region} "
                f"({type(exc).__name__}: {exc})"
            ) from exc
    resources = tuple(sorted(builder.resources.values(), key=lambda r: r.id))
    relations = tuple(
        sorted(builder.relations_list, key=lambda r: (r.source, r.kind, r.target, r.reason))
    )
    gap_list = tuple(sorted(set(gaps), key=_gap_order))
    return Inventory(
        scope=scope,
        resources=resources,
        relations=relations,
        gaps=gap_list,
        api_calls=dict(sorted((api_calls or {}).items())),
        collected=tuple(sorted(set(collected))),
    )


def _record_order(rec: RawRecord) -> tuple[str, str, str, str, str]:
    import json

    return (rec.cloud, rec.account, rec.region, rec.type, json.dumps(rec.data, sort_keys=True))


def _gap_order(g: Gap) -> tuple[str, ...]:
    return (g.cloud, g.account, g.region, g.service, g.operation, g.resource, g.error_code)


def tags_of(raw: Any) -> dict[str, str]:
    """AWS ``[{Key, Value}]`` (or ``{k: v}``) tags as a flat dict."""
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for item in raw or []:
        key = item.get("Key", item.get("key"))
        if key is not None:
            out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out
