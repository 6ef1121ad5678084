"""data.system-logs-separate and data.versioning: how log data stores are kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from auditor.analysis.boundary_scope import data_stores, system_log_stores
from auditor.base.edges import LOGS_TO
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.model import JSONValue, Kind, PathName, Resource, Severity


def _log_targets(ctx: RuleContext, res: Resource) -> dict[str, tuple[str, str, str] | None]:
    """Where ``res`` writes its logs: bucket id -> the ``data.logs_to`` edge, if there is one."""
    out: dict[str, tuple[str, str, str] | None] = {
        rel.target: (rel.source, rel.target, rel.kind)
        for rel in ctx.graph.out_edges(res.id, LOGS_TO)
    }
    logging: Any = res.attributes.get("logging") if res.kind == Kind.BUCKET else None
    if logging and logging.get("target_bucket"):
        out.setdefault(f"arn:aws:s3:::{logging['target_bucket']}", None)
    return out


@rule(
    id="data.system-logs-separate",
    path=PathName.DATA,
    severity=Severity.MEDIUM,
    title="System logs are kept apart from log data",
    rationale=(
        "Access logs, audit trails and flow logs written into a data store mix operational "
        "metadata with customer log data: both then share one set of readers, keys and "
        "retention, and a reader of one is a reader of the other."
    ),
    remediation=(
        "Write access logs, trails and flow logs to a dedicated system-log bucket that "
        "holds no Kafka log data, and tag it with the system-log data class."
    ),
    requires=("s3", "cloudtrail", "ec2-network"),
)
def system_logs_separate(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    stores = data_stores(ctx.graph)
    logs = system_log_stores(ctx.graph)
    store_ids = {s.id for s in stores}
    if decl.data.system_logs is None:
        yield ctx.not_applicable(
            "scope:aws/*/*",
            "the declaration names no system-log stores (data.system_logs), so none is judged; "
            "data stores are judged on the logs written into them",
        )
    elif not logs:
        yield ctx.nothing_to_judge(
            "scope:aws/*/*",
            "the data.system_logs selector matched no collected resource",
            attributes={"selector": decl.data.system_logs.select.model_dump()},
        )
    for log in logs:
        yield _judge_log_store(ctx, log, store_ids)
    if not stores:
        yield no_stores(ctx)
        return
    log_ids = {log.id for log in logs}
    for s in stores:
        if s.id in log_ids:
            continue  # judged above: a store in both classes fails
        yield _judge_data_store(ctx, s, store_ids)


def _judge_log_store(ctx: RuleContext, log: Resource, store_ids: set[str]) -> Judgement:
    """A system-log store must not also be a data store, nor log into one."""
    targets = _log_targets(ctx, log)
    into_data = sorted(t for t in targets if t in store_ids)
    edges = [e for t, e in sorted(targets.items()) if e is not None and t in store_ids]
    if log.id in store_ids:
        return ctx.failed(
            log.id,
            f"{log.kind} {log.name} is selected both as a system-log store and a data store",
            attributes={"tags": dict(log.tags)},
            definite=True,
        )
    if into_data:
        return ctx.failed(
            log.id,
            f"system-log store {log.name} writes its own logs into data store(s) "
            + ", ".join(t.rsplit(":", 1)[-1] for t in into_data),
            nodes=into_data,
            edges=edges,
            definite=True,
        )
    return ctx.passed(
        log.id,
        f"system-log store {log.name} holds no log data and logs into no data store",
        attributes={"tags": dict(log.tags)},
    )


def _judge_data_store(ctx: RuleContext, s: Resource, store_ids: set[str]) -> Judgement:
    """A data store must neither log into a data store nor receive anything's logs."""
    if s.kind == Kind.BUCKET and "logging" not in s.attributes:
        return ctx.inconclusive(s.id, f"the access logging of bucket {s.name} was not collected")
    targets = _log_targets(ctx, s)
    into_data = sorted(t for t in targets if t in store_ids)
    incoming = list(ctx.graph.in_edges(s.id, LOGS_TO))
    writers = sorted({rel.source for rel in incoming})
    edges = [e for t, e in sorted(targets.items()) if e is not None and t in store_ids]
    edges += [(rel.source, rel.target, rel.kind) for rel in incoming]
    problems: list[str] = []
    if into_data:
        problems.append(
            "its access logs go to data store(s) "
            + ", ".join(t.rsplit(":", 1)[-1] for t in into_data)
        )
    if writers:
        problems.append("it receives logs from " + ", ".join(w.rsplit(":", 1)[-1] for w in writers))
    attrs: dict[str, JSONValue] = {
        "logging": s.attributes.get("logging"),
        "log_targets": sorted(targets),
        "log_writers": writers,
    }
    if problems:
        # what to change: each writer's log destination, and this store's own logging
        causes = sorted({*writers, *([s.id] if into_data else [])})
        return replace(
            ctx.failed(
                s.id,
                f"data store {s.name} mixes system logs with log data: " + "; ".join(problems),
                nodes=[*into_data, *writers],
                edges=edges,
                attributes=attrs,
                definite=True,
            ),
            causes=tuple(causes),
        )
    where = (
        "to " + ", ".join(t.rsplit(":", 1)[-1] for t in sorted(targets)) if targets else "nowhere"
    )
    return ctx.passed(
        s.id,
        f"data store {s.name} receives no system logs and writes its access logs {where}",
        nodes=sorted(targets),
        attributes=attrs,
    )


@rule(
    id="data.versioning",
    path=PathName.DATA,
    severity=Severity.MEDIUM,
    title="Log data buckets keep object versions",
    rationale=(
        "Without versioning an overwrite or delete of a tiered log segment is final; "
        "versioning is also a precondition of S3 replication."
    ),
    remediation="Enable versioning on the bucket (and lifecycle rules for old versions).",
    requires=("s3",),
)
def versioning(ctx: RuleContext) -> Iterator[Judgement]:
    stores = data_stores(ctx.graph)
    if not stores:
        yield no_stores(ctx)
        return
    buckets = [s for s in stores if s.kind == Kind.BUCKET]
    if not buckets:
        yield ctx.nothing_to_judge(
            "scope:aws/*/*",
            f"none of the {len(stores)} data store(s) is a bucket; nothing to version",
            nodes=[s.id for s in stores],
            attributes={"kinds": sorted({s.kind for s in stores})},
        )
    for b in buckets:
        if "versioning" not in b.attributes:
            yield ctx.inconclusive(b.id, f"the versioning of bucket {b.name} was not collected")
            continue
        state = b.attributes.get("versioning")
        attrs: dict[str, JSONValue] = {"versioning": state}
        if state is None and b.cloud == "azure":
            yield replace(
                ctx.inconclusive(
                    b.id,
                    f"blob versioning of storage account {b.name} is a blob service property "
                    "Resource Graph does not list, so it was not collected",
                    attributes=attrs,
                ),
                unmodelled="Azure blob versioning (the blobServices/default property "
                "isVersioningEnabled, which the Azure collection does not read)",
            )
            continue
        if state == "Enabled":
            yield ctx.passed(b.id, f"bucket {b.name} has versioning enabled", attributes=attrs)
        else:
            how = str(state).lower() if state else "never enabled"
            yield ctx.failed(
                b.id,
                f"bucket {b.name} has versioning {how}",
                attributes=attrs,
                definite=True,
            )
