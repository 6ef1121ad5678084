"""Write the AWS Config snapshot of a live (moto) estate, independently of the importer.

The tests compare ``auditor import`` of this snapshot with live collection of the
same estate. The snapshot is made here from the live collectors' answers the way
AWS Config writes configuration items: Describe-shaped types in the Java SDK's
lower camel case (``vpcId``, ``dNSName``, ``vpczoneIdentifier``, policy documents
URL-encoded), CloudFormation-registry types (MSK, EKS, transit gateways, Route53,
ELBv2 listeners, KMS aliases) in CloudFormation's shape, S3 and KMS detail in
``supplementaryConfiguration``; and without what Config does not record (EBS
snapshots, Route53 record sets, ELBv2 target groups, MSK cluster policies, key
policies, trail status, caller identity, the organization).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from auditor.model import RawRecord

_OPAQUE = {"PolicyDocument", "AssumeRolePolicyDocument", "Document"}


def lower(value: Any) -> Any:
    """Keys as the Java SDK's bean serialisation writes them: first letter lower case."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = "vpczoneIdentifier" if k == "VPCZoneIdentifier" else k[:1].lower() + k[1:]
            out[key] = v if k in _OPAQUE else lower(v)
        return out
    if isinstance(value, list):
        return [lower(v) for v in value]
    return value


def _encoded(document: Any) -> str | None:
    """IAM documents as Config writes them: URL-encoded JSON."""
    if document is None:
        return None
    text = document if isinstance(document, str) else json.dumps(document)
    return quote(text, safe="")


def _tags(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in raw or []}


def _item(
    rtype: str,
    rid: str,
    account: str,
    region: str,
    configuration: Mapping[str, Any],
    *,
    arn: str = "",
    name: str = "",
    tags: Mapping[str, str] | None = None,
    supplementary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "relatedEvents": [],
        "relationships": [],
        "configuration": dict(configuration),
        "supplementaryConfiguration": dict(supplementary or {}),
        "tags": dict(tags or {}),
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": "2026-11-29T12:00:00.000Z",
        "configurationStateId": 1764417600000,
        "awsAccountId": account,
        "configurationItemStatus": "OK",
        "resourceType": rtype,
        "resourceId": rid,
        "resourceName": name or rid,
        "ARN": arn,
        "awsRegion": region,
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "",
    }


_EC2 = {
    # raw type: (Config type, id key, ARN kind)
    "ec2:vpc": ("AWS::EC2::VPC", "VpcId", "vpc"),
    "ec2:subnet": ("AWS::EC2::Subnet", "SubnetId", "subnet"),
    "ec2:route_table": ("AWS::EC2::RouteTable", "RouteTableId", "route-table"),
    "ec2:internet_gateway": ("AWS::EC2::InternetGateway", "InternetGatewayId", "internet-gateway"),
    "ec2:nat_gateway": ("AWS::EC2::NatGateway", "NatGatewayId", "natgateway"),
    "ec2:address": ("AWS::EC2::EIP", "AllocationId", "elastic-ip"),
    "ec2:network_acl": ("AWS::EC2::NetworkAcl", "NetworkAclId", "network-acl"),
    "ec2:network_interface": (
        "AWS::EC2::NetworkInterface",
        "NetworkInterfaceId",
        "network-interface",
    ),
    "ec2:vpc_peering_connection": (
        "AWS::EC2::VPCPeeringConnection",
        "VpcPeeringConnectionId",
        "vpc-peering-connection",
    ),
    "ec2:flow_log": ("AWS::EC2::FlowLog", "FlowLogId", "vpc-flow-log"),
    "ec2:instance": ("AWS::EC2::Instance", "InstanceId", "instance"),
    "ec2:volume": ("AWS::EC2::Volume", "VolumeId", "volume"),
}


