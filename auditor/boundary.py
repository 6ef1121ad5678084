"""The boundary declaration: schema, loader with line numbers, and selectors.

A declaration says which parties own which accounts, where data may live, who
may reach the platform and how, and what a failover must look like. Errors
name the file, line, column and field path, and suggest the right key for a
misspelt one.
"""

# long: one schema, read as one document; the loader's located errors need its models
from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import hashlib
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from auditor.base.bounded_yaml import YamlBoundsError, check_bounds


class DeclarationError(Exception):
    """A declaration that cannot be used; ``str()`` is a one-line located message.

    ``errors`` holds every located problem (the first is the one ``str()`` names), so
    ``auditor validate`` can show them all.
    """

    def __init__(
        self,
        path: str,
        line: int | None,
        col: int | None,
        where: str,
        why: str,
        errors: tuple[DeclarationProblem, ...] = (),
    ):
        self.path, self.line, self.col, self.where, self.why = path, line, col, where, why
        self.errors = errors or (DeclarationProblem(line=line, col=col, where=where, why=why),)
        loc = path if line is None else f"{path}:{line}:{col}"
        at = f" at {where}" if where else ""
        super().__init__(f"{loc}: {why}{at}")


@dataclass(frozen=True, kw_only=True)
class DeclarationProblem:
    """One located problem of a declaration."""

    line: int | None
    col: int | None
    where: str
    why: str

    def located(self, path: str) -> str:
        loc = path if self.line is None else f"{path}:{self.line}:{self.col}"
        return f"{loc}: {self.why}" + (f" at {self.where}" if self.where else "")


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MAX_DURATION = 3650 * 86400


def parse_duration(value: Any) -> int:
    """Seconds from ``"5m"``, ``"90d"``, ``"1h"`` or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 5m, 1h or 90d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    else:
        raise ValueError(f"expected a duration such as 5m, 1h or 90d, got {value!r}")
    if not 0 <= seconds <= _MAX_DURATION:  # also refuses nan and inf
        raise ValueError(f"a duration must be between 0 and 10 years, got {value!r}")
    return int(seconds)


Duration = Annotated[int, BeforeValidator(parse_duration)]
"""A duration in seconds, written as ``5m``, ``15m``, ``90d``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pattern(StrEnum):
    ACTIVE_PASSIVE = "active-passive"
    ACTIVE_ACTIVE = "active-active"
    SHARED_STORAGE = "shared-storage"


