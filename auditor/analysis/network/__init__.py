"""Network reachability over the boundary graph: the network path of the declaration.

One concept per module:

- :mod:`.addresses`: address sets and the public internet space;
- :mod:`.routes`: route tables, longest-prefix match, blackholes, internet routes;
- :mod:`.acl`: network ACLs (stateless, rule order, both directions);
- :mod:`.security_groups`: security groups (stateful, group references, prefix lists);
- :mod:`.index`: indexes over the graph (effective route table / NACL of a subnet);
- :mod:`.exposure`: can the internet open a connection to a resource (per port);
- :mod:`.connectivity`: how two VPCs reach each other (peering, TGW, internet);
- :mod:`.paths`: hop-by-hop path reasoning from any source to any target, built
  in layers: :mod:`.route_walk` (route walks; :mod:`.tgw_walk` for transit
  gateways), :mod:`.leg_parts` (origins, endpoints, NACL and security group
  hops), :mod:`.private_legs`, :mod:`.internet_legs`; its targets are in
  :mod:`.path_targets`;
- :mod:`.privatelink`: PrivateLink consumer paths (interface endpoint →
  endpoint service → NLB → targets; one-way);
- :mod:`.traffic`: traffic classes (clients, replication, operations, support)
  and the flows of each;
- :mod:`.scope`: the platform's networks.

Every answer is three-valued (:class:`Reach`): missing data gives ``UNKNOWN``,
never ``NO``. ``docs/network-model.md`` lists what is modelled and what is not.
"""

from __future__ import annotations

from auditor.analysis.network.acl import AclDecision, acl_inbound, port_in, proto_matches
from auditor.analysis.network.addresses import (
    Net,
    cidr_within,
    collapse,
    internet_space,
    is_internet_cidr,
    net_intersect,
    net_subtract,
    parse_net,
)
from auditor.analysis.network.answers import Connectivity, Exposure, Reach
from auditor.analysis.network.connectivity import routable_cidrs
from auditor.analysis.network.exposure import MSK_PUBLIC_PORTS
from auditor.analysis.network.index import label, local_id, lport_of
from auditor.analysis.network.routes import Route, internet_routed, lookup, routes_of
from auditor.analysis.network.scope import (
    EXPOSABLE_KINDS,
    PlatformNetworks,
    platform_networks,
    platform_tables,
)
from auditor.analysis.network.security_groups import sg_rules_for_port
from auditor.analysis.network.view import NetworkView, network_view
from auditor.base.edges import (
    ACL_OF,
    ATTACHED_TO,
    FORWARDS_TO,
    LOGGED_BY,
    MEMBER_OF,
    PEERS_WITH,
    PROTECTED_BY,
    ROUTE_TABLE_OF,
    ROUTES_VIA,
)

__all__ = [
    "ACL_OF",
    "ATTACHED_TO",
    "EXPOSABLE_KINDS",
    "FORWARDS_TO",
    "LOGGED_BY",
    "MEMBER_OF",
    "MSK_PUBLIC_PORTS",
    "PEERS_WITH",
    "PROTECTED_BY",
    "ROUTES_VIA",
    "ROUTE_TABLE_OF",
    "AclDecision",
    "Connectivity",
    "Exposure",
    "Net",
    "NetworkView",
    "PlatformNetworks",
    "Reach",
    "Route",
    "acl_inbound",
    "cidr_within",
    "collapse",
    "internet_routed",
    "internet_space",
    "is_internet_cidr",
    "label",
    "local_id",
    "lookup",
    "lport_of",
    "net_intersect",
    "net_subtract",
    "network_view",
    "parse_net",
    "platform_networks",
    "platform_tables",
    "port_in",
    "proto_matches",
    "routable_cidrs",
    "routes_of",
    "sg_rules_for_port",
]
