"""Edge kinds: the one list of relation kinds, each with its path and meaning.

Every layer names edges (normalisers write them, analyses derive them, checks
and renderers read them), so the kinds live here, below all of them; the
reference doc (``docs/reference/edge-kinds.md``) is generated from this
registry, so nothing lists them twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import PathName


@dataclass(frozen=True, kw_only=True, slots=True)
class EdgeKind:
    name: str
    path: PathName
    meaning: str
    ends: str = ""
    """Which kinds it joins, e.g. ``route_table -> gateway``."""


_KINDS: dict[str, EdgeKind] = {}


def define_edge(name: str, meaning: str, ends: str = "") -> str:
    """Declare an edge kind (``path.verb``) and return its name for use as a constant."""
    path = PathName(name.split(".", 1)[0])
    kind = EdgeKind(name=name, path=path, meaning=meaning, ends=ends)
    old = _KINDS.get(name)
    if old is not None and old != kind:
        raise RuntimeError(f"edge kind {name} declared twice with different meanings")
    _KINDS[name] = kind
    return name


def edge_kinds() -> list[EdgeKind]:
    """Every declared edge kind, sorted by name."""
    return sorted(_KINDS.values(), key=lambda k: k.name)


def edge_reference() -> str:
    """The edge-kinds reference page (markdown), generated from the registry."""
    lines = [
        "# Edge kinds",
        "",
        "Generated from the `define_edge` declarations in the code.",
        "",
        "| kind | path | joins | meaning |",
        "|---|---|---|---|",
    ]
    for k in edge_kinds():
        lines.append(f"| `{k.name}` | {k.path} | {k.ends} | {k.meaning} |")
    return "\n".join(lines) + "\n"


# --- control path ---------------------------------------------------------------
CAN_ACT_ON = define_edge(
    "control.can_act_on",
    "the principal may perform a boundary capability on the resource (attrs `capability`, "
    "`action`, `decision`, `requires`, `statements`, `notes`)",
    "principal/role/account/`*` -> bucket/key/kafka_cluster/audit_trail/account",
)
CAN_ASSUME = define_edge(
    "control.can_assume",
    "the principal may assume the role (trust, identity, boundary and SCPs evaluated; attrs "
    "`decision`, `requires`, `statements`, `notes`)",
    "principal/role/account/`*` -> role",
)
ROLE_ASSIGNED = define_edge(
    "control.role_assigned",
    "an Azure role is assigned to the principal at the scope (attrs `role_definition_id`, "
    "`assignment`, `via` `rbac`/`lighthouse`, `condition`)",
    "principal -> account/resource_group/resource (Azure)",
)
RUNS_AS = define_edge(
    "control.runs_as",
    "the resource acts with that role",
    "instance/k8s_cluster/bucket (replication) -> role",
)
TRUSTS = define_edge(
    "control.trusts",
    "the trust policy names it (attrs `conditions`, `statement`)",
    "role -> principal/role/account",
)

# --- data path ------------------------------------------------------------------
DATA_ATTACHED_TO = define_edge("data.attached_to", "EBS attachment", "volume -> instance")
ENCRYPTED_BY = define_edge(
    "data.encrypted_by",
    "KMS key protects it",
    "bucket/volume/snapshot/kafka_cluster/audit_trail/k8s_cluster -> key",
)
LOGS_TO = define_edge(
    "data.logs_to",
    "access logs, trail logs, flow logs land there",
    "bucket/audit_trail/flow_log -> bucket",
)
REPLICA_OF = define_edge("data.replica_of", "multi-region replica -> primary", "key -> key")
REPLICATES_TO = define_edge(
    "data.replicates_to",
    "replication rule (attrs `rule_id`, `rtc`; `read_only` for an Azure geo-redundant copy)",
    "bucket -> bucket",
)
SNAPSHOT_OF = define_edge("data.snapshot_of", "snapshot source", "snapshot -> volume")

# --- failure path ---------------------------------------------------------------
DEPENDS_ON = define_edge(
    "failure.depends_on",
    "what a region needs from another region to come up (derived; attrs need, from_region, "
    "to_region, blocking, via)",
    "resource in a region -> key/network/bucket/role/zone/instance elsewhere",
)
FAILS_OVER_TO = define_edge(
    "failure.fails_over_to", "same name and type", "dns_record (PRIMARY) -> dns_record (SECONDARY)"
)
HEALTH_CHECKED_BY = define_edge(
    "failure.health_checked_by",
    "Route53 health check decides the record's health",
    "dns_record -> health_check",
)
SCALES = define_edge("failure.scales", "ASG membership", "scaling_group -> instance")
CONFIGURED_BY = define_edge(
    "failure.configured_by",
    "the broker configuration (revision) a Kafka cluster runs with",
    "kafka_cluster -> kafka_config",
)
REPLICATES_FROM = define_edge(
    "failure.replicates_from",
    "a managed replication reads from the cluster",
    "kafka_replication -> kafka_cluster",
)
REPLICATES_INTO = define_edge(
    "failure.replicates_into",
    "a managed replication writes into the cluster",
    "kafka_replication -> kafka_cluster",
)
RUNS_ON = define_edge(
    "failure.runs_on",
    "a connector runs on the Connect cluster; a Connect cluster works on its primary cluster",
    "kafka_replication -> kafka_connect_cluster -> kafka_cluster",
)

# --- network path ---------------------------------------------------------------
ACL_OF = define_edge("network.acl_of", "NACL applies to subnet", "network_acl -> subnet")
ATTACHED_TO = define_edge(
    "network.attached_to",
    "attachment",
    "gateway/transit_attachment -> network / transit_gateway",
)
FORWARDS_TO = define_edge(
    "network.forwards_to",
    "load balancing",
    "load_balancer -> listener -> target_group -> instance",
)
HAS_PUBLIC_IP = define_edge(
    "network.has_public_ip", "EIP association", "instance/interface/gateway -> public_ip"
)
LOGGED_BY = define_edge(
    "network.logged_by", "flow logs cover it", "network/subnet/interface -> flow_log"
)
MEMBER_OF = define_edge(
    "network.member_of",
    "placed in",
    "subnet/instance/interface/load_balancer/kafka_cluster/private_endpoint/k8s_cluster"
    " -> network or subnet",
)
PEERS_WITH = define_edge(
    "network.peers_with", "peering connects networks", "peering -> network (both sides)"
)
PROTECTED_BY = define_edge(
    "network.protected_by",
    "security group applies",
    "instance/interface/load_balancer/kafka_cluster/private_endpoint/k8s_cluster -> firewall",
)
ROUTE_TABLE_OF = define_edge(
    "network.route_table_of",
    "which table decides a subnet's routes",
    "route_table -> subnet (explicit) or network (main)",
)
ROUTES_VIA = define_edge(
    "network.routes_via",
    "a route sends `destination` there (attrs `destination`, `state`)",
    "route_table -> gateway/peering/transit_gateway/private_endpoint/interface",
)
LINKS_TO = define_edge(
    "network.links_to",
    "a site link ends at that gateway (attrs `side` `local`/`peer`)",
    "site_link -> gateway/vpn_gateway/peer_gateway",
)
JOINS = define_edge(
    "network.joins",
    "a site link's far end is another collected network's gateway (derived by matching the "
    "peer address; attrs `peer_ip`)",
    "site_link -> network (other side)",
)

RESOLVES_IN = define_edge(
    "network.resolves_in",
    "private DNS zone answers in that network (Azure virtual network link)",
    "dns_zone -> network",
)
OBSERVED = define_edge(
    "network.observed",
    "flow log records show this traffic reached the interface in the read window (observed, "
    "not configured reachability)",
    "observed_flow -> interface",
)
