"""Network path rules end to end: estates built with real boto3 in moto, collected, judged."""

from __future__ import annotations

from typing import Any

from auditor.model import Status, Verdict
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.helpers import declaration, run_rules

E1, W2 = "us-east-1", "us-west-2"
NET = ("ec2-network", "ec2-compute", "elbv2")
PLATFORM = [{"Key": "platform", "Value": "orders-kafka"}]


def _tags(resource_type: str, **tags: str) -> list[dict[str, Any]]:
    pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
    return [{"ResourceType": resource_type, "Tags": pairs}]


def only(verdicts: list[Verdict], rule: str, resource_part: str = "") -> Verdict:
    found = [v for v in verdicts if v.rule == rule and resource_part in v.resource]
    assert len(found) == 1, [(v.resource, v.status, v.message) for v in found]
    return found[0]


def broker_estate(
    fake: FakeAws,
    *,
    internet_route: bool = True,
    public_ip: bool = True,
    ingress: list[dict[str, Any]] | None = None,
    account: str = CUSTOMER,
    region: str = E1,
    cidr: str = "10.10.0.0/16",
) -> dict[str, str]:
    """A platform VPC with one subnet and one tagged broker instance behind one SG."""
    ec2 = fake.session(account, region).client("ec2")
    ids: dict[str, str] = {}
    ids["vpc"] = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", Name="kafka"))[
        "Vpc"
    ]["VpcId"]
    ids["subnet"] = ec2.create_subnet(
        VpcId=ids["vpc"], CidrBlock=cidr.replace("0.0/16", "0.0/20"), AvailabilityZone=f"{region}a"
    )["Subnet"]["SubnetId"]
    ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    ids["rt"] = ec2.create_route_table(VpcId=ids["vpc"])["RouteTable"]["RouteTableId"]
    if internet_route:
        ec2.create_route(
            RouteTableId=ids["rt"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
        )
    ec2.associate_route_table(RouteTableId=ids["rt"], SubnetId=ids["subnet"])
    ids["sg"] = ec2.create_security_group(
        GroupName="brokers", Description="brokers", VpcId=ids["vpc"]
    )["GroupId"]
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=ids["sg"], IpPermissions=ingress)
    ids["instance"] = ec2.run_instances(
        ImageId="ami-12345678",
        InstanceType="m5.large",
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[
            {
                "DeviceIndex": 0,
                "SubnetId": ids["subnet"],
                "Groups": [ids["sg"]],
                "AssociatePublicIpAddress": public_ip,
            }
        ],
        TagSpecifications=[{"ResourceType": "instance", "Tags": PLATFORM}],
    )["Instances"][0]["InstanceId"]
    return ids


def tcp(port: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def test_public_ingress_fails_for_an_open_public_broker(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, ingress=[tcp(9092, "0.0.0.0/0")])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.public-ingress"]), "network.public-ingress")
    assert v.status is Status.FAIL, v.message
    assert ids["instance"] in v.resource and ids["igw"] in v.message
    assert "internet" in v.evidence.nodes


def test_public_ingress_passes_without_internet_route(fake_aws: FakeAws) -> None:
    broker_estate(fake_aws, internet_route=False, ingress=[tcp(9092, "0.0.0.0/0")])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.public-ingress"]), "network.public-ingress")
    assert v.status is Status.PASS, v.message


def test_public_ingress_nacl_deny_blocks(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, ingress=[tcp(9092, "0.0.0.0/0")])
    ec2 = fake_aws.session(CUSTOMER, E1).client("ec2")
    acl = ec2.create_network_acl(VpcId=ids["vpc"])["NetworkAcl"]["NetworkAclId"]
    for n, action in ((90, "deny"), (100, "allow")):
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=n,
            Protocol="-1",
            RuleAction=action,
            Egress=False,
            CidrBlock="0.0.0.0/0",
        )
    current = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet"]]}]
    )["NetworkAcls"][0]
    assoc = next(a for a in current["Associations"] if a["SubnetId"] == ids["subnet"])
    ec2.replace_network_acl_association(
        AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl
    )
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.public-ingress"]), "network.public-ingress")
    assert v.status is Status.PASS and "network ACL" in v.message


def test_management_ports(fake_aws: FakeAws) -> None:
    broker_estate(fake_aws, ingress=[tcp(22, "0.0.0.0/0")])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.management-ports"]), "network.management-ports")
    assert v.status is Status.FAIL and "22" in v.message


def test_management_ports_private_host_passes(fake_aws: FakeAws) -> None:
    broker_estate(fake_aws, public_ip=False, ingress=[tcp(22, "0.0.0.0/0")])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.management-ports"]), "network.management-ports")
    assert v.status is Status.PASS