class RegionRole(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    ACTIVE = "active"


class Objectives(_Strict):
    """Recovery objectives the failure path is judged against."""

    rpo: Duration = Field(description="Recovery point objective: data loss tolerated.")
    rto: Duration = Field(description="Recovery time objective: downtime tolerated.")


class AwsParty(_Strict):
    """AWS accounts (and principals in accounts it does not own) a party has."""

    accounts: list[Annotated[str, Field(pattern=r"^\d{12}$")]] = Field(
        default_factory=list, description="Twelve-digit AWS account ids the party owns."
    )
    organization: str | None = Field(default=None, description="AWS Organizations id (o-...).")
    principals: list[str] = Field(
        default_factory=list,
        description="ARNs (globs) of the party's principals, also inside another party's "
        "account, e.g. a vendor's role in the customer account. They outrank the account.",
    )


class AzureParty(_Strict):
    """Azure subscriptions, Entra ID tenants and identities a party owns."""

    subscriptions: list[str] = Field(default_factory=list, description="Subscription ids.")
    tenant: str | None = Field(
        default=None, description="Entra ID tenant id: its principals belong to the party."
    )
    tenants: list[str] = Field(
        default_factory=list, description="More Entra ID tenant ids the party owns."
    )
    applications: list[str] = Field(
        default_factory=list,
        description="Application (client) ids: their service principals are the party's, in "
        "whatever tenant they live (a vendor's app registered in the customer tenant).",
    )
    principals: list[str] = Field(
        default_factory=list,
        description="Object ids of the party's service principals, users, groups or managed "
        "identities, in whatever tenant they live. They outrank the tenant.",
    )

    def all_tenants(self) -> list[str]:
        """``tenant`` and ``tenants`` together, lower-cased."""
        out = [self.tenant] if self.tenant else []
        return sorted({t.lower() for t in [*out, *self.tenants]})


class GcpParty(_Strict):
    """GCP organisations, folders, projects and identities a party owns."""

    projects: list[str] = Field(default_factory=list, description="GCP project ids.")
    project_numbers: list[Annotated[str, Field(pattern=r"^\d{1,20}$")]] = Field(
        default_factory=list,
        description="Project numbers of the party's projects (IAM policies, service agents and "
        "some exports name a project by number).",
    )
    organization: str | None = Field(default=None, description="Organisation number.")
    folders: list[str] = Field(
        default_factory=list, description="Folder numbers: every project under them is the party's."
    )
    domains: list[str] = Field(
        default_factory=list,
        description="Identity domains (user:, group:, domain: members) the party owns.",
    )
    service_accounts: list[str] = Field(
        default_factory=list,
        description="Service account e-mails (globs) that are the party's, in whatever project "
        "they live. They outrank the project and the domain.",
    )


def _azure_owns(party: AzureParty, account: str) -> bool:
    """A subscription (or, for principals, a tenant) of the party; ids are case-blind."""
    low = account.lower()
    if low in {s.lower() for s in party.subscriptions}:
        return True
    return low in party.all_tenants()


class Party(_Strict):
    aws: AwsParty | None = None
    azure: AzureParty | None = None
    gcp: GcpParty | None = None


class SelectorSpec(_Strict):
    """Which resources a clause is about. All given conditions must hold."""

    tags: dict[str, str] = Field(
        default_factory=dict, description="Tags that must all match (value '*' matches any)."
    )
    kinds: list[str] = Field(default_factory=list, description="Normalised kinds, e.g. bucket.")
    ids: list[str] = Field(default_factory=list, description="Glob patterns over canonical ids.")


class Selector(_Strict):
    select: SelectorSpec

    def matches(self, *, kind: str, id: str, tags: Mapping[str, str]) -> bool:
        s = self.select
        if s.kinds and kind not in s.kinds:
            return False
        if s.ids and not any(fnmatch.fnmatchcase(id, p) for p in s.ids):
            return False
        for key, want in s.tags.items():
            have = tags.get(key)
            if have is None or (want != "*" and have != want):
                return False
        return True


class Data(_Strict):
    stores: Selector = Field(description="Durable Kafka log data stores (buckets, volumes).")
    system_logs: Selector | None = Field(
        default=None, description="Stores of system logs, to be kept apart from log data."
    )
    keys: Literal["customer", "vendor", "any"] = Field(
        default="customer", description="Which party must own the keys protecting data."
    )


class VendorAccess(_Strict):
    """A declared way in for an outside principal, and the actions it may hold."""

    principal: str = Field(
        description="The outside principal: an AWS ARN; an Azure object id or application id; "
        "a GCP member (serviceAccount:x@p.iam.gserviceaccount.com, globs allowed)."
    )
    role: str = Field(
        description="What it may hold: the ARN of the customer role it may assume; an Azure "
        "role definition (id, GUID or name such as Contributor); a GCP role (roles/x, "
        "projects/p/roles/x)."
    )
    require_external_id: bool = Field(default=True, description="AWS only: sts:ExternalId.")
    allow: list[str] = Field(
        default_factory=list,
        description="Actions it may hold (globs): IAM actions, Azure actions and data actions, "
        "GCP permissions or role names.",
    )
    deny: list[str] = Field(default_factory=list, description="Actions it must never hold.")
    purpose: str = Field(default="automation", description="automation, support or break-glass.")


class Audit(_Strict):
    trail: Literal["multi-region", "per-region"] = "multi-region"
    log_store: Literal["customer", "vendor", "any"] = "customer"
    data_events: bool = Field(
        default=False,
        description="Trails must also log data events (object reads/writes) of the data stores.",
    )


class Control(_Strict):
    vendor_access: list[VendorAccess] = Field(default_factory=list)
    audit: Audit = Field(default_factory=Audit)
    break_glass: list[str] = Field(
        default_factory=list,
        description="ARNs of break-glass roles: they must exist and their account be logged.",
    )


Via = Literal[
    "private-endpoint", "peering", "transit-gateway", "internet", "nat", "vpn", "direct-connect"
]


def _network(value: Any) -> Any:
    """A CIDR as written, refused when it is not a network (``10.0.0.0/33``, host bits set)."""
    import ipaddress

    if not isinstance(value, str):
        raise ValueError(f"expected a CIDR such as 10.0.0.0/8, got {value!r}")
    try:
        ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR network ({exc})") from None
    return value.strip()


Cidr = Annotated[str, BeforeValidator(_network)]
Port = Annotated[int, Field(strict=True, ge=1, le=65535)]
"""A TCP port: an integer 1-65535 (``true`` is not port 1)."""


class TrafficClass(_Strict):
    via: list[Via] = Field(default_factory=list, description="Paths this traffic may take.")
    cidrs: list[Cidr] = Field(
        default_factory=list, alias="from", description="Source CIDRs allowed to originate it."
    )
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class OutboundClass(_Strict):
    """Traffic the platform's own resources send out (``network.monitoring``: metrics and
    log export; ``network.egress``: everything they may reach outside): where to, over
    which links, on which ports."""

    via: list[Via] = Field(
        default_factory=list, description="Paths this traffic may leave by (none: it may not)."
    )
    to: list[Cidr] = Field(
        default_factory=list, description="Destination CIDRs it may reach (a collector, say)."
    )
    endpoints: list[str] = Field(
        default_factory=list,
        description=(
            "Named destinations: a private endpoint's service name (AWS "
            "com.amazonaws.<region>.monitoring, a GCP service attachment) or a vendor endpoint."
        ),
    )
    ports: list[Port] = Field(
        default_factory=lambda: [443], description="TCP ports the traffic uses."
    )


class Network(_Strict):
    kafka_ports: list[Port] = Field(default_factory=lambda: [9092, 9094, 9096, 9098])
    clients: TrafficClass = Field(default_factory=TrafficClass)
    replication: TrafficClass = Field(default_factory=TrafficClass)
    operations: TrafficClass = Field(default_factory=TrafficClass)
    support: TrafficClass = Field(default_factory=TrafficClass)
    monitoring: OutboundClass | None = Field(
        default=None,
        description=(
            "Metrics and log export from platform resources: each destination must be "
            "reached, and only over the declared paths. Absent: not judged."
        ),
    )
    egress: OutboundClass | None = Field(
        default=None,
        description=(
            "Everything platform resources may reach outside the platform: any other public "
            "destination reachable is a finding. Absent: not judged."
        ),
    )
    public_ingress: Literal["none", "declared"] = "none"
    peers: list[str] = Field(
        default_factory=list, description="Extra account ids or network ids peering may reach."
    )


class Dns(_Strict):
    """A DNS zone clients resolve the platform through, and its failover records."""

    zone: str = Field(
        description="Zone name (Route 53, Azure DNS, Cloud DNS) or Traffic Manager profile."
    )
    cloud: Literal["aws", "azure", "gcp"] | None = Field(
        default=None, description="The cloud serving the zone; default: any cloud with it."
    )
    records: list[str] = Field(default_factory=list, description="Record names (relative).")
    routing: Literal["failover", "latency", "weighted", "simple"] = "failover"
    health_check: Literal["required", "optional"] = "required"

    @field_validator("zone")
    @classmethod
    def _strip_dot(cls, v: str) -> str:
        return v.rstrip(".")


DrillKind = Literal[
    "region-failover",
    "failback",
    "kill-broker",
    "pause-replication",
    "break-permission",
    "rotate-credentials",
    "resume-consumers",
]
"""What a drill tested: a region failover, the failback to the primary, a broker killed,
replication paused, a permission broken, credentials rotated, or consumers resumed in
the other region."""


class DrillThresholds(_Strict):
    """Limits a drill's measurements must stay within, beyond the RTO and RPO."""

    client_errors: int | None = Field(
        default=None,
        ge=0,
        description="Most failed client requests (produce plus fetch/commit) a drill may see; "
        "default: reported, not judged.",
    )
    consumer_offset_gap: int | None = Field(
        default=None,
        ge=0,
        description="Most messages any consumer group may re-read or skip after resuming; "
        "default: reported, not judged.",
    )
    dns_switch: Duration | None = Field(
        default=None, description="Longest DNS switch a drill may measure; default: the RTO."
    )
    replication_lag: Duration | None = Field(
        default=None,
        description="Largest replication lag a drill may measure; default: the RPO.",
    )


class Drills(_Strict):
    """Where recorded failover drills live, how old the newest may be, what they must show."""

    max_age: Duration = Field(
        default=90 * 86400, description="The newest drill must have ended within this age."
    )
    path: str = Field(
        default="drills",
        description="Folder of recorded drill files (auditor drill record), relative to the "
        "declaration file unless absolute.",
    )
    thresholds: DrillThresholds = Field(
        default_factory=DrillThresholds,
        description="Limits every drill's measurements are judged against.",
    )
    by_kind: dict[DrillKind, DrillThresholds] = Field(
        default_factory=dict,
        description="Per drill kind: limits that replace failure.drills.thresholds field by "
        "field (a field left out keeps the general limit).",
    )
    required: list[DrillKind] | None = Field(
        default=None,
        description="Drill kinds (other than region-failover, which failure.drill-recent "
        "requires per region) the platform must have run within max_age; default: kill-broker, "
        "break-permission, rotate-credentials and resume-consumers, plus failback when a region "
        "is primary and pause-replication for active-passive and active-active.",
    )
    signatures: Literal["optional", "required"] = Field(
        default="optional",
        description="required: only drills signed by a trusted key count as evidence; "
        "optional: unsigned drills count as self-reports.",
    )

    def limits(self, kind: str) -> DrillThresholds:
        """The thresholds for ``kind``: the per-kind ones over the general ones."""
        specific = next((v for k, v in self.by_kind.items() if k == kind), None)
        if specific is None:
            return self.thresholds
        merged = {
            **self.thresholds.model_dump(),
            **specific.model_dump(exclude_unset=True),
        }
        return DrillThresholds.model_validate(merged)


class ReplicationService(_Strict):
    """A Kafka replication service (MirrorMaker 2, a replicator), found by tags."""

    name: str = Field(description="A name for the service, used in verdicts and runbooks.")
    kind: Literal["mirrormaker2", "replicator", "msk-replicator", "cluster-linking", "other"] = (
        Field(default="mirrormaker2", description="What replicates the topics.")
    )
    select: SelectorSpec = Field(
        description="The resources running it (instances, Auto Scaling groups, clusters)."
    )
    source: str | None = Field(
        default=None, description="Region key it replicates from (default: the primary)."
    )
    target: str | None = Field(
        default=None, description="Region key it replicates to (default: each other region)."
    )
    offset_sync: bool = Field(
        default=False,
        description="Consumer group offsets are translated and synced (MM2 checkpoints with "
        "sync.group.offsets, replicator offset translation).",
    )
    consumer_groups: list[str] = Field(
        default_factory=list,
        description="Consumer groups that must resume from synced offsets in the target: "
        "each must be selected by the collected replication's consumer-group patterns "
        "(MSK Replicator ConsumerGroupsToReplicate/Exclude, MirrorMaker 2 groups/groups.exclude).",
    )


class ConflictHandling(_Strict):
    """How writes accepted in two regions for the same data are reconciled."""

    strategy: Literal[
        "region-owned-topics", "idempotent-consumers", "last-writer-wins", "application"
    ] = Field(description="The declared strategy.")
    description: str = Field(default="", description="How it works, for the reviewer.")


class RunbookResource(_Strict):
    """A resource a failover step acts on, and the state it must be in."""

    kind: Literal[
        "dns_record",
        "health_check",
        "replication",
        "consumer_group",
        "scaling_group",
        "kafka_cluster",
        "key",
        "bucket",
    ] = Field(description="What kind of resource the step names.")
    name: str = Field(
        description="Record name (relative to the DNS zone), health check id or target, "
        "replication as bucket/rule-id or a declared replication service name, consumer "
        "group, or the resource's name or id glob."
    )
    state: str | None = Field(
        default=None,
        description="Expected state, e.g. PRIMARY/SECONDARY (record), Enabled (replication, "
        "key), ACTIVE (cluster); default: the kind's usable state.",
    )


class RunbookStep(_Strict):
    """One step of the failover runbook, in the order it is run."""

    name: str = Field(description="What the step does.")
    region: str | None = Field(default=None, description="Region key the step acts in.")
    resources: list[RunbookResource] = Field(
        default_factory=list, description="Resources the step names."
    )


def _one_or_many(value: Any) -> Any:
    """A single mapping stands for a list of one (declarations before several zones)."""
    if value is None:
        return []
    return [value] if isinstance(value, dict) else value


class Failure(_Strict):
    dns: Annotated[list[Dns], BeforeValidator(_one_or_many)] = Field(
        default_factory=list,
        description="DNS zones clients fail over through: one zone, or a list of zones "
        "(one per cloud or per client population).",
    )
    secondary_capacity: float = Field(default=1.0, ge=0.0, le=10.0)
    keys_in_each_region: bool = True
    drills: Drills | None = None
    replication: list[ReplicationService] = Field(
        default_factory=list, description="Kafka replication services (MirrorMaker 2, ...)."
    )
    ownership: dict[str, str] = Field(
        default_factory=dict,
        description="active-active: topic or domain (glob) -> owning region key.",
    )
    conflict_handling: ConflictHandling | None = Field(
        default=None, description="active-active: how replication loops and conflicts are handled."
    )
    runbook: list[RunbookStep] = Field(
        default_factory=list, description="Failover steps, each naming the resources it acts on."
    )


class Waiver(_Strict):
    """An accepted exception: it turns a FAIL or INCONCLUSIVE into WAIVED until it expires.

    ``resource`` may name the verdict's resource or any resource in its
    evidence (e.g. the security group that exposes an instance).
    """

    rule: str
    resource: str = Field(description="Canonical id or glob pattern.")
    reason: str
    approved_by: str
    expires: dt.date

    def covers(self, rule: str, resource: str, evidence: Iterable[str] = ()) -> bool:
        if self.rule != rule:
            return False
        return any(fnmatch.fnmatchcase(r, self.resource) for r in (resource, *evidence))


_REGION_KEY = re.compile(r"^(aws|azure|gcp)/[a-z0-9-]+$")


_PARTY_MEMOS: dict[int, tuple[weakref.ref[Declaration], dict[tuple[str, str], str]]] = {}


def _party_memo(decl: Declaration) -> dict[tuple[str, str], str]:
    """The (cloud, account) -> party answers of one declaration.

    Kept beside the model, not in it, so that a filled memo does not make two equal
    declarations compare unequal; keyed by id and checked through a weak reference.
    """
    hit = _PARTY_MEMOS.get(id(decl))
    if hit is not None and hit[0]() is decl:
        return hit[1]
    for key, (ref, _) in list(_PARTY_MEMOS.items()):
        if ref() is None:
            del _PARTY_MEMOS[key]
    memo: dict[tuple[str, str], str] = {}
    _PARTY_MEMOS[id(decl)] = (weakref.ref(decl), memo)
    return memo


class Declaration(_Strict):
    """A declared Kafka platform boundary (version 1)."""

    version: Literal[1] = Field(description="Declaration format version.")
    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        max_length=64,
        description="Platform name; names bundles (letters, digits, . _ -; at most 64).",
    )
    pattern: Pattern = Field(description="Disaster recovery pattern; drives failure rules.")
    objectives: Objectives = Field(description="RPO and RTO.")
    parties: dict[str, Party] = Field(
        description="Who owns which accounts; 'customer' is required, others are outside."
    )
    regions: dict[str, RegionRole] = Field(
        description="Keys like aws/us-east-1; values primary, secondary or active."
    )
    platform: Selector = Field(description="Which resources make up the Kafka platform.")
    data: Data = Field(description="Where log data and system logs are, and who owns keys.")
    control: Control = Field(default_factory=Control, description="Vendor access and audit.")
    network: Network = Field(
        default_factory=Network, description="Kafka ports and allowed paths per traffic class."
    )
    failure: Failure = Field(default_factory=Failure, description="What a failover needs.")
    exceptions: list[Waiver] = Field(
        default_factory=list, description="Waivers: rule, resource, reason, approver, expiry."
    )

    @field_validator("regions")
    @classmethod
    def _region_keys(cls, v: dict[str, RegionRole]) -> dict[str, RegionRole]:
        for key in v:
            if not _REGION_KEY.match(key):
                raise ValueError(f"region key {key!r} must look like aws/us-east-1")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> Declaration:
        if "customer" not in self.parties:
            raise ValueError("parties must include 'customer'")
        owners: dict[str, str] = {}
        for party, p in self.parties.items():
            for acct in p.aws.accounts if p.aws else []:
                if acct in owners:
                    raise ValueError(f"account {acct} is declared for {owners[acct]} and {party}")
                owners[acct] = party
        if self.pattern is Pattern.ACTIVE_PASSIVE:
            primaries = sorted(k for k, v in self.regions.items() if v is RegionRole.PRIMARY)
            if not primaries:
                raise ValueError("an active-passive pattern needs a primary region")
            clouds = [k.split("/", 1)[0] for k in primaries]
            for cloud in sorted(set(clouds)):
                if clouds.count(cloud) > 1:
                    twice = ", ".join(k for k in primaries if k.startswith(f"{cloud}/"))
                    raise ValueError(
                        f"an active-passive pattern has one primary region per cloud; "
                        f"{cloud} has {twice}"
                    )
        for zone in self.failure.dns:
            if zone.cloud is not None and zone.cloud not in {"aws", "azure", "gcp"}:
                raise ValueError(f"failure.dns zone {zone.zone}: unknown cloud {zone.cloud!r}")
        return self

    # --- queries the rest of the auditor uses -------------------------------------------
    def party_of(self, cloud: str, account: str) -> str:
        """The declared party owning an account, or ``unknown``.

        Memoised per declaration: the graph asks once per resource, and scanning every
        party's account list each time grows with the square of the estate.
        """
        memo = _party_memo(self)
        got = memo.get((cloud, account))
        if got is None:
            got = memo[(cloud, account)] = self._find_party(cloud, account)
        return got

    def _find_party(self, cloud: str, account: str) -> str:
        for name, party in self.parties.items():
            if cloud == "aws" and party.aws and account in party.aws.accounts:
                return name
            if cloud == "azure" and party.azure and _azure_owns(party.azure, account):
                return name
            if (
                cloud == "gcp"
                and party.gcp
                and (account in party.gcp.projects or account in party.gcp.project_numbers)
            ):
                return name
        return "unknown"

    def identity_party(self, cloud: str, identities: Iterable[str]) -> str | None:
        """The party that names one of ``identities`` explicitly, or None.

        ``identities`` are what a principal is known by: an AWS ARN; an Azure object
        id or application id; a GCP service account e-mail. An explicit identity
        outranks the account, tenant or project the principal lives in, so a vendor's
        service principal in the customer tenant is the vendor's.
        """
        wanted = [i for i in identities if i]
        for name, party in sorted(self.parties.items()):
            patterns: list[str] = []
            if cloud == "aws" and party.aws:
                patterns = party.aws.principals
            elif cloud == "azure" and party.azure:
                patterns = [p.lower() for p in (*party.azure.applications, *party.azure.principals)]
                if any(i.lower() in patterns for i in wanted):
                    return name
                continue
            elif cloud == "gcp" and party.gcp:
                patterns = [p.lower() for p in party.gcp.service_accounts]
                wanted_low = [i.lower() for i in wanted]
                if any(fnmatch.fnmatchcase(i, p) for i in wanted_low for p in patterns):
                    return name
                continue
            if any(fnmatch.fnmatchcase(i, p) for i in wanted for p in patterns):
                return name
        return None

    def accounts(self, cloud: str, party: str | None = None) -> list[str]:
        out: list[str] = []
        for name, p in sorted(self.parties.items()):
            if party is not None and name != party:
                continue
            if cloud == "aws" and p.aws:
                out += p.aws.accounts
            elif cloud == "azure" and p.azure:
                out += p.azure.subscriptions
            elif cloud == "gcp" and p.gcp:
                out += p.gcp.projects
        return out

    def primary_region(self, cloud: str) -> str | None:
        """The declared primary region of ``cloud``, or None when it has none."""
        for region, role in sorted(self.regions_of(cloud).items()):
            if role is RegionRole.PRIMARY:
                return region
        return None

    def regions_of(self, cloud: str) -> dict[str, RegionRole]:
        prefix = f"{cloud}/"
        return {k[len(prefix) :]: v for k, v in self.regions.items() if k.startswith(prefix)}

    def region_role(self, cloud: str, region: str) -> RegionRole | None:
        return self.regions.get(f"{cloud}/{region}")

    def organization(self, party: str = "customer") -> str | None:
        p = self.parties.get(party)
        return p.aws.organization if p and p.aws else None