def _security_group(rec: RawRecord) -> dict[str, Any]:
    d = rec.data
    conf = lower({k: v for k, v in d.items() if k not in ("IpPermissions", "IpPermissionsEgress")})
    for key in ("IpPermissions", "IpPermissionsEgress"):
        perms = []
        for perm in d.get(key) or []:
            p = lower({k: v for k, v in perm.items() if k != "IpRanges"})
            ranges = perm.get("IpRanges") or []
            p["ipRanges"] = [r["CidrIp"] for r in ranges]  # deprecated list of strings
            p["ipv4Ranges"] = [{"cidrIp": r["CidrIp"]} for r in ranges]
            perms.append(p)
        conf[key[:1].lower() + key[1:]] = perms
    return _item(
        "AWS::EC2::SecurityGroup",
        str(d["GroupId"]),
        rec.account,
        rec.region,
        conf,
        arn=f"arn:aws:ec2:{rec.region}:{rec.account}:security-group/{d['GroupId']}",
        name=str(d.get("GroupName") or ""),
        tags=_tags(d.get("Tags")),
    )


def _bucket(rec: RawRecord) -> dict[str, Any]:
    d = rec.data
    name = str(d["Bucket"]["Name"])
    region = str((d.get("Location") or {}).get("LocationConstraint") or "us-east-1")
    supp: dict[str, Any] = {
        "BucketPolicy": {"policyText": (d.get("Policy") or {}).get("Policy")},
        "BucketVersioningConfiguration": {
            "status": (d.get("Versioning") or {}).get("Status") or "Off",
            "isMfaDeleteEnabled": None,
        },
        "BucketLoggingConfiguration": {
            "destinationBucketName": ((d.get("Logging") or {}).get("LoggingEnabled") or {}).get(
                "TargetBucket"
            ),
            "logFilePrefix": ((d.get("Logging") or {}).get("LoggingEnabled") or {}).get(
                "TargetPrefix"
            ),
        },
        "IsRequesterPaysEnabled": False,
    }
    pab = (d.get("PublicAccessBlock") or {}).get("PublicAccessBlockConfiguration")
    if pab:
        supp["PublicAccessBlockConfiguration"] = lower(pab)
    rules = ((d.get("Encryption") or {}).get("ServerSideEncryptionConfiguration") or {}).get(
        "Rules"
    )
    if rules:
        supp["ServerSideEncryptionConfiguration"] = {
            "rules": [
                {
                    "applyServerSideEncryptionByDefault": {
                        "sseAlgorithm": r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                        "kmsMasterKeyID": r["ApplyServerSideEncryptionByDefault"].get(
                            "KMSMasterKeyID"
                        ),
                    },
                    "bucketKeyEnabled": r.get("BucketKeyEnabled", False),
                }
                for r in rules
            ]
        }
    replication = (d.get("Replication") or {}).get("ReplicationConfiguration")
    if replication:
        supp["BucketReplicationConfiguration"] = {
            "roleARN": replication.get("Role"),
            # The Java SDK keeps replication rules in a map keyed by rule id.
            "rules": {
                rule.get("ID"): {
                    "status": rule.get("Status"),
                    "priority": rule.get("Priority"),
                    "destinationConfig": {
                        "bucketARN": rule["Destination"]["Bucket"],
                        **(
                            {"account": rule["Destination"]["Account"]}
                            if rule["Destination"].get("Account")
                            else {}
                        ),
                        **(
                            {
                                "encryptionConfiguration": {
                                    "replicaKmsKeyID": rule["Destination"][
                                        "EncryptionConfiguration"
                                    ]["ReplicaKmsKeyID"]
                                }
                            }
                            if rule["Destination"].get("EncryptionConfiguration")
                            else {}
                        ),
                        **(
                            {
                                "replicationTime": {
                                    "status": rule["Destination"]["ReplicationTime"]["Status"]
                                }
                            }
                            if rule["Destination"].get("ReplicationTime")
                            else {}
                        ),
                    },
                }
                for rule in replication.get("Rules") or []
            },
        }
    lock = (d.get("ObjectLock") or {}).get("ObjectLockConfiguration")
    if lock:
        retention = (lock.get("Rule") or {}).get("DefaultRetention")
        supp["ObjectLockConfiguration"] = {
            "objectLockEnabled": lock.get("ObjectLockEnabled"),
            **(
                {
                    "rule": {
                        "defaultRetention": {
                            "mode": retention.get("Mode"),
                            "days": retention.get("Days"),
                            "years": retention.get("Years"),
                        }
                    }
                }
                if retention
                else {}
            ),
        }
    return _item(
        "AWS::S3::Bucket",
        name,
        rec.account,
        region,
        {"name": name, "owner": {"id": "c0ffee"}, "creationDate": d["Bucket"].get("CreationDate")},
        arn=f"arn:aws:s3:::{name}",
        name=name,
        tags=_tags((d.get("Tagging") or {}).get("TagSet")),
        supplementary=supp,
    )


