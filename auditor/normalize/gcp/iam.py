"""Projects, service accounts, custom roles and IAM policies (bindings) at every level.

An IAM policy record adds ``iam_bindings`` ([{``role``, ``members``,
``condition``}]) and ``public_members`` (``allUsers``,
``allAuthenticatedUsers`` found in them) to the resource it is set on: a
project (kind ``account``), folder (``folder``), organisation
(``organization``), bucket, key, key ring, service account or Managed Kafka
cluster. ``iam_bindings`` absent means the policy was not read.
"""

from __future__ import annotations

from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import IAM_SOURCE, SOURCE, data, last, region_of
from auditor.normalize.gcp.logs import audit_config

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
FOLDER = "folder"

IAM_KINDS = {
    "cloudresourcemanager.googleapis.com/Project": Kind.ACCOUNT,
    "cloudresourcemanager.googleapis.com/Folder": FOLDER,
    "cloudresourcemanager.googleapis.com/Organization": "organization",
    "storage.googleapis.com/Bucket": Kind.BUCKET,
    "cloudkms.googleapis.com/KeyRing": "key_ring",
    "cloudkms.googleapis.com/CryptoKey": Kind.KEY,
    "iam.googleapis.com/ServiceAccount": Kind.PRINCIPAL,
    "managedkafka.googleapis.com/Cluster": Kind.KAFKA_CLUSTER,
}


@normalizes("gcp", "cloudresourcemanager.googleapis.com/Project")
def project(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    pid = str(rec.data["name"])
    out.resource(
        id=pid,
        cloud="gcp",
        kind=Kind.ACCOUNT,
        account=rec.account,
        region="global",
        name=str(d.get("projectId") or rec.account),
        attributes={
            "account_id": str(d.get("projectId") or rec.account),
            "caller_arn": None,
            "project_number": str(d.get("projectNumber") or "") or None,
            "state": d.get("lifecycleState"),
            "parent": d.get("parent"),
            "ancestors": [str(a) for a in rec.data.get("ancestors") or []],
        },
        source=SOURCE,
    )


@normalizes("gcp", "cloudresourcemanager.googleapis.com/Folder")
def folder(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    fid = str(rec.data["name"])
    out.resource(
        id=fid,
        cloud="gcp",
        kind=FOLDER,
        account=rec.account,
        region="global",
        name=str(d.get("displayName") or last(fid)),
        attributes={"folder_id": last(fid), "parent": d.get("parent")},
        source=SOURCE,
    )


@normalizes("gcp", "cloudresourcemanager.googleapis.com/Organization")
def organization(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    oid = str(rec.data["name"])
    out.resource(
        id=oid,
        cloud="gcp",
        kind="organization",
        account=rec.account,
        region="global",
        name=str(d.get("displayName") or last(oid)),
        attributes={
            "org_id": last(oid),
            "management_account": None,
            "feature_set": None,
            "domain": d.get("displayName"),
        },
        source=SOURCE,
    )


@normalizes("gcp", "iam.googleapis.com/ServiceAccount")
def service_account(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    sid = str(rec.data["name"])
    email = str(d.get("email") or last(sid))
    out.resource(
        id=sid,
        cloud="gcp",
        kind=Kind.PRINCIPAL,
        account=rec.account,
        region="global",
        name=email,
        attributes={
            "user_name": email,
            "email": email,
            "disabled": bool(d.get("disabled", False)),
            "attached_policies": [],
            "inline_policies": [],
            "groups": [],
            "group_policies": None,
            "permissions_boundary": None,
            "permissions_boundary_document": None,
        },
        source=SOURCE,
    )


@normalizes("gcp", "iam.googleapis.com/Role")
def custom_role(rec: RawRecord, out: Builder) -> None:
    """A custom role (project or organisation): its permissions, so what it grants is known.

    Cloud Asset lists custom roles only; a predefined role (``roles/...``) has no asset,
    and rules judge it by name.
    """
    d = data(rec)
    rid = str(rec.data["name"])
    out.resource(
        id=rid,
        cloud="gcp",
        kind=Kind.ROLE,
        account=rec.account,
        region="global",
        name=str(d.get("name") or rid.split("//iam.googleapis.com/", 1)[-1]),
        attributes={
            "role_name": str(d.get("title") or last(rid)),
            "included_permissions": sorted(str(p) for p in d.get("includedPermissions") or []),
            "stage": d.get("stage"),
            "trust_policy": None,
        },
        source=SOURCE,
    )


@normalizes("gcp", "iam_policy")
def iam_policy(rec: RawRecord, out: Builder) -> None:
    atype = str(rec.data["assetType"])
    kind = IAM_KINDS.get(atype)
    if kind is None:
        raise ValueError(f"IAM policy on unsupported asset type {atype}")
    rid = str(rec.data["name"])
    bindings: list[dict[str, JSONValue]] = [
        dict(b) for b in (rec.data.get("iamPolicy") or {}).get("bindings") or []
    ]
    members = {str(m) for b in bindings for m in b.get("members") or []}
    out.resource(
        id=rid,
        cloud="gcp",
        kind=kind,
        account=rec.account,
        region=region_of(rec.region) if rec.region != "global" else "global",
        name="",
        attributes={
            "iam_bindings": bindings,
            "public_members": sorted(m for m in members if m in PUBLIC_MEMBERS),
        },
        source=IAM_SOURCE,
    )
    audit_config(rec, out)
