"""Helpers that plant tagged resources in the fake AWS through real boto3 calls.

The secret-handling tests (redaction, --keep-raw, planted secrets) each hide
secrets in the same places: an EC2 instance's tags and user data, and an
EC2-trusted IAM role's description and tags. These build those resources once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def tagged_instance(
    ec2: Any,
    *,
    vpc_cidr: str,
    subnet_cidr: str,
    tags: Mapping[str, str],
    user_data: str | None = None,
) -> tuple[str, str]:
    """Run one instance, tagged ``tags``, in a new VPC and subnet: (instance id, subnet id)."""
    vpc = ec2.create_vpc(CidrBlock=vpc_cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
    extra = {} if user_data is None else {"UserData": user_data}
    instance = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        SubnetId=subnet,
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ],
        **extra,
    )["Instances"][0]["InstanceId"]
    return str(instance), str(subnet)


def ec2_role(iam: Any, name: str, *, description: str, tags: Mapping[str, str]) -> None:
    """Create an IAM role EC2 may assume, with ``description`` and ``tags``."""
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=EC2_TRUST,
        Description=description,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
