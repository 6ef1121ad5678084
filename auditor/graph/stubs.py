"""Stub nodes: resources that relations name but collection did not see.

A vendor role, a peer VPC in another account, a key in another project: the
graph still needs a node for them, with the cloud, account and region parsed
from the id (AWS ARN, Azure resource id, GCP full name), so their zone is known.
"""

from __future__ import annotations

import fnmatch
import re

from auditor.base.ids import (
    AZURE_UNKNOWN_TENANT,
    azure_subscription_of,
    gcp_project_of,
    gcp_region_of,
    last_segment,
)
from auditor.model import INTERNET_ID, JSONValue, Kind, Resource

_ARN = re.compile(
    r"^arn:(?P<part>[^:]*):(?P<svc>[^:]*):(?P<region>[^:]*):(?P<acct>\d{12})?:(?P<rest>.*)$"
)


def stub_for(node_id: str) -> Resource:
    """A placeholder resource for an id that was referenced but not collected."""
    if node_id == INTERNET_ID:
        return Resource(id=node_id, cloud="", kind=Kind.INTERNET, account="", region="")
    if node_id == "*":
        return Resource(
            id=node_id,
            cloud="aws",
            kind=Kind.PRINCIPAL,
            account="*",
            region="global",
            name="anyone",
            attributes={"stub": True, "anonymous": True},
        )
    if node_id.startswith("service:"):
        return Resource(
            id=node_id,
            cloud="aws",
            kind=Kind.PRINCIPAL,
            account="aws",
            region="global",
            name=node_id.split(":", 1)[1],
            attributes={"stub": True, "service": True},
        )
    if node_id.startswith(("/subscriptions/", "/tenants/", "/providers/")):
        azure = azure_stub(node_id)
        if azure is not None:
            return azure
    if node_id.startswith("//"):
        gcp = gcp_stub(node_id)
        if gcp is not None:
            return gcp
    m = _ARN.match(node_id)
    if not m:
        return Resource(
            id=node_id, cloud="", kind="unknown", account="", region="", attributes={"stub": True}
        )
    svc, rest, acct = m.group("svc"), m.group("rest"), m.group("acct") or ""
    kind: str = "unknown"
    if svc == "iam" and rest.startswith("role/"):
        kind = Kind.ROLE
    elif svc in ("iam", "sts") and (rest == "root" or rest.startswith(("user/", "assumed-role/"))):
        kind = Kind.ACCOUNT if rest == "root" else Kind.PRINCIPAL
    elif svc == "s3":
        kind = Kind.BUCKET
    elif svc == "kms":
        kind = Kind.KEY
    elif svc == "ec2" and rest.startswith("vpc/"):
        kind = Kind.NETWORK
    elif svc == "ec2" and rest.startswith("transit-gateway/"):
        kind = Kind.TRANSIT_GATEWAY
    elif svc == "ec2" and rest.startswith("subnet/"):
        kind = Kind.SUBNET
    elif svc == "ec2" and rest.startswith("security-group/"):
        kind = Kind.FIREWALL
    elif svc == "ec2" and rest.startswith("instance/"):
        kind = Kind.INSTANCE
    region = m.group("region") or "global"
    return Resource(
        id=node_id,
        cloud="aws" if m.group("part").startswith("aws") else m.group("part"),
        kind=kind,
        account=acct,
        region=region,
        name=rest.rsplit("/", 1)[-1],
        attributes={"stub": True},
    )


_STUB_KINDS: tuple[tuple[str, str], ...] = (
    ("microsoft.network/virtualnetworks/*/subnets/*", "subnet"),
    ("microsoft.network/virtualnetworks/*", "network"),
    ("microsoft.network/networksecuritygroups/*", "firewall"),
    ("microsoft.network/publicipaddresses/*", "public_ip"),
    ("microsoft.network/networkinterfaces/*", "interface"),
    ("microsoft.network/loadbalancers/*", "load_balancer"),
    ("microsoft.keyvault/vaults/*/keys/*", "key"),
    ("microsoft.keyvault/vaults/*", "key_vault"),
    ("microsoft.storage/storageaccounts/*", "bucket"),
    ("microsoft.eventhub/namespaces/*", "kafka_cluster"),
    ("microsoft.compute/virtualmachines/*", "instance"),
    ("microsoft.managedidentity/userassignedidentities/*", "principal"),
)


def azure_stub(node_id: str) -> Resource | None:
    """A placeholder :class:`~auditor.model.Resource` for an Azure id that was not collected."""
    low = node_id.lower()
    if low.startswith("/tenants/") and "/principals/" in low:
        tenant = low.split("/")[2]
        return Resource(
            id=node_id,
            cloud="azure",
            kind="principal",
            account="" if tenant == AZURE_UNKNOWN_TENANT else tenant,
            region="global",
            name=low.rsplit("/", 1)[-1],
            attributes={"stub": True},
        )
    if low.startswith("/providers/microsoft.authorization/roledefinitions/"):
        return Resource(
            id=node_id,
            cloud="azure",
            kind="role",
            account="",
            region="global",
            name=low.rsplit("/", 1)[-1],
            attributes={"stub": True},
        )
    sub = azure_subscription_of(low)
    if not sub:
        return None
    kind = "unknown"
    rest = low.split("/providers/", 1)[1] if "/providers/" in low else ""
    if not rest:
        kind = "resource_group" if "/resourcegroups/" in low else "account"
    for pattern, k in _STUB_KINDS:
        if fnmatch.fnmatchcase(rest, pattern):
            kind = k
            break
    return Resource(
        id=node_id,
        cloud="azure",
        kind=kind,
        account=sub,
        region="",
        name=low.rstrip("/").rsplit("/", 1)[-1],
        attributes={"stub": True},
    )


def gcp_stub(node_id: str) -> Resource | None:
    """A stub resource for a GCP full name that was referenced but not collected."""
    if not node_id.startswith("//"):
        return None
    kind = "unknown"
    if "/networks/" in node_id and "/peerings/" not in node_id:
        kind = Kind.NETWORK
    elif "/cryptoKeys/" in node_id:
        kind = Kind.KEY
    elif "/subnetworks/" in node_id:
        kind = Kind.SUBNET
    elif "/serviceAccounts/" in node_id:
        kind = Kind.PRINCIPAL
    elif node_id.startswith("//storage.googleapis.com/"):
        kind = Kind.BUCKET
    m = re.search(r"/(?:locations|regions|zones)/([^/]+)", node_id)
    attrs: dict[str, JSONValue] = {"stub": True}
    return Resource(
        id=node_id,
        cloud="gcp",
        kind=kind,
        account=gcp_project_of(node_id),
        region=gcp_region_of(m.group(1)) if m else "global",
        name=last_segment(node_id),
        attributes=attrs,
    )
