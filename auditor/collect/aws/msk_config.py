"""MSK configurations: the broker server properties clusters run with.

Each configuration's latest revision is read, and every other revision a
cluster of this account and region names in
``CurrentBrokerSoftwareInfo.ConfigurationRevision`` (the cluster listing is the
``msk`` collector's, shared). The server properties are the durability facts
(replication factor, ``min.insync.replicas``, unclean leader election); they
hold no secrets. SDK calls only; failures are gaps.
"""

from __future__ import annotations

from auditor.collect.aws.msk import LISTING, LISTING_KEY, PAGE
from auditor.collect.aws_context import AwsContext, AwsService


def _revisions_in_use(ctx: AwsContext) -> dict[str, set[int]]:
    used: dict[str, set[int]] = {}
    for cluster in ctx.pages(LISTING, LISTING_KEY, page_size=PAGE, share=True):
        software = (cluster.get("Provisioned") or {}).get("CurrentBrokerSoftwareInfo") or {}
        arn, revision = software.get("ConfigurationArn"), software.get("ConfigurationRevision")
        if arn and isinstance(revision, int):
            used.setdefault(str(arn), set()).add(revision)
    return used


def collect(ctx: AwsContext) -> None:
    used = _revisions_in_use(ctx)
    for config in ctx.pages("ListConfigurations", "Configurations", page_size=100):
        arn = str(config["Arn"])
        latest = (config.get("LatestRevision") or {}).get("Revision")
        wanted = set(used.get(arn, set()))
        if isinstance(latest, int):
            wanted.add(latest)
        for revision in sorted(wanted):
            answer = ctx.call(
                "DescribeConfigurationRevision", resource=arn, Arn=arn, Revision=revision
            )
            if answer is not None:
                ctx.emit(
                    "msk:configuration_revision",
                    {**answer, "Configuration": config},
                    "kafka:DescribeConfigurationRevision",
                )


SERVICE = AwsService(
    name="msk-config",
    client="kafka",
    scope="regional",
    actions=(
        "kafka:ListClustersV2",
        "kafka:ListConfigurations",
        "kafka:DescribeConfigurationRevision",
    ),
    collect=collect,
)
