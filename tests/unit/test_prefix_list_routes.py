"""Route lookup with prefix-list routes (``routes.route_for``, ``RouteWalker.lpm``): each
entry is a route of its own length, a CIDR route wins at equal length, and a list whose
entries were not read leaves every match it might beat undecided, naming the list."""

from __future__ import annotations

from auditor.analysis.network.prefix_lists import prefix_lists, resolver
from auditor.analysis.network.routes import route_for
from auditor.model import JSONValue, Resource

ACCT, REGION = "111111111111", "us-east-1"


def _res(kind: str, rid: str, **attrs: JSONValue) -> Resource:
    return Resource(
        id=f"arn:aws:ec2:{REGION}:{ACCT}:{kind}/{rid}",
        cloud="aws",
        kind=kind,
        account=ACCT,
        region=REGION,
        name=rid,
        attributes=attrs,
    )


def _table(*routes: tuple[str, str, str]) -> Resource:
    return _res(
        "route_table",
        "rtb-1",
        routes=[{"destination": d, "target_type": t, "target_id": i} for d, t, i in routes],
    )


TABLE = _table(
    ("0.0.0.0/0", "nat", "nat-1"),
    ("52.216.0.0/16", "igw", "igw-1"),
    ("pl-s3", "vpce", "vpce-1"),
)


def _target(destination: str, cidrs: list[JSONValue] | None) -> tuple[str, str]:
    lists = prefix_lists([_res("prefix_list", "pl-s3", prefix_list_id="pl-s3", cidrs=cidrs)])
    route, why = route_for(TABLE, destination, resolver(lists, REGION))
    return (route.target_id if route else ""), why


def test_each_entry_is_a_route_of_its_own_length() -> None:
    entries: list[JSONValue] = [
        "52.216.0.0/15",
        "52.216.8.0/24",
        "52.217.0.0/25",
        "52.217.0.128/25",
    ]
    assert _target("52.216.8.9", entries) == ("vpce-1", "")  # /24 entry beats the /16 route
    assert _target("52.216.9.9", entries) == ("igw-1", "")  # the /16 route beats the /15 entry
    # adjacent entries are not merged into a /24 that a /24 route would tie with
    assert _target("52.217.0.200", entries) == ("vpce-1", "")
    assert _target("198.51.100.9", entries) == ("nat-1", "")


def test_a_cidr_route_wins_over_a_prefix_list_entry_of_the_same_length() -> None:
    assert _target("52.216.3.3", ["52.216.0.0/16"]) == ("igw-1", "")


def test_unread_entries_leave_shorter_matches_undecided_naming_the_list() -> None:
    route, why = _target("198.51.100.9", None)
    assert route == "" and "pl-s3" in why and "not collected" in why
    assert _target("10.0.0.1", None)[0] == ""  # the list might hold anything
    uncollected = route_for(TABLE, "198.51.100.9", lambda _pl: None)
    assert uncollected[0] is None and "pl-s3" in uncollected[1]


def test_an_empty_list_matches_nothing() -> None:
    assert _target("52.216.8.9", []) == ("igw-1", "")
