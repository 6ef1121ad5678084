"""Platform capacity per region, as failover reasoning compares it.

**Capacity** of a region counts brokers: the ``broker_count`` of live platform
MSK clusters, the desired capacity of platform scaling groups (Auto Scaling
groups, VM scale sets, managed instance groups), and running platform instances
that no counted group already covers. A cluster still being created, or a
serverless cluster, is reported apart (``pending`` / ``serverless``) because it
cannot be compared as a broker count. Each counted broker also has a *size* in
units of the instance type (``large`` = 2, ``xlarge`` = 4, ``4xlarge`` = 16,
...), so that three small brokers do not pass for three large ones; a broker
whose instance type is unknown is ``unsized``.

Counted apart, never as brokers:

- **KRaft controllers**: a group or instance whose Kafka role tag
  (``kafka-role``, ``kafka_role``, ``role``, ``process-roles``, ``process.roles``) says
  ``controller`` without ``broker``, or whose name has a ``controller`` /
  ``kraft`` / ``ctrl`` word (``kafka-controller-0``, ``kraft-ew1``, ``kafka-ctrl-use1``),
  is a controller: it serves no partitions. A scaling group is also judged by what it
  starts: its instance template's role label or name, else its member instances.
- **Event Hubs namespaces** (``managed_service`` ``event-hubs``): capacity is
  the namespace's tier and ``sku.capacity`` (throughput units for Standard,
  processing units for Premium, capacity units for Dedicated), not brokers.
- **vCPU-sized managed clusters** (GCP Managed Service for Apache Kafka,
  ``capacityConfig.vcpuCount`` / ``memoryBytes``): ``managed``.

Every broker and managed cluster also has vCPUs and memory where its machine
type says them (:mod:`auditor.analysis.machine_types`), so capacity can be
compared across clouds and with managed clusters; unknown sizes stay unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.analysis.boundary_scope import platform_resources
from auditor.analysis.machine_types import machine_size
from auditor.base.edges import SCALES
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, Resource

LIVE_MSK_STATES = frozenset({"ACTIVE", "UPDATING", "REBOOTING_BROKER", "MAINTENANCE", "HEALING"})
PENDING_MSK_STATES = frozenset({"CREATING"})


@dataclass(frozen=True, kw_only=True)
class Contribution:
    resource: str
    kind: str
    brokers: int
    note: str
    instance_type: str | None = None
    size: float | None = None
    """Units per broker (see :func:`size_units`); None when the instance type is unknown."""
    max_brokers: int | None = None
    """How far it can scale (an Auto Scaling group's max size), else ``brokers``."""
    vcpus: float | None = None
    """vCPUs in all (every broker, or the managed cluster); None when unknown."""
    memory_gib: float | None = None
    """Memory in all (GiB); None when unknown."""
    units: int | None = None
    """Event Hubs: throughput / processing / capacity units (``sku.capacity``)."""
    tier: str | None = None
    """Event Hubs: the namespace tier (Basic, Standard, Premium, Dedicated)."""


@dataclass(frozen=True, kw_only=True)
class Capacity:
    """Platform Kafka capacity found in one cloud region."""

    region: str
    brokers: int = 0
    contributions: tuple[Contribution, ...] = ()
    pending: tuple[str, ...] = ()
    """Clusters that are not serving yet (e.g. CREATING)."""
    serverless: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    """Platform capacity resources whose size is not recorded."""
    accounts: tuple[str, ...] = ()
    controllers: tuple[Contribution, ...] = ()
    """KRaft controllers: counted apart, never as brokers."""
    event_hubs: tuple[Contribution, ...] = ()
    """Event Hubs namespaces, in units of their tier."""
    managed: tuple[Contribution, ...] = ()
    """Managed clusters sized in vCPUs and memory (GCP Managed Kafka)."""

    @property
    def vcpus(self) -> float | None:
        """vCPUs of the brokers and managed clusters; None when one is unknown."""
        found = [c.vcpus for c in (*self.contributions, *self.managed)]
        return None if any(v is None for v in found) else sum(v or 0.0 for v in found)

    @property
    def memory_gib(self) -> float | None:
        found = [c.memory_gib for c in (*self.contributions, *self.managed)]
        return None if any(v is None for v in found) else sum(v or 0.0 for v in found)

    @property
    def unknown_vcpus(self) -> tuple[str, ...]:
        return tuple(c.resource for c in (*self.contributions, *self.managed) if c.vcpus is None)

    @property
    def unknown_memory(self) -> tuple[str, ...]:
        return tuple(
            c.resource for c in (*self.contributions, *self.managed) if c.memory_gib is None
        )

    def event_hub_units(self) -> dict[str, int]:
        """Event Hubs units per tier (a namespace of unknown units counts 0)."""
        out: dict[str, int] = {}
        for c in self.event_hubs:
            tier = (c.tier or "unknown").lower()
            out[tier] = out.get(tier, 0) + (c.units or 0)
        return dict(sorted(out.items()))

    @property
    def units(self) -> float:
        """Brokers weighted by instance size (sized contributions only)."""
        return sum(c.brokers * c.size for c in self.contributions if c.size is not None)

    @property
    def unsized(self) -> tuple[str, ...]:
        return tuple(c.resource for c in self.contributions if c.size is None and c.brokers)

    @property
    def max_brokers(self) -> int:
        return sum(
            c.brokers if c.max_brokers is None else c.max_brokers for c in self.contributions
        )

    @property
    def nodes(self) -> tuple[str, ...]:
        ids = [c.resource for c in (*self.contributions, *self.managed, *self.event_hubs)]
        ids += [c.resource for c in self.controllers]
        return tuple(dict.fromkeys([*ids, *self.pending, *self.serverless, *self.unknown]))

    def attributes(self) -> dict[str, JSONValue]:
        return {
            "region": self.region,
            "brokers": self.brokers,
            "units": self.units,
            "max_brokers": self.max_brokers,
            "unsized": list(self.unsized),
            "vcpus": self.vcpus,
            "memory_gib": self.memory_gib,
            "contributions": [_contribution_json(c) for c in self.contributions],
            "controllers": [_contribution_json(c) for c in self.controllers],
            "event_hubs": [_contribution_json(c) for c in self.event_hubs],
            "managed": [_contribution_json(c) for c in self.managed],
            "pending": list(self.pending),
            "serverless": list(self.serverless),
            "unknown": list(self.unknown),
            "accounts": list(self.accounts),
        }


def _contribution_json(c: Contribution) -> dict[str, JSONValue]:
    return {
        "resource": c.resource,
        "kind": c.kind,
        "brokers": c.brokers,
        "note": c.note,
        "instance_type": c.instance_type,
        "size": c.size,
        "max_brokers": c.max_brokers,
        "vcpus": c.vcpus,
        "memory_gib": c.memory_gib,
        "units": c.units,
        "tier": c.tier,
    }


@dataclass
class _Acc:
    brokers: int = 0
    contributions: list[Contribution] = field(default_factory=list)
    controllers: list[Contribution] = field(default_factory=list)
    event_hubs: list[Contribution] = field(default_factory=list)
    managed: list[Contribution] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    serverless: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)


