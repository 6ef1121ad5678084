"""Per-cloud data-transfer price tables: what a byte of a cost class costs where it is sent.

One hand-recorded file per cloud in ``auditor/data/transfer_prices/`` (found by
discovery), each with its ``as_of`` date, ``source`` (the pricing pages read),
``currency``, ``unit`` (``GB`` or Google's ``GiB``) and per cost class a ``price`` (per
unit; ``null`` when no published figure was found) and a ``note``. A price may hold only
``from`` some places (the sending region) or ``within`` one place (both regions), places
being named groups of regions (``us-east-*`` is a prefix). Outside that scope, or without
a table, a class is **not priced** (``None``), never guessed. Never fetched at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TABLES = Path(__file__).resolve().parents[1] / "data" / "transfer_prices"
UNITS = {"GB": 10**9, "GiB": 2**30}


@dataclass(frozen=True, kw_only=True, slots=True)
class ClassPrice:
    """One cost class's price in one cloud's table."""

    price: float | None
    """Per ``unit`` of the table; None when no published figure was recorded."""
    note: str
    sender_in: tuple[str, ...] = ()
    """Places the sending region must lie in (empty: any region)."""
    both_in: tuple[str, ...] = ()
    """Places both regions must lie in, the same one (empty: no such condition)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PriceTable:
    """One cloud's list prices, with their date and the pages they were read from."""

    cloud: str
    as_of: str
    currency: str
    unit: str
    source: str
    places: Mapping[str, tuple[str, ...]]
    classes: Mapping[str, ClassPrice]

    def place_of(self, region: str) -> set[str]:
        """The named places a region lies in."""
        return {
            name
            for name, patterns in self.places.items()
            if any(region.startswith(p[:-1]) if p.endswith("*") else region == p for p in patterns)
        }

    def per_byte(self, cost_class: str, region: str, far_region: str) -> float | None:
        """One byte of ``cost_class`` sent from ``region`` (to ``far_region``, the other
        end's region in this cloud, "" when elsewhere); None when not priced there."""
        entry = self.classes.get(cost_class)
        if entry is None or entry.price is None:
            return None
        here = self.place_of(region)
        if entry.sender_in and not here & set(entry.sender_in):
            return None
        if entry.both_in and not here & self.place_of(far_region) & set(entry.both_in):
            return None
        return entry.price / UNITS[self.unit]


def _fail(path: Path, why: str) -> ValueError:
    return ValueError(f"{path}: {why}")


def _strings(path: Path, value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"{what} must be a list of strings")
    return tuple(value)


def _class(path: Path, name: str, raw: Any, places: Mapping[str, object]) -> ClassPrice:
    if not isinstance(raw, dict) or not isinstance(raw.get("note"), str) or not raw["note"]:
        raise _fail(path, f"class {name!r} needs a note")
    price = raw.get("price")
    if price is not None and (isinstance(price, bool) or not isinstance(price, int | float)):
        raise _fail(path, f"class {name!r}: price must be a number or null")
    if price is not None and price < 0:
        raise _fail(path, f"class {name!r}: price must not be negative")
    sender_in = _strings(path, raw.get("from", []), f"class {name!r}: from")
    both_in = _strings(path, raw.get("within", []), f"class {name!r}: within")
    unknown = sorted(set(sender_in + both_in) - set(places))
    if unknown:
        raise _fail(path, f"class {name!r} names unknown places {unknown}")
    return ClassPrice(
        price=None if price is None else float(price),
        note=raw["note"],
        sender_in=sender_in,
        both_in=both_in,
    )


def load(path: Path) -> PriceTable:
    """One table file, checked; a bad file raises ValueError naming it and why."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise _fail(path, f"unreadable price table ({e})") from e
    if not isinstance(raw, dict):
        raise _fail(path, "a price table is a JSON object")
    for key in ("cloud", "as_of", "currency", "unit", "source"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _fail(path, f"{key!r} must be a non-empty string")
    if raw["unit"] not in UNITS:
        raise _fail(path, f"unit must be one of {sorted(UNITS)}")
    places_raw = raw.get("places", {})
    if not isinstance(places_raw, dict):
        raise _fail(path, "places must map names to lists of regions")
    places = {str(k): _strings(path, v, f"place {k!r}") for k, v in places_raw.items()}
    classes = raw.get("classes")
    if not isinstance(classes, dict) or not classes:
        raise _fail(path, "classes must be a non-empty object")
    return PriceTable(
        cloud=raw["cloud"],
        as_of=raw["as_of"],
        currency=raw["currency"],
        unit=raw["unit"],
        source=raw["source"],
        places=places,
        classes={str(k): _class(path, str(k), v, places) for k, v in classes.items()},
    )


@cache
def tables() -> dict[str, PriceTable]:
    """Every cloud's table, by cloud; one currency across them (else ValueError)."""
    out: dict[str, PriceTable] = {}
    for path in sorted(TABLES.glob("*.json")):
        t = load(path)
        if t.cloud in out:
            raise _fail(path, f"a second price table for {t.cloud}")
        out[t.cloud] = t
    if len({t.currency for t in out.values()}) > 1:
        raise ValueError(f"{TABLES}: price tables must share one currency")
    return out


def crossing_cost(
    nbytes: int, cost_class: str, cloud: str, region: str, far_region: str
) -> float | None:
    """Estimated cost of ``nbytes`` of ``cost_class`` (parts joined by `` + ``, each
    priced) at ``cloud``'s table from ``region``; None when any part is not priced."""
    table = tables().get(cloud)
    if table is None:
        return None
    total = 0.0
    for part in cost_class.split(" + "):
        rate = table.per_byte(part, region, far_region)
        if rate is None:
            return None
        total += nbytes * rate
    return round(total, 4)
