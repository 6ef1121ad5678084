"""EC2 managed prefix lists: the CIDRs a ``pl-...`` route or security-group rule stands for.

Read by the ``ec2-network`` unit (:mod:`auditor.collect.aws._prefix_lists`). ``cidrs``
is null when the entries could not be read (the gap names the list): a route or rule
naming it stays undecided, never matched against an empty list. AWS-managed lists
(owner ``AWS``) appear in every account's listing; each account's view is its own
resource.
"""

from __future__ import annotations

from auditor.base.kinds.network import PREFIX_LIST
from auditor.model import JSONValue, RawRecord
from auditor.normalize import Builder, normalizes, tags_of
from auditor.normalize.aws.ec2_network import ec2_arn, name_of

_GONE = ("delete-complete", "delete-in-progress")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@normalizes("aws", "ec2:managed_prefix_list")
def managed_prefix_list(rec: RawRecord, out: Builder) -> None:
    d = rec.data
    if d.get("State") in _GONE:
        return
    pl_id = str(d["PrefixListId"])
    entries = d.get("Entries")
    cidrs: JSONValue = (
        sorted({str(e["Cidr"]) for e in entries if isinstance(e, dict) and e.get("Cidr")})
        if isinstance(entries, list)
        else None
    )
    owner = str(d.get("OwnerId") or "")
    tags = tags_of(d.get("Tags"))
    name = str(d.get("PrefixListName") or "")
    out.resource(
        id=ec2_arn(rec.region, rec.account, pl_id, "prefix-list"),
        cloud="aws",
        kind=PREFIX_LIST,
        account=rec.account,
        region=rec.region,
        name=name_of(tags, name or pl_id),
        tags=tags,
        attributes={
            "prefix_list_id": pl_id,
            "prefix_list_name": name or None,
            "owner": owner or None,
            "aws_managed": owner == "AWS",
            "address_family": str(d.get("AddressFamily") or "") or None,
            "cidrs": cidrs,
            "max_entries": _int(d.get("MaxEntries")),
            "version": _int(d.get("Version")),
            "state": str(d.get("State") or "") or None,
        },
        source="ec2:DescribeManagedPrefixLists",
    )
