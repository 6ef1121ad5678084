"""``auditor paths BUNDLE --from SRC --to DST [--port N]``: hop-by-hop paths, offline.

SRC and DST are a resource id, ``internet``, a CIDR, or (DST only) ``kafka``
for every Kafka listener of the platform. Each path is printed hop by hop
(resource, the rule or route that admits it, the zone crossed), or, when none
exists, the first hop that drops it. Exit 0 when a path exists, 1 when none
does, 3 when it cannot be told (missing or unmodelled data), 2 on bad input.
"""

from __future__ import annotations

import json
from pathlib import Path as FsPath

import click

from auditor.commands._bundle_options import public_key_option


@click.command("paths")
@click.argument("bundle", type=click.Path(path_type=FsPath))
@click.option("--from", "source", required=True, help="internet, a CIDR, or a resource id.")
@click.option("--to", "target", required=True, help="kafka, internet, a CIDR, or a resource id.")
@click.option("--port", type=int, default=None, help="Port (default: the target's ports).")
@click.option("--json", "as_json", is_flag=True, help="Print the paths as JSON.")
@click.option("--all", "show_all", is_flag=True, help="Show every candidate, not the best.")
@public_key_option()
def paths_command(
    bundle: FsPath,
    source: str,
    target: str,
    port: int | None,
    as_json: bool,
    show_all: bool,
    public_key: FsPath | None,
) -> None:
    """Show how traffic from SRC reaches DST in a bundle, hop by hop, or why it cannot."""
    import sys

    from auditor.analysis.derive import build_graph
    from auditor.analysis.network.addresses import parse_net
    from auditor.analysis.network.answers import Reach
    from auditor.analysis.network.cloud_flows import cloud_paths, needs_cloud_paths
    from auditor.analysis.network.paths import best, kafka_targets, path_engine, verdict_of
    from auditor.commands._common import fail_with, inert, open_or_fail
    from auditor.model import INTERNET_ID, Kind

    loaded = open_or_fail(bundle, public_key)
    graph = build_graph(loaded.inventory, loaded.declaration)
    engine = path_engine(graph)
    if source != INTERNET_ID and parse_net(source) is None and graph.get(source) is None:
        fail_with(f"--from {source}: not internet, a CIDR, or a resource id in the bundle")
    if target == "kafka":
        targets = [
            (t.resource, list(t.ports))
            for t in kafka_targets(graph, loaded.declaration.network.kafka_ports)
        ]
        if not targets:
            fail_with("--to kafka: the platform has no Kafka listener in this bundle")
    else:
        res = graph.get(target)
        if res is None or res.kind == Kind.INTERNET or res.attributes.get("stub"):
            fail_with(f"--to {target}: not a collected resource id in the bundle")
        ports = [port] if port is not None else list(loaded.declaration.network.kafka_ports)
        targets = [(res, ports)]
    results = []
    for res, ports in targets:
        for p in [port] if port is not None else ports:
            # Azure/GCP ends (and paths across clouds) are followed network by network.
            if needs_cloud_paths(graph, source, res):
                found = cloud_paths(graph, source, res, p)
            else:
                found = engine.paths(source, res, p)
            shown = found if show_all else best(found)
            results.append((res, p, verdict_of(found), shown))
    if as_json:
        doc = [
            {"target": r.id, "port": p, "reach": v.value, "paths": [x.as_json() for x in s]}
            for r, p, v, s in results
        ]
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        for _r, _p, _v, shown in results:
            for x in shown:
                click.echo("\n".join(inert(line) for line in x.text().split("\n")))
                click.echo("")
    verdicts = {v for _, _, v, _ in results}
    if Reach.YES in verdicts:
        sys.exit(0)
    sys.exit(3 if Reach.UNKNOWN in verdicts else 1)


COMMAND = paths_command