def test_client_sources_declared_cidr_passes(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False, ingress=[tcp(9092, "10.20.0.0/16")])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.client-sources"]), "network.client-sources", ids["sg"])
    assert v.status is Status.PASS, v.message


def test_open_rule_without_a_path_passes_client_sources_and_fails_hygiene(
    fake_aws: FakeAws,
) -> None:
    """Issue #17: 0.0.0.0/0 on a Kafka port, no public address, only the local route."""
    ids = broker_estate(
        fake_aws,
        public_ip=False,
        internet_route=False,
        ingress=[tcp(9092, "10.20.0.0/16"), tcp(9094, "0.0.0.0/0")],
    )
    inv = fake_aws.collect(regions=(E1,), services=NET)
    verdicts = run_rules(inv, rules=["network.client-sources", "network.open-firewall"])
    v = only(verdicts, "network.client-sources", ids["sg"])
    assert v.status is Status.PASS, v.message
    assert "0.0.0.0/0" in v.message and "reach no listener" in v.message
    row = next(r for r in v.evidence.attributes["admitted"] if r["source"] == "0.0.0.0/0")
    assert {p["reach"] for p in row["paths"]} == {"no"}
    assert "10.10.0.0/16" not in row["undeclared"]  # the platform's own VPC is not asked
    hygiene = only(verdicts, "network.open-firewall", ids["sg"])
    assert hygiene.status is Status.FAIL and "0.0.0.0/0" in hygiene.message
    assert hygiene.causes == (v.resource,) and any(ids["instance"] in a for a in hygiene.affects)


def test_open_rule_on_a_public_broker_fails_both(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=True, ingress=[tcp(9094, "0.0.0.0/0")])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    verdicts = run_rules(inv, rules=["network.client-sources", "network.open-firewall"])
    v = only(verdicts, "network.client-sources", ids["sg"])
    assert v.status is Status.FAIL, v.message
    assert "internet" in v.message and "0.0.0.0/0" in v.evidence.attributes["undeclared_sources"]
    assert v.causes == (v.resource,) and any(ids["instance"] in a for a in v.affects)
    assert "internet" in v.evidence.nodes
    assert only(verdicts, "network.open-firewall", ids["sg"]).status is Status.FAIL
    ingress = only(run_rules(inv, rules=["network.public-ingress"]), "network.public-ingress")
    assert ingress.status is Status.FAIL and ingress.causes == (v.resource, ingress.resource)


def test_ipv6_source_is_unknown_and_named_not_passed(fake_aws: FakeAws) -> None:
    """The path model is IPv4-only: ::/0 on a Kafka port cannot be judged by paths."""
    v6 = {
        "IpProtocol": "tcp",
        "FromPort": 9092,
        "ToPort": 9092,
        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
    }
    ids = broker_estate(fake_aws, public_ip=False, internet_route=False, ingress=[v6])
    inv = fake_aws.collect(regions=(E1,), services=NET)
    verdicts = run_rules(inv, rules=["network.client-sources", "network.open-firewall"])
    v = only(verdicts, "network.client-sources", ids["sg"])
    assert v.status is Status.INCONCLUSIVE, v.message
    assert "IPv6" in v.unmodelled
    assert only(verdicts, "network.open-firewall", ids["sg"]).status is Status.FAIL


def _client_vpc(fake: FakeAws, broker: dict[str, str], cidr: str) -> str:
    """A non-platform VPC of CUSTOMER_2 in W2, peered with the broker VPC and routed both ways."""
    ec2_b = fake.session(CUSTOMER_2, W2).client("ec2")
    vpc = ec2_b.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    sub = ec2_b.create_subnet(
        VpcId=vpc, CidrBlock=cidr.replace("0.0/16", "0.0/20"), AvailabilityZone=f"{W2}a"
    )["Subnet"]["SubnetId"]
    rt = ec2_b.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2_b.associate_route_table(RouteTableId=rt, SubnetId=sub)
    ec2_a = fake.session(CUSTOMER, E1).client("ec2")
    pcx = ec2_a.create_vpc_peering_connection(
        VpcId=broker["vpc"], PeerVpcId=vpc, PeerOwnerId=CUSTOMER_2, PeerRegion=W2
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2_a.create_route(
        RouteTableId=broker["rt"], DestinationCidrBlock=cidr, VpcPeeringConnectionId=pcx
    )
    ec2_b.create_route(
        RouteTableId=rt, DestinationCidrBlock="10.10.0.0/16", VpcPeeringConnectionId=pcx
    )
    return pcx


def test_undeclared_network_over_a_peering_fails_client_sources(fake_aws: FakeAws) -> None:
    ids = broker_estate(
        fake_aws, public_ip=False, internet_route=False, ingress=[tcp(9092, "172.16.0.0/12")]
    )
    _client_vpc(fake_aws, ids, "172.20.0.0/16")
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), regions=(E1, W2), services=NET)
    v = only(run_rules(inv, rules=["network.client-sources"]), "network.client-sources", ids["sg"])
    assert v.status is Status.FAIL, v.message
    assert "172.20.0.0/20" in v.message and "peering" in v.message