def _str_or_none(value: object) -> str | None:
    return str(value) if value is not None else None


def int_or_none(value: object) -> int | None:
    """An integer attribute as an int (a digit string too); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


_SIZES = {"nano": 0.125, "micro": 0.25, "small": 0.5, "medium": 1.0, "large": 2.0}
_XLARGE = re.compile(r"^(\d*)xlarge$")
_GCP_MACHINE = re.compile(r"^[a-z][a-z0-9]*-(?:standard|highmem|highcpu|highgpu|ultramem)-(\d+)$")
"""A GCP predefined machine type (``n2-standard-8``): its vCPU count is the size."""
_AZURE_VM_SIZE = re.compile(r"^(?:standard|basic)_[a-z]+?(\d+)", re.IGNORECASE)
"""An Azure VM size (``Standard_D4s_v5``): the number after the family is its vCPUs."""


def size_units(instance_type: object) -> float | None:
    """Relative size of an instance type (``kafka.m5.large`` = 2, ``m5.4xlarge`` = 16)."""
    if isinstance(instance_type, str) and (gcp := _GCP_MACHINE.match(instance_type)):
        return float(gcp.group(1))  # vCPUs: the AWS scale too (large = 2 vCPUs = 2)
    if isinstance(instance_type, str) and (azure := _AZURE_VM_SIZE.match(instance_type)):
        return float(azure.group(1))
    if not isinstance(instance_type, str) or "." not in instance_type:
        return None
    suffix = instance_type.removeprefix("kafka.").rsplit(".", 1)[-1].lower()
    if suffix in _SIZES:
        return _SIZES[suffix]
    m = _XLARGE.match(suffix)
    if m:
        return 4.0 * int(m.group(1) or 1)
    return None


def _group_instance_type(graph: BoundaryGraph, group: Resource) -> str | None:
    """The smallest instance type among a group's member instances (None if none seen)."""
    members = list(graph.targets(group.id, SCALES))
    name = group.attributes.get("name")
    if name:
        members += [
            i
            for i in graph.of_kind(Kind.INSTANCE)
            if i.attributes.get("asg_name") == name
            and i.account == group.account
            and i.region == group.region
        ]
    types = sorted(
        {
            str(i.attributes.get("instance_type"))
            for i in members
            if i.attributes.get("instance_type")
        },
        key=lambda t: (size_units(t) is None, size_units(t) or 0.0, t),
    )
    if not types and group.attributes.get("instance_type"):
        return str(group.attributes["instance_type"])  # a scale set names its own VM size
    template = graph.get(str(group.attributes.get("launch_template") or ""))
    if not types and template is not None and template.attributes.get("machine_type"):
        return str(template.attributes["machine_type"])  # a MIG's instance template
    return types[0] if types else None