def _key(rec: RawRecord) -> list[dict[str, Any]]:
    d = rec.data
    meta = dict(d["KeyMetadata"])
    arn = str(meta["Arn"])
    conf = lower({k: v for k, v in meta.items() if k != "AWSAccountId"})
    conf["awsaccountId"] = meta.get("AWSAccountId")
    supp: dict[str, Any] = {}
    if d.get("Rotation") is not None:
        supp["KeyRotationStatus"] = d["Rotation"].get("KeyRotationEnabled")
    tags = {str(t["TagKey"]): str(t["TagValue"]) for t in (d.get("Tags") or {}).get("Tags") or []}
    items = [
        _item(
            "AWS::KMS::Key",
            str(meta["KeyId"]),
            rec.account,
            rec.region,
            conf,
            arn=arn,
            tags=tags,
            supplementary=supp,
        )
    ]
    for alias in d.get("Aliases") or []:
        items.append(
            _item(
                "AWS::KMS::Alias",
                str(alias["AliasName"]),
                rec.account,
                rec.region,
                {"AliasName": alias["AliasName"], "TargetKeyId": alias["TargetKeyId"]},
                arn=str(alias.get("AliasArn") or ""),
                name=str(alias["AliasName"]),
            )
        )
    return items


def _iam_lists(detail: Mapping[str, Any], inline_key: str) -> dict[str, Any]:
    return {
        inline_key[:1].lower() + inline_key[1:]: [
            {"policyName": p["PolicyName"], "policyDocument": _encoded(p.get("PolicyDocument"))}
            for p in detail.get(inline_key) or []
        ],
        "attachedManagedPolicies": [
            {"policyArn": p["PolicyArn"], "policyName": p.get("PolicyName")}
            for p in detail.get("AttachedManagedPolicies") or []
        ],
        "permissionsBoundary": (
            {
                "permissionsBoundaryArn": detail["PermissionsBoundary"]["PermissionsBoundaryArn"],
                "permissionsBoundaryType": "Policy",
            }
            if detail.get("PermissionsBoundary")
            else None
        ),
        "tags": [{"key": t["Key"], "value": t["Value"]} for t in detail.get("Tags") or []],
    }


