"""Audit trail rules: the control path is recorded, completely, where the vendor cannot touch it.

- ``control.audit-trail-multi-region``: management events, every region;
- ``control.audit-log-store``: validated logs in a store of the declared party,
  encrypted by that party's KMS key (the trail's own key, or the bucket's default);
- ``control.audit-data-events``: with ``audit.data_events``, data events of every
  data store bucket are logged;
- ``control.audit-trail-tamper``: no principal outside the customer can stop,
  delete or redirect a trail, or re-policy, delete or overwrite its log bucket,
  directly or through a chain of roles.

A trail *covers* an account when it was collected in that account, or when it
is an organization trail of a customer account. Verdicts about an account
carry ``account=`` so that a CloudTrail gap there turns them INCONCLUSIVE.

On Azure the trail is a subscription's Activity Log export (a subscription
diagnostic setting), judged in :mod:`auditor.checks._audit_azure`; on GCP, Cloud
Audit Logs with their log sinks, log buckets and Data Access audit configs,
judged in :mod:`auditor.checks._audit_gcp`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from auditor.analysis.scanned import unlisted_customer_accounts
from auditor.base.edges import LOGS_TO
from auditor.checks import Judgement, RuleContext, _audit_azure, _audit_gcp, rule
from auditor.checks.control_trust import not_scanned, scanned
from auditor.checks.engine import scope_id
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

NO_DATA_EVENTS = "the declaration does not require data events (control.audit.data_events is false)"


def trails_covering(graph: BoundaryGraph, account: str) -> list[Resource]:
    """Trails collected in ``account`` and organization trails of customer accounts (sorted)."""
    index = _trail_index(graph)
    positions = sorted({*index.by_account.get(account, ()), *index.org_wide})
    return [index.trails[i] for i in positions]


@dataclass(frozen=True, kw_only=True)
class _TrailIndex:
    """The graph's trails, with positions by account and of customer organization trails.

    Rules ask per account; scanning every trail each time grows with the square of the
    number of accounts.
    """

    trails: list[Resource]
    by_account: dict[str, list[int]]
    org_wide: list[int]


_TRAIL_INDEXES: weakref.WeakKeyDictionary[BoundaryGraph, _TrailIndex] = weakref.WeakKeyDictionary()


def _trail_index(graph: BoundaryGraph) -> _TrailIndex:
    got = _TRAIL_INDEXES.get(graph)
    if got is None:
        decl = graph.declaration
        trails = graph.of_kind(Kind.AUDIT_TRAIL)
        by_account: dict[str, list[int]] = {}
        org_wide: list[int] = []
        for i, t in enumerate(trails):
            by_account.setdefault(t.account, []).append(i)
            if (
                t.attributes.get("organization_trail") is True
                and decl.party_of(t.cloud, t.account) == "customer"
            ):
                org_wide.append(i)
        got = _TrailIndex(trails=trails, by_account=by_account, org_wide=org_wide)
        _TRAIL_INDEXES[graph] = got
    return got


def shortfalls(t: Resource) -> list[str]:
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


def _unscanned(ctx: RuleContext, account: str) -> Judgement:
    return not_scanned(
        ctx.inconclusive(
            scope_id("aws", account, "*"),
            f"customer account {account} was not scanned",
            account=account,
        ),
        "aws",
        account,
    )


def _trails_read(ctx: RuleContext, account: str) -> bool:
    """Whether CloudTrail was listed in ``account`` (a failed listing leaves a gap instead).

    ``DescribeTrails`` returns shadow copies of multi-region and organization trails, so a
    listing that found none shows that no trail covers the account.
    """
    inv = ctx.graph.inventory
    return any(inv.was_collected("cloudtrail", account, r) for r in inv.scope.regions)


def _not_listed(ctx: RuleContext, account: str, then: str) -> Judgement:
    j = ctx.inconclusive(
        scope_id("aws", account, "*"),
        f"CloudTrail was not read in account {account}, {then}",
        account=account,
    )
    return replace(j, unmodelled="the trails of an account whose CloudTrail was not collected")


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
        "and keep it logging; on Azure, export each subscription's Activity Log "
        "(Administrative) with a subscription diagnostic setting."
    ),
    requires=("cloudtrail", "azure-diagnostics"),
)
def audit_trail_multi_region(ctx: RuleContext) -> Iterator[Judgement]:
    yield from _audit_azure.multi_region(ctx)
    yield from _audit_gcp.multi_region(ctx)
    decl = ctx.declaration
    regions = sorted(decl.regions_of("aws"))
    for account in sorted(decl.accounts("aws", "customer")):
        if not scanned(ctx.graph, account):
            yield _unscanned(ctx, account)
            continue
        trails = trails_covering(ctx.graph, account)
        if not trails and not _trails_read(ctx, account):
            yield _not_listed(ctx, account, "so whether a trail records it is unknown")
            continue
        good = [t for t in trails if not shortfalls(t)]
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
                    shortfalls(t)
                    + ([] if t.attributes.get("multi_region") is True else ["single-region"])
                )
                for t in trails
            )
        yield replace(
            ctx.failed(
                sid,
                f"account {account} has no logging "
                + ("multi-region trail" if decl.control.audit.trail == "multi-region" else "trail")
                + f" with management events covering {', '.join(uncovered)} ({why})",
                account=account,
                nodes=nodes,
                attributes=attrs,
                depends_on=nodes,
            ),
            # the trails that fall short are what to change; with none, the account's trail
            # set (one finding with control.audit-log-store's FAIL on the same absence)
            causes=tuple(sorted(nodes)) or (sid,),
        )


def _no_log_store(ctx: RuleContext, account: str, want: str) -> Judgement:
    """No trail covers ``account``: its management events land in no store at all."""
    if not _trails_read(ctx, account):
        return _not_listed(ctx, account, "so where its audit logs land is unknown")
    owner = "" if want == "any" else f"{want} "
    sid = scope_id("aws", account, "*")
    j = ctx.failed(
        sid,
        f"no trail covers account {account}, so no audit log of it lands in a {owner}store",
        account=account,
        attributes={"trails": [], "required_owner": want},
    )
    return replace(j, causes=(sid,))  # the absence control.audit-trail-multi-region FAILs


def _no_trail_to_protect(ctx: RuleContext, account: str) -> Judgement:
    """No trail covers ``account``: nothing to tamper with (the absence FAILs elsewhere)."""
    if not _trails_read(ctx, account):
        return _not_listed(ctx, account, "so whether a trail can be tampered with is unknown")
    return ctx.nothing_to_judge(
        scope_id("aws", account, "*"),
        f"no trail covers account {account}, so there is no trail to protect "
        "(control.audit-trail-multi-region and control.audit-log-store judge its absence)",
        account=account,
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
        "Send the trail to a bucket in a customer account and turn on log file validation; "
        "on Azure and GCP, export the Activity Log and audit log sinks only to workspaces, "
        "storage or log buckets of customer subscriptions and projects."
    ),
    requires=("cloudtrail", "s3", "azure-diagnostics"),
)
def audit_log_store(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    want = decl.control.audit.log_store
    yield from _audit_azure.log_store(ctx, want)
    yield from _audit_gcp.log_store(ctx, want)
    judged: set[str] = set()
    for account in sorted(decl.accounts("aws", "customer")):
        if not scanned(ctx.graph, account):
            yield _unscanned(ctx, account)
            continue
        trails = trails_covering(ctx.graph, account)
        if not trails:
            yield _no_log_store(ctx, account, want)
        for t in trails:
            if t.id not in judged:
                judged.add(t.id)
                yield _judge_trail(ctx, t, want)


def _judge_trail(ctx: RuleContext, t: Resource, want: str) -> Judgement:
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
    elif party is None and name and want == "customer" and _outside_customer_buckets(ctx, t):
        problems.append(
            f"its bucket {name} is in none of the customer's accounts (each listed its buckets "
            "completely): not a customer log store"
        )
    key_owner, key_how = _log_key(ctx, t, bucket if collected else None)
    attrs["log_key_account"] = key_owner
    attrs["log_key"] = key_how
    key_party = decl.party_of(t.cloud, key_owner) if key_owner else None
    if key_how == "none":
        problems.append("its logs are not encrypted with a KMS key")
    elif key_party is not None and want != "any" and key_party != want:
        problems.append(f"its logs are encrypted by a key in account {key_owner} ({key_party})")
    label = f"trail {t.name or t.id}"
    if problems:
        return ctx.failed(t.id, f"{label}: " + "; ".join(problems), definite=True, **common)
    if key_how == "unknown" and want != "any":
        return ctx.inconclusive(t.id, f"{label}: which key encrypts its logs is unknown", **common)
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
    keyed = f", encrypted by a key of account {key_owner}" if key_owner else ""
    return ctx.passed(
        t.id, f"{label} writes validated logs to bucket {name} in {where}{keyed}", **common
    )


def _outside_customer_buckets(ctx: RuleContext, t: Resource) -> bool:
    """An AWS trail's uncollected bucket is outside the customer: every customer account
    listed its buckets completely (``ListBuckets`` lists an owner's buckets, closed world)."""
    if t.cloud != "aws":
        return False
    return unlisted_customer_accounts(ctx.graph.inventory, ctx.declaration, "aws", ("s3",)) == []


def _log_key(ctx: RuleContext, t: Resource, bucket: Resource | None) -> tuple[str | None, str]:
    """(account of the key encrypting the trail's log files, how): trail SSE-KMS or bucket default.

    ``how`` is ``trail``, ``bucket``, ``none`` (SSE-S3 or nothing) or ``unknown``.
    """
    ref = t.attributes.get("kms_key_id")
    if ref:
        acct = str(ref).split(":")[4] if str(ref).startswith("arn:") else t.account
        return acct, "trail"
    if bucket is None or "encryption" not in bucket.attributes:
        return None, "unknown"
    enc = bucket.attributes.get("encryption")
    if not enc:
        return None, "none"
    if str(enc.get("algorithm", "")).startswith("aws:kms"):
        kid = str(enc.get("kms_key_id") or "")
        acct = kid.split(":")[4] if kid.startswith("arn:") else bucket.account
        return acct, "bucket"
    return None, "none"


def _selector_covers(sel: Any, bucket_name: str) -> tuple[bool, str]:
    """Whether one data event selector records object events of a bucket, and which."""
    arn = f"arn:aws:s3:::{bucket_name}"
    if "DataResources" in sel:
        rw = str(sel.get("ReadWriteType") or "All")
        for dr in sel.get("DataResources") or []:
            if dr.get("Type") != "AWS::S3::Object":
                continue
            for v in dr.get("Values") or []:
                v = str(v)
                if v in ("arn:aws:s3", "arn:aws:s3:::") or v == arn or v.startswith(arn + "/"):
                    return True, rw
        return False, ""
    fields = {str(f.get("Field")): f for f in sel.get("FieldSelectors") or []}
    rtype = fields.get("resources.type")
    if rtype is None or "AWS::S3::Object" not in (rtype.get("Equals") or []):
        return False, ""
    res = fields.get("resources.ARN")
    if res is not None:
        starts = [str(x) for x in res.get("StartsWith") or []]
        equals = [str(x) for x in res.get("Equals") or []]
        if not any(arn.startswith(x) or x.startswith(arn) for x in starts) and arn not in {
            e.split("/", 1)[0] for e in equals
        }:
            return False, ""
    ro = fields.get("readOnly")
    rw = (
        "All" if ro is None else ("ReadOnly" if "true" in (ro.get("Equals") or []) else "WriteOnly")
    )
    return True, rw


@rule(
    id="control.audit-data-events",
    path=PathName.CONTROL,
    severity=Severity.MEDIUM,
    title="Data events of log data stores are recorded when the declaration asks for them",
    rationale=(
        "Management events show who changed a bucket, not who read the log data in it; when "
        "the declaration requires data events, every object read and write must be recorded."
    ),
    remediation=(
        "Add a data event selector (AWS::S3::Object, ReadWriteType All) for each data store "
        "bucket to a logging trail of its account; on Azure, send StorageRead/StorageWrite "
        "(blob service), Key Vault AuditEvent and Event Hubs RuntimeAuditLogs to a "
        "destination; on GCP, enable DATA_READ and DATA_WRITE audit logs for the services."
    ),
    requires=("cloudtrail", "s3", "azure-diagnostics", "cloudasset-iam"),
)
def audit_data_events(ctx: RuleContext) -> Iterator[Judgement]:
    from auditor.analysis.boundary_scope import data_stores

    decl = ctx.declaration
    if not decl.control.audit.data_events:
        yield ctx.not_applicable(
            "scope:aws/*/*",
            "the declaration does not require data events (control.audit.data_events is false)",
            attributes={"data_events": False},
        )
        yield from ctx.not_judged_on(("azure", "gcp"), NO_DATA_EVENTS)
        return
    stores = data_stores(ctx.graph)
    yield from _audit_azure.data_events(ctx, stores)
    yield from _audit_gcp.data_events(ctx, stores)
    buckets = [s for s in stores if s.kind == Kind.BUCKET and s.cloud == "aws"]
    if not buckets:
        for account in sorted(decl.accounts("aws", "customer")):
            if scanned(ctx.graph, account):
                yield ctx.nothing_to_judge(
                    scope_id("aws", account, "*"),
                    f"no data store bucket was found in account {account} to judge",
                    account=account,
                )
            else:
                yield _unscanned(ctx, account)
        return
    for b in buckets:
        trails = [t for t in trails_covering(ctx.graph, b.account) if not shortfalls(t)]
        if not trails and not scanned(ctx.graph, b.account):
            yield not_scanned(
                ctx.inconclusive(b.id, f"account {b.account} was not scanned"), "aws", b.account
            )
            continue
        modes: dict[str, str] = {}
        for t in trails:
            for sel in t.attributes.get("data_event_selectors") or []:
                hit, rw = _selector_covers(sel, b.name)
                if hit:
                    modes[t.name or t.id] = "All" if modes.get(t.name or t.id) else rw
        kinds = set(modes.values())
        attrs: dict[str, JSONValue] = {"trails": [t.id for t in trails], "coverage": modes}
        nodes = [t.id for t in trails]
        if "All" in kinds or {"ReadOnly", "WriteOnly"} <= kinds:
            yield ctx.passed(
                b.id,
                f"object reads and writes of bucket {b.name} are recorded by "
                + ", ".join(sorted(modes)),
                attributes=attrs,
                nodes=nodes,
                depends_on=nodes,
            )
        else:
            what = f"only {'/'.join(sorted(kinds))} events" if kinds else "no data events"
            yield ctx.failed(
                b.id,
                f"bucket {b.name} holds log data but its account's logging trails record {what}",
                attributes=attrs,
                nodes=nodes,
                depends_on=nodes,
            )


_TAMPER_BUCKET_CAPS = ("bucket.policy_change", "bucket.delete", "data.write")


@rule(
    id="control.audit-trail-tamper",
    path=PathName.CONTROL,
    severity=Severity.CRITICAL,
    title="No outside principal can stop, delete or redirect the audit trail",
    rationale=(
        "An audit trail the vendor can stop, reconfigure or whose log bucket it can re-policy "
        "or empty is no record of what the vendor did."
    ),
    remediation=(
        "Remove cloudtrail:StopLogging/DeleteTrail/UpdateTrail/PutEventSelectors and the log "
        "bucket's s3:PutBucketPolicy/DeleteBucket/DeleteObject from every role an outside "
        "principal can reach; add explicit Deny statements or an SCP. On Azure, keep "
        "diagnosticSettings/write and the destination's write out of outside roles, or lock "
        "its immutability policy; on GCP, export to a locked log bucket or a bucket with a "
        "locked retention policy and keep sink-writing roles from outside members."
    ),
    requires=("cloudtrail", "iam", "s3", "azure-diagnostics", "azure-authorization"),
)
def audit_trail_tamper(ctx: RuleContext) -> Iterator[Judgement]:
    from auditor.analysis.access import access_model
    from auditor.checks.control_access import _judge_reach, reach

    yield from _audit_azure.tamper(ctx)
    yield from _audit_gcp.tamper(ctx)
    decl = ctx.declaration
    model = access_model(ctx.graph)
    outsiders = sorted({*model.outsiders(), *(va.principal for va in decl.control.vendor_access)})
    seen: set[str] = set()
    for account in sorted(decl.accounts("aws", "customer")):
        if not scanned(ctx.graph, account):
            yield _unscanned(ctx, account)
            continue
        trails = trails_covering(ctx.graph, account)
        if not trails:
            yield _no_trail_to_protect(ctx, account)
        for t in trails:
            if t.id in seen:
                continue
            seen.add(t.id)
            hits = [h for o in outsiders for h in reach(model, o, t, ("trail.tamper",))]
            bucket = ctx.graph.get(f"arn:aws:s3:::{t.attributes.get('s3_bucket')}")
            if bucket is not None and not bucket.attributes.get("stub"):
                hits += [h for o in outsiders for h in reach(model, o, bucket, _TAMPER_BUCKET_CAPS)]
            elif t.attributes.get("s3_bucket"):
                if _outside_customer_buckets(ctx, t):
                    yield ctx.failed(
                        t.id,
                        f"trail {t.name}: its log bucket {t.attributes.get('s3_bucket')} is in "
                        "none of the customer's accounts (each listed its buckets completely): "
                        "its owner outside the customer can delete or alter the logs",
                        definite=True,
                    )
                else:
                    yield ctx.inconclusive(
                        t.id,
                        f"trail {t.name}: its log bucket was not collected, so who can change it "
                        "is unknown",
                    )
                continue
            yield _judge_reach(
                ctx,
                t,
                hits,
                "a principal outside the customer can stop, change or redirect it",
                f"none of the {len(outsiders)} outside principal(s) can stop, delete or "
                "reconfigure it, or re-policy, delete or overwrite its log bucket",
            )
