"""Resource kinds: the one declaration of each kind's attributes, checked when resources are built.

Normalisers write attributes, analyses and rules read them by name; each kind's
attributes (name, JSON types, meaning) are declared once here, in the base layer
below all of them, one module per boundary path. :func:`violations` tells what
of a resource its kind does not declare (``auditor.normalize`` runs it on every
resource it builds), and ``docs/reference/resource-kinds.md`` is generated from
the declarations (:func:`kinds_reference`), so the contract is never written twice.

Null is always allowed: it means unknown (docs/inventory.md).
"""

from __future__ import annotations

import os

from auditor.base.kinds import control, data, failure, kafka, logs, network, observed
from auditor.base.kinds._schema import (
    Attribute,
    KindSchema,
    Violation,
    kind_schemas,
    violations,
)

__all__ = [
    "STRICT_ENV",
    "Attribute",
    "KindSchema",
    "KindSchemaError",
    "Violation",
    "kind_schemas",
    "kinds_reference",
    "strict",
    "violations",
]

_DECLARATIONS = (control, data, failure, network, logs, kafka, observed)
"""The declaring modules (imported for their declarations)."""

STRICT_ENV = "AUDITOR_STRICT_SCHEMA"
"""Set to 1 (the test suite does) to make a schema violation raise instead of becoming a gap."""


class KindSchemaError(RuntimeError):
    """A normaliser built a resource its kind's schema does not allow (under strictness).

    A RuntimeError, not a ValueError: normalisation turns ValueErrors from an odd
    API answer into a gap, and this is our bug, not the cloud's.
    """


def strict() -> bool:
    """Whether schema violations raise (:data:`STRICT_ENV` set and not ``0``)."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def kinds_reference() -> str:
    """The resource-kinds reference page (markdown), generated from the declarations."""
    lines = [
        "# Resource kinds",
        "",
        "Generated from the kind declarations in `auditor/base/kinds/`; conventions (ids,",
        "sources, null means unknown) are in [docs/inventory.md](../inventory.md).",
        "Every attribute may also be `null` (unknown). A resource carrying an attribute its",
        "kind does not declare, or a value of another type, is a normaliser bug: the tests",
        "fail on it, and a scan records a `SchemaViolation` gap for the resource.",
        "",
        "Kinds: " + ", ".join(f"[`{k.name}`](#{k.name})" for k in kind_schemas()),
        "",
    ]
    for k in kind_schemas():
        lines += [
            f"## `{k.name}`",
            "",
            k.meaning,
            "",
            "| attribute | type | clouds | meaning |",
            "|---|---|---|---|",
        ]
        for a in k.attributes:
            clouds = ", ".join(a.clouds)
            types = " or ".join(a.types)
            lines.append(f"| `{a.name}` | {types} | {clouds} | {_cell(a.meaning)} |")
        lines.append("")
    return "\n".join(lines)