def _policies(rec: RawRecord, versions: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Customer managed policies only: Config does not record AWS managed ones."""
    items = []
    for arn, version in versions.items():
        if version is None or arn.startswith("arn:aws:iam::aws:"):
            continue
        items.append(
            _item(
                "AWS::IAM::Policy",
                arn.rsplit("/", 1)[-1],
                rec.account,
                "global",
                {
                    "policyName": version.get("PolicyName"),
                    "arn": arn,
                    "defaultVersionId": version.get("DefaultVersionId"),
                    "policyVersionList": [
                        {
                            "document": _encoded(version.get("Document")),
                            "versionId": version.get("DefaultVersionId"),
                            "isDefaultVersion": True,
                        }
                    ],
                },
                arn=arn,
            )
        )
    return items


def _role(rec: RawRecord) -> list[dict[str, Any]]:
    d = rec.data
    role = d["Role"]
    conf = {
        "path": role.get("Path"),
        "roleName": role["RoleName"],
        "roleId": role.get("RoleId"),
        "arn": role["Arn"],
        "createDate": role.get("CreateDate"),
        "assumeRolePolicyDocument": _encoded(role.get("AssumeRolePolicyDocument")),
        "instanceProfileList": [],
        **_iam_lists(role, "RolePolicyList"),
    }
    versions = dict(d.get("ManagedPolicyVersions") or {})
    if d.get("PermissionsBoundaryVersion"):
        boundary = d["PermissionsBoundaryVersion"]
        versions[str(boundary["PolicyArn"])] = boundary
    return [
        _item(
            "AWS::IAM::Role",
            str(role.get("RoleId")),
            rec.account,
            "global",
            conf,
            arn=role["Arn"],
            name=role["RoleName"],
            tags=_tags(role.get("Tags")),
        ),
        *_policies(rec, versions),
    ]


def _user(rec: RawRecord) -> list[dict[str, Any]]:
    d = rec.data
    user = d["User"]
    conf = {
        "path": user.get("Path"),
        "userName": user["UserName"],
        "userId": user.get("UserId"),
        "arn": user["Arn"],
        "groupList": list(user.get("GroupList") or []),
        **_iam_lists(user, "UserPolicyList"),
    }
    items = [
        _item(
            "AWS::IAM::User",
            str(user.get("UserId")),
            rec.account,
            "global",
            conf,
            arn=user["Arn"],
            name=user["UserName"],
            tags=_tags(user.get("Tags")),
        )
    ]
    versions = dict(d.get("ManagedPolicyVersions") or {})
    for name, group in (d.get("Groups") or {}).items():
        if group is None:
            continue
        versions.update(group.get("ManagedPolicyVersions") or {})
        items.append(
            _item(
                "AWS::IAM::Group",
                name,
                rec.account,
                "global",
                {
                    "groupName": name,
                    "arn": group.get("Arn"),
                    **_iam_lists(
                        {
                            "GroupPolicyList": group.get("GroupPolicyList"),
                            "AttachedManagedPolicies": group.get("AttachedManagedPolicies"),
                        },
                        "GroupPolicyList",
                    ),
                },
                arn=str(group.get("Arn") or ""),
                name=name,
            )
        )
    return items + _policies(rec, versions)


def _trail(rec: RawRecord) -> dict[str, Any]:
    trail = rec.data["Trail"]
    tags: dict[str, str] = {}
    for entry in (rec.data.get("Tags") or {}).get("ResourceTagList") or []:
        tags.update(_tags(entry.get("TagsList")))
    return _item(
        "AWS::CloudTrail::Trail",
        str(trail["Name"]),
        rec.account,
        str(trail.get("HomeRegion") or rec.region),
        lower(trail),
        arn=str(trail["TrailARN"]),
        name=str(trail["Name"]),
        tags=tags,
    )


def _msk(rec: RawRecord) -> dict[str, Any]:
    d = rec.data
    p = d["Provisioned"]
    nodes = dict(p["BrokerNodeGroupInfo"])
    storage = (nodes.pop("StorageInfo", None) or {}).get("EbsStorageInfo")
    if storage:
        nodes["StorageInfo"] = {"EBSStorageInfo": {"VolumeSize": storage.get("VolumeSize")}}
    conf = {
        "Arn": d["ClusterArn"],
        "ClusterName": d["ClusterName"],
        "BrokerNodeGroupInfo": nodes,
        "NumberOfBrokerNodes": p.get("NumberOfBrokerNodes"),
        "KafkaVersion": (p.get("CurrentBrokerSoftwareInfo") or {}).get("KafkaVersion"),
        "EncryptionInfo": p.get("EncryptionInfo"),
        "CurrentVersion": d.get("CurrentVersion"),
    }
    return _item(
        "AWS::MSK::Cluster",
        str(d["ClusterArn"]),
        rec.account,
        rec.region,
        conf,
        arn=str(d["ClusterArn"]),
        name=str(d["ClusterName"]),
        tags=_tags(d.get("Tags")),
    )


def _eks(rec: RawRecord) -> dict[str, Any]:
    d = rec.data
    vpc = d["resourcesVpcConfig"]
    conf = {
        "Name": d["name"],
        "Arn": d["arn"],
        "RoleArn": d.get("roleArn"),
        "Version": d.get("version"),
        "ClusterSecurityGroupId": vpc.get("clusterSecurityGroupId"),
        "ResourcesVpcConfig": {
            "SubnetIds": vpc.get("subnetIds"),
            "SecurityGroupIds": vpc.get("securityGroupIds"),
            "EndpointPublicAccess": vpc.get("endpointPublicAccess"),
            "EndpointPrivateAccess": vpc.get("endpointPrivateAccess"),
            "PublicAccessCidrs": vpc.get("publicAccessCidrs"),
        },
        "EncryptionConfig": [
            {"Resources": c.get("resources"), "Provider": {"KeyArn": c["provider"]["keyArn"]}}
            for c in d.get("encryptionConfig") or []
        ],
    }
    return _item(
        "AWS::EKS::Cluster",
        str(d["name"]),
        rec.account,
        rec.region,
        conf,
        arn=str(d["arn"]),
        tags=_tags(d.get("tags")),
    )


def _prefix_list(rec: RawRecord) -> list[dict[str, Any]]:
    """Customer-managed lists only (Config does not record AWS-managed ones), in
    CloudFormation's shape."""
    d = rec.data
    if d.get("OwnerId") == "AWS":
        return []
    pl_id = str(d["PrefixListId"])
    conf = {
        k: d.get(k)
        for k in ("PrefixListId", "PrefixListName", "AddressFamily", "MaxEntries", "Version")
    }
    conf["OwnerId"] = d.get("OwnerId")
    conf["Entries"] = [
        {"Cidr": e["Cidr"], "Description": e.get("Description", "")} for e in d["Entries"]
    ]
    conf["Arn"] = d.get("PrefixListArn")
    return [
        _item(
            "AWS::EC2::PrefixList",
            pl_id,
            rec.account,
            rec.region,
            conf,
            arn=str(d.get("PrefixListArn") or ""),
            name=str(d.get("PrefixListName") or ""),
            tags=_tags(d.get("Tags")),
        )
    ]


def _convert(rec: RawRecord) -> list[dict[str, Any]]:
    d = rec.data
    if rec.type in _EC2:
        rtype, key, kind = _EC2[rec.type]
        rid = str(d[key])
        return [
            _item(
                rtype,
                rid,
                rec.account,
                rec.region,
                lower(d),
                arn=f"arn:aws:ec2:{rec.region}:{rec.account}:{kind}/{rid}",
                tags=_tags(d.get("Tags") or d.get("TagSet")),
            )
        ]
    if rec.type == "ec2:security_group":
        return [_security_group(rec)]
    if rec.type == "ec2:managed_prefix_list":
        return _prefix_list(rec)
    if rec.type == "ec2:vpc_endpoint":
        conf = lower(d)
        conf["state"] = {"value": d.get("State")}  # Config writes this enum as an object
        return [
            _item(
                "AWS::EC2::VPCEndpoint",
                str(d["VpcEndpointId"]),
                rec.account,
                rec.region,
                conf,
                tags=_tags(d.get("Tags")),
            )
        ]
    if rec.type == "ec2:transit_gateway":
        return [
            _item(
                "AWS::EC2::TransitGateway",
                str(d["TransitGatewayId"]),
                rec.account,
                rec.region,
                {"Id": d["TransitGatewayId"], "Description": d.get("Description")},
                arn=str(d.get("TransitGatewayArn")),
                tags=_tags(d.get("Tags")),
            )
        ]
    if rec.type == "ec2:transit_gateway_attachment":
        att = d["Attachment"]
        if att.get("ResourceType") != "vpc":
            return []  # Config records VPC attachments only
        return [
            _item(
                "AWS::EC2::TransitGatewayAttachment",
                str(att["TransitGatewayAttachmentId"]),
                rec.account,
                rec.region,
                {
                    "Id": att["TransitGatewayAttachmentId"],
                    "TransitGatewayId": att["TransitGatewayId"],
                    "VpcId": att.get("ResourceId"),
                    "SubnetIds": (d.get("VpcAttachment") or {}).get("SubnetIds"),
                },
                tags=_tags(att.get("Tags")),
            )
        ]
    if rec.type == "ec2:transit_gateway_route_table":
        return [
            _item(
                "AWS::EC2::TransitGatewayRouteTable",
                str(d["TransitGatewayRouteTableId"]),
                rec.account,
                rec.region,
                {
                    "Id": d["TransitGatewayRouteTableId"],
                    "TransitGatewayId": d.get("TransitGatewayId"),
                },
                tags=_tags(d.get("Tags")),
            )
        ]
    if rec.type == "s3:bucket":
        return [_bucket(rec)]
    if rec.type == "kms:key":
        return _key(rec)
    if rec.type == "iam:role":
        return _role(rec)
    if rec.type == "iam:user":
        return _user(rec)
    if rec.type == "cloudtrail:trail":
        return [_trail(rec)]
    if rec.type == "elbv2:load_balancer":
        return [
            _item(
                "AWS::ElasticLoadBalancingV2::LoadBalancer",
                str(d["LoadBalancerArn"]),
                rec.account,
                rec.region,
                lower({k: v for k, v in d.items() if k != "Tags"}),
                arn=str(d["LoadBalancerArn"]),
                tags=_tags(d.get("Tags")),
            )
        ]
    if rec.type == "elbv2:listener":
        conf = {
            k: v
            for k, v in d.items()
            if k
            in ("ListenerArn", "LoadBalancerArn", "Port", "Protocol", "SslPolicy", "DefaultActions")
        }
        return [
            _item(
                "AWS::ElasticLoadBalancingV2::Listener",
                str(d["ListenerArn"]),
                rec.account,
                rec.region,
                conf,
                arn=str(d["ListenerArn"]),
                tags=_tags(d.get("Tags")),
            )
        ]
    if rec.type == "autoscaling:group":
        return [
            _item(
                "AWS::AutoScaling::AutoScalingGroup",
                str(d["AutoScalingGroupName"]),
                rec.account,
                rec.region,
                lower(d),
                arn=str(d["AutoScalingGroupARN"]),
            )
        ]
    if rec.type == "msk:cluster":
        return [_msk(rec)]
    if rec.type == "eks:cluster":
        return [_eks(rec)]
    if rec.type == "route53:zone":
        zone = d["HostedZone"]
        zone_id = str(zone["Id"]).rsplit("/", 1)[-1]
        conf = {
            "Id": zone_id,
            "Name": zone["Name"],
            "VPCs": [
                {"VPCId": v["VPCId"], "VPCRegion": v["VPCRegion"]} for v in d.get("VPCs") or []
            ],
        }
        return [
            _item(
                "AWS::Route53::HostedZone",
                zone_id,
                rec.account,
                "global",
                conf,
                arn=f"arn:aws:route53:::hostedzone/{zone_id}",
            )
        ]
    if rec.type == "route53:health_check":
        check = d["HealthCheck"]
        return [
            _item(
                "AWS::Route53::HealthCheck",
                str(check["Id"]),
                rec.account,
                "global",
                {"HealthCheckId": check["Id"], "HealthCheckConfig": check.get("HealthCheckConfig")},
            )
        ]
    return []  # not recorded by AWS Config


def recorder(account: str, region: str) -> dict[str, Any]:
    """The recorder item: all supported types, global types in ``region``."""
    return _item(
        "AWS::Config::ConfigurationRecorder",
        "default",
        account,
        region,
        {
            "Name": "default",
            "Recording": True,
            "RecordingGroup": {"AllSupported": True, "IncludeGlobalResourceTypes": True},
        },
    )


def snapshot(records: Iterable[RawRecord], places: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A Config snapshot file of ``records``, with a recorder item for each place."""
    items = [item for rec in records for item in _convert(rec)]
    items += [recorder(a, r) for a, r in places]
    items.sort(
        key=lambda i: (i["awsAccountId"], i["awsRegion"], i["resourceType"], i["resourceId"])
    )
    return {"fileVersion": "1.0", "configSnapshotId": "test-snapshot", "configurationItems": items}
