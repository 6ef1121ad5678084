"""The GCP meaning of the audit rules: Cloud Audit Logs, log sinks and log buckets.

Admin Activity audit logs cannot be turned off: every project writes them, for
every region, to its own ``_Required`` log bucket (400 days; nobody can change or
delete it). So:

- multi-region: PASS for a customer project whose ``_Required`` bucket was listed
  (INCONCLUSIVE otherwise); it cannot FAIL on GCP;
- log store: the project's logs are in its own ``_Required`` bucket (a store of the
  project's party), and every enabled sink that routes audit logs (empty filter, or a
  filter naming ``cloudaudit.googleapis.com`` other than in a ``NOT``) of the project,
  or of a folder/organisation with ``includeChildren``, must write to a destination of
  ``control.audit.log_store``'s party (a bucket's owner is known only when the bucket
  was collected; a bucket absent although every customer project was listed completely
  is in none of them, so outside the customer);
- tamper: each such sink's destination is locked (a locked log bucket, or a storage
  bucket with a locked retention policy; BigQuery and Pub/Sub have no lock), and no
  member outside the customer holds a role that writes sinks (owner, editor,
  logging admin or config writer) on the project or a scanned folder/organisation;
  without an export sink the ``_Required`` bucket is the record, and it is locked;
- data events: the Data Access audit configs of the project and of the scanned
  folders/organisation enable ``DATA_READ`` and ``DATA_WRITE`` for the data stores'
  services (``storage``, ``managedkafka``, ``cloudkms`` for their keys) or
  ``allServices``, with no member exempted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from auditor.analysis.gcp_iam import IAM_UNIT
from auditor.analysis.scanned import unlisted_customer_accounts
from auditor.base.edges import ENCRYPTED_BY
from auditor.checks import Judgement, RuleContext
from auditor.checks.control_trust import not_scanned, scanned
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, Resource

_NEGATED = re.compile(r"NOT\s+(?:LOG_ID\([^)]*\)|logName\s*[:=]\s*\"[^\"]*\")", re.IGNORECASE)
BUILT_IN = ("_Required", "_Default")


def customer_projects(ctx: RuleContext) -> list[str]:
    return sorted(set(ctx.declaration.accounts("gcp", "customer")))


def _unscanned(ctx: RuleContext, project: str) -> Judgement:
    return not_scanned(
        ctx.inconclusive(
            scope_id("gcp", project, "*"),
            f"customer project {project} was not scanned",
            account=project,
        ),
        "gcp",
        project,
    )


def routes_audit(sink: Resource) -> bool:
    """Whether an enabled sink routes Cloud Audit Logs (by its inclusion filter)."""
    a = sink.attributes
    if a.get("disabled"):
        return False
    text = _NEGATED.sub("", str(a.get("filter") or ""))
    return not str(a.get("filter") or "").strip() or "cloudaudit.googleapis.com" in text


def sinks_covering(ctx: RuleContext, project: str) -> list[Resource]:
    """Sinks of the project, and folder/organisation sinks that include their children."""
    out = []
    for s in ctx.graph.of_kind("log_sink"):
        parent = str(s.attributes.get("parent") or "")
        if parent.startswith("projects/"):
            if s.account == project:
                out.append(s)
        elif s.attributes.get("include_children"):
            out.append(s)
    return sorted(out, key=lambda s: s.id)


def export_sinks(ctx: RuleContext, project: str) -> list[Resource]:
    return [s for s in sinks_covering(ctx, project) if routes_audit(s) and s.name not in BUILT_IN]


def required_bucket(ctx: RuleContext, project: str) -> Resource | None:
    for b in ctx.graph.of_kind("log_bucket"):
        if b.account == project and b.attributes.get("bucket_name") == "_Required":
            return b
    return None


def multi_region(ctx: RuleContext) -> Iterator[Judgement]:
    for project in customer_projects(ctx):
        if not scanned(ctx.graph, project):
            yield _unscanned(ctx, project)
            continue
        req = required_bucket(ctx, project)
        sid = scope_id("gcp", project, "*")
        if req is None:
            yield ctx.inconclusive(
                sid,
                f"project {project}: its _Required log bucket was not listed, so where its Admin "
                "Activity audit logs are kept was not seen",
                account=project,
            )
            continue
        yield ctx.passed(
            sid,
            f"project {project} records Admin Activity audit logs in every region (they cannot "
            f"be turned off) in its _Required log bucket ({req.attributes.get('retention_days')} "
            "days)",
            account=project,
            nodes=[req.id],
        )


def _destination_owner(ctx: RuleContext, sink: Resource) -> str | None:
    """The project owning the sink's destination (named, or of the collected bucket)."""
    a = sink.attributes
    if a.get("destination_project"):
        return str(a["destination_project"])
    dest = ctx.graph.get(str(a.get("destination_id") or ""))
    if dest is not None and not dest.attributes.get("stub") and dest.account:
        return dest.account
    return None


