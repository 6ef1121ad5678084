"""Which Key Vault key protects an Azure resource: ``data.encrypted_by`` from key URIs.

An Azure resource names its customer-managed key by URI
(``https://{vault}.vault.azure.net/keys/{name}[/{version}]``), a key by
resource id; one normaliser sees one row, so it cannot join the two. This
deriver does, on the collected graph: a storage account, Event Hubs namespace
or AKS cluster whose key URI is that of a collected key gets an edge to it,
so rules that follow ``data.encrypted_by`` (who can use the keys of the data,
what a region needs from another) see Azure keys as they see KMS keys. A URI
no collected key answers gets no edge: the rules reading the URI itself
(``data.customer-key``) say what is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.analysis.derive import deriver
from auditor.base.edges import ENCRYPTED_BY
from auditor.model import Kind, Relation, Resource


def key_uri_of(res: Resource) -> str | None:
    """The versionless, lower-cased key URI an Azure resource's encryption names, if any."""
    a = res.attributes
    value: Any = None
    if res.kind == Kind.BUCKET:
        enc = a.get("encryption")
        value = enc.get("kms_key_id") if isinstance(enc, dict) else None
    elif res.kind == Kind.KAFKA_CLUSTER:
        value = a.get("encryption_at_rest_kms_key")
    elif res.kind == Kind.K8S_CLUSTER:
        value = a.get("secrets_kms_key")
    text = str(value or "").strip().lower().rstrip("/")
    if not text.startswith("https://") or "/keys/" not in text:
        return None
    vault, rest = text.split("/keys/", 1)
    return f"{vault}/keys/{rest.split('/', 1)[0]}"


@deriver("data.azure-key-uris")
def derive_azure_key_edges(graph: Any) -> Iterator[Relation]:
    keys = {
        str(k.attributes.get("key_uri") or ""): k
        for k in graph.of_kind(Kind.KEY)
        if k.cloud == "azure" and k.attributes.get("key_uri")
    }
    if not keys:
        return
    for res in graph.of_kind(Kind.BUCKET, Kind.KAFKA_CLUSTER, Kind.K8S_CLUSTER):
        if res.cloud != "azure" or (uri := key_uri_of(res)) is None:
            continue
        key = keys.get(uri)
        if key is not None:
            yield Relation(
                source=res.id,
                target=key.id,
                kind=ENCRYPTED_BY,
                reason=f"customer-managed key {uri}",
            )