# --- loading -----------------------------------------------------------------------------


def _yaml_location(doc: Any, loc: Iterable[int | str]) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the deepest node of ``loc`` found in a ruamel doc."""
    line: int | None = None
    col: int | None = None
    node = doc
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(part, int) and isinstance(node, list):
                if lc is not None:
                    line, col = lc.item(part)
                node = node[part]
            elif isinstance(node, dict) and part in node:
                if lc is not None:
                    line, col = lc.key(part)
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    if line is None and getattr(doc, "lc", None) is not None:
        line, col = doc.lc.line, doc.lc.col
    return (None, None) if line is None else (line + 1, (col or 0) + 1)


def _model_for(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model whose field set applies at ``loc`` (for key suggestions)."""
    model: Any = Declaration
    skip_key = False
    for part in loc:
        if isinstance(part, int):
            continue
        if skip_key:  # the key of a dict-valued field (a party name, a region)
            skip_key = False
            continue
        fields = getattr(model, "model_fields", None)
        if not fields:
            return None
        by_alias = {(f.alias or n): f for n, f in fields.items()}
        field = by_alias.get(str(part))
        if field is None:
            return None
        skip_key = getattr(field.annotation, "__origin__", None) is dict
        model = inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args or ():
        inner = inner_model(arg)
        if inner is not None:
            return inner
    return None