@dataclass(kw_only=True)
class _Stores:
    """Where a project's audit log sinks write, sorted by what is known of each owner."""

    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    rows: list[JSONValue] = field(default_factory=list)
    culprits: list[str] = field(default_factory=list)
    """The sinks behind ``problems``: what must change."""


def _sink_stores(ctx: RuleContext, project: str, sinks: list[Resource], want: str) -> _Stores:
    """Each sink's destination owner and party, and the sinks that break ``want``.

    A destination bucket absent from the inventory is outside the customer when every
    customer project was listed completely (closed world); otherwise its owner is unknown.
    """
    decl = ctx.declaration
    closed = unlisted_customer_accounts(ctx.graph.inventory, decl, "gcp") == []
    out = _Stores(parties=[decl.party_of("gcp", project)])
    for s in sinks:
        owner = _destination_owner(ctx, s)
        party = decl.party_of("gcp", owner) if owner else None
        dest = s.attributes.get("destination")
        out.rows.append({"sink": s.id, "destination": dest, "project": owner, "party": party})
        if party is None and closed and want == out.parties[0]:
            out.culprits.append(s.id)
            out.problems.append(
                f"sink {s.name} copies audit logs to {dest}, which is in none of the customer "
                f"projects (all were listed completely): outside the {want}"
            )
        elif party is None:
            out.unknown.append(f"sink {s.name}: the owner of {dest} is unknown (not collected)")
        else:
            out.parties.append(party)
            if want != "any" and party != want:
                out.culprits.append(s.id)
                out.problems.append(
                    f"sink {s.name} copies audit logs to {dest} in project {owner} ({party}), "
                    f"not a {want} project"
                )
    return out


def log_store(ctx: RuleContext, want: str) -> Iterator[Judgement]:
    for project in customer_projects(ctx):
        if not scanned(ctx.graph, project):
            yield _unscanned(ctx, project)
            continue
        sinks = export_sinks(ctx, project)
        stores = _sink_stores(ctx, project, sinks, want)
        problems, unknown, parties, rows = (
            stores.problems,
            stores.unknown,
            stores.parties,
            stores.rows,
        )
        attrs: dict[str, JSONValue] = {"sinks": rows, "required_owner": want}
        sid = scope_id("gcp", project, "*")
        nodes = [s.id for s in sinks]
        if problems:
            yield replace(
                ctx.failed(
                    sid,
                    f"project {project}: " + "; ".join(problems),
                    account=project,
                    attributes=attrs,
                    nodes=nodes,
                    definite=True,
                ),
                causes=tuple(sorted(stores.culprits)),
            )
        elif unknown:
            yield ctx.inconclusive(
                sid,
                f"project {project}: " + "; ".join(unknown),
                account=project,
                attributes=attrs,
                nodes=nodes,
            )
        elif want != "any" and want not in parties:
            yield ctx.failed(
                sid,
                f"project {project}: no audit log sink writes to a {want} store",
                account=project,
                attributes=attrs,
                nodes=nodes,
            )
        elif required_bucket(ctx, project) is None and not sinks:
            yield ctx.inconclusive(
                sid,
                f"project {project}: neither its _Required log bucket nor an audit log sink "
                "was listed, so where its audit logs are kept was not seen",
                account=project,
                attributes=attrs,
            )
        else:
            via = f" and sinks {', '.join(s.name for s in sinks)}" if sinks else ""
            yield ctx.passed(
                sid,
                f"project {project} keeps its audit logs in its own _Required bucket{via}, all "
                f"in {want if want != 'any' else 'declared'} projects",
                account=project,
                attributes=attrs,
                nodes=nodes,
            )


def _locked(ctx: RuleContext, sink: Resource) -> tuple[bool | None, str]:
    a = sink.attributes
    dtype = a.get("destination_type")
    dest = ctx.graph.get(str(a.get("destination_id") or ""))
    if dtype in ("bigquery", "pubsub"):
        return False, f"a {dtype} destination has no retention lock"
    if dest is None or dest.attributes.get("stub"):
        return None, f"its destination {a.get('destination')} was not collected"
    if dtype == "logging":
        locked = dest.attributes.get("locked")
        return (
            bool(locked),
            "the log bucket is locked" if locked else "the log bucket is not locked",
        )
    lock = dest.attributes.get("object_lock") or {}
    if lock.get("mode") == "LOCKED":
        return True, "the bucket's retention policy is locked"
    return False, "the bucket has no locked retention policy"


