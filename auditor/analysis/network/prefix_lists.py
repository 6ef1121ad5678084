"""AWS managed prefix lists: what a ``pl-...`` route destination or security-group source holds.

A list is known by (region, id). Its networks are its collected entries; None when the
list was not collected or its entries could not be read (the collection gap names it):
a route or rule naming it is then undecided, never matched against nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from auditor.analysis.network.addresses import Net, parse_net
from auditor.model import Resource

KIND = "prefix_list"

PrefixLists = dict[tuple[str, str], "tuple[Net, ...] | None"]
"""(region, prefix list id) -> its entries' networks, None when not read."""


def prefix_lists(resources: Iterable[Resource]) -> PrefixLists:
    """The collected prefix lists of ``resources`` (AWS only)."""
    out: PrefixLists = {}
    for pl in resources:
        if pl.kind != KIND or pl.cloud != "aws":
            continue
        pid = str(pl.attributes.get("prefix_list_id") or pl.id.rsplit("/", 1)[-1])
        cidrs = pl.attributes.get("cidrs")
        got = None if not isinstance(cidrs, list) else _entries(cidrs)
        if out.get((pl.region, pid)) is None:  # one account read it where another could not
            out[(pl.region, pid)] = got
    return out


def _entries(cidrs: list[object]) -> tuple[Net, ...]:
    """The entries as networks, each its own (not collapsed: each entry is a route of its own
    prefix length in a longest-prefix match)."""
    nets = {n for c in cidrs if (n := parse_net(str(c))) is not None}
    return tuple(sorted(nets, key=lambda n: (n.version, int(n.network_address), n.prefixlen)))


def resolver(lists: PrefixLists, region: str) -> Callable[[str], tuple[Net, ...] | None]:
    """``pl-id`` -> its networks in ``region`` (None: unknown), for :func:`.sg_decide`."""
    return lambda pl: lists.get((region, pl))
