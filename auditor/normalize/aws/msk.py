"""MSK (v2 API) clusters, provisioned and serverless, as kafka_cluster resources.

A fact the API did not return is null, never a guessed default (e.g. a
provisioned cluster without ``ConnectivityInfo`` has ``public_access`` null).
Serverless clusters have no brokers to count, no instance type or storage,
and are always private and TLS-only.
"""

from __future__ import annotations

from typing import Any

from auditor.base.edges import CONFIGURED_BY, ENCRYPTED_BY, MEMBER_OF, PROTECTED_BY
from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_compute import kms_key_arn
from auditor.normalize.aws.ec2_network import ec2_arn, name_of


def revision_id(configuration_arn: str, revision: int) -> str:
    """The id of one revision of an MSK configuration (revisions have no ARN of their own)."""
    return f"{configuration_arn}/revision/{revision}"


def _provisioned(p: Any, region: str, account: str) -> dict[str, Any]:
    nodes = p.get("BrokerNodeGroupInfo") or {}
    encryption = p.get("EncryptionInfo") or {}
    in_transit = encryption.get("EncryptionInTransit") or {}
    public = ((nodes.get("ConnectivityInfo") or {}).get("PublicAccess") or {}).get("Type")
    software = p.get("CurrentBrokerSoftwareInfo") or {}
    storage = ((nodes.get("StorageInfo") or {}).get("EbsStorageInfo") or {}).get("VolumeSize")
    return {
        "broker_count": p.get("NumberOfBrokerNodes"),
        "instance_type": nodes.get("InstanceType"),
        "subnet_ids": sorted(str(s) for s in nodes.get("ClientSubnets") or []),
        "security_group_ids": sorted(str(g) for g in nodes.get("SecurityGroups") or []),
        "kafka_version": software.get("KafkaVersion"),
        "configuration_arn": software.get("ConfigurationArn"),
        "configuration_revision": software.get("ConfigurationRevision"),
        "encryption_at_rest_kms_key": kms_key_arn(
            (encryption.get("EncryptionAtRest") or {}).get("DataVolumeKMSKeyId"), region, account
        ),
        "in_transit": {
            "client_broker": in_transit.get("ClientBroker"),
            "in_cluster": in_transit.get("InCluster"),
        },
        "public_access": public,
        "storage_gib_per_broker": storage,
    }


def _serverless(s: Any) -> dict[str, Any]:
    configs = s.get("VpcConfigs") or []
    return {
        "broker_count": None,
        "instance_type": None,
        "subnet_ids": sorted({str(x) for c in configs for x in c.get("SubnetIds") or []}),
        "security_group_ids": sorted(
            {str(x) for c in configs for x in c.get("SecurityGroupIds") or []}
        ),
        "kafka_version": None,
        "configuration_arn": None,
        "configuration_revision": None,
        "encryption_at_rest_kms_key": None,
        "in_transit": {"client_broker": "TLS", "in_cluster": True},
        "public_access": "DISABLED",
        "storage_gib_per_broker": None,
    }


@normalizes("aws", "msk:cluster")
def cluster(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    arn = str(d["ClusterArn"])
    name = str(d.get("ClusterName") or arn)
    cluster_type = str(
        d.get("ClusterType") or ("SERVERLESS" if "Serverless" in d else "PROVISIONED")
    )
    facts = (
        _serverless(d.get("Serverless") or {})
        if cluster_type == "SERVERLESS"
        else _provisioned(d.get("Provisioned") or {}, rec.region, rec.account)
    )
    tags = tags_of(d.get("Tags"))
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.KAFKA_CLUSTER,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, name),
        tags=tags,
        attributes={
            "cluster_name": name,
            "cluster_type": cluster_type,
            "state": d.get("State"),
            **facts,
        },
        source="kafka:ListClustersV2",
    )
    for subnet_id in facts["subnet_ids"]:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, subnet_id, "subnet"),
            MEMBER_OF,
            f"MSK cluster {name} has brokers in {subnet_id}",
        )
    for group in facts["security_group_ids"]:
        out.relation(
            arn,
            ec2_arn(rec.region, rec.account, group, "security-group"),
            PROTECTED_BY,
            f"MSK cluster {name} uses security group {group}",
        )
    config, revision = facts["configuration_arn"], facts["configuration_revision"]
    if config and isinstance(revision, int):
        out.relation(
            arn,
            revision_id(str(config), revision),
            CONFIGURED_BY,
            f"MSK cluster {name} runs configuration revision {revision}",
        )
    key = facts["encryption_at_rest_kms_key"]
    if key:
        out.relation(arn, key, ENCRYPTED_BY, f"MSK cluster {name} encrypts data at rest with it")
