"""Cloud Storage buckets: location (region, dual- or multi-region), CMEK, public access.

The bucket's ``region`` is its location in lower case (``europe-west1``,
``eu``, ``eur4``): a multi-region or dual-region location is not a declared
region unless the declaration names it, so data residency rules judge it as
such. ``encryption`` is ``{algorithm: "cmek", kms_key_id}`` with a default
Cloud KMS key, else ``{algorithm: "google-managed"}`` (GCS always encrypts).
IAM bindings arrive in a separate record (:mod:`.iam`).
"""

from __future__ import annotations

from auditor.base.edges import ENCRYPTED_BY
from auditor.model import JSONValue, Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import SOURCE, data, full_name, labels, location, sorted_str


@normalizes("gcp", "storage.googleapis.com/Bucket")
def bucket(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    bid = str(rec.data["name"])
    loc = str(d.get("location") or location(rec)).lower()
    key = full_name((d.get("encryption") or {}).get("defaultKmsKeyName"), "cloudkms")
    iam_cfg = d.get("iamConfiguration") or {}
    versioning = d.get("versioning")
    retention = d.get("retentionPolicy")
    logging = d.get("logging")
    encryption: dict[str, JSONValue] = (
        {"algorithm": "cmek", "kms_key_id": key, "bucket_key": None}
        if key
        else {"algorithm": "google-managed", "kms_key_id": None, "bucket_key": None}
    )
    pap = iam_cfg.get("publicAccessPrevention")
    out.resource(
        id=bid,
        cloud="gcp",
        kind=Kind.BUCKET,
        account=rec.account,
        region=loc or "global",
        name=str(d.get("name") or bid.rsplit("/", 1)[-1]),
        tags=labels(d),
        attributes={
            "name": str(d.get("name") or bid.rsplit("/", 1)[-1]),
            "location_type": str(d.get("locationType") or "").lower() or None,
            "data_locations": sorted_str(
                x.lower() for x in (d.get("customPlacementConfig") or {}).get("dataLocations") or []
            ),
            "versioning": None
            if versioning is None
            else ("Enabled" if versioning.get("enabled") else "Suspended"),
            "encryption": encryption,
            "public_access_prevention": str(pap).lower() if pap else None,
            "uniform_access": (iam_cfg.get("uniformBucketLevelAccess") or {}).get("enabled"),
            "public_access_block": None,
            "policy": None,
            "policy_is_public": None,
            # GCS has no bucket replication rules (a dual/multi-region bucket's copies
            # are its location, judged by data.store-location): known empty, as on S3
            # without a replication configuration. Storage Transfer jobs are not read.
            "replication": {"role": None, "rules": []},
            "logging": {"target_bucket": logging.get("logBucket"), "target_prefix": None}
            if logging
            else None,
            "object_lock": {
                "enabled": True,
                "mode": "LOCKED" if retention.get("isLocked") else "UNLOCKED",
                "days": None,
                "years": None,
                "retention_seconds": retention.get("retentionPeriod"),
            }
            if retention
            else None,
        },
        source=SOURCE,
    )
    if key:
        out.relation(bid, key, ENCRYPTED_BY, f"default CMEK {key.rsplit('/', 1)[-1]}")