SINK_WRITERS = ("roles/owner", "roles/editor", "roles/logging.admin", "roles/logging.configWriter")
"""Predefined roles granting ``logging.sinks.update``/``delete``: who can stop or redirect
a sink."""


def sink_writers(ctx: RuleContext, project: str) -> list[str]:
    """Members outside the customer (not Google's agents) holding a sink-writing role on the
    project or on a scanned folder/organisation above it."""
    return sorted({text for text, _ in _sink_writer_bindings(ctx, project)})


def _sink_writer_bindings(ctx: RuleContext, project: str) -> list[tuple[str, str]]:
    """(``member (role on where)``, id of the resource whose IAM policy holds the binding)."""
    from auditor.analysis.gcp_iam import member_party

    out: set[tuple[str, str]] = set()
    for kind in (Kind.ACCOUNT, "folder", "organization"):
        for res in ctx.graph.of_kind(kind):
            if res.cloud != "gcp" or (kind == Kind.ACCOUNT and res.account != project):
                continue
            for b in res.attributes.get("iam_bindings") or []:
                if str(b.get("role")) not in SINK_WRITERS:
                    continue
                for m in b.get("members") or []:
                    if member_party(ctx.declaration, str(m)) not in ("customer", "provider"):
                        out.add((f"{m} ({b.get('role')} on {res.name or res.id})", res.id))
    return sorted(out)


def tamper(ctx: RuleContext) -> Iterator[Judgement]:
    for project in customer_projects(ctx):
        if not scanned(ctx.graph, project):
            yield _unscanned(ctx, project)
            continue
        sinks = export_sinks(ctx, project)
        if not sinks:
            req = required_bucket(ctx, project)
            sid = scope_id("gcp", project, "*")
            if req is None:
                yield ctx.inconclusive(
                    sid,
                    f"project {project}: its _Required log bucket was not listed",
                    account=project,
                )
            else:
                yield ctx.passed(
                    sid,
                    f"project {project} keeps its audit logs in _Required, which "
                    "nobody can delete or shorten",
                    account=project,
                    nodes=[req.id],
                )
            continue
        writers = sink_writers(ctx, project)
        bindings = tuple(sorted({r for _, r in _sink_writer_bindings(ctx, project)}))
        iam_read = ctx.graph.inventory.was_collected(IAM_UNIT, project)
        for s in sinks:
            yield _sink_writers(ctx, s, writers, bindings, iam_read=iam_read)
            yield _sink_retention(ctx, s)


def _sink_label(sink: Resource) -> str:
    return f"audit log sink {sink.name} ({sink.attributes.get('destination')})"


def _sink_writers(
    ctx: RuleContext,
    sink: Resource,
    writers: list[str],
    bindings: tuple[str, ...],
    *,
    iam_read: bool,
) -> Judgement:
    """Aspect ``writers``: no member outside the customer may change or delete the sink.

    Its own verdict (not folded into the lock's) because the fix differs: the IAM
    policies granting sink writing, not the destination.
    """
    attrs: dict[str, JSONValue] = {
        "destination": sink.attributes.get("destination"),
        "outside_writers": list(writers),
    }
    if writers:
        return replace(
            ctx.failed(
                sink.id,
                f"{_sink_label(sink)}: {', '.join(writers)} can change or delete the sink",
                attributes=attrs,
                definite=True,
            ),
            causes=bindings,
            aspect="writers",
        )
    if not iam_read:
        return replace(
            ctx.inconclusive(
                sink.id,
                f"{_sink_label(sink)}: the project's IAM policy was not read, so who may "
                "change the sink is unknown",
                attributes=attrs,
            ),
            aspect="writers",
        )
    return replace(
        ctx.passed(
            sink.id,
            f"{_sink_label(sink)}: no member outside the customer holds a sink-writing role "
            f"({', '.join(SINK_WRITERS)}) on the project or a scanned folder above it",
            attributes=attrs,
        ),
        aspect="writers",
    )


