"""AWS Config ``AWS::EC2::PrefixList`` items as the ``ec2:managed_prefix_list`` records a scan
emits, and the gaps for lists a route or rule names that the export does not hold.

Config records customer-managed prefix lists in CloudFormation's shape
(``PrefixListId``, ``Entries: [{Cidr}]``, ``OwnerId``, ``Version``); it never records
AWS-managed lists (``com.amazonaws.<region>.s3``, ...), so a route or security-group rule
naming one stays undecided and a gap names the list. Merged into
:data:`auditor.importers._aws_config_items.CONVERTERS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.importers._aws_config_convert import Convert, Item, Out, aws_tags, get, registrar

CONFIG_TYPE = "AWS::EC2::PrefixList"
PREFIX_LIST_CONVERTERS: dict[str, Convert] = {}
converts = registrar(PREFIX_LIST_CONVERTERS)


def _arn(item: Item, pl_id: str) -> str:
    """The id a scan gives the list's resource (:mod:`auditor.collect.aws._prefix_lists`)."""
    return f"arn:aws:ec2:{item.region}:{item.account}:prefix-list/{pl_id}"


def _pl_id(item: Item) -> str:
    return str(get(item.configuration, "PrefixListId", "Id") or item.id)


@converts(CONFIG_TYPE)
def _prefix_list(item: Item, out: Out) -> None:
    conf = item.configuration
    pl_id = _pl_id(item)
    if not pl_id.startswith("pl-"):
        raise ValueError(f"'PrefixListId' must be a prefix list id (pl-...), not {pl_id!r}")
    entries = get(conf, "Entries")
    if entries is not None and not isinstance(entries, list):
        raise ValueError("'Entries' must be a list of {Cidr, Description}")
    data: dict[str, Any] = {
        "PrefixListId": pl_id,
        "PrefixListName": get(conf, "PrefixListName") or item.name,
        "AddressFamily": get(conf, "AddressFamily"),
        "MaxEntries": get(conf, "MaxEntries"),
        "Version": get(conf, "Version"),
        "OwnerId": get(conf, "OwnerId") or item.account,
        "Entries": [{"Cidr": get(e, "Cidr")} for e in entries or []],
        "Tags": aws_tags(item.tags),
    }
    out.emit(item, "ec2-network", "ec2:managed_prefix_list", data)
    out.lacks(
        item,
        "ec2-network",
        _arn(item, pl_id),
        "DescribeManagedPrefixLists",
        "a prefix list's state",
        ("state",),
    )


def unrecorded(item: Item, out: Out, named: Iterable[str]) -> None:
    """A gap for each prefix list ``item`` (a route table or security group) names that the
    export holds no item of in its account and region: its entries are unknown."""
    held = {_pl_id(pl) for pl in out.others(item, CONFIG_TYPE)}
    for pl_id in sorted({str(p) for p in named if p} - held):
        out.lacks(
            item,
            "ec2-network",
            _arn(item, pl_id),
            "GetManagedPrefixListEntries",
            f"AWS-managed prefix lists (com.amazonaws.*), and the export holds no {CONFIG_TYPE} "
            f"item for {pl_id}: its entries are unknown",
        )
