"""The GCP meaning of the audit rules: Cloud Audit Logs, log sinks and log buckets.

Admin Activity audit logs cannot be turned off: every project writes them, for
every region, to its own ``_Required`` log bucket (400 days; nobody can change or
delete it). So:

- multi-region: PASS for a customer project whose ``_Required`` bucket was listed
  (INCONCLUSIVE otherwise); it cannot FAIL on GCP;
- which sinks: the project's own, and those of the folders and organisation above it
  (by the project's collected ancestry) with ``includeChildren``; an enabled sink
  routes audit logs as :mod:`auditor.checks._gcp_sink_filter` reads its filter and
  exclusions. A sink whose filter cannot be decided, or a folder/organisation sink
  over a project whose ancestry was not collected, may route them: what it would
  break is INCONCLUSIVE (the filter unmodelled, or the ancestry a gap), never PASS;
- log store: the project's logs are in its own ``_Required`` bucket (a store of the
  project's party), and every sink routing its audit logs must write to a
  destination of ``control.audit.log_store``'s party (a bucket's owner is known only
  when the bucket was collected; a bucket absent although every customer project was
  listed completely is in none of them, so outside the customer);
- tamper: each such sink's destination is locked (a locked log bucket, or a storage
  bucket with a locked retention policy; BigQuery and Pub/Sub have no lock), and no
  member outside the customer holds a role that writes sinks (owner, editor,
  logging admin or config writer) on the project or a scanned folder/organisation
  above it;
  without an export sink the ``_Required`` bucket is the record, and it is locked;
- data events: the Data Access audit configs of the project (its IAM policy must have
  been read) and of the scanned folders/organisation above it enable ``DATA_READ``
  and ``DATA_WRITE`` for the data stores' services (``storage``, ``managedkafka``,
  ``cloudkms`` for their keys) or ``allServices``, with no member exempted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from auditor.analysis.gcp_iam import IAM_UNIT, ancestry
from auditor.analysis.scanned import listing_gaps, unlisted_customer_accounts
from auditor.base.edges import ENCRYPTED_BY
from auditor.checks import Judgement, RuleContext
from auditor.checks._gcp_sink_filter import Routes, routes_after_exclusions
from auditor.checks.control_trust import not_scanned, scanned
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, Resource, Status

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


@dataclass(frozen=True, kw_only=True)
class Doubt:
    """Why a judgement cannot be made: a collection gap, or a feature the model cannot read."""

    text: str
    gap: bool


def doubted(j: Judgement, doubts: Iterable[Doubt]) -> Judgement:
    """``j`` carrying its doubts: gaps as evidence gaps, the rest as ``unmodelled``."""
    doubts = list(doubts)
    gaps = {d.text for d in doubts if d.gap}
    unmodelled = sorted({d.text for d in doubts if not d.gap} | ({j.unmodelled} - {""}))
    return replace(
        j,
        evidence=replace(j.evidence, gaps=tuple(sorted({*j.evidence.gaps, *gaps}))),
        unmodelled="; ".join(unmodelled),
    )


def _unread_ancestry(project: str) -> Doubt:
    return Doubt(
        text=f"gcp {project}: its project asset (its folder and organisation ancestry) was not "
        "collected, so which folder and organisation settings cover it is unknown",
        gap=True,
    )


def _unread_iam(project: str) -> Doubt:
    return Doubt(text=f"gcp {project}: its IAM policy ({IAM_UNIT}) was not read", gap=True)


def _unlisted_required(project: str) -> Doubt:
    return Doubt(
        text=f"gcp {project}: no _Required log bucket in the collected listing "
        "(logging.googleapis.com/LogBucket)",
        gap=True,
    )


def routes_audit(sink: Resource) -> Routes:
    """Whether a sink routes Cloud Audit Logs: a disabled one does not; else its inclusion
    filter less its enabled exclusions (UNKNOWN when their filters were not collected)."""
    a = sink.attributes
    if a.get("disabled"):
        return Routes.NO
    excl = a.get("exclusion_filters")
    if excl is None and a.get("exclusions"):
        return Routes.UNKNOWN
    parent = str(a.get("parent") or "")
    if parent.startswith("projects/"):
        own = f"projects/{sink.account}"  # log names carry the project id
    else:
        own = "" if a.get("include_children") else parent
    return routes_after_exclusions(str(a.get("filter") or ""), [str(x) for x in excl or []], own)


@dataclass(frozen=True, kw_only=True)
class Cover:
    """The sinks routing a project's audit logs: for certain, and those that may."""

    sure: tuple[Resource, ...] = ()
    maybe: tuple[tuple[Resource, tuple[Doubt, ...]], ...] = ()


