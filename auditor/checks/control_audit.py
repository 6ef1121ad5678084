"""control.audit-trail-multi-region and control.audit-log-store: the control path is recorded.

A trail *covers* an account when it was collected in that account, or when it
is an organization trail of a customer account. Verdicts about an account
carry ``account=`` so that a CloudTrail gap there turns them INCONCLUSIVE.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks import Finding, RuleContext, rule
from auditor.checks.control_trust import scanned
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

LOGS_TO = "data.logs_to"


def _trails_covering(graph: BoundaryGraph, account: str) -> list[Resource]:
    decl = graph.declaration
    return [
        t
        for t in graph.of_kind(Kind.AUDIT_TRAIL)
        if t.account == account
        or (
            t.attributes.get("organization_trail") is True
            and decl.party_of(t.cloud, t.account) == "customer"
        )
    ]


def _shortfalls(t: Resource) -> list[str]:
    """What keeps a trail from recording management events (empty when nothing does)."""
    a = t.attributes
    out: list[str] = []
    if a.get("logging") is not True:
        out.append("not logging" if a.get("logging") is False else "logging status unknown")
    if a.get("management_events") is not True:
        out.append("no management events")
    return out


def _trail_json(t: Resource) -> dict[str, JSONValue]:
    keys = ("name", "home_region", "multi_region", "organization_trail", "logging")
    return {k: t.attributes.get(k) for k in (*keys, "management_events")}


def _unscanned(ctx: RuleContext, account: str) -> Finding:
    return ctx.inconclusive(
        scope_id("aws", account, "*"),
        f"customer account {account} was not scanned",
        account=account,
    )


@rule(
    id="control.audit-trail-multi-region",
    path=PathName.CONTROL,
    severity=Severity.HIGH,
    title="Every customer account records management events in every region",
    rationale=(
        "Without a logging trail of management events in every region, role assumptions "
        "and changes by vendors or operators leave no record to audit."
    ),
    remediation=(
        "Create a multi-region trail (or an organization trail) with management events "
        "and keep it logging."
    ),
    requires=("cloudtrail",),
)
def audit_trail_multi_region(ctx: RuleContext) -> Iterator[Finding]:
    decl = ctx.declaration
    regions = sorted(decl.regions_of("aws"))
    for account in sorted(decl.accounts("aws", "customer")):
        if not scanned(ctx.graph, account):
            yield _unscanned(ctx, account)
            continue
        trails = _trails_covering(ctx.graph, account)
        good = [t for t in trails if not _shortfalls(t)]
        sid = scope_id("aws", account, "*")
        attrs: dict[str, JSONValue] = {
            "mode": decl.control.audit.trail,
            "trails": [_trail_json(t) for t in trails],
        }
        nodes = [t.id for t in trails]
        if decl.control.audit.trail == "multi-region":
            good = [t for t in good if t.attributes.get("multi_region") is True]
            uncovered = [] if good else regions
        else:
            uncovered = [
                r
                for r in regions
                if not any(
                    t.attributes.get("multi_region") is True or t.attributes.get("home_region") == r
                    for t in good
                )
            ]
        if not uncovered:
            names = ", ".join(t.name or t.id for t in good)
            yield ctx.passed(
                sid,
                f"account {account} records management events in every region through {names}",
                account=account,
                nodes=nodes,
                attributes=attrs,
            )
            continue
        if not trails:
            why = "no trail was found"
        else:
            why = "; ".join(
                f"{t.name}: "
                + ", ".join(
                    _shortfalls(t)
                    + ([] if t.attributes.get("multi_region") is True else ["single-region"])
                )
                for t in trails
            )
        yield ctx.failed(
            sid,
            f"account {account} has no logging "
            + ("multi-region trail" if decl.control.audit.trail == "multi-region" else "trail")
            + f" with management events covering {', '.join(uncovered)} ({why})",
            account=account,
            nodes=nodes,
            attributes=attrs,
            depends_on=nodes,
        )


@rule(
    id="control.audit-log-store",
    path=PathName.CONTROL,
    severity=Severity.HIGH,
    title="Audit trails write validated logs to a store the declared party owns",
    rationale=(
        "An audit trail is only evidence if the party auditing owns where it lands and can "
        "prove the files were not altered (log file validation)."
    ),
    remediation=(
        "Send the trail to a bucket in a customer account and turn on log file validation."
    ),
    requires=("cloudtrail", "s3"),
)
def audit_log_store(ctx: RuleContext) -> Iterator[Finding]:
    decl = ctx.declaration
    want = decl.control.audit.log_store
    judged: set[str] = set()
    for account in sorted(decl.accounts("aws", "customer")):
        if not scanned(ctx.graph, account):
            yield _unscanned(ctx, account)
            continue
        trails = _trails_covering(ctx.graph, account)
        if not trails:
            yield ctx.inconclusive(
                scope_id("aws", account, "*"),
                f"no trail covers account {account}, so there is no audit log store to judge",
                account=account,
            )
        for t in trails:
            if t.id not in judged:
                judged.add(t.id)
                yield _judge_trail(ctx, t, want)


def _judge_trail(ctx: RuleContext, t: Resource, want: str) -> Finding:
    decl = ctx.declaration
    a = t.attributes
    name = a.get("s3_bucket")
    bucket_id = f"arn:aws:s3:::{name}" if name else ""
    edges = [(r.source, r.target, r.kind) for r in ctx.graph.out_edges(t.id, LOGS_TO)]
    bucket = ctx.graph.get(bucket_id) if bucket_id else None
    collected = bucket is not None and not bucket.attributes.get("stub")
    owner = bucket.account if collected and bucket is not None else None
    party = decl.party_of(t.cloud, owner) if owner else None
    attrs: dict[str, JSONValue] = {
        "s3_bucket": name,
        "log_file_validation": a.get("log_file_validation"),
        "bucket_account": owner,
        "bucket_party": party,
        "required_owner": want,
    }
    common = {
        "attributes": attrs,
        "edges": edges,
        "nodes": [bucket_id] if bucket_id else [],
        "depends_on": [bucket_id] if bucket_id else [],
    }
    problems: list[str] = []
    if a.get("log_file_validation") is False:
        problems.append("log file validation is off")
    if party is not None and want != "any" and party != want:
        problems.append(f"its bucket {name} is in account {owner} ({party}), not a {want} account")
    label = f"trail {t.name or t.id}"
    if problems:
        return ctx.failed(t.id, f"{label}: " + "; ".join(problems), definite=True, **common)
    if not name:
        return ctx.inconclusive(t.id, f"{label} names no S3 bucket", **common)
    if party is None and want != "any":
        return ctx.inconclusive(
            t.id,
            f"{label} writes to bucket {name}, which was not collected, so its owner is unknown",
            **common,
        )
    if a.get("log_file_validation") is not True:
        return ctx.inconclusive(t.id, f"{label}: log file validation status unknown", **common)
    where = f"account {owner} ({party})" if owner else "an uncollected bucket"
    return ctx.passed(t.id, f"{label} writes validated logs to bucket {name} in {where}", **common)
