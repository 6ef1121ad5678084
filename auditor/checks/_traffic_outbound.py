"""The outbound traffic classes of ``network.traffic-class``: monitoring export and egress.

- **monitoring** (``network.monitoring``): from every platform source, each declared
  destination (``to`` CIDRs, named ``endpoints``) must be reached on the declared
  ports, and only over ``via``. A destination reached over an undeclared link FAILs
  on what chose that link (the route table, the GCP route or external IP); one not
  reached at all FAILs on what drops it (route table, NACL, security group, firewall).
- **egress** (``network.egress``): the public addresses platform sources can open
  connections to must lie in ``to`` and be reached over ``via``; anything else FAILs
  on what lets it out (the security group or firewall rule), or on the route table
  when the link itself is undeclared.

One verdict per class and platform network (aspect ``monitoring`` / ``egress``); a
class the declaration leaves out is NOT_APPLICABLE, saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from auditor.analysis.network.addresses import Net, fmt_nets, net_subtract, nets_of
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.index import local_id
from auditor.analysis.network.outbound import outbound, probe_ports, sources
from auditor.analysis.network.outbound_model import Dest, OutPath, public_dest
from auditor.boundary import OutboundClass
from auditor.checks import Judgement, RuleContext
from auditor.model import JSONValue

CLASSES = ("monitoring", "egress")
_OK_LINKS = frozenset({"local"})


def outbound_judgements(ctx: RuleContext) -> Iterator[Judgement]:
    """Verdicts of the outbound classes, each with its aspect."""
    for cls in CLASSES:
        tc: OutboundClass | None = getattr(ctx.declaration.network, cls)
        if tc is None:
            yield replace(
                ctx.not_applicable(
                    ctx.scan_scope(),
                    f"[{cls}] network.{cls} is not declared: the {cls} traffic of the "
                    "platform is not judged",
                    attributes={"class": cls},
                ),
                aspect=cls,
            )
            continue
        yield from (replace(j, aspect=cls) for j in _judge_class(ctx, cls, tc))


def _judge_class(ctx: RuleContext, cls: str, tc: OutboundClass) -> Iterator[Judgement]:
    if not sources(ctx.graph):
        # A collection gap where the sources would be makes it INCONCLUSIVE.
        yield ctx.nothing_to_judge(
            ctx.scan_scope(),
            f"[{cls}] no platform instance or Kafka cluster was found to judge",
            attributes={"class": cls},
        )
        return
    if cls == "monitoring":
        dests = [Dest(label=c, nets=nets_of([c])) for c in tc.to]
        dests += [Dest(label=n, name=n) for n in tc.endpoints]
        if not dests:
            yield ctx.not_applicable(
                ctx.scan_scope(),
                "[monitoring] network.monitoring names no destination (to, endpoints)",
                attributes={"class": cls},
            )
            return
        paths = [p for port in tc.ports for d in dests for p in outbound(ctx.graph, d, port)]
        for net, group in _by_network(paths):
            yield _monitoring(ctx, net, group, tc)
        return
    public = public_dest()
    paths = [
        p for port in probe_ports(ctx.graph, tc.ports) for p in outbound(ctx.graph, public, port)
    ]
    for net, group in _by_network(paths):
        yield _egress(ctx, net, group, tc)


def _by_network(paths: Sequence[OutPath]) -> list[tuple[str, list[OutPath]]]:
    by: dict[str, list[OutPath]] = {}
    for p in paths:
        by.setdefault(p.network, []).append(p)
    return sorted(by.items())


def _extra(cls: str, tc: OutboundClass, paths: Sequence[OutPath]) -> dict[str, JSONValue]:
    shown: list[JSONValue] = [
        {
            "source": p.source,
            "destination": p.dest,
            "port": p.port,
            "reach": p.reach.value,
            "via": list(p.via),
            "addresses": fmt_nets(p.nets)[:8],
            "reason": p.reason,
            "hops": [h.node for h in p.hops],
        }
        for p in paths[:12]
    ]
    return {
        "class": cls,
        "declared_via": [str(v) for v in tc.via],
        "declared_to": list(tc.to),
        "declared_endpoints": list(tc.endpoints),
        "paths": shown,
    }


def _kw(cls: str, tc: OutboundClass, paths: Sequence[OutPath]) -> dict[str, object]:
    nodes = list(dict.fromkeys(h.node for p in paths for h in p.hops))
    missing = [m for p in paths for m in p.missing]
    return {
        "nodes": nodes,
        "edges": list(dict.fromkeys(e for p in paths for e in p.edges())),
        "attributes": _extra(cls, tc, paths),
        "depends_on": list(dict.fromkeys([*(n for n in nodes if n.startswith("arn:")), *missing])),
    }


def _name(net: str) -> str:
    return local_id(net)


def _undeclared(p: OutPath, allowed: set[str]) -> list[str]:
    return [v for v in p.via if v not in allowed and v not in _OK_LINKS]


def _monitoring(ctx: RuleContext, net: str, paths: list[OutPath], tc: OutboundClass) -> Judgement:
    allowed = {str(v) for v in tc.via}
    yes = [p for p in paths if p.reach is Reach.YES]
    wrong = [p for p in yes if _undeclared(p, allowed)]
    if wrong:
        p = wrong[0]
        return replace(
            ctx.failed(
                net,
                f"[monitoring] {local_id(p.source)} reaches {p.dest} on port {p.port} over "
                f"undeclared {', '.join(_undeclared(p, allowed))} ({p.text()}); declared via: "
                f"{', '.join(sorted(allowed)) or 'none'}",
                definite=True,
                **_kw("monitoring", tc, wrong),
            ),
            causes=tuple(dict.fromkeys(c for x in wrong for c in (x.route or x.rule))),
            affects=tuple(dict.fromkeys(x.source for x in wrong)),
        )
    by_flow: dict[tuple[str, str, int], list[OutPath]] = {}
    for p in paths:
        by_flow.setdefault((p.source, p.dest, p.port), []).append(p)
    unreached: list[OutPath] = []
    unknown: list[OutPath] = []
    for (_, dest, _), group in sorted(by_flow.items()):
        got = [n for p in group if p.reach is Reach.YES for n in p.nets]
        want = _dest_nets(tc, dest)
        if got and (not want or not net_subtract(want, got)):
            continue
        unk = [p for p in group if p.reach is Reach.UNKNOWN]
        (unknown if unk else unreached).extend(unk or [p for p in group if p.reach is Reach.NO])
    if unreached:
        p = unreached[0]
        return replace(
            ctx.failed(
                net,
                f"[monitoring] {local_id(p.source)} cannot export to {p.dest} on port {p.port}: "
                f"{p.reason}",
                **_kw("monitoring", tc, unreached),
            ),
            causes=tuple(dict.fromkeys(x.blocker for x in unreached if x.blocker)),
            affects=tuple(dict.fromkeys(x.source for x in unreached)),
        )
    if unknown:
        p = unknown[0]
        return replace(
            ctx.inconclusive(
                net,
                f"[monitoring] cannot tell whether {local_id(p.source)} reaches {p.dest} on "
                f"port {p.port}: {p.reason}",
                **_kw("monitoring", tc, unknown),
            ),
            unmodelled=next((x.unmodelled for x in unknown if x.unmodelled), ""),
        )
    kinds = sorted({v for p in yes for v in p.via})
    dests = sorted({p.dest for p in yes})
    return ctx.passed(
        net,
        f"[monitoring] every platform source in {_name(net)} reaches {', '.join(dests)} only "
        f"over declared paths ({', '.join(kinds)})",
        **_kw("monitoring", tc, yes),
    )


def _dest_nets(tc: OutboundClass, dest: str) -> tuple[Net, ...]:
    return nets_of([dest]) if dest in tc.to else ()


def _egress(ctx: RuleContext, net: str, paths: list[OutPath], tc: OutboundClass) -> Judgement:
    allowed = {str(v) for v in tc.via}
    to = nets_of(tc.to)
    yes = [p for p in paths if p.reach is Reach.YES]
    outside = [(p, net_subtract(p.nets, to)) for p in yes]
    bad_dest = [(p, rest) for p, rest in outside if rest]
    bad_via = [p for p in yes if _undeclared(p, allowed) and not net_subtract(p.nets, to)]
    if bad_dest or bad_via:
        p, rest = bad_dest[0] if bad_dest else (bad_via[0], bad_via[0].nets)
        undeclared_link = _undeclared(p, allowed)
        why = (
            f"over undeclared {', '.join(undeclared_link)}"
            if undeclared_link
            else f"over {', '.join(p.via)}"
        )
        where = ", ".join(fmt_nets(rest)[:3]) + (" ..." if len(rest) > 3 else "")
        every = [x for x, _ in bad_dest] + bad_via
        causes: list[str] = []
        for x in every:
            causes.extend(x.route if _undeclared(x, allowed) else x.rule or x.route)
        return replace(
            ctx.failed(
                net,
                f"[egress] {local_id(p.source)} reaches {where} on port {p.port} {why} "
                f"({p.text()}); declared: to {', '.join(tc.to) or 'nothing'} via "
                f"{', '.join(sorted(allowed)) or 'nothing'}",
                definite=True,
                **_kw("egress", tc, every),
            ),
            causes=tuple(dict.fromkeys(causes)),
            affects=tuple(dict.fromkeys(x.source for x in every)),
        )
    unknown = [p for p in paths if p.reach is Reach.UNKNOWN]
    if unknown:
        p = unknown[0]
        return replace(
            ctx.inconclusive(
                net,
                f"[egress] cannot tell what {local_id(p.source)} reaches on port {p.port}: "
                f"{p.reason}",
                **_kw("egress", tc, unknown),
            ),
            unmodelled=next((x.unmodelled for x in unknown if x.unmodelled), ""),
        )
    if yes:
        return ctx.passed(
            net,
            f"[egress] platform sources in {_name(net)} reach only declared destinations "
            f"({', '.join(sorted({str(n) for p in yes for n in p.nets})[:4])}) over "
            f"{', '.join(sorted({v for p in yes for v in p.via}))}",
            **_kw("egress", tc, yes),
        )
    p = paths[0]
    return ctx.passed(
        net,
        f"[egress] no platform source in {_name(net)} reaches a public address "
        f"(e.g. {local_id(p.source)}: {p.reason})",
        **_kw("egress", tc, paths[:4]),
    )
