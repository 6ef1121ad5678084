"""``network.traffic-class``: each traffic class takes only the paths declared for it.

Flows come from :mod:`auditor.analysis.network.traffic` (hop-by-hop paths, see
:mod:`auditor.analysis.network.paths`). One verdict per class and target:

- **clients**: every source that reaches a Kafka listener must be a declared
  client CIDR, over declared ``clients.via`` links (the internet never, unless
  declared);
- **replication**: from each other declared region, at least one path of a
  declared ``replication.via`` kind, and no path over the internet or NAT (to a
  broker: KRaft controllers are no replication target). An Azure/GCP listener
  that admits only some public ranges is reached over the internet only if the
  replicators leave from them, which is not collected: that path is unknown, and
  with no private path the class fails all the same;
- **operations**: management endpoints reached only over ``operations.via``;
- **support**: networks of other parties reach the platform only over
  ``support.via``.

AWS listeners are judged hop by hop (:mod:`auditor.analysis.network.traffic`);
Azure and GCP listeners network by network, across clouds over site links
(:mod:`auditor.analysis.network.cloud_flows`). A path that depends on data not
collected or not modelled makes the verdict INCONCLUSIVE, never PASS.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from auditor.analysis.network import label
from auditor.analysis.network.addresses import cidr_within
from auditor.analysis.network.answers import Reach
from auditor.analysis.network.cloud_flows import cloud_flows
from auditor.analysis.network.path_model import Path
from auditor.analysis.network.paths import best
from auditor.analysis.network.traffic import PUBLIC, Flow, class_flows, judge
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, PathName, Severity

_PRIVATE = ("peering", "transit-gateway")


def _evidence(flows: Sequence[Flow]) -> dict[str, Any]:
    nodes: list[str] = []
    edges: list[tuple[str, str, str]] = []
    shown: list[JSONValue] = []
    for f in flows:
        for p in best(f.paths)[:2]:
            nodes.extend(n for n in p.nodes() if n not in nodes)
            edges.extend(e for e in p.edges() if e not in edges)
            shown.append({"class": f.cls, "source": f.source, **p.as_json()})
    return {"nodes": nodes, "edges": edges, "paths": shown}


def _common(flows: Sequence[Flow], extra: dict[str, JSONValue]) -> dict[str, Any]:
    ev = _evidence(flows)
    return {
        "nodes": ev["nodes"],
        "edges": ev["edges"],
        "attributes": {**extra, "paths": ev["paths"]},
        "depends_on": [n for n in ev["nodes"] if n.startswith("arn:")],
    }


def _first(paths: Sequence[Path]) -> str:
    yes = [p for p in paths if p.reach is Reach.YES]
    p = (yes or list(paths))[0]
    return " -> ".join(h.node.rsplit("/", 1)[-1] for h in p.hops if h.what != "network ACL")


@rule(
    id="network.traffic-class",
    path=PathName.NETWORK,
    severity=Severity.HIGH,
    title="Each traffic class flows only over the paths declared for it",
    rationale=(
        "Clients, replication, operations and support traffic cross the boundary for different "
        "reasons; each must take its declared path. Private client connectivity proves nothing "
        "about replication, and one public path is enough to break the promise."
    ),
    remediation=(
        "Remove the undeclared path (route, public address, security group or NACL rule the "
        "evidence names), or declare the link kind for the class in network.<class>.via."
    ),
    requires=(
        "ec2-network",
        "ec2-vpn",
        "ec2-compute",
        "elbv2",
        "msk",
        "eks",
        "azure-resources",
        "cloudasset",
    ),
)
def traffic_class(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    # AWS listeners hop by hop; Azure and GCP listeners network by network.
    flows = [f for f in class_flows(ctx.graph) if f.target.cloud == "aws"]
    flows.extend(cloud_flows(ctx.graph))
    if not flows:
        yield ctx.inconclusive(
            scope_id("aws", "*", "*"),
            "no Kafka listener or management endpoint of the platform was found to judge",
        )
        return
    by: dict[tuple[str, str], list[Flow]] = {}
    for f in flows:
        by.setdefault((f.cls, f.target.id), []).append(f)
    for (cls, tid), group in sorted(by.items()):
        tc = getattr(decl.network, cls)
        allowed = [str(v) for v in tc.via]
        yield replace(_judge(ctx, cls, tid, group, allowed, list(tc.cidrs)), aspect=cls)


def _judge(
    ctx: RuleContext,
    cls: str,
    tid: str,
    flows: list[Flow],
    allowed: list[str],
    cidrs: list[str],
) -> Judgement:
    target = flows[0].target
    name = label(target)
    extra: dict[str, JSONValue] = {"class": cls, "declared_via": allowed, "declared_from": cidrs}
    reached = [f for f in flows if f.reach is Reach.YES]
    unknown = [f for f in flows if f.reach is Reach.UNKNOWN]
    bad: list[tuple[Flow, str]] = []
    for f in reached:
        ok, wrong = judge(f, allowed)
        if not ok:
            bad.append((f, f"via {', '.join(wrong)}"))
        elif (
            cls in ("clients", "operations")
            and f.source == "internet"
            and ("internet" not in allowed)
        ):
            bad.append((f, "from the internet"))
        elif (
            cls == "clients"
            and cidrs
            and f.source not in ("internet",)
            and not (cidr_within(f.source, cidrs))
        ):
            bad.append((f, f"from undeclared source {f.source}"))
    if cls == "replication":
        return _judge_replication(ctx, tid, name, flows, allowed, extra)
    if bad:
        f, why = bad[0]
        public = any(set(x.links) & PUBLIC for x, _ in bad)
        return ctx.failed(
            tid,
            f"[{cls}] {name} is reached {why} on port {f.port} from {f.source} "
            f"({_first(f.paths)}); declared via: {', '.join(allowed) or 'none'}",
            definite=public,
            **_common([x for x, _ in bad], extra),
        )
    if unknown:
        f = unknown[0]
        p = best(f.paths)[0]
        return ctx.inconclusive(
            tid,
            f"[{cls}] cannot tell whether {f.source} reaches {name} on port {f.port}: {p.reason}",
            **_common(unknown, extra),
        )
    if reached:
        kinds = sorted({k for f in reached for k in f.links} or {"local"})
        return ctx.passed(
            tid,
            f"[{cls}] {name} is reached only over declared paths ({', '.join(kinds)}) from "
            f"{', '.join(sorted({f.source for f in reached}))}",
            **_common(reached, extra),
        )
    why = best(flows[0].paths)[0].reason if flows[0].paths else "no path"
    return ctx.passed(
        tid,
        f"[{cls}] no {cls} source reaches {name}: {why}",
        **_common(flows[:1], extra),
    )


def _judge_replication(
    ctx: RuleContext,
    tid: str,
    name: str,
    flows: list[Flow],
    allowed: list[str],
    extra: dict[str, JSONValue],
) -> Judgement:
    allowed_set = set(allowed or _PRIVATE) | {"local"}  # one network spanning regions (GCP)
    public = [f for f in flows if f.reach is Reach.YES and set(f.links) & PUBLIC]
    if public:
        f = public[0]
        return ctx.failed(
            tid,
            f"[replication] {f.source} reaches {name} on port {f.port} over "
            f"{', '.join(sorted(set(f.links) & PUBLIC))} ({_first(f.paths)}), whatever private "
            "paths also exist",
            definite=True,
            **_common(public, extra),
        )
    good = [f for f in flows if f.reach is Reach.YES and f.links and set(f.links) <= allowed_set]
    other = [f for f in flows if f.reach is Reach.YES and not set(f.links) <= allowed_set]
    unknown = [f for f in flows if f.reach is Reach.UNKNOWN]
    # Replication needs a private path: when none can exist, a public path whose reach is
    # unknown does not make the verdict unknown.
    private_open = any(
        p.reach is not Reach.NO and not set(p.via) & PUBLIC for f in flows for p in f.paths
    )
    if other:
        f = other[0]
        return ctx.failed(
            tid,
            f"[replication] {f.source} reaches {name} over undeclared "
            f"{', '.join(f.links)} (declared: {', '.join(sorted(allowed_set - {'local'}))})",
            **_common(other, extra),
        )
    if unknown and private_open:
        f = unknown[0]
        return ctx.inconclusive(
            tid,
            f"[replication] cannot tell every path from {f.source} to {name}: "
            f"{best(f.paths)[0].reason}",
            **_common(unknown, extra),
        )
    if good:
        kinds = sorted({k for f in good for k in f.links})
        return ctx.passed(
            tid,
            f"[replication] {name} is reached from {', '.join(sorted({f.source for f in good}))} "
            f"only over {', '.join(kinds)}",
            **_common(good, extra),
        )
    f = flows[0]
    private = [p for p in f.paths if not set(p.via) & PUBLIC]
    why = best(private)[0].reason if private else "no path"
    if unknown:
        u = unknown[0]
        why += f"; over the internet: {best(u.paths)[0].reason}"
    return ctx.failed(
        tid,
        f"[replication] no private path from {f.source} reaches {name} on Kafka ports ({why})",
        **_common(flows[:1], extra),
    )
