"""EKS clusters: endpoint exposure, network placement, cluster role, secrets key."""

from __future__ import annotations

from auditor.base.edges import ENCRYPTED_BY, MEMBER_OF, PROTECTED_BY, RUNS_AS
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_compute import kms_key_arn
from auditor.normalize.aws.ec2_network import ec2_arn, name_of


def _listed_only(rec: RawRecord, out: Builder, arn: str, name: str, tags: dict[str, str]) -> None:
    """A cluster only listed (DescribeCluster failed): what a listing cannot tell is null."""
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.K8S_CLUSTER,
        account=rec.account,
        region=rec.region,
        name=name,
        tags=tags,
        attributes={
            "name": name,
            "version": rec.data.get("version"),
            "endpoint_public_access": None,
            "public_access_cidrs": None,
            "endpoint_private_access": None,
            "subnet_ids": None,
            "security_group_ids": None,
            "vpc_id": None,
            "role_arn": rec.data.get("roleArn"),
            "secrets_kms_key": None,
        },
        source="eks:ListClusters",
    )


def _secrets_key(rec: RawRecord) -> str | None:
    """The KMS key (as an ARN) that envelope-encrypts the cluster's Kubernetes secrets."""
    return next(
        (
            kms_key_arn((c.get("provider") or {}).get("keyArn"), rec.region, rec.account)
            for c in rec.data.get("encryptionConfig") or []
            if "secrets" in (c.get("resources") or [])
        ),
        None,
    )


@normalizes("aws", "eks:cluster")
def cluster(rec: RawRecord, out: Builder) -> None:
    """A described cluster; a cluster only listed (DescribeCluster failed) has null facts."""
    d = rec.data
    name = str(d["name"])
    arn = str(d.get("arn") or f"arn:aws:eks:{rec.region}:{rec.account}:cluster/{name}")
    tags = tags_of(d.get("tags"))
    if "resourcesVpcConfig" not in d:
        _listed_only(rec, out, arn, name, tags)
        return
    vpc = d["resourcesVpcConfig"] or {}
    subnet_ids = sorted(str(s) for s in vpc.get("subnetIds") or [])
    groups = {str(g) for g in vpc.get("securityGroupIds") or []}
    if vpc.get("clusterSecurityGroupId"):
        groups.add(str(vpc["clusterSecurityGroupId"]))
    secrets_key = _secrets_key(rec)
    role = d.get("roleArn")
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.K8S_CLUSTER,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, name),
        tags=tags,
        attributes={
            "name": name,
            "version": d.get("version"),
            "endpoint_public_access": bool(vpc.get("endpointPublicAccess")),
            "public_access_cidrs": sorted(str(c) for c in vpc.get("publicAccessCidrs") or []),
            "endpoint_private_access": bool(vpc.get("endpointPrivateAccess")),
            "subnet_ids": subnet_ids,
            "security_group_ids": sorted(groups),
            "vpc_id": vpc.get("vpcId"),
            "role_arn": role,
            "secrets_kms_key": secrets_key,
        },
        source="eks:DescribeCluster",
    )
    for subnet_id in subnet_ids:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, subnet_id, "subnet"),
            MEMBER_OF,
            f"EKS cluster {name} has control plane interfaces in {subnet_id}",
        )
    for group in sorted(groups):
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, group, "security-group"),
            PROTECTED_BY,
            f"EKS cluster {name} uses security group {group}",
        )
    if secrets_key:
        out.relation(arn, secrets_key, ENCRYPTED_BY, f"EKS cluster {name} encrypts secrets with it")
    if role:
        out.relation(arn, str(role), RUNS_AS, f"EKS cluster {name} runs as its cluster role")
