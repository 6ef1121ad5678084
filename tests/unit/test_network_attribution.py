"""``network.traffic-class`` names what must change (causes), what it reaches (affects),
and the unmodelled feature behind an INCONCLUSIVE (issue #17, points 1 and 4).

The estate of :mod:`tests.unit.test_network_partial_cover`: non-platform VPC A
peered with the platform broker's VPC B. A's subnets are undeclared estate
subnets, so they are a **clients** source; clients are declared over
``private-endpoint`` only.
"""

from __future__ import annotations

from dataclasses import replace

from auditor.model import Gap, Resource, Status, Verdict
from tests.helpers import run_rules, status_of
from tests.unit.netfixtures import arn, inv, route, vpc
from tests.unit.test_network_partial_cover import TARGET, _estate

PCX = arn("vpc-peering-connection", "pcx-1")


def _clients(estate: list[Resource]) -> Verdict:
    verdicts = run_rules(inv(*estate), rules=["network.traffic-class"])
    (v,) = [v for v in verdicts if v.resource == TARGET and v.message.startswith("[clients]")]
    return v


def test_undeclared_peering_path_is_caused_by_the_peering() -> None:
    v = _clients(_estate(reply=("10.20.0.0/16",)))
    assert v.status is Status.FAIL and "via peering" in v.message
    assert v.causes == (PCX,)
    assert v.affects == (TARGET,)


def test_split_sources_fail_for_the_part_that_reaches_and_say_which() -> None:
    v = _clients(_estate())
    assert v.status is Status.FAIL, v.message
    assert v.causes == (PCX,)
    assert "10.20.32.0/20 reach" in v.message
    assert "10.20.48.0/20, 10.20.64.0/20 do not" in v.message


def test_clean_twin_without_a_route_back_passes() -> None:
    v = _clients(_estate(reply=()))
    assert v.status is Status.PASS, v.message
    assert not v.causes and not v.unmodelled


def test_route_to_an_unmodelled_target_names_it() -> None:
    estate = _estate(reply=())
    estate = [
        replace(
            r,
            attributes={
                **r.attributes,
                "routes": [*r.attributes["routes"], route("10.20.0.0/16", "carrier", "cagw-1")],
            },
        )
        if r.id == arn("route-table", "rtb-b")
        else r
        for r in estate
    ]
    v = _clients(estate)
    assert v.status is Status.INCONCLUSIVE, v.message
    assert v.unmodelled == "VPC routes to a carrier target"


def test_no_listener_is_nothing_to_judge_unless_a_gap_hides_them() -> None:
    scope = "scope:aws/*/*"
    # The inbound verdict (no aspect); the outbound classes, undeclared, are each
    # NOT_APPLICABLE on the same scope with their aspect.
    v = run_rules(inv(vpc()), rules=["network.traffic-class"])
    assert {x.aspect for x in v if x.resource == scope} == {"", "monitoring", "egress"}
    v = [x for x in v if not x.aspect]
    assert status_of(v, "network.traffic-class", scope) is Status.NOT_APPLICABLE
    gap = Gap(
        cloud="aws",
        account="111111111111",
        region="us-east-1",
        service="ec2-compute",
        operation="DescribeInstances",
        error_code="AccessDenied",
    )
    v = run_rules(inv(vpc(), gaps=[gap]), rules=["network.traffic-class"])
    v = [x for x in v if not x.aspect]
    assert status_of(v, "network.traffic-class", scope) is Status.INCONCLUSIVE
