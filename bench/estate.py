"""Synthetic estate generator: N accounts x regions x Kafka platforms, at any size.

One :class:`Spec` describes the estate. Each account holds, in every region, a
Kafka platform VPC (brokers with encrypted log volumes, an auto scaling group,
an MSK cluster, NAT and internet gateways, security groups, a NACL, flow logs)
and ``app_vpcs`` client VPCs full of instances, all joined by a transit gateway;
the platform VPCs of neighbouring regions peer. Keys (a multi-region data key,
a logs key), tiered-storage buckets replicating to the next region, a logs
bucket, a multi-region trail, IAM roles (brokers, replication, the vendor's
operator role with an ExternalId, application roles) and a private DNS zone
with failover records complete each account.

Two ways out, from the same spec:

- :func:`write_inventory` builds the raw records the collectors would emit
  (describe-call shapes) and passes them through the real normalisers, one
  account at a time, streaming ``inventory.jsonl`` lines (the bundle format)
  so that memory does not grow with the estate; :func:`write_declaration`
  writes the matching boundary declaration.
- :func:`load_into_moto` creates the same shape in a moto server through real
  boto3 calls (for the collection benchmark; keep it to a few thousand
  resources: moto slows down above ~8k instances per account).

Run: ``.venv/bin/python -m bench.estate --resources 10000 --out /tmp/estate10k``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor.base.serialize import relation_to_dict, resource_to_dict
from auditor.model import RawRecord, Scope

VENDOR = "999999999999"
VENDOR_ROLE = f"arn:aws:iam::{VENDOR}:role/automation"
PLATFORM = "orders-kafka"
KAFKA_PORTS = (9092, 9094, 9096, 9098)
ALL_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1")


@dataclass(frozen=True, kw_only=True)
class Spec:
    """The shape of a synthetic estate; every account gets the same layout."""

    accounts: int
    regions: tuple[str, ...] = ("us-east-1", "us-west-2")
    app_vpcs: int = 3
    """Client VPCs per account and region, beside the platform VPC."""
    brokers: int = 6
    """Broker instances per platform VPC (each with a log volume)."""
    app_instances: int = 40
    """Instances per client VPC (each with a root volume)."""
    app_roles: int = 4
    """Application roles per account, beside the platform's own roles."""
    platform_accounts: int = 2
    """Accounts that host the declared platform; the others run other teams' Kafka."""
    first_account: int = 100000000000

    def account_ids(self) -> list[str]:
        return [str(self.first_account + i) for i in range(self.accounts)]


def spec_for(resources: int, **kw: Any) -> Spec:
    """The spec whose estate has about ``resources`` resources (density fixed, accounts scale)."""
    per_account = resources_per_account(Spec(accounts=1, **kw))
    return Spec(accounts=max(1, round(resources / per_account)), **kw)


def resources_per_account(spec: Spec) -> int:
    one = replace(spec, accounts=1)
    return len(_normalised(one, 0)[0])


# --- raw records (the shapes the collectors emit) -------------------------------------------


def _platform(spec: Spec, ai: int) -> tuple[str, str, str]:
    """(platform tag, data-class of its log data, data-class of its system logs) of account ai."""
    if ai < spec.platform_accounts:
        return PLATFORM, "kafka-log", "system-log"
    return f"kafka-team-{ai}", "team-log", "team-system-log"


def _tags(**kv: str) -> list[dict[str, str]]:
    return [{"Key": k.replace("_", "-"), "Value": v} for k, v in kv.items()]


def _tok(*parts: int) -> str:
    """A deterministic 17-hex-digit id body from indices."""
    n = len(parts)
    for p in parts:
        n = n * 4096 + p
    return f"{n:017x}"[-17:]


def _perm(proto: str, lo: int | None, hi: int | None, cidrs: list[str]) -> dict[str, Any]:
    p: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


@dataclass(frozen=True, kw_only=True)
class _Vpc:
    vpc_id: str
    cidr: str
    subnets: list[str]
    subnet_cidrs: list[str]
    sg: str
    tgw_attachment: str