def _platform_groups(
    graph: BoundaryGraph, platform: list[Resource], cloud: str
) -> dict[str, Resource]:
    """Platform scaling groups, and the groups whose instances are platform instances."""
    groups: dict[str, Resource] = {r.id: r for r in platform if r.kind == Kind.SCALING_GROUP}
    # A group that starts platform instances (its instance template's labels) is platform
    # capacity even before one of them runs.
    for g in (g for g in graph.of_kind(Kind.SCALING_GROUP) if g.cloud == cloud):
        tpl = graph.get(str(g.attributes.get("launch_template") or ""))
        labels = tpl.attributes.get("instance_labels") if tpl is not None else None
        if isinstance(labels, dict) and graph.declaration.platform.matches(
            kind=Kind.INSTANCE, id=g.id, tags={str(k): str(v) for k, v in labels.items()}
        ):
            groups.setdefault(g.id, g)
    # A group whose instances are platform instances is platform capacity too.
    for inst in (r for r in platform if r.kind == Kind.INSTANCE):
        for g in graph.sources(inst.id, SCALES):
            groups.setdefault(g.id, g)
        name = inst.attributes.get("asg_name")
        if name:
            for g in graph.of_kind(Kind.SCALING_GROUP):
                if (
                    g.attributes.get("name") == name
                    and g.account == inst.account
                    and g.region == inst.region
                ):
                    groups.setdefault(g.id, g)
    return groups


_ROLE_TAGS = (
    "kafka-role",
    "kafka_role",
    "role",
    "process-roles",
    "process_roles",
    "process.roles",
    "kafka-process-roles",
)
_CONTROLLER_NAME = re.compile(r"(?:^|[-_.\s])(?:controller|controllers|kraft|ctrl)(?:$|[-_.\s\d])")


def _role_controller(tags: Mapping[str, str]) -> bool | None:
    """What a Kafka role tag/label says (KRaft ``process.roles``): None without one."""
    for key in _ROLE_TAGS:
        value = tags.get(key)
        if value is not None:
            v = value.lower()
            return "controller" in v and "broker" not in v
    return None


def _name_controller(name: str) -> bool:
    n = name.lower()
    return bool(_CONTROLLER_NAME.search(n)) and "broker" not in n


def is_controller(r: Resource) -> bool:
    """A KRaft controller (not a broker): by its Kafka role tag, else by its name."""
    said = _role_controller(r.tags)
    if said is not None:
        return said
    return _name_controller(str(r.attributes.get("name") or r.name or ""))


