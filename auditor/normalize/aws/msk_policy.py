"""MSK cluster policies: the ``policy`` attribute of ``kafka_cluster`` resources.

Merged into the cluster resource the ``msk:cluster`` record made. ``{}`` in
the raw answer (no policy) becomes ``policy: null`` with ``policy_read: true``;
a cluster whose policy could not be read has no ``policy_read`` (unknown).
"""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.aws.iam import parse_policy


@normalizes("aws", "msk:cluster_policy")
def cluster_policy(rec: RawRecord, out: Builder) -> None:
    arn = str(rec.data["ClusterArn"])
    answer = rec.data.get("Policy") or {}
    out.resource(
        id=arn,
        cloud="aws",
        kind=Kind.KAFKA_CLUSTER,
        account=rec.account,
        region=rec.region,
        attributes={"policy": parse_policy(answer.get("Policy")), "policy_read": True},
        source="kafka:GetClusterPolicy",
    )