def _region_records(spec: Spec, ai: int, ri: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every regional record of account ``ai`` in region ``ri``, as (type, data)."""
    acct = str(spec.first_account + ai)
    plat, log_class, sys_class = _platform(spec, ai)
    region = spec.regions[ri]
    nxt = spec.regions[(ri + 1) % len(spec.regions)]
    azs = [f"{region}{z}" for z in "abc"]
    tgw = f"tgw-{_tok(ai, ri)}"
    trt = f"tgw-rtb-{_tok(ai, ri)}"
    data_key = f"mrk-{_tok(ai)}"
    logs_key = f"{_tok(ai, ri, 1)}"
    data_key_arn = f"arn:aws:kms:{region}:{acct}:key/{data_key}"
    logs_key_arn = f"arn:aws:kms:{region}:{acct}:key/{logs_key}"
    primary = spec.regions[0]
    mr_primary = f"arn:aws:kms:{primary}:{acct}:key/{data_key}"
    mr_replicas = [f"arn:aws:kms:{r}:{acct}:key/{data_key}" for r in spec.regions[1:]]
    for kid, arn, multi, name in (
        (data_key, data_key_arn, True, f"{PLATFORM}-data"),
        (logs_key, logs_key_arn, False, f"{PLATFORM}-logs"),
    ):
        meta: dict[str, Any] = {
            "AWSAccountId": acct,
            "Arn": arn,
            "KeyId": kid,
            "KeyManager": "CUSTOMER",
            "KeyState": "Enabled",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "MultiRegion": multi,
            "Enabled": True,
        }
        if multi:
            meta["MultiRegionConfiguration"] = {
                "MultiRegionKeyType": "PRIMARY" if region == primary else "REPLICA",
                "PrimaryKey": {"Arn": mr_primary, "Region": primary},
                "ReplicaKeys": [{"Arn": a, "Region": a.split(":")[3]} for a in mr_replicas],
            }
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
        yield (
            "kms:key",
            {
                "Key": {"KeyArn": arn, "KeyId": kid},
                "KeyMetadata": meta,
                "Aliases": [
                    {
                        "AliasArn": f"arn:aws:kms:{region}:{acct}:alias/{name}",
                        "AliasName": f"alias/{name}",
                        "TargetKeyId": kid,
                    }
                ],
                "Policy": {"Policy": json.dumps(policy)},
                "Rotation": {"KeyRotationEnabled": True},
                "Tags": {
                    "Tags": [{"TagKey": "platform", "TagValue": plat}],
                    "Truncated": False,
                },
            },
        )
    yield (
        "ec2:transit_gateway",
        {
            "TransitGatewayId": tgw,
            "TransitGatewayArn": f"arn:aws:ec2:{region}:{acct}:transit-gateway/{tgw}",
            "OwnerId": acct,
            "State": "available",
            "Tags": _tags(Name=f"core-{region}"),
        },
    )
    vpcs: list[_Vpc] = []
    for vi in range(spec.app_vpcs + 1):
        platform = vi == 0
        vid = f"vpc-{_tok(ai, ri, vi)}"
        second = (ri * 64 + vi) % 256
        cidr = f"10.{second}.0.0/16"
        tags = _tags(Name=f"{'kafka' if platform else 'app'}-{region}-{vi}")
        if platform:
            tags += _tags(platform=plat)
        yield (
            "ec2:vpc",
            {
                "VpcId": vid,
                "CidrBlock": cidr,
                "CidrBlockAssociationSet": [
                    {"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}
                ],
                "IsDefault": False,
                "OwnerId": acct,
                "State": "available",
                "Tags": tags,
            },
        )
        subnets, scidrs = [], []
        for si in range(6):
            sid = f"subnet-{_tok(ai, ri, vi, si)}"
            scidr = f"10.{second}.{si * 16}.0/20"
            subnets.append(sid)
            scidrs.append(scidr)
            yield (
                "ec2:subnet",
                {
                    "SubnetId": sid,
                    "SubnetArn": f"arn:aws:ec2:{region}:{acct}:subnet/{sid}",
                    "VpcId": vid,
                    "CidrBlock": scidr,
                    "AvailabilityZone": azs[si % 3],
                    "MapPublicIpOnLaunch": si >= 3,
                    "OwnerId": acct,
                    "State": "available",
                    "Tags": tags,
                },
            )
        igw = f"igw-{_tok(ai, ri, vi)}"
        nat = f"nat-{_tok(ai, ri, vi)}"
        yield (
            "ec2:internet_gateway",
            {
                "InternetGatewayId": igw,
                "OwnerId": acct,
                "Attachments": [{"State": "available", "VpcId": vid}],
                "Tags": tags,
            },
        )
        yield (
            "ec2:nat_gateway",
            {
                "NatGatewayId": nat,
                "SubnetId": subnets[3],
                "VpcId": vid,
                "State": "available",
                "ConnectivityType": "public",
                "NatGatewayAddresses": [
                    {
                        "AllocationId": f"eipalloc-{_tok(ai, ri, vi)}",
                        "PublicIp": f"54.{ai % 250}.{ri * 16 + vi % 16}.{ai // 250 % 250 + 1}",
                        "PrivateIp": f"10.{second}.48.5",
                        "NetworkInterfaceId": f"eni-{_tok(ai, ri, vi, 4095)}",
                    }
                ],
                "Tags": tags,
            },
        )
        att = f"tgw-attach-{_tok(ai, ri, vi)}"
        sg = f"sg-{_tok(ai, ri, vi)}"
        mgmt = f"sg-{_tok(ai, ri, vi, 1)}"
        ingress = (
            [_perm("tcp", p, p, ["10.0.0.0/8"]) for p in KAFKA_PORTS]
            if platform
            else [_perm("tcp", 443, 443, ["10.0.0.0/8"])]
        )
        for gid, name, perms in (
            (sg, "kafka-brokers" if platform else "app", ingress),
            # Planted in every account: SSH open to the world on the management group.
            (mgmt, "mgmt", [_perm("tcp", 22, 22, ["0.0.0.0/0" if vi == 1 else "10.0.0.0/8"])]),
        ):
            yield (
                "ec2:security_group",
                {
                    "GroupId": gid,
                    "GroupName": f"{name}-{vi}",
                    "Description": name,
                    "VpcId": vid,
                    "OwnerId": acct,
                    "SecurityGroupArn": f"arn:aws:ec2:{region}:{acct}:security-group/{gid}",
                    "IpPermissions": perms,
                    "IpPermissionsEgress": [_perm("-1", None, None, ["0.0.0.0/0"])],
                    "Tags": tags,
                },
            )
        yield (
            "ec2:network_acl",
            {
                "NetworkAclId": f"acl-{_tok(ai, ri, vi)}",
                "VpcId": vid,
                "IsDefault": True,
                "OwnerId": acct,
                "Associations": [
                    {"NetworkAclId": f"acl-{_tok(ai, ri, vi)}", "SubnetId": s} for s in subnets
                ],
                "Entries": [
                    {
                        "CidrBlock": "0.0.0.0/0",
                        "Egress": e,
                        "Protocol": "-1",
                        "RuleAction": a,
                        "RuleNumber": n,
                    }
                    for e in (False, True)
                    for n, a in ((100, "allow"), (32767, "deny"))
                ],
                "Tags": [],
            },
        )
        peer_routes: list[dict[str, Any]] = []
        if platform and len(spec.regions) > 1:
            for other in {(ri + 1) % len(spec.regions), (ri - 1) % len(spec.regions)}:
                lo, hi = min(ri, other), max(ri, other)
                if lo == hi:
                    continue
                pcx = f"pcx-{_tok(ai, lo, hi)}"
                peer_routes.append(
                    {
                        "DestinationCidrBlock": f"10.{(other * 64) % 256}.0.0/16",
                        "VpcPeeringConnectionId": pcx,
                        "State": "active",
                    }
                )
                info = {
                    lo_hi: {
                        "CidrBlock": f"10.{(idx * 64) % 256}.0.0/16",
                        "OwnerId": acct,
                        "Region": spec.regions[idx],
                        "VpcId": f"vpc-{_tok(ai, idx, 0)}",
                    }
                    for lo_hi, idx in (("RequesterVpcInfo", lo), ("AccepterVpcInfo", hi))
                }
                yield (
                    "ec2:vpc_peering_connection",
                    {
                        "VpcPeeringConnectionId": pcx,
                        **info,
                        "Status": {"Code": "active", "Message": "Active"},
                        "Tags": _tags(Name=f"kafka-{spec.regions[lo]}-{spec.regions[hi]}"),
                    },
                )
        local = {"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active"}
        to_tgw = {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": tgw, "State": "active"}
        for kind, routes, assoc in (
            (
                "public",
                [local, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active"}],
                subnets[3:],
            ),
            (
                "private",
                [
                    local,
                    *peer_routes,
                    to_tgw,
                    {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "State": "active"},
                ],
                subnets[:3],
            ),
        ):
            rtb = f"rtb-{_tok(ai, ri, vi, 0 if kind == 'public' else 1)}"
            yield (
                "ec2:route_table",
                {
                    "RouteTableId": rtb,
                    "VpcId": vid,
                    "OwnerId": acct,
                    "Associations": [
                        {
                            "Main": False,
                            "RouteTableId": rtb,
                            "SubnetId": s,
                            "AssociationState": {"State": "associated"},
                        }
                        for s in assoc
                    ]
                    + (
                        [{"Main": True, "RouteTableId": rtb}]
                        if kind == "private"
                        else []  # the private table is the main one
                    ),
                    "Routes": routes,
                    "Tags": tags,
                },
            )
        yield (
            "ec2:flow_log",
            {
                "FlowLogId": f"fl-{_tok(ai, ri, vi)}",
                "FlowLogStatus": "ACTIVE",
                "DeliverLogsStatus": "SUCCESS",
                "LogDestination": f"arn:aws:s3:::{PLATFORM}-logs-{acct}",
                "LogDestinationType": "s3",
                "ResourceId": vid,
                "TrafficType": "ALL",
                "Tags": tags,
            },
        )
        yield (
            "ec2:transit_gateway_attachment",
            {
                "Attachment": {
                    "TransitGatewayAttachmentId": att,
                    "TransitGatewayId": tgw,
                    "TransitGatewayOwnerId": acct,
                    "ResourceType": "vpc",
                    "ResourceId": vid,
                    "ResourceOwnerId": acct,
                    "State": "available",
                    "Association": {"TransitGatewayRouteTableId": trt, "State": "associated"},
                    "Tags": [],
                },
                "VpcAttachment": {"SubnetIds": subnets[:3]},
            },
        )
        vpcs.append(
            _Vpc(
                vpc_id=vid,
                cidr=cidr,
                subnets=subnets,
                subnet_cidrs=scidrs,
                sg=sg,
                tgw_attachment=att,
            )
        )
        count = spec.brokers if platform else spec.app_instances
        instance_ids: list[str] = []
        for ii in range(count):
            iid = f"i-{_tok(ai, ri, vi, ii)}"
            instance_ids.append(iid)
            si = ii % 3
            asg_tag = {"Key": "aws:autoscaling:groupName", "Value": f"{PLATFORM}-{region}"}
            itags = (
                [*_tags(Name=f"broker-{ii}", platform=plat), asg_tag]
                if platform
                else _tags(Name=f"app-{vi}-{ii}")
            )
            ip = f"10.{second}.{si * 16 + ii // 250}.{ii % 250 + 4}"
            eni = f"eni-{_tok(ai, ri, vi, ii)}"
            yield (
                "ec2:instance",
                {
                    "InstanceId": iid,
                    "State": {"Code": 16, "Name": "running"},
                    "InstanceType": "m5.large",
                    "VpcId": vid,
                    "SubnetId": subnets[si],
                    "PrivateIpAddress": ip,
                    "NetworkInterfaces": [
                        {
                            "NetworkInterfaceId": eni,
                            "Groups": [{"GroupId": sg}],
                            "PrivateIpAddress": ip,
                            "SubnetId": subnets[si],
                            "VpcId": vid,
                        }
                    ],
                    "SecurityGroups": [{"GroupId": sg}],
                    "Placement": {"AvailabilityZone": azs[si]},
                    "IamInstanceProfile": {
                        "Arn": f"arn:aws:iam::{acct}:instance-profile/"
                        + (f"{PLATFORM}-broker" if platform else f"app-{ii % spec.app_roles}")
                    },
                    "Tags": itags,
                },
            )
            vol = f"vol-{_tok(ai, ri, vi, ii)}"
            vtags = _tags(Name=f"{iid}-data")
            if platform:
                vtags += _tags(platform=plat, data_class=log_class)
            yield (
                "ec2:volume",
                {
                    "VolumeId": vol,
                    "AvailabilityZone": azs[si],
                    "Encrypted": True,
                    "KmsKeyId": data_key_arn if platform else logs_key_arn,
                    "Size": 1000 if platform else 50,
                    "State": "in-use",
                    "Attachments": [{"InstanceId": iid, "State": "attached", "VolumeId": vol}],
                    "Tags": vtags,
                },
            )
        if platform:
            yield (
                "autoscaling:group",
                {
                    "AutoScalingGroupName": f"{PLATFORM}-{region}",
                    "AutoScalingGroupARN": (
                        f"arn:aws:autoscaling:{region}:{acct}:autoScalingGroup:{_tok(ai, ri)}:"
                        f"autoScalingGroupName/{PLATFORM}-{region}"
                    ),
                    "MinSize": spec.brokers,
                    "MaxSize": spec.brokers,
                    "DesiredCapacity": spec.brokers,
                    "VPCZoneIdentifier": ",".join(subnets[:3]),
                    "Instances": [{"InstanceId": i} for i in instance_ids],
                    "LaunchTemplate": {
                        "LaunchTemplateId": f"lt-{_tok(ai, ri)}",
                        "LaunchTemplateName": f"{PLATFORM}-broker",
                        "Version": "$Latest",
                    },
                    "TargetGroupARNs": [],
                    "Tags": [{"Key": "platform", "Value": plat}],
                },
            )
            yield (
                "msk:cluster",
                {
                    "ClusterArn": f"arn:aws:kafka:{region}:{acct}:cluster/{PLATFORM}-{region}/"
                    f"{_tok(ai, ri)}",
                    "ClusterName": f"{PLATFORM}-{region}",
                    "ClusterType": "PROVISIONED",
                    "State": "ACTIVE",
                    "Provisioned": {
                        "BrokerNodeGroupInfo": {
                            "ClientSubnets": subnets[:3],
                            "ConnectivityInfo": {"PublicAccess": {"Type": "DISABLED"}},
                            "InstanceType": "kafka.m5.large",
                            "SecurityGroups": [sg],
                            "StorageInfo": {"EbsStorageInfo": {"VolumeSize": 1000}},
                        },
                        "CurrentBrokerSoftwareInfo": {"KafkaVersion": "3.6.0"},
                        "EncryptionInfo": {
                            "EncryptionAtRest": {"DataVolumeKMSKeyId": data_key_arn},
                            "EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True},
                        },
                        "NumberOfBrokerNodes": 3,
                    },
                    "Tags": {"Name": f"{PLATFORM}-{region}", "platform": plat},
                },
            )
    yield (
        "ec2:transit_gateway_route_table",
        {
            "TransitGatewayRouteTableId": trt,
            "TransitGatewayId": tgw,
            "Associations": [
                {"TransitGatewayAttachmentId": v.tgw_attachment, "State": "associated"}
                for v in vpcs
            ],
            "Propagations": [
                {"TransitGatewayAttachmentId": v.tgw_attachment, "State": "enabled"} for v in vpcs
            ],
            "Routes": [
                {
                    "DestinationCidrBlock": v.cidr,
                    "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": v.tgw_attachment}],
                    "State": "active",
                    "Type": "propagated",
                }
                for v in vpcs
            ],
        },
    )
    # Buckets live in their region; the tiered bucket replicates to the next region.
    tiered = f"{PLATFORM}-tiered-{region}-{acct}"
    for bucket, data_class, replicate in (
        (tiered, log_class, len(spec.regions) > 1),
        (
            f"{PLATFORM}-logs-{acct}" if ri == 0 else f"{PLATFORM}-logs-{region}-{acct}",
            sys_class,
            False,
        ),
    ):
        rep: dict[str, Any] = {}
        if replicate:
            rep = {
                "ReplicationConfiguration": {
                    "Role": f"arn:aws:iam::{acct}:role/{PLATFORM}-s3-replication",
                    "Rules": [
                        {
                            "ID": f"to-{nxt}",
                            "Status": "Enabled",
                            "Destination": {
                                "Bucket": f"arn:aws:s3:::{PLATFORM}-tiered-{nxt}-{acct}",
                                "EncryptionConfiguration": {
                                    "ReplicaKmsKeyID": f"arn:aws:kms:{nxt}:{acct}:key/{data_key}"
                                },
                                "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                            },
                        }
                    ],
                }
            }
        yield (
            "s3:bucket",
            {
                "Bucket": {"Name": bucket},
                "Location": {"LocationConstraint": None if region == "us-east-1" else region},
                "Encryption": {
                    "ServerSideEncryptionConfiguration": {
                        "Rules": [
                            {
                                "ApplyServerSideEncryptionByDefault": {
                                    "KMSMasterKeyID": data_key_arn
                                    if data_class == log_class
                                    else logs_key_arn,
                                    "SSEAlgorithm": "aws:kms",
                                },
                                "BucketKeyEnabled": True,
                            }
                        ]
                    }
                },
                "Logging": {},
                "ObjectLock": {},
                "Policy": {},
                "PolicyStatus": {"PolicyStatus": {"IsPublic": False}},
                "PublicAccessBlock": {
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    }
                },
                "Replication": rep,
                "Tagging": {
                    "TagSet": [
                        {"Key": "platform", "Value": plat},
                        {"Key": "data-class", "Value": data_class},
                    ]
                },
                "Versioning": {"Status": "Enabled"},
            },
        )


def _role(
    acct: str, name: str, trust: dict[str, Any], inline: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "ManagedPolicyVersions": {},
        "MaxSessionDuration": 3600,
        "PermissionsBoundaryVersion": None,
        "Role": {
            "Arn": f"arn:aws:iam::{acct}:role/{name}",
            "RoleName": name,
            "Path": "/",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]},
            "AttachedManagedPolicies": [],
            "RolePolicyList": [
                {
                    "PolicyName": f"{name}-{i}",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [s]},
                }
                for i, s in enumerate(inline)
            ],
            "Tags": [],
        },
    }


def _service_trust(service: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}


def _global_records(spec: Spec, ai: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Account-wide records (IAM, trail, DNS, identity), as (type, data)."""
    acct = str(spec.first_account + ai)
    yield (
        "sts:caller_identity",
        {"Account": acct, "Arn": f"arn:aws:sts::{acct}:assumed-role/auditor-read/boundary-auditor"},
    )
    yield ("organizations:not_in_use", {"Account": acct})
    allow = lambda actions, res: {"Effect": "Allow", "Action": actions, "Resource": res}  # noqa: E731
    yield (
        "iam:role",
        _role(
            acct,
            "vendor-operator",
            {
                "Effect": "Allow",
                "Principal": {"AWS": VENDOR_ROLE},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{acct}"}},
            },
            [
                allow(["ec2:*", "autoscaling:*"], "*"),
                {
                    "Effect": "Deny",
                    "Action": ["kms:Decrypt", "s3:GetObject", "iam:*"],
                    "Resource": "*",
                },
            ],
        ),
    )
    yield (
        "iam:role",
        _role(
            acct,
            f"{PLATFORM}-broker",
            _service_trust("ec2.amazonaws.com"),
            [allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{PLATFORM}-tiered-*-{acct}/*")],
        ),
    )
    yield (
        "iam:role",
        _role(
            acct,
            f"{PLATFORM}-s3-replication",
            _service_trust("s3.amazonaws.com"),
            [allow(["s3:ReplicateObject", "kms:Encrypt", "kms:Decrypt"], "*")],
        ),
    )
    yield (
        "iam:role",
        _role(
            acct,
            "auditor-read",
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{spec.first_account}:root"},
                "Action": "sts:AssumeRole",
            },
            [allow(["ec2:Describe*", "s3:GetBucket*", "iam:Get*", "iam:List*"], "*")],
        ),
    )
    for k in range(spec.app_roles):
        yield (
            "iam:role",
            _role(
                acct,
                f"app-{k}",
                _service_trust("ec2.amazonaws.com"),
                [allow(["sqs:SendMessage", "dynamodb:GetItem"], "*")],
            ),
        )
    home = spec.regions[0]
    trail_arn = f"arn:aws:cloudtrail:{home}:{acct}:trail/{PLATFORM}-audit"
    yield (
        "cloudtrail:trail",
        {
            "Trail": {
                "Name": f"{PLATFORM}-audit",
                "TrailARN": trail_arn,
                "HomeRegion": home,
                "IsMultiRegionTrail": True,
                "IsOrganizationTrail": False,
                "IncludeGlobalServiceEvents": True,
                "KmsKeyId": f"arn:aws:kms:{home}:{acct}:key/{_tok(ai, 0, 1)}",
                "LogFileValidationEnabled": True,
                "S3BucketName": f"{PLATFORM}-logs-{acct}",
            },
            "Status": {"IsLogging": True},
            "EventSelectors": {
                "EventSelectors": [
                    {
                        "ReadWriteType": "All",
                        "IncludeManagementEvents": True,
                        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                    }
                ],
                "TrailARN": trail_arn,
            },
            "Tags": {
                "ResourceTagList": [
                    {
                        "ResourceId": trail_arn,
                        "TagsList": [{"Key": "platform", "Value": _platform(spec, ai)[0]}],
                    }
                ]
            },
        },
    )
    zone_id = f"Z{_tok(ai)}".upper()
    zone = {
        "Id": f"/hostedzone/{zone_id}",
        "Name": f"kafka-{acct}.example.internal.",
        "Config": {"PrivateZone": True},
        "ResourceRecordSetCount": 2,
    }
    yield (
        "route53:zone",
        {
            "HostedZone": zone,
            "VPCs": [
                {"VPCId": f"vpc-{_tok(ai, ri, 0)}", "VPCRegion": r}
                for ri, r in enumerate(spec.regions)
            ],
        },
    )
    checks = [f"{_tok(ai, ri)}-hc" for ri in range(len(spec.regions))]
    for ri, region in enumerate(spec.regions):
        yield (
            "route53:health_check",
            {
                "HealthCheck": {
                    "Id": checks[ri],
                    "HealthCheckConfig": {
                        "Type": "TCP",
                        "FullyQualifiedDomainName": f"b-1.{PLATFORM}-{region}.kafka.{region}."
                        "amazonaws.com",
                        "Port": 9094,
                        "FailureThreshold": 3,
                        "RequestInterval": 10,
                    },
                }
            },
        )
    yield (
        "route53:record_set",
        {
            "HostedZone": zone,
            "ResourceRecordSets": [
                {
                    "Name": f"bootstrap.kafka-{acct}.example.internal.",
                    "Type": "A",
                    "SetIdentifier": f"{region}-{'primary' if ri == 0 else 'secondary'}",
                    "Failover": "PRIMARY" if ri == 0 else "SECONDARY",
                    "HealthCheckId": checks[ri],
                    "TTL": 30,
                    "ResourceRecords": [
                        {"Value": f"10.{(ri * 64) % 256}.0.{b + 4}"} for b in range(3)
                    ],
                }
                for ri, region in enumerate(spec.regions[:2])
            ],
        },
    )


def account_records(spec: Spec, ai: int) -> Iterator[RawRecord]:
    """Every raw record of account ``ai`` (all regions, then the account-wide ones)."""
    acct = str(spec.first_account + ai)
    for ri, region in enumerate(spec.regions):
        for rtype, data in _region_records(spec, ai, ri):
            yield RawRecord(
                cloud="aws",
                account=acct,
                region=region,
                service=rtype.split(":")[0],
                type=rtype,
                data=data,
                operation="",
            )
    for rtype, data in _global_records(spec, ai):
        yield RawRecord(
            cloud="aws",
            account=acct,
            region="global" if not rtype.startswith("cloudtrail") else spec.regions[0],
            service=rtype.split(":")[0],
            type=rtype,
            data=data,
            operation="",
        )


def _normalised(spec: Spec, ai: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One account through the real normalisers: (resource dicts, relation dicts)."""
    from auditor.normalize import normalize

    acct = str(spec.first_account + ai)
    inv = normalize(account_records(spec, ai), scope=Scope(accounts=(acct,), regions=spec.regions))
    return [resource_to_dict(r) for r in inv.resources], [
        relation_to_dict(r) for r in inv.relations
    ]


@dataclass(frozen=True, kw_only=True)
class Written:
    resources: int
    relations: int
    kinds: dict[str, int]
    seconds: float


def write_inventory(spec: Spec, path: Path) -> Written:
    """Stream ``inventory.jsonl`` (resources, then relations), one account at a time."""
    t0 = time.perf_counter()
    kinds: Counter[str] = Counter()
    n_rel = 0
    rel_path = path.with_name(path.name + ".relations.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out, rel_path.open("w", encoding="utf-8") as rels:
        for ai in range(spec.accounts):
            resources, relations = _normalised(spec, ai)
            for r in resources:
                kinds[r["kind"]] += 1
                out.write(json.dumps({"type": "resource", **r}, sort_keys=True) + "\n")
            for rel in relations:
                rels.write(json.dumps({"type": "relation", **rel}, sort_keys=True) + "\n")
            n_rel += len(relations)
        rels.flush()
    with path.open("a", encoding="utf-8") as out, rel_path.open(encoding="utf-8") as rels:
        for line in rels:
            out.write(line)
    rel_path.unlink()
    return Written(
        resources=sum(kinds.values()),
        relations=n_rel,
        kinds=dict(sorted(kinds.items())),
        seconds=time.perf_counter() - t0,
    )


def declaration_text(spec: Spec) -> str:
    """The boundary declaration of the estate (customer = every generated account)."""
    accounts = ", ".join(f'"{a}"' for a in spec.account_ids())
    regions = "\n".join(
        f"  aws/{r}: {'primary' if i == 0 else 'secondary'}" for i, r in enumerate(spec.regions)
    )
    ports = ", ".join(str(p) for p in KAFKA_PORTS)
    return f"""version: 1
name: synthetic-{spec.accounts}
pattern: active-passive
objectives: {{rpo: 5m, rto: 15m}}
parties:
  customer:
    aws: {{accounts: [{accounts}]}}
  vendor:
    aws: {{accounts: ["{VENDOR}"]}}
regions:
{regions}
platform: {{select: {{tags: {{platform: {PLATFORM}}}}}}}
data:
  stores: {{select: {{tags: {{data-class: kafka-log}}}}}}
  system_logs: {{select: {{tags: {{data-class: system-log}}}}}}
  keys: customer
control:
  vendor_access:
    - principal: {VENDOR_ROLE}
      role: arn:aws:iam::{spec.first_account}:role/vendor-operator
      purpose: automation
      require_external_id: true
      allow: ["ec2:*", "autoscaling:*"]
      deny: ["kms:Decrypt", "s3:GetObject", "iam:*"]
  audit: {{trail: multi-region, log_store: customer}}
network:
  kafka_ports: [{ports}]
  clients: {{via: [private-endpoint], from: [10.0.0.0/8]}}
  replication: {{via: [peering, transit-gateway]}}
  operations: {{via: [private-endpoint]}}
  public_ingress: none
failure:
  secondary_capacity: 1.0
  keys_in_each_region: true
"""


def write_declaration(spec: Spec, path: Path) -> None:
    path.write_text(declaration_text(spec), encoding="utf-8")


# --- the same shape in moto (collection benchmark) ----------------------------------------


def load_into_moto(spec: Spec) -> dict[str, int]:
    """Create the estate in the moto server ``AWS_ENDPOINT_URL`` names, via real boto3 calls.

    Returns the number of create calls made per service. Ids are moto's own, so
    the collected inventory matches :func:`write_inventory` in shape and counts,
    not in ids. MSK clusters, flow logs, NAT gateways and TGW route-table
    detail are left out (moto support for them is partial).
    """
    from auditor.fakecloud.moto_server import account_session

    calls: Counter[str] = Counter()
    for ai, acct in enumerate(spec.account_ids()):
        session = None
        for ri, region in enumerate(spec.regions):
            session = account_session(acct, region)
            _moto_region(spec, ai, ri, session, calls)
        if session is not None:
            _moto_global(spec, ai, account_session(acct, spec.regions[0]), calls)
    return dict(sorted(calls.items()))


def _moto_region(spec: Spec, ai: int, ri: int, session: Any, calls: Counter[str]) -> None:
    acct = str(spec.first_account + ai)
    plat = _platform(spec, ai)[0]
    region = spec.regions[ri]
    ec2 = session.client("ec2", region_name=region)
    kms = session.client("kms", region_name=region)
    s3 = session.client("s3", region_name=region)

    def call(client: Any, op: str, **kw: Any) -> Any:
        calls[f"{client.meta.service_model.service_name}:{op}"] += 1
        return getattr(client, op)(**kw)

    key = call(
        kms, "create_key", Description="data", Tags=[{"TagKey": "platform", "TagValue": plat}]
    )
    key_arn = key["KeyMetadata"]["Arn"]
    call(kms, "enable_key_rotation", KeyId=key["KeyMetadata"]["KeyId"])
    tgw = call(ec2, "create_transit_gateway", Description=f"core-{region}")["TransitGateway"]
    for vi in range(spec.app_vpcs + 1):
        platform = vi == 0
        second = (ri * 64 + vi) % 256
        tag_spec = [
            {
                "ResourceType": "vpc",
                "Tags": _tags(Name=f"vpc-{vi}", **({"platform": plat} if platform else {})),
            }
        ]
        vid = call(ec2, "create_vpc", CidrBlock=f"10.{second}.0.0/16", TagSpecifications=tag_spec)[
            "Vpc"
        ]["VpcId"]
        subnets = [
            call(
                ec2,
                "create_subnet",
                VpcId=vid,
                CidrBlock=f"10.{second}.{si * 16}.0/20",
                AvailabilityZone=f"{region}{'abc'[si % 3]}",
            )["Subnet"]["SubnetId"]
            for si in range(6)
        ]
        igw = call(ec2, "create_internet_gateway")["InternetGateway"]["InternetGatewayId"]
        call(ec2, "attach_internet_gateway", InternetGatewayId=igw, VpcId=vid)
        rtb = call(ec2, "create_route_table", VpcId=vid)["RouteTable"]["RouteTableId"]
        call(ec2, "create_route", RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        for s in subnets[3:]:
            call(ec2, "associate_route_table", RouteTableId=rtb, SubnetId=s)
        sg = call(ec2, "create_security_group", GroupName=f"sg-{vi}", Description="x", VpcId=vid)[
            "GroupId"
        ]
        ports = KAFKA_PORTS if platform else (443,)
        call(
            ec2,
            "authorize_security_group_ingress",
            GroupId=sg,
            IpPermissions=[_perm("tcp", p, p, ["10.0.0.0/8"]) for p in ports],
        )
        call(
            ec2,
            "create_transit_gateway_vpc_attachment",
            TransitGatewayId=tgw["TransitGatewayId"],
            VpcId=vid,
            SubnetIds=subnets[:3],
        )
        count = spec.brokers if platform else spec.app_instances
        tags = _tags(Name=f"i-{vi}", **({"platform": plat} if platform else {}))
        for si in range(3):
            n = count // 3 + (1 if si < count % 3 else 0)
            if n:
                call(
                    ec2,
                    "run_instances",
                    ImageId="ami-12345678",
                    MinCount=n,
                    MaxCount=n,
                    InstanceType="m5.large",
                    SubnetId=subnets[si],
                    SecurityGroupIds=[sg],
                    TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
                )
    for bucket in (f"{PLATFORM}-tiered-{region}-{acct}", f"{PLATFORM}-logs-{region}-{acct}"):
        kw: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kw["CreateBucketConfiguration"] = {"LocationConstraint": region}
        call(s3, "create_bucket", **kw)
        call(
            s3,
            "put_bucket_versioning",
            Bucket=bucket,
            VersioningConfiguration={"Status": "Enabled"},
        )
        call(
            s3,
            "put_bucket_encryption",
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_arn,
                        }
                    }
                ]
            },
        )


def _moto_global(spec: Spec, ai: int, session: Any, calls: Counter[str]) -> None:
    acct = str(spec.first_account + ai)
    iam = session.client("iam")
    for name, service in (
        (f"{PLATFORM}-broker", "ec2.amazonaws.com"),
        (f"{PLATFORM}-s3-replication", "s3.amazonaws.com"),
        *((f"app-{k}", "ec2.amazonaws.com") for k in range(spec.app_roles)),
    ):
        calls["iam:create_role"] += 1
        iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [_service_trust(service)]}
            ),
        )
    calls["iam:create_role"] += 1
    iam.create_role(
        RoleName="vendor-operator",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": VENDOR_ROLE},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{acct}"}},
                    }
                ],
            }
        ),
    )
    r53 = session.client("route53")
    calls["route53:create_hosted_zone"] += 1
    r53.create_hosted_zone(Name=f"kafka-{acct}.example.internal", CallerReference=f"z-{acct}")


# --- command line ----------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, default=10_000, help="about this many resources")
    ap.add_argument(
        "--accounts", type=int, help="exactly this many accounts (overrides --resources)"
    )
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--app-vpcs", type=int, default=3)
    ap.add_argument("--app-instances", type=int, default=40)
    ap.add_argument(
        "--out", type=Path, required=True, help="folder for inventory.jsonl + boundary.yaml"
    )
    a = ap.parse_args()
    kw: dict[str, Any] = {
        "regions": ALL_REGIONS[: a.regions],
        "app_vpcs": a.app_vpcs,
        "app_instances": a.app_instances,
    }
    spec = Spec(accounts=a.accounts, **kw) if a.accounts else spec_for(a.resources, **kw)
    written = write_inventory(spec, a.out / "inventory.jsonl")
    write_declaration(spec, a.out / "boundary.yaml")
    print(
        f"{spec.accounts} accounts x {len(spec.regions)} regions: {written.resources} resources, "
        f"{written.relations} relations in {written.seconds:.1f} s -> {a.out}"
    )
    width = max(len(k) for k in written.kinds)
    for kind, n in written.kinds.items():
        print(f"  {kind:<{width}} {n:>9}")


if __name__ == "__main__":
    main()


__all__ = [
    "Spec",
    "account_records",
    "declaration_text",
    "load_into_moto",
    "spec_for",
    "write_declaration",
    "write_inventory",
]
