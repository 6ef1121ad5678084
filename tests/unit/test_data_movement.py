"""The data-movement map over hand-built inventories: where each end of a flow lies, the
crossing it makes, its medium and cost class, and that the price file carries its date."""

from __future__ import annotations

from auditor.analysis.data_movement import movement_map, new_crossings
from auditor.analysis.movement_places_aws import Egress, Way
from auditor.analysis.transfer_prices import tables
from auditor.model import JSONValue, Resource

ACCT = "111111111111"


def _r(kind: str, rid: str, region: str = "us-east-1", **attrs: JSONValue) -> Resource:
    return Resource(
        id=f"arn:aws:ec2:{region}:{ACCT}:{kind}/{rid}",
        kind=kind,
        cloud="aws",
        account=ACCT,
        region=region,
        name=rid,
        attributes=attrs,
    )


def _flow(n: int, src: str, dst: str, nbytes: int, action: str = "ACCEPT") -> Resource:
    return _r(
        "observed_flow",
        f"f{n}",
        src=src,
        dst=dst,
        dst_port=9092,
        protocol=6,
        action=action,
        bytes=nbytes,
        records=1,
    )


READ = _r(
    "flow_read", "r", status="read", since="2026-12-07T00:00:00Z", until="2026-12-07T01:00:00Z"
)
ESTATE = [
    READ,
    _r("network", "vpc-1", vpc_id="vpc-1", cidrs=["10.0.0.0/16"]),
    _r(
        "subnet",
        "subnet-a",
        vpc_id="vpc-1",
        subnet_id="subnet-a",
        cidr="10.0.1.0/24",
        az="us-east-1a",
    ),
    _r(
        "subnet",
        "subnet-b",
        vpc_id="vpc-1",
        subnet_id="subnet-b",
        cidr="10.0.2.0/24",
        az="us-east-1b",
    ),
    _r("private_endpoint", "vpce-1", private_ips=["10.0.2.50"]),
]


def _map(*flows: Resource) -> dict[tuple[str, str, str, str], tuple[int, str, float]]:
    m = movement_map([*ESTATE, *flows])
    assert m is not None
    return {
        (c.kind, c.source, c.target, c.medium): (c.bytes, c.cost_class, c.cost) for c in m.crossings
    }


def test_zones_endpoints_and_one_zone() -> None:
    m = movement_map(
        [
            *ESTATE,
            _flow(1, "10.0.1.5", "10.0.2.6", 2_000_000_000),  # zone a to b: inter-AZ
            _flow(2, "10.0.1.5", "10.0.2.50", 1_000_000_000),  # into an interface endpoint
            _flow(3, "10.0.1.5", "10.0.1.7", 5),  # within one zone: no crossing
            _flow(4, "10.0.1.5", "198.51.100.9", 9, action="REJECT"),  # refused: nothing moved
        ]
    )
    assert m is not None and m.prices == (("aws", tables()["aws"].as_of, "GB"),)
    here = f"aws/{ACCT}/us-east-1"
    assert [
        (c.kind, c.source, c.target, c.medium, c.cost_class, c.bytes, c.cost) for c in m.crossings
    ] == [
        ("zone", here, here, "local", "inter-az", 2_000_000_000, 0.04),
        ("zone", here, here, "local", "privatelink", 1_000_000_000, 0.01),
    ]


def test_internet_and_outside_the_estate_are_told_apart() -> None:
    got = _map(_flow(1, "10.0.1.5", "198.51.100.9", 10), _flow(2, "10.0.1.5", "172.16.0.9", 20))
    a = f"aws/{ACCT}/us-east-1"
    # No route table of the sender's subnet was collected: the way out is not guessed.
    assert got[("internet", a, "internet", "unknown")][:2] == (10, "internet-egress")
    assert ("outside the estate", a, "outside the estate", "unknown") in got


def test_no_read_no_map_and_new_crossings_compare_kind_ends_and_medium() -> None:
    assert movement_map([_flow(1, "10.0.1.5", "198.51.100.9", 10)]) is None
    old = movement_map([*ESTATE, _flow(1, "10.0.1.5", "198.51.100.9", 10)])
    new = movement_map(
        [*ESTATE, _flow(1, "10.0.1.5", "198.51.100.9", 99), _flow(2, "10.0.1.5", "10.0.2.6", 1)]
    )
    assert [c.kind for c in new_crossings(old, new)] == ["zone"]
    assert len(new_crossings(None, new)) == 2


def _g(kind: str, rid: str, region: str, **attrs: JSONValue) -> Resource:
    return Resource(
        id=f"//compute.googleapis.com/projects/p1/{rid}",
        kind=kind,
        cloud="gcp",
        account="p1",
        region=region,
        name=rid.rsplit("/", 1)[-1],
        attributes=attrs,
    )


def test_gcp_internet_egress_follows_the_sending_interface_and_the_nats_region() -> None:
    """Cloud NAT serves its network in its router's region, and never an interface with an
    external address: nic0 of vm-a has one (its own address), vm-b none (NAT), vm-c lies in
    a region no Cloud NAT serves."""
    net = "//compute.googleapis.com/projects/p1/global/networks/main"

    def vm(name: str, region: str, ip: str, external: bool) -> Resource:
        iface: JSONValue = {"private_ip": ip, "network": net, "external": external}
        return _g(
            "instance",
            f"zones/{region}-b/instances/{name}",
            region,
            vpc_id=net,
            private_ip=ip,
            interfaces=[iface],
        )

    estate = [
        READ,
        _g("gateway", "regions/r1/routers/rt/nats/n", "r1", gateway_type="nat", vpc_ids=[net]),
        vm("vm-a", "r1", "10.1.0.2", True),
        vm("vm-b", "r1", "10.1.0.3", False),
        vm("vm-c", "r2", "10.2.0.2", False),
    ]
    flows = [_flow(1, "10.1.0.2", "198.51.100.9", 10), _flow(2, "10.1.0.3", "198.51.100.9", 20)]
    m = movement_map([*estate, *flows, _flow(3, "10.2.0.2", "198.51.100.9", 40)])
    assert m is not None
    assert {(c.source, c.medium): c.bytes for c in m.crossings} == {
        ("gcp/p1/r1", "public addresses"): 10,
        ("gcp/p1/r1", "nat"): 20,
        ("gcp/p1/r2", "internet gateway or unmodelled"): 40,
    }


