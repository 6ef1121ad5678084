"""EC2 managed prefix lists and their entries (read only; part of the ``ec2-network`` unit).

Route tables (``DestinationPrefixListId``) and security-group rules (``PrefixListIds``)
name prefix lists, not addresses; the network model needs the entries to match them.
Both kinds are read: AWS-managed lists (owner ``AWS``: ``com.amazonaws.<region>.s3``,
``...dynamodb`` behind gateway endpoints) and the account's own. A list whose entries
could not be read is emitted without ``Entries`` (and a gap names it), so it stays
unknown, never an empty list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.collect.aws_context import AwsContext

ACTIONS = ("ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries")
"""The IAM actions :func:`read` calls."""

Emit = Callable[[str, dict[str, Any], str], None]


def read(
    ctx: AwsContext,
    emit: Emit,
    list_all: Callable[..., list[dict[str, Any]] | None],
) -> None:
    """Emit one ``ec2:managed_prefix_list`` record per list, its entries bundled in.

    ``list_all`` is the per-resource listing of :mod:`.ec2_network` (a failure is a gap
    naming the list and returns None)."""
    for pl in ctx.pages("DescribeManagedPrefixLists", "PrefixLists", page_size=100):
        record = dict(pl)
        pl_id = str(pl["PrefixListId"])
        # the id its resource gets (an AWS-managed list's own ARN names no account)
        arn = f"arn:aws:ec2:{ctx.region}:{ctx.account}:prefix-list/{pl_id}"
        entries = list_all(
            ctx,
            "GetManagedPrefixListEntries",
            "Entries",
            resource=arn,
            PrefixListId=pl_id,
            MaxResults=100,
        )
        if entries is not None:
            record["Entries"] = entries
        emit("ec2:managed_prefix_list", record, "ec2:DescribeManagedPrefixLists")
