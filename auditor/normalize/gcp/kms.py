"""Cloud KMS key rings and crypto keys (always customer managed, in a project)."""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes
from auditor.normalize.gcp._names import SOURCE, data, labels, last, location, region_of

KEY_RING = "key_ring"


@normalizes("gcp", "cloudkms.googleapis.com/KeyRing")
def key_ring(rec: RawRecord, out: Builder) -> None:
    rid = str(rec.data["name"])
    out.resource(
        id=rid,
        cloud="gcp",
        kind=KEY_RING,
        account=rec.account,
        region=region_of(location(rec)),
        name=last(rid),
        attributes={"key_ring_id": rid},
        source=SOURCE,
    )


@normalizes("gcp", "cloudkms.googleapis.com/CryptoKey")
def crypto_key(rec: RawRecord, out: Builder) -> None:
    d = data(rec)
    kid = str(rec.data["name"])
    primary = d.get("primary") or {}
    loc = region_of(location(rec))
    out.resource(
        id=kid,
        cloud="gcp",
        kind=Kind.KEY,
        account=rec.account,
        region=loc,
        name=last(kid),
        tags=labels(d),
        attributes={
            "key_id": kid,
            "key_manager": "CUSTOMER",
            "key_state": primary.get("state"),
            "key_usage": d.get("purpose"),
            "multi_region": loc in ("global", "europe", "us", "asia") or "nam" in loc,
            "multi_region_type": None,
            "primary_key_arn": None,
            "replica_key_arns": [],
            "rotation_enabled": bool(d.get("rotationPeriod")),
            "rotation_period": d.get("rotationPeriod"),
            "protection_level": (d.get("versionTemplate") or {}).get("protectionLevel"),
            "policy": None,
            "aliases": [],
            "key_ring": kid.rsplit("/cryptoKeys/", 1)[0],
        },
        source=SOURCE,
    )