def test_a_gcp_cloud_nat_of_listed_subnetworks_serves_only_their_primary_ranges() -> None:
    """A LIST_OF_SUBNETWORKS Cloud NAT translates only the subnetworks it lists (for the
    primary range: ALL_IP_RANGES or PRIMARY_IP_RANGE); another subnetwork's VM does not
    leave through it."""
    net = "//compute.googleapis.com/projects/p1/global/networks/main"
    sub = "//compute.googleapis.com/projects/p1/regions/r1/subnetworks/"

    def vm(name: str, ip: str, subnet: str) -> Resource:
        iface: JSONValue = {
            "private_ip": ip,
            "network": net,
            "subnet_id": sub + subnet,
            "external": False,
        }
        return _g(
            "instance",
            f"zones/r1-b/instances/{name}",
            "r1",
            vpc_id=net,
            private_ip=ip,
            interfaces=[iface],
        )

    listed: JSONValue = [
        {"subnet_id": sub + "a", "ranges": ["PRIMARY_IP_RANGE"], "secondary_ranges": []},
        {"subnet_id": sub + "c", "ranges": ["LIST_OF_SECONDARY_IP_RANGES"]},
    ]
    nat = _g(
        "gateway",
        "regions/r1/routers/rt/nats/n",
        "r1",
        gateway_type="nat",
        vpc_ids=[net],
        nat_subnetworks=listed,
    )
    estate = [READ, nat, vm("vm-a", "10.1.0.2", "a"), vm("vm-b", "10.1.1.2", "b")]
    estate.append(vm("vm-c", "10.1.2.2", "c"))
    flows = [
        _flow(n, ip, "198.51.100.9", 10**n)
        for n, ip in ((1, "10.1.0.2"), (2, "10.1.1.2"), (3, "10.1.2.2"))
    ]
    m = movement_map([*estate, *flows])
    assert m is not None
    assert {(c.medium, c.bytes) for c in m.crossings} == {
        ("nat", 10),
        ("internet gateway or unmodelled", 100 + 1000),
    }


def _table(
    rid: str, routes: list[JSONValue], *, main: bool = False, subnets: JSONValue = None
) -> Resource:
    return _r(
        "route_table", rid, vpc_id="vpc-1", main=main, subnet_ids=subnets or [], routes=routes
    )


def _route(dest: str, kind: str, target: str, state: str = "active") -> JSONValue:
    return {"destination": dest, "target_type": kind, "target_id": target, "state": state}


def test_an_aws_senders_way_out_is_its_subnets_route_or_unknown_with_the_reason() -> None:
    local = _route("10.0.0.0/16", "local", "local")
    a_routes = [
        local,
        _route("0.0.0.0/0", "nat", "nat-1"),
        _route("198.51.100.0/24", "nat", "nat-1", state="blackhole"),
    ]
    estate = [
        *ESTATE,
        _table("rtb-main", [local, _route("0.0.0.0/0", "tgw", "tgw-1")], main=True),
        _r("interface", "eni-b", subnet_id="subnet-b", private_ips=["10.0.2.7"]),
    ]
    way = Egress([*estate, _table("rtb-a", a_routes, subnets=["subnet-a"])]).way
    # subnet-b has no table of its own: the main table's route decides it
    assert way("10.0.2.7", "192.0.2.1", "us-east-1") == Way(
        medium="transit gateway", target="tgw-1"
    )
    assert way("10.0.1.5", "192.0.2.1", "us-east-1") == Way(medium="nat", target="nat-1")
    hole = way("10.0.1.5", "198.51.100.9", "us-east-1")
    assert hole.medium == "unknown" and "blackholes 198.51.100.9" in hole.reason
    nowhere = way("10.9.9.9", "192.0.2.1", "us-east-1")
    assert nowhere == Way(medium="unknown", reason="no collected subnet holds 10.9.9.9")
    # a gateway endpoint's prefix list was not collected: S3's addresses may be in it
    s3 = [*a_routes, _route("pl-63a5400a", "vpce", "vpce-s3")]
    pl = Egress([*estate, _table("rtb-a", s3, subnets=["subnet-a"])]).way
    got = pl("10.0.1.5", "192.0.2.1", "us-east-1")
    assert got.medium == "unknown" and "pl-63a5400a" in got.reason


def test_an_aws_sender_to_another_regions_public_address_goes_by_its_route() -> None:
    """The addresses say "public addresses"; the sender's NAT route says the NAT gateway
    carried it (and bills its processing)."""
    local = _route("10.0.0.0/16", "local", "local")
    far = _r("instance", "i-far", "us-west-2", private_ip="10.1.0.5", public_ip="198.51.100.20")
    nat = [local, _route("0.0.0.0/0", "nat", "nat-1")]
    estate = [*ESTATE, far, _table("rtb-a", nat, subnets=["subnet-a"])]
    m = movement_map([*estate, _flow(1, "10.0.1.5", "198.51.100.20", 7)])
    assert m is not None
    assert [(c.kind, c.medium, c.cost_class, c.bytes) for c in m.crossings] == [
        ("region", "nat", "nat-processing + inter-region", 7)
    ]