def _describe(err: Mapping[str, Any]) -> tuple[tuple[int | str, ...], str]:
    loc: tuple[int | str, ...] = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    if kind == "extra_forbidden" and loc:
        key = str(loc[-1])
        model = _model_for(loc[:-1])
        if model is not None:
            names = [(f.alias or n) for n, f in model.model_fields.items()]
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {names}"
            return loc, f"unknown key {key!r}{hint}"
        return loc, f"unknown key {key!r}"
    if kind == "missing":
        return loc, f"missing required field {str(loc[-1])!r}" if loc else "missing field"
    msg = msg.removeprefix("Value error, ")
    return loc, msg


def declaration_hash(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def load_declaration(path: str | Path) -> Declaration:
    """Parse and validate a declaration file, raising a located DeclarationError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeclarationError(str(p), None, None, "", f"cannot read file ({exc})") from exc
    return parse_declaration(text, str(p))


def parse_declaration(text: str, name: str = "<declaration>") -> Declaration:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        check_bounds(text)
        doc = yaml.load(text)
    except YamlBoundsError as exc:
        raise DeclarationError(name, exc.line, exc.col, "", exc.why) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        why = f"YAML syntax error: {exc.problem or exc.context}"
        raise DeclarationError(name, line, col, "", why) from exc
    except YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DeclarationError(name, None, None, "", f"YAML error: {first}") from exc
    except (ValueError, IndexError) as exc:
        # ruamel's scalar constructors crash on some malformed numbers ("-_", "._").
        why = f"YAML error: a scalar cannot be read ({type(exc).__name__}: {exc})"
        raise DeclarationError(name, None, None, "", " ".join(why.split())) from None
    if not isinstance(doc, dict):
        raise DeclarationError(name, 1, 1, "", "a declaration must be a YAML mapping")
    try:
        return Declaration.model_validate(_plain(doc))
    except ValidationError as exc:
        # A misspelt key explains the "missing field" errors it causes: report it first.
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
        problems = tuple(_problem(doc, e) for e in errors)
        top = problems[0]
        why = top.why
        extra = len(problems) - 1
        if extra:
            why += f" (and {extra} more error{'s' if extra > 1 else ''})"
        raise DeclarationError(name, top.line, top.col, top.where, why, problems) from None


def _problem(doc: Any, err: Mapping[str, Any]) -> DeclarationProblem:
    loc, why = _describe(err)
    line, col = _yaml_location(doc, loc)
    # Keys come from the file: escape control characters so the message stays one line.
    where = ".".join(str(x) for x in loc).encode("unicode_escape").decode("ascii")
    return DeclarationProblem(line=line, col=col, where=where, why=why)


def _plain(node: Any) -> Any:
    """ruamel's commented containers and scalars as plain Python values."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool | int | float) or node is None:
        return node
    if isinstance(node, dt.datetime | dt.date):
        return node
    return str(node)
