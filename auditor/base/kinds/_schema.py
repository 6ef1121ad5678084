"""The schema machinery: attribute and kind declarations, and the check of one resource.

Kept apart from the declarations (the sibling modules, one per boundary path)
so that each of them can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.model import JSONValue, Resource

JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
}
"""JSON type names, and the Python types a value of each may have (exactly: bool is no integer)."""

CLOUDS = ("aws", "azure", "gcp")


@dataclass(frozen=True, kw_only=True, slots=True)
class Attribute:
    """One attribute of a kind: the JSON types it may hold (null always: unknown)."""

    name: str
    types: tuple[str, ...]
    meaning: str
    clouds: tuple[str, ...] = CLOUDS
    """The clouds whose normalisers write it (documentation; the check is per kind)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class KindSchema:
    """A resource kind and every attribute a resource of it may carry."""

    name: str
    meaning: str
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Violation:
    """One attribute (or kind) of a built resource the schema does not allow."""

    resource: str
    kind: str
    attribute: str
    """Empty when the kind itself is not declared."""
    problem: str
    wrong_type: bool = False
    """The attribute is declared, its value of another type (else: not declared at all)."""

    def describe(self) -> str:
        if not self.attribute:
            return f"{self.resource}: {self.problem}"
        return f"{self.kind} {self.resource}: attribute {self.attribute!r} {self.problem}"


_KINDS: dict[str, KindSchema] = {}
_ALLOWED: dict[str, dict[str, frozenset[type]]] = {}
"""kind -> attribute -> exact Python types allowed (NoneType included): the fast check."""


def attr(name: str, types: str, meaning: str, clouds: str = "") -> Attribute:
    """An attribute; ``types`` and ``clouds`` are space-separated (clouds default: all)."""
    kinds = tuple(types.split())
    for t in kinds:
        if t not in JSON_TYPES:
            raise RuntimeError(f"attribute {name}: unknown JSON type {t!r}")
    return Attribute(
        name=name, types=kinds, meaning=meaning, clouds=tuple(clouds.split()) or CLOUDS
    )


def define_kind(name: str, meaning: str, attributes: Iterable[Attribute]) -> str:
    """Declare a resource kind with its attributes; return its name."""
    attrs = tuple(sorted(attributes, key=lambda a: a.name))
    names = [a.name for a in attrs]
    if len(set(names)) != len(names):
        raise RuntimeError(f"kind {name} declares an attribute twice")
    schema = KindSchema(name=name, meaning=meaning, attributes=attrs)
    if name in _KINDS and _KINDS[name] != schema:
        raise RuntimeError(f"kind {name} declared twice")
    _KINDS[name] = schema
    _ALLOWED[name] = {
        a.name: frozenset({type(None), *(p for t in a.types for p in JSON_TYPES[t])}) for a in attrs
    }
    return name


def kind_schemas() -> list[KindSchema]:
    """Every declared kind, sorted by name."""
    return sorted(_KINDS.values(), key=lambda k: k.name)


def _json_type(value: JSONValue) -> str:
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if isinstance(value, JSON_TYPES[name]):
            return name
    return type(value).__name__


def violations(res: Resource) -> list[Violation]:
    """What of ``res`` its kind's schema does not allow; empty (the usual case) is cheap."""
    allowed = _ALLOWED.get(res.kind)
    if allowed is None:
        return [
            Violation(
                resource=res.id,
                kind=res.kind,
                attribute="",
                problem=f"kind {res.kind!r} is not declared",
            )
        ]
    out: list[Violation] = []
    for key, value in res.attributes.items():
        ok = allowed.get(key)
        if ok is not None and type(value) in ok:
            continue
        if ok is None:
            problem = "is not declared for the kind"
        else:
            got = _json_type(value)
            types = next(s for s in _KINDS[res.kind].attributes if s.name == key).types
            if got in types or (got == "integer" and "number" in types):
                continue  # a subclass of an allowed type (an OrderedDict, say)
            problem = f"is {got}, declared {' or '.join(types)} (or null)"
        out.append(
            Violation(
                resource=res.id,
                kind=res.kind,
                attribute=key,
                problem=problem,
                wrong_type=ok is not None,
            )
        )
    return out
