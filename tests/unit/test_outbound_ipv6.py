"""The public IPv6 space carved by a route table's IPv6 routes (longest prefix first)."""

from __future__ import annotations

import ipaddress

from auditor.analysis.network.outbound_ipv6 import PUBLIC6, ipv6_ranges, public_v6_routes
from auditor.model import Kind, Resource


def _table(*routes: tuple[str, str, str]) -> Resource:
    return Resource(
        id="arn:aws:ec2:us-east-1:111111111111:route-table/rtb-1",
        cloud="aws",
        kind=Kind.ROUTE_TABLE,
        account="111111111111",
        region="us-east-1",
        attributes={
            "routes": [
                {"destination": d, "target_type": t, "target_id": i, "state": "active"}
                for d, t, i in routes
            ]
        },
    )


def test_longer_prefixes_take_their_part_first_and_ipv4_routes_are_ignored() -> None:
    routes, rest = public_v6_routes(
        _table(
            ("0.0.0.0/0", "igw", "igw-1"),
            ("::/0", "egress-only-igw", "eigw-1"),
            ("2400:6500::/56", "local", "local"),
            ("2600:1f00::/32", "tgw", "tgw-1"),
        )
    )
    assert [(r.destination, r.target_type) for r in routes] == [
        ("2400:6500::/56", "local"),
        ("2600:1f00::/32", "tgw"),
        ("::/0", "egress-only-igw"),
    ]
    assert routes[0].nets == (ipaddress.IPv6Network("2400:6500::/56"),)
    default = routes[2].nets
    assert ipaddress.IPv6Network("2600:1f00::/32") not in default
    assert not any(n.overlaps(ipaddress.IPv6Network("2400:6500::/56")) for n in default)
    assert rest == ()


def test_no_ipv6_route_leaves_the_whole_public_space_unrouted() -> None:
    routes, rest = public_v6_routes(_table(("10.0.0.0/16", "local", "local")))
    assert routes == [] and rest == PUBLIC6


def test_subnet_ranges_unknown_empty_or_listed() -> None:
    def sub(v6: object) -> Resource:
        return Resource(
            id="s",
            cloud="aws",
            kind=Kind.SUBNET,
            account="1",
            region="r",
            attributes={"ipv6_cidrs": v6},
        )

    assert ipv6_ranges(sub(None)) is None
    assert ipv6_ranges(sub([])) == ()
    assert ipv6_ranges(sub(["2400:6500::/64", "10.0.0.0/24"])) == (
        ipaddress.IPv6Network("2400:6500::/64"),
    )
