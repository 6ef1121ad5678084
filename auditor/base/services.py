"""The names of the collection services: what a gap names and a rule ``requires``.

A rule's verdicts are INCONCLUSIVE when a gap hits a service it ``requires``; a
misspelt name would match no gap, and the rule would PASS on missing data. So
the names are declared once here: :func:`auditor.checks.rule` refuses a name that
is not, and a test holds this set equal to what the collectors register (the
AWS collectors' names, the Azure collectors' and their gap services, the GCP
units, recorded drills).
"""

from __future__ import annotations

AWS_SERVICES = frozenset(
    {
        "autoscaling",
        "cloudtrail",
        "ec2-compute",
        "ec2-network",
        "ec2-vpn",
        "eks",
        "elbv2",
        "iam",
        "kms",
        "msk",
        "msk-config",
        "msk-connect",
        "msk-policy",
        "msk-replicator",
        "organizations",
        "route53",
        "s3",
        "sts",
        "vpc-flow-records",
    }
)
AZURE_SERVICES = frozenset(
    {
        "azure-authorization",
        "azure-containers",
        "azure-diagnostics",
        "azure-eventhubs-dr",
        "azure-flow-records",
        "azure-resources",
        "azure-scale-set-nics",
    }
)
GCP_SERVICES = frozenset({"cloudasset", "cloudasset-iam"})
DRILLS = "drills"
"""Recorded failover drills, read from the declaration's drills folder."""

COLLECTION_SERVICES = AWS_SERVICES | AZURE_SERVICES | GCP_SERVICES | {DRILLS}


class UnknownService(ValueError):
    """A name that no collector registers."""


def check_services(names: tuple[str, ...], where: str) -> tuple[str, ...]:
    """``names`` unchanged when each is a collection service; else :class:`UnknownService`."""
    unknown = sorted(set(names) - COLLECTION_SERVICES)
    if unknown:
        raise UnknownService(
            f"{where}: unknown collection service(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(COLLECTION_SERVICES))})"
        )
    return names