def group_is_controller(graph: BoundaryGraph, g: Resource) -> bool:
    """A scaling group of KRaft controllers: by its own role tag, else by what it starts
    (its instance template's role label or name, GCP network tags), else by its members
    (all of them controllers), else by its name."""
    said = _role_controller(g.tags)
    if said is not None:
        return said
    tpl = graph.get(str(g.attributes.get("launch_template") or ""))
    if tpl is not None:
        labels = tpl.attributes.get("instance_labels")
        if isinstance(labels, dict):
            said = _role_controller({str(k): str(v) for k, v in labels.items()})
            if said is not None:
                return said
        if _name_controller(str(tpl.attributes.get("name") or tpl.name or "")):
            return True
    members = list(graph.targets(g.id, SCALES))
    if members:
        return all(is_controller(m) for m in members)
    return _name_controller(str(g.attributes.get("name") or g.name or ""))


def _sized(itype: str | None, count: int) -> tuple[float | None, float | None]:
    """(vCPUs, memory GiB) of ``count`` machines of ``itype``; None where unknown."""
    size = machine_size(itype)
    if size is None:
        return None, None
    return (
        size.vcpus * count if size.vcpus is not None else None,
        size.memory_gib * count if size.memory_gib is not None else None,
    )


def _count_group(
    graph: BoundaryGraph, g: Resource, a: _Acc, covered: set[tuple[str, str, str]]
) -> None:
    """Count a scaling group's desired capacity, and mark the instances it covers."""
    a.accounts.add(g.account)
    desired = int_or_none(g.attributes.get("desired_capacity"))
    covered.add((g.account, g.region, str(g.attributes.get("name") or g.name)))
    for inst in graph.targets(g.id, SCALES):
        covered.add((inst.account, inst.region, f"id:{inst.id}"))
    for iid in g.attributes.get("instance_ids") or []:
        covered.add((g.account, g.region, f"iid:{iid}"))
    if desired is None:
        a.unknown.append(g.id)
        return
    itype = _group_instance_type(graph, g)
    max_size = int_or_none(g.attributes.get("max_size"))
    controller = group_is_controller(graph, g)
    what = {"aws": "Auto Scaling group", "azure": "VM scale set", "gcp": "managed instance group"}
    note = (
        f"{what.get(g.cloud, 'scaling group')} {g.attributes.get('name') or g.name} desires "
        f"{desired} (max {max_size if max_size is not None else 'unknown'}) x "
        f"{itype or 'unknown type'}" + (" KRaft controllers" if controller else "")
    )
    vcpus, memory = _sized(itype, desired)
    c = Contribution(
        resource=g.id,
        kind=g.kind,
        brokers=0 if controller else desired,
        note=note,
        instance_type=itype,
        size=size_units(itype),
        max_brokers=0 if controller else max_size,
        vcpus=vcpus,
        memory_gib=memory,
    )
    if controller:
        a.controllers.append(c)
        return
    a.brokers += desired
    a.contributions.append(c)


def _count_event_hubs(r: Resource, a: _Acc) -> None:
    """An Event Hubs namespace: units of its tier, apart from brokers."""
    units = int_or_none(r.attributes.get("throughput_units"))
    tier = _str_or_none(r.attributes.get("instance_type"))
    a.event_hubs.append(
        Contribution(
            resource=r.id,
            kind=r.kind,
            brokers=0,
            note=f"Event Hubs namespace {r.name or r.id}: {tier or 'unknown'} tier, "
            f"{units if units is not None else 'unknown'} unit(s)",
            units=units,
            tier=tier,
        )
    )


def _count_managed(r: Resource, a: _Acc, vcpus: int) -> None:
    """A managed cluster sized in vCPUs and memory (GCP Managed Kafka)."""
    mem = int_or_none(r.attributes.get("memory_bytes"))
    memory = mem / 2**30 if mem is not None else None
    a.managed.append(
        Contribution(
            resource=r.id,
            kind=r.kind,
            brokers=0,
            note=f"managed Kafka cluster {r.name or r.id}: {vcpus} vCPUs, "
            + (f"{memory:g} GiB memory" if memory is not None else "memory unknown"),
            vcpus=float(vcpus),
            memory_gib=memory,
        )
    )


