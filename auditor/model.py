"""The auditor's vocabulary: resources, relations, gaps, zones and verdicts.

Everything after collection works on these frozen values, so a bundle can be
re-evaluated offline and give the same verdicts byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JSONValue = Any
"""A value that ``json.dumps`` accepts: str, int, float, bool, None, list, dict."""


class Cloud(StrEnum):
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"


class PathName(StrEnum):
    """The four boundary dimensions every rule and edge belongs to."""

    DATA = "data"
    CONTROL = "control"
    NETWORK = "network"
    FAILURE = "failure"


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    WAIVED = "WAIVED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    """The rule has no meaning for this resource's cloud (never counted as a PASS)."""


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Kind(StrEnum):
    """Cloud-neutral resource kinds, so that one rule serves every cloud."""

    ACCOUNT = "account"
    NETWORK = "network"
    SUBNET = "subnet"
    ROUTE_TABLE = "route_table"
    GATEWAY = "gateway"
    PEERING = "peering"
    TRANSIT_GATEWAY = "transit_gateway"
    TRANSIT_ATTACHMENT = "transit_attachment"
    TRANSIT_ROUTE_TABLE = "transit_route_table"
    PRIVATE_ENDPOINT = "private_endpoint"
    ENDPOINT_SERVICE = "endpoint_service"
    FIREWALL = "firewall"
    NETWORK_ACL = "network_acl"
    INTERFACE = "interface"
    PUBLIC_IP = "public_ip"
    FLOW_LOG = "flow_log"
    INSTANCE = "instance"
    VOLUME = "volume"
    SNAPSHOT = "snapshot"
    BUCKET = "bucket"
    KEY = "key"
    PRINCIPAL = "principal"
    ROLE = "role"
    AUDIT_TRAIL = "audit_trail"
    DNS_ZONE = "dns_zone"
    DNS_RECORD = "dns_record"
    HEALTH_CHECK = "health_check"
    KAFKA_CLUSTER = "kafka_cluster"
    LOAD_BALANCER = "load_balancer"
    LISTENER = "listener"
    TARGET_GROUP = "target_group"
    SCALING_GROUP = "scaling_group"
    K8S_CLUSTER = "k8s_cluster"
    INTERNET = "internet"


INTERNET_ID = "internet"
"""Node id of the public internet, a zone of its own."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Resource:
    """One collected cloud resource, normalised.

    ``id`` is canonical (an ARN on AWS); ``attributes`` holds the normalised
    facts rules read, documented per kind in docs/inventory.md.
    """

    id: str
    cloud: str
    kind: str
    account: str
    region: str
    name: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, JSONValue] = field(default_factory=dict)
    source: str = ""
    """The API operation the resource was read from, e.g. ``ec2:DescribeVpcs``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Relation:
    """A typed, directed edge between two resource ids, with a human reason."""

    source: str
    target: str
    kind: str
    reason: str
    attributes: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Gap:
    """Something the collector could not read. Verdicts that need it are INCONCLUSIVE."""

    cloud: str
    account: str
    region: str
    service: str
    operation: str
    error_code: str
    message: str = ""
    resource: str = ""
    """Set when only one resource's detail is missing (e.g. one bucket's policy)."""

    def covers(self, *, service: str, account: str, region: str, resource: str = "") -> bool:
        """Whether this gap hides data about ``resource`` in that service and place."""
        if self.service not in ("*", service) or self.account not in ("*", account):
            return False
        if self.region not in ("*", "global", region):
            return False
        return not self.resource or self.resource == resource


@dataclass(frozen=True, kw_only=True, slots=True)
class RawRecord:
    """One API object exactly as the SDK returned it (made JSON-safe)."""

    cloud: str
    account: str
    region: str
    service: str
    type: str
    data: Mapping[str, JSONValue]
    operation: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Scope:
    """What a scan looked at: accounts (by cloud) and regions."""

    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    cloud: str = "aws"


@dataclass(frozen=True, kw_only=True, slots=True, order=True)
class CollectionUnit:
    """One (cloud, account, region, service) the collector ran, whatever it found."""

    cloud: str
    account: str
    region: str
    service: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Inventory:
    """The normalised snapshot every later stage reads."""

    scope: Scope
    resources: tuple[Resource, ...]
    relations: tuple[Relation, ...]
    gaps: tuple[Gap, ...]
    api_calls: Mapping[str, int] = field(default_factory=dict)
    collected: tuple[CollectionUnit, ...] = ()
    """Units that ran: lets a rule tell "read and found none" from "never read"."""

    def was_collected(self, service: str, account: str, region: str = "global") -> bool:
        if not isinstance(self.collected, tuple):  # a list could change under a memo
            return any(
                u.service == service and u.account == account and u.region == region
                for u in self.collected
            )
        return (service, account, region) in _unit_keys(self.collected)


_LAST_UNITS: list[tuple[tuple[CollectionUnit, ...], frozenset[tuple[str, str, str]]]] = []


def _unit_keys(units: tuple[CollectionUnit, ...]) -> frozenset[tuple[str, str, str]]:
    """(service, account, region) of every unit, as a set kept for the last units tuple.

    Rules ask per account; scanning every unit each time grows with the square of the
    number of accounts.
    """
    if _LAST_UNITS and _LAST_UNITS[0][0] is units:
        return _LAST_UNITS[0][1]
    keys = frozenset((u.service, u.account, u.region) for u in units)
    _LAST_UNITS[:] = [(units, keys)]
    return keys


@dataclass(frozen=True, kw_only=True, slots=True)
class Zone:
    """Where a resource sits: party, cloud, account, region."""

    party: str
    cloud: str = ""
    account: str = ""
    region: str = ""

    def label(self) -> str:
        if self.party == "internet":
            return "internet"
        return f"{self.party}/{self.cloud}/{self.account}/{self.region}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """Why a verdict is what it is: graph nodes and edges, attributes read, sources."""

    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str, str], ...] = ()
    attributes: Mapping[str, JSONValue] = field(default_factory=dict)
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """One rule's judgement of one in-scope resource (or scope)."""

    rule: str
    path: PathName
    status: Status
    resource: str
    severity: Severity
    message: str
    evidence: Evidence = field(default_factory=Evidence)
    waiver: Mapping[str, str] | None = None
    aspect: str = ""
    """Which facet of ``resource`` is judged (a traffic class); with rule and resource,
    the verdict's identity across scans."""
    causes: tuple[str, ...] = ()
    """Ids whose configuration must change to fix it; empty means ``resource``."""
    affects: tuple[str, ...] = ()
    """Declared or platform resources the problem reaches."""
    unmodelled: str = ""
    """What the model cannot judge, when an INCONCLUSIVE has no collection gap."""
    finding: str = ""
    """Id of the root-cause finding this verdict belongs to (FAIL and WAIVED only)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One root cause: the FAIL (or WAIVED) verdicts that share a misconfigured resource.

    ``id`` is stable across scans of the same estate (derived from ``causes``); the
    severity is the highest of its verdicts; ``fix`` says what to change.
    """

    id: str
    severity: Severity
    status: Status
    """FAIL while any verdict fails; WAIVED when every verdict is waived."""
    summary: str
    fix: str
    causes: tuple[str, ...]
    """The resources (or relations) whose configuration must change."""
    affects: tuple[str, ...] = ()
    verdicts: tuple[tuple[str, str], ...] = ()
    """(rule, resource) of each verdict in the finding, sorted."""
