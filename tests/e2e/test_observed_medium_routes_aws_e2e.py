"""``network.observed-medium`` on a record only the AWS sender logged: replication from
``broker-use1`` (private subnet of the observed-flows estate) to ``broker-usw2-b``'s public
address. The addresses say "a public address"; the sender's subnet route table says
how it left: through the NAT gateway (FAIL, the NAT gateway the cause, even when
``internet`` is declared), or, with the default route removed, a way that cannot be
told: a public medium still (FAIL when none is declared), INCONCLUSIVE and named when
one is, never a guessed medium."""

from __future__ import annotations

from pathlib import Path

from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.flow_estate import write_flows
from auditor.model import Status, Verdict
from tests.conftest import FakeAws
from tests.helpers import run_rules

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows"
REGIONS = ("us-east-1", "us-west-2", "us-east-2")
RULE = "network.observed-medium"
SENT = (
    '- {account: "111111111111", region: us-east-1, group: /vpc/orders-flows-use1,\n'
    "   at: broker-use1, flows: [{src: broker-use1, dst: 203.0.113.20, port: 9092,\n"
    "   bytes: 3000000}]}\n"
)


def _judge(
    fake: FakeAws, tmp: Path, *, default_route: bool, via: str = "peering, transit-gateway"
) -> tuple[Verdict, dict[str, str]]:
    apply_estate(ESTATE / "estate.yaml")
    ec2 = fake.session("111111111111", "us-east-1").client("ec2")
    if not default_route:
        (rt,) = ec2.describe_route_tables(
            Filters=[{"Name": "tag:Name", "Values": ["orders-kafka-use1-private"]}]
        )["RouteTables"]
        ec2.delete_route(RouteTableId=rt["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    (tmp / "sent.yaml").write_text(SENT)
    write_flows(tmp / "sent.yaml")
    inv = fake.collect(regions=REGIONS, flows_since=24 * 3600)
    names = {r.id: r.name for r in inv.resources}
    text = (ESTATE / "boundary.yaml").read_text(encoding="utf-8")
    declared = "replication: {via: [peering, transit-gateway]}"
    assert declared in text
    (tmp / "boundary.yaml").write_text(text.replace(declared, f"replication: {{via: [{via}]}}"))
    verdicts = run_rules(inv, load_declaration(tmp / "boundary.yaml"), rules=(RULE,))
    (v,) = [x for x in verdicts if names.get(x.resource) == "broker-usw2-b"]
    return v, names


def test_a_sender_routed_to_its_nat_gateway_sent_it_over_nat(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    v, names = _judge(fake_aws, tmp_path, default_route=True)
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["media"] == ["nat"]  # the addresses alone said "internet"
    assert [names[c] for c in v.causes] == ["orders-kafka-use1"]  # the NAT gateway
    assert all(c.split(":")[5].startswith("natgateway/") for c in v.causes)


def test_a_declared_internet_medium_does_not_cover_a_nat_routed_sender(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    v, _ = _judge(fake_aws, tmp_path, default_route=True, via="peering, internet")
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["media"] == ["nat"]


def test_an_untold_route_fails_when_no_public_medium_is_declared(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    v, _ = _judge(fake_aws, tmp_path, default_route=False)
    assert v.status is Status.FAIL, v.message
    assert v.evidence.attributes["media"] == ["nat or internet"]


def test_an_untold_route_is_inconclusive_and_says_why_when_one_public_medium_is_declared(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    v, _ = _judge(fake_aws, tmp_path, default_route=False, via="peering, internet")
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "no route of orders-kafka-use1-private holds 203.0.113.20" in v.unmodelled
    assert "203.0.113.20" in v.message