def test_undeclared_network_without_routes_passes_client_sources(fake_aws: FakeAws) -> None:
    ids = broker_estate(
        fake_aws, public_ip=False, internet_route=False, ingress=[tcp(9092, "172.16.0.0/12")]
    )
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(E1,), services=NET)
    verdicts = run_rules(inv, rules=["network.client-sources", "network.open-firewall"])
    assert only(verdicts, "network.client-sources", ids["sg"]).status is Status.PASS
    assert only(verdicts, "network.open-firewall", ids["sg"]).status is Status.FAIL


def test_flow_logs_missing_fails(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False)
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.flow-logs"]), "network.flow-logs")
    assert v.status is Status.FAIL and ids["vpc"] in v.message


def _flow_log(fake: FakeAws, vpc: str, traffic: str, bucket: str, owner: str = CUSTOMER) -> None:
    fake.session(owner, E1).client("s3").create_bucket(Bucket=bucket)
    fake.session(CUSTOMER, E1).client("ec2").create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType=traffic,
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )


def test_flow_logs_all_traffic_to_a_customer_bucket_passes(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False)
    _flow_log(fake_aws, ids["vpc"], "ALL", "orders-flow-logs")
    inv = fake_aws.collect(regions=(E1,), services=(*NET, "s3"))
    v = only(run_rules(inv, rules=["network.flow-logs"]), "network.flow-logs")
    assert v.status is Status.PASS, v.message
    assert "ALL" in v.message and CUSTOMER in v.message


def test_flow_logs_reject_only_fails(fake_aws: FakeAws) -> None:
    ids = broker_estate(fake_aws, public_ip=False)
    _flow_log(fake_aws, ids["vpc"], "REJECT", "orders-flow-logs")
    inv = fake_aws.collect(regions=(E1,), services=(*NET, "s3"))
    v = only(run_rules(inv, rules=["network.flow-logs"]), "network.flow-logs")
    assert v.status is Status.FAIL and "only REJECT traffic" in v.message, v.message
    assert v.causes and "vpc-flow-log" in v.causes[0]


def _vendor_flow_log(fake: FakeAws, accounts: tuple[str, ...], services: tuple[str, ...]) -> Any:
    ids = broker_estate(fake, public_ip=False)
    _flow_log(fake, ids["vpc"], "ALL", "vendor-flow-logs", owner=VENDOR)
    inv = fake.collect(accounts=accounts, regions=(E1,), services=services)
    return only(run_rules(inv, rules=["network.flow-logs"]), "network.flow-logs", ids["vpc"])


def test_flow_logs_to_the_vendors_collected_bucket_fails(fake_aws: FakeAws) -> None:
    v = _vendor_flow_log(fake_aws, (CUSTOMER, VENDOR), (*NET, "s3"))
    assert v.status is Status.FAIL and f"{VENDOR} (vendor)" in v.message, v.message


def test_flow_logs_to_a_bucket_in_no_complete_customer_listing_fails(fake_aws: FakeAws) -> None:
    v = _vendor_flow_log(fake_aws, (CUSTOMER, CUSTOMER_2), (*NET, "s3"))
    assert v.status is Status.FAIL and "complete bucket listings" in v.message, v.message


def test_flow_logs_to_a_bucket_whose_owner_cannot_be_known_is_inconclusive(
    fake_aws: FakeAws,
) -> None:
    v = _vendor_flow_log(fake_aws, (CUSTOMER,), NET)  # buckets were not listed
    assert v.status is Status.INCONCLUSIVE and "cannot be known" in v.message, v.message
    assert v.unmodelled


def _peer(
    fake: FakeAws, peer_account: str, *, routes: bool
) -> tuple[dict[str, str], dict[str, str]]:
    a = broker_estate(fake, public_ip=False)
    b = broker_estate(fake, public_ip=False, account=peer_account, region=W2, cidr="10.20.0.0/16")
    ec2_a = fake.session(CUSTOMER, E1).client("ec2")
    ec2_b = fake.session(peer_account, W2).client("ec2")
    pcx = ec2_a.create_vpc_peering_connection(
        VpcId=a["vpc"], PeerVpcId=b["vpc"], PeerOwnerId=peer_account, PeerRegion=W2
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    if routes:
        ec2_a.create_route(
            RouteTableId=a["rt"], DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=pcx
        )
        ec2_b.create_route(
            RouteTableId=b["rt"], DestinationCidrBlock="10.10.0.0/16", VpcPeeringConnectionId=pcx
        )
    a["pcx"] = pcx
    return a, b


def test_peering_declared(fake_aws: FakeAws) -> None:
    a, _ = _peer(fake_aws, CUSTOMER_2, routes=False)
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), regions=(E1, W2), services=NET)
    verdicts = run_rules(inv, rules=["network.peering-declared"])
    peerings = [v for v in verdicts if a["pcx"] in v.resource]
    assert peerings and all(v.status is Status.PASS for v in peerings)