def _count_cluster(r: Resource, a: _Acc) -> None:
    """Count a live provisioned MSK cluster's brokers; set serverless and pending ones apart.

    Event Hubs namespaces and vCPU-sized managed clusters are counted apart.
    """
    a.accounts.add(r.account)
    state = str(r.attributes.get("state") or "").upper()
    live = state in LIVE_MSK_STATES
    if r.attributes.get("managed_service") == "event-hubs" and live:
        _count_event_hubs(r, a)
        return
    vcpus = int_or_none(r.attributes.get("vcpu_count"))
    if vcpus is not None and live:
        _count_managed(r, a, vcpus)
        return
    if str(r.attributes.get("cluster_type") or "").upper() == "SERVERLESS":
        if state in LIVE_MSK_STATES:
            a.serverless.append(r.id)
        else:
            a.pending.append(r.id)
        return
    if state in PENDING_MSK_STATES or state not in LIVE_MSK_STATES:
        a.pending.append(r.id)
        return
    count = int_or_none(r.attributes.get("broker_count"))
    if count is None:
        a.unknown.append(r.id)
        return
    a.brokers += count
    cpus, memory = _sized(_str_or_none(r.attributes.get("instance_type")), count)
    a.contributions.append(
        Contribution(
            resource=r.id,
            kind=r.kind,
            brokers=count,
            note=f"MSK cluster {r.name or r.id} has {count} x "
            f"{r.attributes.get('instance_type') or 'unknown type'} brokers ({state})",
            instance_type=_str_or_none(r.attributes.get("instance_type")),
            size=size_units(r.attributes.get("instance_type")),
            vcpus=cpus,
            memory_gib=memory,
        )
    )


def _count_instance(r: Resource, a: _Acc, covered: set[tuple[str, str, str]]) -> None:
    """Count a running instance as one broker, unless a counted group already covers it."""
    iid = str(r.attributes.get("instance_id") or "")
    asg = str(r.attributes.get("asg_name") or "")
    if (
        (r.account, r.region, f"id:{r.id}") in covered
        or (r.account, r.region, f"iid:{iid}") in covered
        or (asg and (r.account, r.region, asg) in covered)
    ):
        return
    inst_state = r.attributes.get("state")
    if inst_state is None:
        a.unknown.append(r.id)
        a.accounts.add(r.account)
    elif inst_state == "running":
        itype = _str_or_none(r.attributes.get("instance_type"))
        vcpus, memory = _sized(itype, 1)
        controller = is_controller(r)
        c = Contribution(
            resource=r.id,
            kind=r.kind,
            brokers=0 if controller else 1,
            note=f"instance {iid or r.id} ({itype}) is running"
            + (" as a KRaft controller" if controller else ""),
            instance_type=itype,
            size=size_units(itype),
            vcpus=vcpus,
            memory_gib=memory,
        )
        a.accounts.add(r.account)
        if controller:
            a.controllers.append(c)
            return
        a.brokers += 1
        a.contributions.append(c)


def capacity_by_region(graph: BoundaryGraph, cloud: str = "aws") -> dict[str, Capacity]:
    """Platform Kafka capacity in every region where the platform has any.

    Groups are counted first, so that an instance a counted group covers is not
    counted again on its own.
    """
    platform = [r for r in platform_resources(graph) if r.cloud == cloud]
    groups = _platform_groups(graph, platform, cloud)
    covered: set[tuple[str, str, str]] = set()
    acc: dict[str, _Acc] = {}
    for g in sorted(groups.values(), key=lambda r: r.id):
        _count_group(graph, g, acc.setdefault(g.region, _Acc()), covered)
    for r in sorted(platform, key=lambda r: r.id):
        a = acc.setdefault(r.region, _Acc())
        if r.kind == Kind.KAFKA_CLUSTER:
            _count_cluster(r, a)
        elif r.kind == Kind.INSTANCE:
            _count_instance(r, a, covered)
    return {
        region: Capacity(
            region=region,
            brokers=a.brokers,
            contributions=tuple(a.contributions),
            pending=tuple(sorted(a.pending)),
            serverless=tuple(sorted(a.serverless)),
            unknown=tuple(sorted(a.unknown)),
            accounts=tuple(sorted(a.accounts)),
            controllers=tuple(a.controllers),
            event_hubs=tuple(a.event_hubs),
            managed=tuple(a.managed),
        )
        for region, a in sorted(acc.items())
        if a.contributions
        or a.pending
        or a.serverless
        or a.unknown
        or a.controllers
        or a.event_hubs
        or a.managed
    }
