"""AWS Config configuration items as the raw records of the AWS collectors, type by type.

Each converter writes the record its collector would emit (same ``type``,
Describe-API shape) and names what Config does not record (:meth:`Out.lacks`).
:data:`CONVERTERS` is the whole table, IAM's converters
(:mod:`auditor.importers._aws_config_iam`) included; what they share is in
:mod:`auditor.importers._aws_config_convert`. Used by
:mod:`auditor.importers.aws_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.collect.aws.ec2_vpn import connection_record
from auditor.importers._aws_config_convert import (
    GLOBAL,
    Convert,
    Item,
    Out,
    aws_tags,
    get,
    registrar,
    up,
)
from auditor.importers._aws_config_iam import IAM_CONVERTERS
from auditor.importers._aws_config_prefix_lists import PREFIX_LIST_CONVERTERS, unrecorded

CONVERTERS: dict[str, Convert] = {**IAM_CONVERTERS, **PREFIX_LIST_CONVERTERS}
"""Config resource type -> its converter."""
converts = registrar(CONVERTERS)


def _ec2_arn(item: Item, kind: str, rid: str) -> str:
    return f"arn:aws:ec2:{item.region}:{item.account}:{kind}/{rid}"


def _plain(service: str, rtype: str) -> Convert:
    """Describe-shaped types: the configuration with its keys in upper camel case."""

    def convert(item: Item, out: Out) -> None:
        data = up(item.configuration)
        if not data.get("Tags") and not data.get("TagSet") and item.tags:
            data["Tags"] = aws_tags(item.tags)
        out.emit(item, service, rtype, data)

    return convert


for _type, _raw in (
    ("AWS::EC2::VPC", "ec2:vpc"),
    ("AWS::EC2::Subnet", "ec2:subnet"),
    ("AWS::EC2::InternetGateway", "ec2:internet_gateway"),
    ("AWS::EC2::NatGateway", "ec2:nat_gateway"),
    ("AWS::EC2::VPNGateway", "ec2:vpn_gateway"),
    ("AWS::EC2::EIP", "ec2:address"),
    ("AWS::EC2::NetworkAcl", "ec2:network_acl"),
    ("AWS::EC2::NetworkInterface", "ec2:network_interface"),
    ("AWS::EC2::VPCPeeringConnection", "ec2:vpc_peering_connection"),
    ("AWS::EC2::FlowLog", "ec2:flow_log"),
):
    CONVERTERS[_type] = _plain("ec2-network", _raw)
CONVERTERS["AWS::EC2::Instance"] = _plain("ec2-compute", "ec2:instance")
CONVERTERS["AWS::EC2::Volume"] = _plain("ec2-compute", "ec2:volume")
CONVERTERS["AWS::EC2::CustomerGateway"] = _plain("ec2-vpn", "ec2:customer_gateway")
CONVERTERS["AWS::AutoScaling::AutoScalingGroup"] = _plain("autoscaling", "autoscaling:group")


@converts("AWS::EC2::RouteTable")
def _route_table(item: Item, out: Out) -> None:
    data = up(item.configuration)
    if not data.get("Tags") and item.tags:
        data["Tags"] = aws_tags(item.tags)
    out.emit(item, "ec2-network", "ec2:route_table", data)
    routes = data.get("Routes") or []
    unrecorded(item, out, (r.get("DestinationPrefixListId") for r in routes))


@converts("AWS::EC2::EgressOnlyInternetGateway")
def _eigw(item: Item, out: Out) -> None:
    conf = item.configuration
    if "egressOnlyInternetGatewayId" in conf:
        data = up(conf)
    else:  # CloudFormation shape: {Id, VpcId}
        data = {
            "EgressOnlyInternetGatewayId": get(conf, "Id") or item.id,
            "Attachments": [{"VpcId": get(conf, "VpcId"), "State": "attached"}],
        }
    data.setdefault("Tags", aws_tags(item.tags))
    out.emit(item, "ec2-network", "ec2:egress_only_internet_gateway", data)


def _ranges(perm: Mapping[str, Any]) -> list[dict[str, Any]]:
    v4 = perm.get("ipv4Ranges")
    if v4 is not None:
        return [{"CidrIp": r.get("cidrIp")} for r in v4 if isinstance(r, Mapping)]
    return [{"CidrIp": r} for r in perm.get("ipRanges") or [] if isinstance(r, str)]


@converts("AWS::EC2::VPNConnection")
def _vpn_connection(item: Item, out: Out) -> None:
    """Config records the customer gateway configuration, pre-shared keys included: as in a
    live scan, only the AWS-side tunnel addresses are read from it, and it is dropped."""
    data = connection_record(up(item.configuration))
    if not data.get("Tags") and item.tags:
        data["Tags"] = aws_tags(item.tags)
    out.emit(item, "ec2-vpn", "ec2:vpn_connection", data)


@converts("AWS::EC2::SecurityGroup")
def _security_group(item: Item, out: Out) -> None:
    conf = dict(item.configuration)
    perms = {}
    for key in ("ipPermissions", "ipPermissionsEgress"):
        rules = []
        for perm in conf.pop(key, None) or []:
            rule = up({k: v for k, v in perm.items() if k not in ("ipRanges", "ipv4Ranges")})
            rule["IpRanges"] = _ranges(perm)
            rules.append(rule)
        perms[key[:1].upper() + key[1:]] = rules
    data = {**up(conf), **perms}
    out.emit(item, "ec2-network", "ec2:security_group", data)
    rules = [*perms["IpPermissions"], *perms["IpPermissionsEgress"]]
    unrecorded(
        item, out, (p.get("PrefixListId") for r in rules for p in r.get("PrefixListIds") or [])
    )


@converts("AWS::EC2::VPCEndpoint")
def _vpc_endpoint(item: Item, out: Out) -> None:
    data = up(item.configuration)
    state = data.get("State")
    if isinstance(state, Mapping):  # Config writes the enum as {"value": ...}
        data["State"] = state.get("Value")
    out.emit(item, "ec2-network", "ec2:vpc_endpoint", data)


@converts("AWS::EC2::VPCEndpointService")
def _endpoint_service(item: Item, out: Out) -> None:
    data = up(item.configuration)
    data.setdefault("ServiceId", item.id)
    data.setdefault("Tags", aws_tags(item.tags))
    out.emit(item, "ec2-network", "ec2:vpc_endpoint_service", data)
    out.lacks(
        item,
        "ec2-network",
        _ec2_arn(item, "vpc-endpoint-service", str(data["ServiceId"])),
        "DescribeVpcEndpointServicePermissions",
        "the principals allowed to connect to an endpoint service",
    )


@converts("AWS::EC2::TransitGateway")
def _tgw(item: Item, out: Out) -> None:
    conf = item.configuration
    if "transitGatewayId" in conf:
        out.emit(item, "ec2-network", "ec2:transit_gateway", up(conf))
        return
    tgw_id = str(get(conf, "Id") or item.id)
    arn = item.arn or _ec2_arn(item, "transit-gateway", tgw_id)
    data = {
        "TransitGatewayId": tgw_id,
        "TransitGatewayArn": arn,
        "OwnerId": item.account,
        "Tags": aws_tags(item.tags),
    }
    out.emit(item, "ec2-network", "ec2:transit_gateway", data)
    out.lacks(
        item, "ec2-network", arn, "DescribeTransitGateways", "a transit gateway's state", ("state",)
    )


@converts("AWS::EC2::TransitGatewayAttachment")
def _tgw_attachment(item: Item, out: Out) -> None:
    conf = item.configuration
    att_id = str(get(conf, "Id", "TransitGatewayAttachmentId") or item.id)
    tgw_id = str(get(conf, "TransitGatewayId"))
    attachment: dict[str, Any] = {
        "TransitGatewayAttachmentId": att_id,
        "TransitGatewayId": tgw_id,
        "ResourceType": "vpc",
        "ResourceId": get(conf, "VpcId"),
        "ResourceOwnerId": item.account,
        "Tags": aws_tags(item.tags),
    }
    own = {
        str(get(t.configuration, "Id", "TransitGatewayId") or t.id)
        for t in out.others(item, "AWS::EC2::TransitGateway")
    }
    if tgw_id in own:
        attachment["TransitGatewayOwnerId"] = item.account
    arn = _ec2_arn(item, "transit-gateway-attachment", att_id)
    data = {"Attachment": attachment, "VpcAttachment": {"SubnetIds": get(conf, "SubnetIds") or []}}
    out.emit(item, "ec2-network", "ec2:transit_gateway_attachment", data)
    out.lacks(
        item,
        "ec2-network",
        arn,
        "DescribeTransitGatewayAttachments",
        "an attachment's state and route table association",
        ("state", "association_route_table_id"),
    )
    if tgw_id not in own:
        out.lacks(
            item,
            "ec2-network",
            arn,
            "DescribeTransitGatewayAttachments",
            "the owner of a transit gateway shared from another account",
        )


@converts("AWS::EC2::TransitGatewayRouteTable")
def _tgw_route_table(item: Item, out: Out) -> None:
    conf = item.configuration
    table_id = str(get(conf, "Id", "TransitGatewayRouteTableId") or item.id)
    data = {
        "TransitGatewayRouteTableId": table_id,
        "TransitGatewayId": get(conf, "TransitGatewayId"),
        "Tags": aws_tags(item.tags),
    }
    out.emit(item, "ec2-network", "ec2:transit_gateway_route_table", data)
    out.lacks(
        item,
        "ec2-network",
        _ec2_arn(item, "transit-gateway-route-table", table_id),
        "SearchTransitGatewayRoutes",
        "a transit gateway route table's routes, associations and propagations",
    )


# --- S3 ------------------------------------------------------------------------------


def _replication(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not raw.get("rules"):
        return {}
    rules = raw["rules"]
    pairs = rules.items() if isinstance(rules, Mapping) else ((None, r) for r in rules)
    out = []
    for rule_id, rule in pairs:
        dest = rule.get("destinationConfig") or rule.get("destination") or {}
        encryption = dest.get("encryptionConfiguration") or {}
        time = dest.get("replicationTime") or {}
        destination: dict[str, Any] = {"Bucket": dest.get("bucketARN") or dest.get("bucket")}
        if dest.get("account"):
            destination["Account"] = dest["account"]
        if encryption.get("replicaKmsKeyID"):
            destination["EncryptionConfiguration"] = {
                "ReplicaKmsKeyID": encryption["replicaKmsKeyID"]
            }
        if time:
            destination["ReplicationTime"] = {"Status": time.get("status")}
        out.append(
            {
                "ID": rule.get("id", rule_id),
                "Status": rule.get("status"),
                "Destination": destination,
            }
        )
    return {"ReplicationConfiguration": {"Role": raw.get("roleARN"), "Rules": out}}


def _encryption(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not raw.get("rules"):
        return {}
    rules = []
    for rule in raw["rules"]:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        rules.append(
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": default.get("sseAlgorithm"),
                    "KMSMasterKeyID": default.get("kmsMasterKeyID"),
                },
                "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled", False)),
            }
        )
    return {"ServerSideEncryptionConfiguration": {"Rules": rules}}


def _object_lock(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not raw.get("objectLockEnabled"):
        return {}
    retention = ((raw.get("rule") or {}).get("defaultRetention")) or {}
    config: dict[str, Any] = {"ObjectLockEnabled": raw["objectLockEnabled"]}
    if retention:
        config["Rule"] = {
            "DefaultRetention": {
                "Mode": retention.get("mode"),
                "Days": retention.get("days"),
                "Years": retention.get("years"),
            }
        }
    return {"ObjectLockConfiguration": config}


@converts("AWS::S3::Bucket")
def _bucket(item: Item, out: Out) -> None:
    supp = item.supplementary
    name = str(get(item.configuration, "name") or item.name or item.id)
    policy_text = (supp.get("BucketPolicy") or {}).get("policyText")
    pab = supp.get("PublicAccessBlockConfiguration")
    versioning = (supp.get("BucketVersioningConfiguration") or {}).get("status")
    logging = supp.get("BucketLoggingConfiguration") or {}
    data: dict[str, Any] = {
        "Bucket": {"Name": name, "CreationDate": get(item.configuration, "creationDate")},
        "Location": {"LocationConstraint": None if item.region == "us-east-1" else item.region},
        "Policy": {"Policy": policy_text} if policy_text else {},
        # Config does not record GetBucketPolicyStatus; without a policy S3 answers "none".
        "PolicyStatus": None if policy_text else {},
        "PublicAccessBlock": (
            {"PublicAccessBlockConfiguration": up(pab)} if isinstance(pab, Mapping) else {}
        ),
        "Encryption": _encryption(supp.get("ServerSideEncryptionConfiguration")),
        "Versioning": {"Status": versioning} if versioning in ("Enabled", "Suspended") else {},
        "Replication": _replication(supp.get("BucketReplicationConfiguration")),
        "Logging": (
            {
                "LoggingEnabled": {
                    "TargetBucket": logging["destinationBucketName"],
                    "TargetPrefix": logging.get("logFilePrefix") or "",
                }
            }
            if logging.get("destinationBucketName")
            else {}
        ),
        "ObjectLock": _object_lock(supp.get("ObjectLockConfiguration")),
        "Tagging": {"TagSet": aws_tags(item.tags)} if item.tags else {},
    }
    out.emit(item, "s3", "s3:bucket", data, region=GLOBAL)
    if policy_text:
        out.lacks(
            item,
            "s3",
            f"arn:aws:s3:::{name}",
            "GetBucketPolicyStatus",
            "whether S3 judges a bucket policy public",
            region=GLOBAL,
        )


# --- KMS ------------------------------------------------------------------------------

_NO_ROTATION = frozenset({"PendingDeletion", "PendingReplicaDeletion", "Unavailable"})


@converts("AWS::KMS::Key")
def _key(item: Item, out: Out) -> None:
    meta = up(item.configuration)
    if "AwsaccountId" in meta:
        meta["AWSAccountId"] = meta.pop("AwsaccountId")
    key_id = str(meta.get("KeyId") or item.id)
    arn = str(
        meta.get("Arn") or item.arn or f"arn:aws:kms:{item.region}:{item.account}:key/{key_id}"
    )
    meta["Arn"], meta["KeyId"] = arn, key_id
    applies = (
        meta.get("KeyManager") == "CUSTOMER"
        and meta.get("KeySpec", meta.get("CustomerMasterKeySpec")) == "SYMMETRIC_DEFAULT"
        and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
        and meta.get("KeyState") not in _NO_ROTATION
    )
    rotation = item.supplementary.get("KeyRotationStatus")
    aliases = [
        {
            "AliasName": get(a.configuration, "AliasName") or a.name,
            "AliasArn": a.arn,
            "TargetKeyId": get(a.configuration, "TargetKeyId"),
        }
        for a in out.others(item, "AWS::KMS::Alias")
        if get(a.configuration, "TargetKeyId") in (key_id, arn)
    ]
    data = {
        "Key": {"KeyId": key_id, "KeyArn": arn},
        "KeyMetadata": meta,
        "Policy": None,
        "Rotation": {"KeyRotationEnabled": bool(rotation)}
        if applies and rotation is not None
        else None,
        "Tags": {"Tags": [{"TagKey": k, "TagValue": v} for k, v in sorted(item.tags.items())]},
        "Aliases": sorted(aliases, key=lambda a: str(a["AliasName"])),
    }
    out.emit(item, "kms", "kms:key", data)
    out.lacks(item, "kms", arn, "GetKeyPolicy", "a KMS key's policy")
    if applies and rotation is None:
        out.lacks(item, "kms", arn, "GetKeyRotationStatus", "this key's rotation status")


# --- CloudTrail, ELBv2, MSK, EKS, Route53 ------------------------------------------------


@converts("AWS::CloudTrail::Trail")
def _trail(item: Item, out: Out) -> None:
    trail = up(item.configuration)
    if "TrailARN" not in trail:
        trail["TrailARN"] = item.arn
    trail.setdefault("Name", item.name or item.id)
    home = str(trail.get("HomeRegion") or item.region)
    arn = str(trail["TrailARN"])
    custom = bool(trail.get("HasCustomEventSelectors"))
    data = {
        "Trail": trail,
        "Status": None,
        # Without custom selectors a trail records every management event, no data events.
        "EventSelectors": None if custom else {},
        "Tags": {"ResourceTagList": [{"ResourceId": arn, "TagsList": aws_tags(item.tags)}]},
    }
    out.emit(item, "cloudtrail", "cloudtrail:trail", data, region=home)
    out.lacks(item, "cloudtrail", arn, "GetTrailStatus", "whether a trail is logging", region=home)
    if custom:
        out.lacks(
            item, "cloudtrail", arn, "GetEventSelectors", "a trail's event selectors", region=home
        )


@converts("AWS::ElasticLoadBalancingV2::LoadBalancer")
def _load_balancer(item: Item, out: Out) -> None:
    data = up(item.configuration)
    data["SecurityGroups"] = [
        g.get("Value") if isinstance(g, Mapping) else g for g in data.get("SecurityGroups") or []
    ]
    data.setdefault("LoadBalancerArn", item.arn)
    data.setdefault("Tags", aws_tags(item.tags))
    out.emit(item, "elbv2", "elbv2:load_balancer", data)


@converts("AWS::ElasticLoadBalancingV2::Listener")
def _listener(item: Item, out: Out) -> None:
    data = up(item.configuration)  # already upper camel (CloudFormation shape)
    data.setdefault("ListenerArn", item.arn)
    data.setdefault("Tags", aws_tags(item.tags))
    out.emit(item, "elbv2", "elbv2:listener", data)
    lb = next(
        (
            b
            for b in out.others(item, "AWS::ElasticLoadBalancingV2::LoadBalancer")
            if get(b.configuration, "loadBalancerArn") == data.get("LoadBalancerArn")
        ),
        None,
    )
    if lb is None or get(lb.configuration, "type") != "network":
        out.lacks(
            item,
            "elbv2",
            str(data["ListenerArn"]),
            "DescribeRules",
            "an application listener's rules (the target groups it may forward to)",
            ("target_group_arns",),
        )


@converts("AWS::MSK::Cluster")
def _msk(item: Item, out: Out) -> None:
    conf = item.configuration
    nodes = dict(get(conf, "BrokerNodeGroupInfo") or {})
    storage = nodes.pop("StorageInfo", None) or {}
    ebs = storage.get("EBSStorageInfo") or storage.get("EbsStorageInfo")
    if ebs:
        nodes["StorageInfo"] = {"EbsStorageInfo": {"VolumeSize": ebs.get("VolumeSize")}}
    arn = str(get(conf, "Arn") or item.arn)
    provisioned: dict[str, Any] = {
        "BrokerNodeGroupInfo": nodes,
        "NumberOfBrokerNodes": get(conf, "NumberOfBrokerNodes"),
        "EncryptionInfo": get(conf, "EncryptionInfo") or {},
        "CurrentBrokerSoftwareInfo": {"KafkaVersion": get(conf, "KafkaVersion")},
    }
    data = {
        "ClusterArn": arn,
        "ClusterName": get(conf, "ClusterName") or item.name,
        "ClusterType": "PROVISIONED",
        "Provisioned": provisioned,
        "Tags": dict(item.tags),
    }
    out.emit(item, "msk", "msk:cluster", data)
    out.lacks(item, "msk", arn, "ListClustersV2", "an MSK cluster's state", ("state",))


@converts("AWS::EKS::Cluster")
def _eks(item: Item, out: Out) -> None:
    conf = item.configuration
    vpc = get(conf, "ResourcesVpcConfig") or {}
    name = str(get(conf, "Name") or item.name or item.id)
    arn = str(get(conf, "Arn") or item.arn)
    resources_vpc: dict[str, Any] = {
        "subnetIds": get(vpc, "SubnetIds") or [],
        "securityGroupIds": get(vpc, "SecurityGroupIds") or [],
        "endpointPublicAccess": get(vpc, "EndpointPublicAccess"),
        "endpointPrivateAccess": get(vpc, "EndpointPrivateAccess"),
        "publicAccessCidrs": get(vpc, "PublicAccessCidrs") or [],
        "vpcId": get(vpc, "VpcId"),
        "clusterSecurityGroupId": get(conf, "ClusterSecurityGroupId")
        or get(vpc, "ClusterSecurityGroupId"),
    }
    encryption = [
        {
            "resources": get(c, "Resources") or [],
            "provider": {"keyArn": get(get(c, "Provider") or {}, "KeyArn")},
        }
        for c in get(conf, "EncryptionConfig") or []
    ]
    data = {
        "name": name,
        "arn": arn,
        "roleArn": get(conf, "RoleArn"),
        "version": get(conf, "Version"),
        "resourcesVpcConfig": resources_vpc,
        "encryptionConfig": encryption,
        "tags": dict(item.tags),
    }
    out.emit(item, "eks", "eks:cluster", data)
    unknown = [
        attr
        for attr, key in (
            ("endpoint_public_access", "endpointPublicAccess"),
            ("endpoint_private_access", "endpointPrivateAccess"),
            ("vpc_id", "vpcId"),
            ("security_group_ids", "clusterSecurityGroupId"),
        )
        if resources_vpc[key] is None
    ]
    if get(vpc, "PublicAccessCidrs") is None:
        unknown.append("public_access_cidrs")
    if unknown:
        out.lacks(
            item,
            "eks",
            arn,
            "DescribeCluster",
            f"these EKS cluster facts here ({', '.join(unknown)})",
            unknown,
        )


@converts("AWS::Route53::HostedZone")
def _zone(item: Item, out: Out) -> None:
    conf = item.configuration
    zone_id = str(get(conf, "Id") or item.id).rsplit("/", 1)[-1]
    vpcs = [
        {"VPCId": get(v, "VPCId"), "VPCRegion": get(v, "VPCRegion")}
        for v in get(conf, "VPCs") or []
    ]
    name = str(get(conf, "Name") or item.name)
    data = {
        "HostedZone": {
            "Id": f"/hostedzone/{zone_id}",
            "Name": name if name.endswith(".") else f"{name}.",
            "Config": {"PrivateZone": bool(vpcs)},
        },
        "VPCs": vpcs,
    }
    out.emit(item, "route53", "route53:zone", data, region=GLOBAL)


@converts("AWS::Route53::HealthCheck")
def _health_check(item: Item, out: Out) -> None:
    conf = item.configuration
    data = {
        "HealthCheck": {
            "Id": get(conf, "HealthCheckId") or item.id,
            "HealthCheckConfig": get(conf, "HealthCheckConfig") or {},
        }
    }
    out.emit(item, "route53", "route53:health_check", data, region=GLOBAL)