def test_peering_to_undeclared_account_fails(fake_aws: FakeAws) -> None:
    a, _ = _peer(fake_aws, VENDOR, routes=False)
    inv = fake_aws.collect(accounts=(CUSTOMER,), regions=(E1, W2), services=NET)
    verdicts = run_rules(inv, rules=["network.peering-declared"])
    v = only(verdicts, "network.peering-declared", a["pcx"])
    assert v.status is Status.FAIL and VENDOR in v.message


def test_replication_private_over_peering(fake_aws: FakeAws) -> None:
    _peer(fake_aws, CUSTOMER_2, routes=True)
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), regions=(E1, W2), services=NET)
    v = only(run_rules(inv, rules=["network.replication-private"]), "network.replication-private")
    assert v.status is Status.PASS and "peering" in v.message, v.message


def test_replication_without_private_routes_fails(fake_aws: FakeAws) -> None:
    _peer(fake_aws, CUSTOMER_2, routes=False)
    inv = fake_aws.collect(accounts=(CUSTOMER, CUSTOMER_2), regions=(E1, W2), services=NET)
    v = only(run_rules(inv, rules=["network.replication-private"]), "network.replication-private")
    assert v.status is Status.FAIL, v.message
    assert "internet" in v.message


def _tgw(fake: FakeAws) -> tuple[Any, str, str]:
    ids = broker_estate(fake, public_ip=False)
    ec2 = fake.session(CUSTOMER, E1).client("ec2")
    tgw = ec2.create_transit_gateway(Description="kafka")["TransitGateway"]["TransitGatewayId"]
    att = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=ids["vpc"], SubnetIds=[ids["subnet"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    return ec2, tgw, att


def test_transit_declared_own_attachment_passes(fake_aws: FakeAws) -> None:
    _, _, att = _tgw(fake_aws)
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.transit-declared"]), "network.transit-declared", att)
    assert v.status is Status.PASS, v.message


def test_transit_peering_to_vendor_fails(fake_aws: FakeAws) -> None:
    ec2, tgw, _ = _tgw(fake_aws)
    peer = ec2.create_transit_gateway_peering_attachment(
        TransitGatewayId=tgw,
        PeerTransitGatewayId="tgw-0123456789abcdef0",
        PeerAccountId=VENDOR,
        PeerRegion=W2,
    )["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]
    inv = fake_aws.collect(regions=(E1,), services=NET)
    v = only(run_rules(inv, rules=["network.transit-declared"]), "network.transit-declared", peer)
    assert v.status is Status.FAIL and VENDOR in v.message, v.message


def _eks(fake: FakeAws, public: bool, cidrs: list[str]) -> None:
    ids = broker_estate(fake, public_ip=False)
    fake.session(CUSTOMER, E1).client("eks").create_cluster(
        name="kafka",
        roleArn=f"arn:aws:iam::{CUSTOMER}:role/eks",
        resourcesVpcConfig={
            "subnetIds": [ids["subnet"]],
            "securityGroupIds": [ids["sg"]],
            "endpointPublicAccess": public,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": cidrs,
        },
        tags={"platform": "orders-kafka"},
    )


def test_k8s_endpoint_open_fails(fake_aws: FakeAws) -> None:
    _eks(fake_aws, True, ["0.0.0.0/0"])
    inv = fake_aws.collect(regions=(E1,), services=("eks",))
    v = only(run_rules(inv, rules=["network.k8s-endpoint-private"]), "network.k8s-endpoint-private")
    assert v.status is Status.FAIL, v.message


def test_k8s_endpoint_private_passes(fake_aws: FakeAws) -> None:
    _eks(fake_aws, False, [])
    inv = fake_aws.collect(regions=(E1,), services=("eks",))
    v = only(run_rules(inv, rules=["network.k8s-endpoint-private"]), "network.k8s-endpoint-private")
    assert v.status is Status.PASS, v.message


def test_nothing_in_scope_is_never_silent(fake_aws: FakeAws) -> None:
    inv = fake_aws.collect(regions=(E1,), services=("eks",))
    verdicts = run_rules(inv, declaration(), rules=["network.k8s-endpoint-private"])
    # Listed, and none there: said explicitly, as NOT_APPLICABLE (nothing judged, no PASS).
    assert [v.status for v in verdicts] == [Status.NOT_APPLICABLE]
    assert "no EKS clusters on the platform" in verdicts[0].message
