"""How AWS Config items are converted: the item, the output, and Config's key spelling.

Config writes EC2, IAM and most older types in the Java SDK's lower camel case
(``vpcId``, ``dNSName``, URL-encoded policy documents) and CloudFormation-registry
types in upper camel with CloudFormation's field names. The converters, one per
type, are in :mod:`auditor.importers._aws_config_items` (and, for IAM,
:mod:`auditor.importers._aws_config_iam`); this module is what they share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model import Gap, RawRecord

GLOBAL = "global"
GLOBAL_TYPES = frozenset(
    {"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Policy", "AWS::IAM::Group"}
)
"""Types Config records once per account, with ``awsRegion`` ``global``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Item:
    """One configuration item, whichever file shape it came in."""

    where: str
    type: str
    id: str
    name: str
    account: str
    region: str
    arn: str
    configuration: Mapping[str, Any]
    supplementary: Mapping[str, Any]
    tags: dict[str, str]
    status: str


def tag_map(raw: Any) -> dict[str, str]:
    """An item's tags as a dict, from either a mapping or a list of key/value pairs.

    Anything else (``tags: 5``) is a ValueError: the caller names the file and item.
    """
    if isinstance(raw, Mapping):
        return {str(k): _tag_value(v) for k, v in raw.items()}
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ValueError(f"tags must be an object or a list of key/value pairs, not {_kind(raw)}")
    out: dict[str, str] = {}
    for t in raw:
        if isinstance(t, Mapping) and (t.get("key") or t.get("Key")) is not None:
            out[str(t.get("key", t.get("Key")))] = _tag_value(t.get("value", t.get("Value", "")))
    return out


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _tag_value(value: Any) -> str:
    """A tag value is a scalar; a nested object or list is not a tag a cloud would return."""
    if isinstance(value, Mapping | list):
        raise ValueError(f"a tag value must be a string, not {_kind(value)}")
    return "" if value is None else str(value)


# --- key conversion ----------------------------------------------------------------------

_RENAMES = {"dNSName": "DNSName", "vpczoneIdentifier": "VPCZoneIdentifier"}
_OPAQUE = frozenset(
    {"policyDocument", "assumeRolePolicyDocument", "document", "policyText", "policy"}
)
"""Keys whose values are documents: their own keys stay as written."""


def up(value: Any) -> Any:
    """Java-SDK lower camel keys (``vpcId``) as the Describe APIs write them (``VpcId``)."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k)
            new = _RENAMES.get(key) or (key[:1].upper() + key[1:])
            out[new] = v if key in _OPAQUE else up(v)
        return out
    if isinstance(value, list):
        return [up(v) for v in value]
    return value


def get(conf: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` present, in either camel case."""
    for name in names:
        for key in (name, name[:1].lower() + name[1:], name[:1].upper() + name[1:]):
            if key in conf:
                return conf[key]
    return None


def aws_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags as the Describe APIs list them: ``[{"Key": ..., "Value": ...}]``, sorted by key."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


# --- conversion context ------------------------------------------------------------------


@dataclass
class Out:
    """What the converters produce; keeps records, gaps and unknown attributes together."""

    path: Path
    records: list[RawRecord] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)
    by_type: dict[tuple[str, str, str], list[Item]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def emit(
        self, item: Item, service: str, rtype: str, data: Mapping[str, Any], region: str = ""
    ) -> None:
        self.records.append(
            RawRecord(
                cloud="aws",
                account=item.account,
                region=region or item.region,
                service=service,
                type=rtype,
                data=dict(data),
                operation=f"config:{item.type}",
            )
        )
        self.origins.append(f"{item.where} ({item.type} {item.id})")

    def lacks(
        self,
        item: Item,
        service: str,
        resource: str,
        operation: str,
        what: str,
        attributes: Iterable[str] = (),
        region: str = "",
    ) -> None:
        """A fact Config does not record: a gap naming the resource, attributes set null."""
        self.gaps.append(
            Gap(
                cloud="aws",
                account=item.account,
                region=region or item.region,
                service=service,
                operation=operation,
                error_code="NotInExport",
                message=f"AWS Config does not record {what}",
                resource=resource,
            )
        )
        for a in attributes:
            if a not in self.unknown[resource]:
                self.unknown[resource].append(a)

    def others(self, item: Item, rtype: str) -> list[Item]:
        return self.by_type.get((item.account, item.region, rtype), [])


Convert = Callable[[Item, Out], None]
"""A converter: one configuration item to the records (and gaps) its collector would give."""


def registrar(table: dict[str, Convert]) -> Callable[[str], Callable[[Convert], Convert]]:
    """The ``@converts(type)`` decorator of a converter module, filling ``table``.

    A Config type has one converter: a second registration is a programming error.
    """

    def converts(rtype: str) -> Callable[[Convert], Convert]:
        def register(fn: Convert) -> Convert:
            if rtype in table:
                raise RuntimeError(f"two converters for {rtype}")
            table[rtype] = fn
            return fn

        return register

    return converts
