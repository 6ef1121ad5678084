"""MSK configuration revisions as kafka_config resources.

The server properties are parsed as Java properties (``key=value`` lines,
``#`` comments); the durability facts are typed out of them, null when the
revision does not set them (the cluster then runs with MSK's default). A
value that does not parse is a normalisation error, not a guess.
"""

from __future__ import annotations

from typing import Any

from auditor.base.kinds.kafka import KAFKA_CONFIG
from auditor.model import RawRecord
from auditor.normalize import Builder, NormalizationError, normalizes
from auditor.normalize.aws.msk import revision_id


def parse_properties(text: str) -> dict[str, str]:
    """``key=value`` (or ``key: value``) lines; blank lines and comments skipped."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, sep, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


def _int(props: dict[str, str], key: str) -> int | None:
    if key not in props:
        return None
    try:
        return int(props[key])
    except ValueError as exc:
        raise NormalizationError(f"{key}={props[key]!r} is not an integer") from exc


def _bool(props: dict[str, str], key: str) -> bool | None:
    if key not in props:
        return None
    value = props[key].lower()
    if value not in ("true", "false"):
        raise NormalizationError(f"{key}={props[key]!r} is not true or false")
    return value == "true"


def _text(blob: Any) -> str:
    return blob if isinstance(blob, str) else ""


@normalizes("aws", "msk:configuration_revision")
def configuration_revision(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    config = d.get("Configuration") or {}
    arn = str(d.get("Arn") or config.get("Arn"))
    revision = int(d["Revision"])
    props = parse_properties(_text(d.get("ServerProperties")))
    name = str(config.get("Name") or arn.split("/")[1] if "/" in arn else arn)
    latest = (config.get("LatestRevision") or {}).get("Revision")
    out.resource(
        id=revision_id(arn, revision),
        cloud="aws",
        kind=KAFKA_CONFIG,
        account=rec.account,
        region=rec.region,
        name=f"{name} r{revision}",
        attributes={
            "name": name,
            "configuration_arn": arn,
            "revision": revision,
            "latest": None if latest is None else latest == revision,
            "kafka_versions": sorted(str(v) for v in config.get("KafkaVersions") or []),
            "state": config.get("State"),
            "server_properties": dict(sorted(props.items())),
            "default_replication_factor": _int(props, "default.replication.factor"),
            "min_insync_replicas": _int(props, "min.insync.replicas"),
            "unclean_leader_election": _bool(props, "unclean.leader.election.enable"),
        },
        source="kafka:DescribeConfigurationRevision",
    )