def _retention_causes(ctx: RuleContext, sink: Resource) -> tuple[str, ...]:
    """What to change: a collected log or storage bucket's lock; else (BigQuery, Pub/Sub,
    a destination outside the inventory) the sink, whose destination must move."""
    dest = ctx.graph.get(str(sink.attributes.get("destination_id") or ""))
    lockable = sink.attributes.get("destination_type") not in ("bigquery", "pubsub")
    if dest is not None and lockable and not dest.attributes.get("stub"):
        return (dest.id,)
    return (sink.id,)


def _sink_retention(ctx: RuleContext, sink: Resource) -> Judgement:
    """Aspect ``retention``: the sink's destination is locked, so logs cannot go early."""
    locked, why = _locked(ctx, sink)
    label = _sink_label(sink)
    attrs: dict[str, JSONValue] = {"destination": sink.attributes.get("destination")}
    dest = str(sink.attributes.get("destination_id") or "")
    if locked is None:
        j = replace(
            ctx.inconclusive(sink.id, f"{label}: {why}", attributes=attrs),
            unmodelled=f"the retention lock of {sink.attributes.get('destination')}, "
            "which is in no scanned project",
        )
    elif locked:
        j = ctx.passed(
            sink.id,
            f"{label}: {why}, so its logs cannot be deleted early",
            attributes=attrs,
            nodes=[dest],
        )
    else:
        j = replace(
            ctx.failed(
                sink.id,
                f"{label}: {why}: exported audit logs can be deleted or altered",
                attributes=attrs,
                nodes=[dest] if dest else [],
            ),
            causes=_retention_causes(ctx, sink),
        )
    return replace(j, aspect="retention")


_SERVICES: dict[str, str] = {
    Kind.BUCKET: "storage.googleapis.com",
    Kind.KAFKA_CLUSTER: "managedkafka.googleapis.com",
    Kind.KEY: "cloudkms.googleapis.com",
}


def _configs(ctx: RuleContext, project: str) -> list[Resource]:
    out = []
    for c in ctx.graph.of_kind("audit_config"):
        target = str(c.attributes.get("target") or "")
        if "/projects/" in target:
            if c.account == project:
                out.append(c)
        else:
            out.append(c)  # a scanned folder or organisation: its projects inherit it
    return out


def data_events(ctx: RuleContext, stores: Sequence[Resource]) -> Iterator[Judgement]:
    targets: dict[str, Resource] = {}
    for st in stores:
        if st.cloud != "gcp":
            continue
        if st.kind in _SERVICES:
            targets[st.id] = st
        for rel in ctx.graph.out_edges(st.id, ENCRYPTED_BY):
            key = ctx.graph.get(rel.target)
            if key is not None and key.cloud == "gcp" and not key.attributes.get("stub"):
                targets[key.id] = key
    for rid, res in sorted(targets.items()):
        service = _SERVICES.get(res.kind)
        if service is None:
            continue
        configs = _configs(ctx, res.account)
        types: set[str] = set()
        exempt: set[str] = set()
        for c in configs:
            for svc in (service, "allServices"):
                got = (c.attributes.get("services") or {}).get(svc) or {}
                types |= set(got.get("log_types") or [])
                for lt in ("DATA_READ", "DATA_WRITE"):
                    exempt |= set((got.get("exempted") or {}).get(lt) or [])
        attrs: dict[str, JSONValue] = {
            "service": service,
            "log_types": sorted(types),
            "exempted": sorted(exempt),
            "configs": [c.id for c in configs],
        }
        label = f"{res.kind} {res.name or rid}"
        missing = sorted({"DATA_READ", "DATA_WRITE"} - types)
        if not configs and not ctx.graph.inventory.was_collected("cloudasset-iam", res.account):
            yield ctx.inconclusive(
                rid,
                f"{label}: the IAM policy (audit config) of project {res.account} was not read",
                attributes=attrs,
            )
        elif missing or exempt:
            what = f"{', '.join(missing)} not logged" if missing else ""
            if exempt:
                what += ("; " if what else "") + f"exempted: {', '.join(sorted(exempt))}"
            # one audit configuration leaves every store of the service unlogged: it is
            # what to change (else, with none, the project's IAM policy)
            yield replace(
                ctx.failed(
                    rid,
                    f"{label}: Data Access audit logs of {service}: {what}",
                    attributes=attrs,
                    nodes=[c.id for c in configs],
                ),
                causes=tuple(sorted(c.id for c in configs)),
            )
        else:
            yield ctx.passed(
                rid,
                f"{label}: DATA_READ and DATA_WRITE of {service} are logged",
                attributes=attrs,
                nodes=[c.id for c in configs],
            )
