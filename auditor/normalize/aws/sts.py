"""The scanned account, as STS reports the caller."""

from __future__ import annotations

from auditor.model import Kind, RawRecord
from auditor.normalize import Builder, normalizes


@normalizes("aws", "sts:caller_identity")
def caller_identity(rec: RawRecord, out: Builder) -> None:
    account = str(rec.data["Account"])
    out.resource(
        id=f"arn:aws:iam::{account}:root",
        cloud="aws",
        kind=Kind.ACCOUNT,
        account=account,
        region="global",
        name=account,
        attributes={"account_id": account, "caller_arn": str(rec.data.get("Arn", ""))},
        source="sts:GetCallerIdentity",
    )
