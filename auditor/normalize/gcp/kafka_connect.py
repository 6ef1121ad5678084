"""MirrorMaker 2 connectors on Managed Service for Apache Kafka Connect clusters, as
``kafka_replication`` resources (service ``managedkafka-connect``): the GCP twin of
MirrorMaker 2 on MSK Connect (:mod:`auditor.normalize.aws.msk_connect`).

Only MirrorMaker 2 connector classes are replication; other connectors make no
resource. Source and target are the connector's ``source.cluster.bootstrap.servers``
and ``target.cluster.bootstrap.servers``. A Managed Kafka bootstrap address
(``bootstrap.CLUSTER.REGION.managedkafka.PROJECT.cloud.goog``) names its cluster and
region; any other broker (self-managed, another cloud), or a target left to the
Connect cluster's default, is not placed (null) here: the connector names its Connect
cluster (``connect_cluster``, a ``failure.runs_on`` edge), and
:mod:`auditor.analysis.kafka_replication` places that target on the Connect cluster's
primary Kafka cluster and reads the Connect cluster's state. A
checkpoint connector syncs consumer group offsets when ``sync.group.offsets.enabled``
is true and checkpoints are emitted (``emit.checkpoints.enabled``, true unless set
false); it copies no records.
"""

from __future__ import annotations

import re

from auditor.base.edges import RUNS_ON
from auditor.base.kinds.kafka import KAFKA_REPLICATION
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.aws.msk_connect import MIRROR_ROLES, checkpoint_syncs, config_list
from auditor.normalize.gcp._names import SOURCE, data, labels, last, location, region_of

_HOST = re.compile(
    r"^bootstrap\.(?P<cluster>[a-z0-9-]+)\.(?P<region>[a-z]+-[a-z]+\d+)\.managedkafka\."
    r"(?P<project>[a-z0-9-]+)\.cloud\.goog(?::\d+)?$"
)


def bootstrap_cluster(servers: str | None) -> tuple[str | None, str | None]:
    """(cluster full name, region) of Managed Kafka bootstrap servers naming one cluster;
    Nones for any other broker."""
    found = set()
    for server in (servers or "").split(","):
        match = _HOST.match(server.strip().lower())
        if match is None:
            return None, None
        found.add((match["project"], match["region"], match["cluster"]))
    if len(found) != 1:
        return None, None
    project, region, cluster = found.pop()
    name = f"//managedkafka.googleapis.com/projects/{project}/locations/{region}/clusters/{cluster}"
    return name, region


@normalizes("gcp", "managedkafka.googleapis.com/Connector")
def connector(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    config = {str(k): str(v) for k, v in (d.get("configs") or {}).items()}
    cls = config.get("connector.class", "")
    role = MIRROR_ROLES.get(cls) or MIRROR_ROLES.get(f"org.apache.kafka.connect.mirror.{cls}")
    if role is None:
        return
    cid = str(rec.data["name"])
    source = config.get("source.cluster.bootstrap.servers")
    target = config.get("target.cluster.bootstrap.servers")
    source_cluster, source_region = bootstrap_cluster(source)
    target_cluster, target_region = bootstrap_cluster(target)
    syncs = checkpoint_syncs(role, config)
    flow: dict[str, JSONValue] = {
        "source_cluster": source_cluster,
        "target_cluster": target_cluster,
        "source_bootstrap": source,
        "target_bootstrap": target,
        "source_region": source_region,
        "target_region": target_region,
        "topics": config_list(config.get("topics") or config.get("topics.regex")),
        "topics_excluded": config_list(config.get("topics.exclude")),
        "consumer_groups": config_list(config.get("groups")),
        "consumer_groups_excluded": config_list(config.get("groups.exclude")),
        "offset_sync": syncs,
        "data": role == "source",
    }
    connect = cid.split("/connectors/", 1)[0] if "/connectClusters/" in cid else None
    where = location(rec) or cid.split("/locations/")[-1].split("/")[0]
    out.resource(
        id=cid,
        cloud="gcp",
        kind=KAFKA_REPLICATION,
        account=rec.account,
        region=region_of(where),
        name=last(cid),
        tags=labels(d),
        attributes={
            "service": "managedkafka-connect",
            "name": last(cid),
            "state": d.get("state"),
            "flows": [flow],
            "connector_class": cls,
            "mirror_role": role,
            "config": dict(sorted(config.items())),
            "connect_bootstrap": None,
            "connect_cluster": connect,
        },
        source=SOURCE,
    )
    if connect:
        out.relation(cid, connect, RUNS_ON, f"runs on Connect cluster {last(connect)}")