def _filter_doubt(sink: Resource) -> Doubt:
    a = sink.attributes
    excl = a.get("exclusion_filters", a.get("exclusions")) or []
    return Doubt(
        text=f"sink filter expression of {sink.name} ({str(a.get('filter') or '')!r}"
        + (f", exclusions {excl}" if excl else "")
        + "): whether it selects Cloud Audit Logs",
        gap=False,
    )


def export_sinks(ctx: RuleContext, project: str) -> Cover:
    """The project's own sinks, and the sinks with ``includeChildren`` of the folders and
    organisation above it (by its collected ancestry), that route or may route its audit
    logs (the built-in ``_Required`` and ``_Default`` excepted)."""
    number, above = ancestry(ctx.graph, project)
    sure: list[Resource] = []
    maybe: list[tuple[Resource, tuple[Doubt, ...]]] = []
    for s in sorted(ctx.graph.of_kind("log_sink"), key=lambda s: s.id):
        parent = str(s.attributes.get("parent") or "")
        doubts: list[Doubt] = []
        if parent.startswith("projects/"):
            if s.account != project or s.name in BUILT_IN:
                continue
        elif not s.attributes.get("include_children"):
            continue  # a folder's or organisation's own entries only
        elif not number:
            doubts.append(_unread_ancestry(project))
        elif parent not in above:
            continue
        routes = routes_audit(s)
        if routes is Routes.NO:
            continue
        if routes is Routes.UNKNOWN:
            doubts.append(_filter_doubt(s))
        if doubts:
            maybe.append((s, tuple(doubts)))
        else:
            sure.append(s)
    return Cover(sure=tuple(sure), maybe=tuple(maybe))


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
            yield doubted(
                ctx.inconclusive(
                    sid,
                    f"project {project}: its _Required log bucket was not listed, so where its "
                    "Admin Activity audit logs are kept was not seen",
                    account=project,
                ),
                [_unlisted_required(project)],
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
        yield _log_store_of(ctx, project, want)


def _undecided(
    ctx: RuleContext, project: str, cover: Cover, want: str
) -> tuple[list[str], list[Doubt]]:
    """The sinks that may route the project's audit logs to a store breaking ``want``,
    and why they may (a sink that may route them only to ``want``'s stores breaks nothing)."""
    said: list[str] = []
    doubts: list[Doubt] = []
    for s, why in cover.maybe:
        st = _sink_stores(ctx, project, [s], want)
        if st.problems or st.unknown:
            said.append(
                f"sink {s.name} may route audit logs: {'; '.join(st.problems + st.unknown)}"
            )
            doubts.extend(why)
    return said, doubts


def _log_store_of(ctx: RuleContext, project: str, want: str) -> Judgement:
    cover = export_sinks(ctx, project)
    sinks = list(cover.sure)
    stores = _sink_stores(ctx, project, sinks, want)
    undecided, doubts = _undecided(ctx, project, cover, want)
    attrs: dict[str, JSONValue] = {"sinks": stores.rows, "required_owner": want}
    sid = scope_id("gcp", project, "*")
    nodes = [s.id for s in sinks] + [s.id for s, _ in cover.maybe]
    if stores.problems:
        return replace(
            ctx.failed(
                sid,
                f"project {project}: " + "; ".join(stores.problems),
                account=project,
                attributes=attrs,
                nodes=nodes,
                definite=True,
            ),
            causes=tuple(sorted(stores.culprits)),
        )
    if stores.unknown or undecided:
        listing = [
            Doubt(text=g, gap=True)
            for g in listing_gaps(ctx.graph.inventory, ctx.declaration, "gcp")
        ]
        if stores.unknown and not listing:
            listing = [Doubt(text=f"the owner of {u}", gap=False) for u in stores.unknown]
        j = ctx.inconclusive(
            sid,
            f"project {project}: " + "; ".join(stores.unknown + undecided),
            account=project,
            attributes=attrs,
            nodes=nodes,
        )
        return doubted(j, [*doubts, *(listing if stores.unknown else [])])
    if want != "any" and want not in stores.parties:
        return ctx.failed(
            sid,
            f"project {project}: no audit log sink writes to a {want} store",
            account=project,
            attributes=attrs,
            nodes=nodes,
        )
    if required_bucket(ctx, project) is None and not sinks:
        return doubted(
            ctx.inconclusive(
                sid,
                f"project {project}: neither its _Required log bucket nor an audit log sink "
                "was listed, so where its audit logs are kept was not seen",
                account=project,
                attributes=attrs,
            ),
            [_unlisted_required(project)],
        )
    via = f" and sinks {', '.join(s.name for s in sinks)}" if sinks else ""
    return ctx.passed(
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


@dataclass(frozen=True, kw_only=True)
class _Writers:
    """Outside members who may change a project's sinks, and what keeps that unknown."""

    bindings: tuple[tuple[str, str], ...]
    """(``member (role on where)``, id of the resource whose IAM policy holds the binding)."""
    unknown: tuple[Doubt, ...]

    @property
    def members(self) -> list[str]:
        return sorted({text for text, _ in self.bindings})

    @property
    def causes(self) -> tuple[str, ...]:
        return tuple(sorted({rid for _, rid in self.bindings}))


def _outside_writers(ctx: RuleContext, res: Resource) -> set[tuple[str, str]]:
    from auditor.analysis.gcp_iam import member_party

    out: set[tuple[str, str]] = set()
    for b in res.attributes.get("iam_bindings") or []:
        if str(b.get("role")) not in SINK_WRITERS:
            continue
        for m in b.get("members") or []:
            if member_party(ctx.declaration, str(m)) not in ("customer", "provider"):
                out.add((f"{m} ({b.get('role')} on {res.name or res.id})", res.id))
    return out


def sink_writers(ctx: RuleContext, project: str) -> _Writers:
    """Members outside the customer (not Google's agents) holding a sink-writing role on the
    project or on a scanned folder/organisation above it (by the project's ancestry).

    Unknown: the project's IAM policy unread, or outside sink writers on a scanned
    folder/organisation that cannot be placed above or beside the project (its ancestry
    was not collected).
    """
    number, above = ancestry(ctx.graph, project)
    over = {f"//cloudresourcemanager.googleapis.com/{a}" for a in above}
    out: set[tuple[str, str]] = set()
    unknown: list[Doubt] = []
    if not ctx.graph.inventory.was_collected(IAM_UNIT, project):
        unknown.append(_unread_iam(project))
    for kind in (Kind.ACCOUNT, "folder", "organization"):
        for res in ctx.graph.of_kind(kind):
            if res.cloud != "gcp" or (kind == Kind.ACCOUNT and res.account != project):
                continue
            found = _outside_writers(ctx, res)
            if kind == Kind.ACCOUNT or res.id in over:
                out |= found
            elif found and not number:
                unknown.append(_unread_ancestry(project))
    return _Writers(bindings=tuple(sorted(out)), unknown=tuple(dict.fromkeys(unknown)))


def _unsure(j: Judgement, doubts: Sequence[Doubt]) -> Judgement:
    """A sink judgement when the sink may not route the project's audit logs at all: what
    would FAIL is INCONCLUSIVE (with why), what holds holds."""
    if j.status is not Status.FAIL:
        return j
    j = replace(
        j,
        status=Status.INCONCLUSIVE,
        message=f"{j.message} (if the sink routes the project's audit logs)",
        definite=False,
        causes=(),
    )
    return doubted(j, doubts)


def tamper(ctx: RuleContext) -> Iterator[Judgement]:
    for project in customer_projects(ctx):
        if not scanned(ctx.graph, project):
            yield _unscanned(ctx, project)
            continue
        cover = export_sinks(ctx, project)
        if not cover.sure and not cover.maybe:
            yield _required_only(ctx, project)
            continue
        writers = sink_writers(ctx, project)
        for s in cover.sure:
            yield _sink_writers(ctx, s, writers.members, writers.causes, unknown=writers.unknown)
            yield _sink_retention(ctx, s)
        for s, why in cover.maybe:
            w = _sink_writers(ctx, s, writers.members, writers.causes, unknown=writers.unknown)
            yield _unsure(w, why)
            yield _unsure(_sink_retention(ctx, s), why)


def _required_only(ctx: RuleContext, project: str) -> Judgement:
    """No export sink: the ``_Required`` bucket is the record, and nobody can shorten it."""
    req = required_bucket(ctx, project)
    sid = scope_id("gcp", project, "*")
    if req is None:
        return doubted(
            ctx.inconclusive(
                sid, f"project {project}: its _Required log bucket was not listed", account=project
            ),
            [_unlisted_required(project)],
        )
    return ctx.passed(
        sid,
        f"project {project} keeps its audit logs in _Required, which nobody can delete or shorten",
        account=project,
        nodes=[req.id],
    )


def _sink_label(sink: Resource) -> str:
    return f"audit log sink {sink.name} ({sink.attributes.get('destination')})"


def _sink_writers(
    ctx: RuleContext,
    sink: Resource,
    writers: list[str],
    bindings: tuple[str, ...],
    *,
    unknown: Sequence[Doubt],
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
    if unknown:
        return replace(
            doubted(
                ctx.inconclusive(
                    sink.id,
                    f"{_sink_label(sink)}: an IAM policy above the sink was not read or cannot "
                    "be placed above the project, so who may change the sink is unknown",
                    attributes=attrs,
                ),
                unknown,
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


def _configs(ctx: RuleContext, project: str) -> tuple[list[Resource], list[Doubt]]:
    """The audit configs of the project and of the scanned folders/organisation above it;
    a doubt when folder/organisation configs exist but the project's ancestry is unknown."""
    number, above = ancestry(ctx.graph, project)
    over = {f"//cloudresourcemanager.googleapis.com/{a}" for a in above}
    out: list[Resource] = []
    doubts: list[Doubt] = []
    if not ctx.graph.inventory.was_collected(IAM_UNIT, project):
        doubts.append(_unread_iam(project))
    for c in sorted(ctx.graph.of_kind("audit_config"), key=lambda c: c.id):
        target = str(c.attributes.get("target") or "")
        if "/projects/" in target:
            if c.account == project:
                out.append(c)
        elif target in over:
            out.append(c)  # a scanned folder or organisation above: the project inherits it
        elif not number:
            doubts.append(_unread_ancestry(project))
    return out, list(dict.fromkeys(doubts))


def _data_event_targets(ctx: RuleContext, stores: Sequence[Resource]) -> dict[str, Resource]:
    """The GCP data stores, and the collected keys encrypting them, whose access is logged."""
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
    return targets


def data_events(ctx: RuleContext, stores: Sequence[Resource]) -> Iterator[Judgement]:
    for rid, res in sorted(_data_event_targets(ctx, stores).items()):
        service = _SERVICES.get(res.kind)
        if service is not None:
            yield _data_events_of(ctx, rid, res, service)


def _data_events_of(ctx: RuleContext, rid: str, res: Resource, service: str) -> Judgement:
    configs, doubts = _configs(ctx, res.account)
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
    nodes = [c.id for c in configs]
    if doubts:
        return doubted(
            ctx.inconclusive(
                rid,
                f"{label}: not every audit config over project {res.account} is known (its IAM "
                "policy unread, or its folders and organisation not placed)",
                attributes=attrs,
                nodes=nodes,
            ),
            doubts,
        )
    if missing or exempt:
        what = f"{', '.join(missing)} not logged" if missing else ""
        if exempt:
            what += ("; " if what else "") + f"exempted: {', '.join(sorted(exempt))}"
        # one audit configuration leaves every store of the service unlogged: it is
        # what to change (else, with none, the project's IAM policy)
        return replace(
            ctx.failed(
                rid,
                f"{label}: Data Access audit logs of {service}: {what}",
                attributes=attrs,
                nodes=nodes,
            ),
            causes=tuple(sorted(nodes)),
        )
    return ctx.passed(
        rid,
        f"{label}: DATA_READ and DATA_WRITE of {service} are logged",
        attributes=attrs,
        nodes=nodes,
    )
