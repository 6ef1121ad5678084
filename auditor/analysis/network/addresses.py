"""Address sets: CIDRs as networks, set algebra on them, and the public internet.

- **address set**: a collapsed tuple of IPv4/IPv6 networks.
- **internet space**: every address that is routable on the public internet,
  i.e. not private (RFC 1918), shared (100.64/10), loopback, link-local,
  multicast or reserved.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

Net = ipaddress.IPv4Network | ipaddress.IPv6Network

_NON_INTERNET_V4 = tuple(
    ipaddress.IPv4Network(c)
    for c in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_NON_INTERNET_V6 = tuple(
    ipaddress.IPv6Network(c) for c in ("::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8")
)


def parse_net(text: str) -> Net | None:
    """A CIDR or address as a network, or None for prefix lists and garbage."""
    return _parse_net(str(text).strip())


@functools.lru_cache(maxsize=1 << 16)
def _parse_net(text: str) -> Net | None:
    """:func:`parse_net`, remembered: path queries parse the same few CIDRs (subnets,
    routes, rules) again and again, and a network object is immutable, so sharing one
    changes nothing."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def collapse(nets: Iterable[Net]) -> tuple[Net, ...]:
    nets = list(nets)
    if len(nets) == 1 and isinstance(nets[0], ipaddress.IPv4Network | ipaddress.IPv6Network):
        return (nets[0],)  # nothing to merge: what collapse_addresses would return
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    out: list[Net] = []
    out.extend(ipaddress.collapse_addresses(v4))
    out.extend(ipaddress.collapse_addresses(v6))
    return tuple(out)


def net_subtract(nets: Iterable[Net], remove: Iterable[Net]) -> tuple[Net, ...]:
    """``nets`` minus ``remove``, as a collapsed tuple of networks."""
    current = list(collapse(nets))
    for r in collapse(remove):
        nxt: list[Net] = []
        for n in current:
            if n.version != r.version or not n.overlaps(r):
                nxt.append(n)
            elif n.subnet_of(r):  # type: ignore[arg-type]
                continue
            else:  # r is inside n
                nxt.extend(n.address_exclude(r))  # type: ignore[arg-type]
        current = nxt
    return collapse(current)


def net_intersect(a: Iterable[Net], b: Iterable[Net]) -> tuple[Net, ...]:
    out: list[Net] = []
    bl = list(b)
    for x in a:
        for y in bl:
            if x.version == y.version and x.overlaps(y):
                out.append(x if x.prefixlen >= y.prefixlen else y)
    return collapse(out)


def internet_space(version: int) -> tuple[Net, ...]:
    """Public address space of one IP version."""
    if version == 4:
        return net_subtract([ipaddress.IPv4Network("0.0.0.0/0")], _NON_INTERNET_V4)
    return net_subtract([ipaddress.IPv6Network("::/0")], _NON_INTERNET_V6)


def is_internet_cidr(cidr: str) -> bool:
    """Whether a CIDR holds any public address (0.0.0.0/0, ::/0, 203.0.113.0/24...)."""
    net = parse_net(cidr)
    if net is None:
        return False
    return bool(net_intersect([net], internet_space(net.version)))


def cidr_within(cidr: str, allowed: Sequence[str]) -> bool:
    """Whether ``cidr`` is a subset of one of the ``allowed`` CIDRs."""
    net = parse_net(cidr)
    if net is None:
        return False
    for a in allowed:
        outer = parse_net(a)
        if outer is not None and outer.version == net.version and net.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


def fmt_nets(nets: Iterable[Net]) -> list[str]:
    return [str(n) for n in nets]


def nets_of(cidrs: Iterable[object]) -> tuple[Net, ...]:
    """The parseable CIDRs of ``cidrs`` as a collapsed address set."""
    return collapse(n for c in cidrs if (n := parse_net(str(c))) is not None)


def carve(dest: Net, cuts: Iterable[Net]) -> tuple[Net, ...]:
    """``dest`` split into pieces that each lie wholly inside or wholly outside every cut.

    A longest-prefix match then has one answer per piece: the pieces of a
    source set that a more specific route (or ACL entry) covers only in part.
    """
    if dest.prefixlen == dest.max_prefixlen:  # one address: no cut lies strictly inside
        return (dest,)
    inner = {
        c
        for c in cuts
        if c.version == dest.version and c != dest and c.subnet_of(dest)  # type: ignore[arg-type]
    }
    out: list[Net] = []
    for s in sorted({dest, *inner}, key=lambda n: (n.prefixlen, int(n.network_address))):
        deeper = [c for c in inner if c != s and c.subnet_of(s)]  # type: ignore[arg-type]
        out.extend(net_subtract([s], deeper))
    return tuple(sorted(out, key=lambda n: (int(n.network_address), n.prefixlen)))


def covers(outer: Iterable[Net], inner: Iterable[Net]) -> bool:
    """Whether every address of ``inner`` is in ``outer``."""
    return not net_subtract(inner, outer)
