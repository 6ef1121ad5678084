"""data.no-public-access and data.no-cross-party-grants: who the stores' policies let in.

Both read resource policies (bucket and key policies) with
:mod:`auditor.analysis.policy`. A statement naming anyone (``"*"`` or
``NotPrincipal``) is only acceptable behind a restricting condition (org,
account, VPC endpoint, source ARN, ExternalId, ...); a statement naming an
account or role outside the customer party is a cross-party grant, tolerated
only for a declared vendor principal that gets no data access.

An Azure storage account has no resource policy: its exposure is its network
endpoint (public network access, the ``networkAcls`` firewall, private
endpoint connections) and anonymous blob access; see :func:`azure_storage_exposure`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from auditor.analysis.boundary_scope import data_stores, platform_resources, system_log_stores
from auditor.analysis.gcp_iam import declared_for as gcp_declared_for
from auditor.analysis.gcp_iam import outside_grants, public_grants
from auditor.analysis.network import cidr_within
from auditor.analysis.policy import ActionSet, PolicyError, Statement, find_action, statements
from auditor.base.edges import SNAPSHOT_OF
from auditor.boundary import Declaration
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.checks.data_keys import protection_of
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

DATA_ACCESS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTorrent",
    "s3:PutBucketPolicy",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
)
"""Actions that read log data, decrypt it, or let the holder grant itself that."""

_ACCOUNT_KEYS = ("aws:principalaccount", "aws:sourceaccount", "kms:calleraccount")
_ORG_KEYS = ("aws:principalorgid", "aws:sourceorgid")


def anyone_outside(decl: Declaration, cloud: str, st: Statement) -> str | None:
    """Why a statement naming anyone lets in someone outside, or ``None`` if it does not."""
    restricting = st.restricting_conditions()
    if not restricting:
        who = "NotPrincipal" if st.not_principal else "*"
        return f"{st.label} allows anyone ({who}) with no restricting condition"
    org = decl.organization("customer")
    for c in restricting:
        key = c.key.lower()
        if key in _ACCOUNT_KEYS:
            outside = sorted(v for v in c.values if decl.party_of(cloud, v) != "customer")
            if outside:
                return f"{st.label} allows anyone in account(s) {', '.join(outside)}"
        if key in _ORG_KEYS and org and any(v != org for v in c.values):
            return f"{st.label} allows anyone in organization(s) {', '.join(c.values)}"
    return None


def _snapshots_of_platform(graph: BoundaryGraph) -> list[Resource]:
    """Snapshots that are platform or data resources, or were taken of one's volume."""
    inside = {r.id for r in platform_resources(graph)} | {r.id for r in data_stores(graph)}
    by_volume_id = {
        str(v.id).rsplit("/", 1)[-1]: v.id for v in graph.of_kind(Kind.VOLUME) if v.id in inside
    }
    out: list[Resource] = []
    for snap in graph.of_kind(Kind.SNAPSHOT):
        volumes = {rel.target for rel in graph.out_edges(snap.id, SNAPSHOT_OF)}
        vid = snap.attributes.get("volume_id")
        if vid and str(vid) in by_volume_id:
            volumes.add(by_volume_id[str(vid)])
        if snap.id in inside or volumes & inside:
            out.append(snap)
    return out


def _policy(res: Resource) -> tuple[list[Statement] | None, str]:
    try:
        return statements(res.attributes.get("policy")), ""
    except PolicyError as exc:
        return None, str(exc)


def declared_sources(decl: Declaration) -> list[str]:
    """Every CIDR a traffic class of the declaration names (clients, replication, ops, support)."""
    n = decl.network
    return sorted({*n.clients.cidrs, *n.replication.cidrs, *n.operations.cidrs, *n.support.cidrs})


def _subscription_of(rid: str) -> str | None:
    parts = rid.lower().split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else None


def azure_storage_network(decl: Declaration, b: Resource) -> tuple[str, list[str]]:
    """Who can reach an Azure storage account over the network: (state, reasons).

    ``state`` is ``open`` (reasons name what lets outsiders in), ``unknown`` (the
    reasons say what was not recorded) or ``closed`` (only declared sources, trusted
    Azure services and customer private endpoints). Public network access
    ``Disabled`` shuts the public endpoint whatever ``networkAcls`` says; otherwise
    ``defaultAction: Allow`` admits the whole internet, and with ``Deny`` each IP
    rule must lie inside a declared traffic class and each virtual network rule
    name a customer subscription's subnet. Approved private endpoint connections
    must come from customer subscriptions.
    """
    a = b.attributes
    network = str(a.get("public_network_access") or "").lower()
    problems: list[str] = []
    unknown: list[str] = []
    if network == "securedbyperimeter":
        unknown.append(
            "public network access is governed by a network security perimeter, "
            "whose rules are not collected"
        )
    elif network != "disabled":
        rules = a.get("network_rules")
        if not isinstance(rules, dict) or rules.get("default_action") is None:
            unknown.append(
                "public network access is not disabled and its network rules "
                "(networkAcls) were not recorded"
            )
        elif str(rules["default_action"]).lower() == "allow":
            problems.append(
                "public network access is enabled and the firewall's default "
                "action is Allow (the whole internet)"
            )
        else:
            allowed = declared_sources(decl)
            wide = [str(r) for r in rules.get("ip_rules") or [] if not cidr_within(str(r), allowed)]
            if wide:
                problems.append(
                    f"IP rule(s) {', '.join(wide)} admit addresses outside the "
                    f"declared sources ({', '.join(allowed) or 'none'})"
                )
            for sid in rules.get("virtual_network_rules") or []:
                sub = _subscription_of(str(sid))
                if sub is None or decl.party_of("azure", sub) != "customer":
                    problems.append(
                        f"virtual network rule admits subnet {sid} of subscription "
                        f"{sub} ({decl.party_of('azure', sub or '')})"
                    )
    conns = a.get("private_endpoint_connections")
    for c in conns if isinstance(conns, list) else []:
        if str(c.get("status") or "").lower() != "approved":
            continue
        sub = c.get("subscription")
        if sub is None or decl.party_of("azure", str(sub)) != "customer":
            problems.append(
                f"approved private endpoint {c.get('endpoint_id')} lives in "
                f"subscription {sub} ({decl.party_of('azure', str(sub or ''))})"
            )
    if problems:
        return "open", problems
    if unknown:
        return "unknown", unknown
    return "closed", []


def azure_storage_exposure(ctx: RuleContext, b: Resource) -> Judgement:
    """An Azure storage account: who reaches it over the network, then anonymous blob access.

    A log store whose endpoint admits the internet or undeclared networks is public
    whatever its containers say (a leaked key or SAS is then usable from anywhere):
    FAIL. Reached only from declared networks, anonymous blob access
    (``allowBlobPublicAccess``) stays inside them. Network rules not recorded:
    INCONCLUSIVE.
    """
    a = b.attributes
    blob, network = a.get("allow_blob_public_access"), a.get("public_network_access")
    state, reasons = azure_storage_network(ctx.declaration, b)
    attrs: dict[str, JSONValue] = {
        "allow_blob_public_access": blob,
        "public_network_access": network,
        "network_rules": a.get("network_rules"),
        "private_endpoint_connections": a.get("private_endpoint_connections"),
        "network": state,
    }
    if state == "open":
        anon = " and allows anonymous blob access" if blob is not False else ""
        return ctx.failed(
            b.id,
            f"storage account {b.name} is reachable from outside the declared networks"
            f"{anon}: {'; '.join(reasons)}",
            attributes={**attrs, "problems": list(reasons)},
            definite=True,
        )
    if state == "unknown":
        return ctx.inconclusive(
            b.id,
            f"cannot tell who reaches storage account {b.name}: {reasons[0]}",
            attributes=attrs,
        )
    where = (
        "has public network access disabled"
        if str(network or "").lower() == "disabled"
        else "admits only declared networks (default action Deny)"
    )
    anon = (
        "forbids anonymous blob access"
        if blob is False
        else "allows anonymous blob access only from inside those networks"
        if blob is True
        else "does not record allowBlobPublicAccess, which matters only inside them"
    )
    return ctx.passed(b.id, f"storage account {b.name} {where} and {anon}", attributes=attrs)


def azure_storage_public(ctx: RuleContext, b: Resource) -> Judgement:
    """An Azure storage account: anonymous blob access allowed, and from which networks.

    ``allowBlobPublicAccess`` false forbids anonymous access to every container; when
    it is true, a container's own access level decides, and those are not collected.
    Public network access disabled keeps the internet out whatever the containers say.
    """
    a = b.attributes
    blob, network = a.get("allow_blob_public_access"), a.get("public_network_access")
    attrs: dict[str, JSONValue] = {
        "allow_blob_public_access": blob,
        "public_network_access": network,
    }
    if blob is False:
        return ctx.passed(
            b.id, f"storage account {b.name} forbids anonymous blob access", attributes=attrs
        )
    if str(network or "").lower() == "disabled":
        return ctx.passed(
            b.id,
            f"storage account {b.name} has public network access disabled",
            attributes=attrs,
        )
    if blob is None:
        return ctx.inconclusive(
            b.id,
            f"storage account {b.name} does not record allowBlobPublicAccess (accounts "
            "created before 2023 allow anonymous containers when it is absent)",
            attributes=attrs,
        )
    return ctx.failed(
        b.id,
        f"storage account {b.name} may be public: it allows anonymous blob access and is "
        "reachable from public networks (container access levels are not collected)",
        attributes=attrs,
    )


def _gcp_bucket_public(ctx: RuleContext, b: Resource) -> Judgement:
    """A Cloud Storage bucket: public access prevention, then allUsers bindings, then ACLs."""
    a = b.attributes
    pap, uniform = a.get("public_access_prevention"), a.get("uniform_access")
    public = public_grants(ctx.declaration, b, ctx.graph)
    attrs: dict[str, JSONValue] = {
        "public_access_prevention": pap,
        "uniform_access": uniform,
        "public_bindings": [{"role": g.role, "member": g.member} for g in public or []],
    }
    if pap == "enforced":
        return ctx.passed(
            b.id, f"bucket {b.name} enforces public access prevention", attributes=attrs
        )
    if public is None:
        return ctx.inconclusive(
            b.id, f"the IAM policy of bucket {b.name} was not read", attributes=attrs
        )
    if public:
        who = ", ".join(sorted({f"{g.member} ({g.role})" for g in public}))
        return ctx.failed(
            b.id,
            f"bucket {b.name} grants {who} and does not enforce public access prevention",
            attributes=attrs,
            definite=True,
        )
    if uniform is not True:
        return ctx.inconclusive(
            b.id,
            f"bucket {b.name} has no public IAM binding, but fine-grained ACLs are on "
            "(uniform bucket-level access is off) and object ACLs are not collected",
            attributes=attrs,
        )
    return ctx.passed(
        b.id,
        f"bucket {b.name} has no allUsers/allAuthenticatedUsers binding and uniform "
        "bucket-level access",
        attributes=attrs,
    )


@rule(
    id="data.no-public-access",
    path=PathName.DATA,
    severity=Severity.CRITICAL,
    title="Log data and system logs are not public",
    rationale=(
        "A public bucket or snapshot hands log data to anyone on the internet, whatever "
        "the rest of the boundary says."
    ),
    remediation=(
        "Turn on all four S3 Block Public Access settings, remove policy statements that "
        "allow '*' without a restricting condition, and make snapshots private."
    ),
    requires=("s3", "ec2-compute", "azure-resources", "cloudasset"),
)
def no_public_access(ctx: RuleContext) -> Iterator[Judgement]:
    graph = ctx.graph
    stores = data_stores(graph)
    logs = system_log_stores(graph)
    if not stores and not logs:
        yield no_stores(ctx)
        return
    buckets = sorted(
        {r.id: r for r in [*stores, *logs] if r.kind == Kind.BUCKET}.values(), key=lambda r: r.id
    )
    snapshots = _snapshots_of_platform(graph)
    for b in buckets:
        if b.cloud == "gcp":
            yield _gcp_bucket_public(ctx, b)
        elif b.cloud == "azure":
            yield azure_storage_exposure(ctx, b)
        else:
            yield _aws_bucket_public(ctx, b)
    for snap in snapshots:
        yield _snapshot_public(ctx, snap)
    if not buckets and not snapshots:
        yield ctx.nothing_to_judge(
            "scope:aws/*/*",
            f"none of the {len(stores) + len(logs)} data or system-log store(s) is a bucket "
            "and no snapshot of a platform volume was found",
            nodes=sorted({r.id for r in [*stores, *logs]}),
        )


def _aws_bucket_public(ctx: RuleContext, b: Resource) -> Judgement:
    """An S3 bucket: S3's own verdict, Block Public Access, then policy statements naming anyone."""
    missing = [
        k for k in ("public_access_block", "policy", "policy_is_public") if k not in b.attributes
    ]
    if missing:
        return ctx.inconclusive(b.id, f"bucket {b.name}: {', '.join(missing)} not collected")
    pab: Any = b.attributes.get("public_access_block")
    is_public = b.attributes.get("policy_is_public")
    attrs: dict[str, JSONValue] = {
        "public_access_block": pab,
        "policy_is_public": is_public,
    }
    sts, error = _policy(b)
    if sts is None:
        return ctx.inconclusive(b.id, f"the policy of bucket {b.name} cannot be read: {error}")
    sure: list[str] = []
    maybe: list[str] = []
    offending: list[JSONValue] = []
    if is_public is True:
        sure.append("S3 reports its policy as public")
    if pab is None:
        maybe.append("no Block Public Access configuration")
    else:
        off = sorted(k for k, v in dict(pab).items() if v is not True)
        if off:
            sure.append(f"Block Public Access settings off: {', '.join(off)}")
    for st in sts:
        if st.is_allow and st.names_anyone:
            why = anyone_outside(ctx.declaration, b.cloud, st)
            if why:
                sure.append(why)
                offending.append(dict(st.raw))
    attrs["offending_statements"] = offending
    if sure or maybe:
        return ctx.failed(
            b.id,
            f"bucket {b.name} may be public: " + "; ".join(sure + maybe),
            attributes=attrs,
            definite=bool(sure),
        )
    return ctx.passed(
        b.id,
        f"bucket {b.name} blocks public access and its policy lets no anonymous principal in",
        attributes=attrs,
    )


def _snapshot_public(ctx: RuleContext, snap: Resource) -> Judgement:
    """A snapshot of a platform volume must not be public (unknown when not read)."""
    public = snap.attributes.get("public")
    attrs: dict[str, JSONValue] = {
        "public": public,
        "volume_id": snap.attributes.get("volume_id"),
    }
    if public is True:
        return ctx.failed(
            snap.id,
            f"snapshot {snap.name} of a platform volume is public",
            attributes=attrs,
            definite=True,
        )
    if public is False:
        return ctx.passed(snap.id, f"snapshot {snap.name} is not public", attributes=attrs)
    return ctx.inconclusive(snap.id, f"whether snapshot {snap.name} is public was not read")


def _statement_problems(
    decl: Declaration, cloud: str, sts: Sequence[Statement]
) -> tuple[list[str], list[JSONValue], list[str]]:
    """Cross-party problems of a resource policy, the offending statements, vendor grants."""
    vendors = {va.principal: va for va in decl.control.vendor_access}
    problems: list[str] = []
    offending: list[JSONValue] = []
    tolerated: list[str] = []
    for st in sts:
        if not st.is_allow:
            continue
        found: list[str] = []
        if st.names_anyone:
            why = anyone_outside(decl, cloud, st)
            if why:
                found.append(why)
        for p in st.principals:
            if p.is_anyone or p.is_service:
                continue
            party = decl.party_of(cloud, p.account) if p.account else "unknown"
            if party == "customer":
                continue
            va = vendors.get(p.value)
            if va is None:
                found.append(f"{st.label} grants {p.value} ({party})")
                continue
            forbidden = ActionSet(tuple(sorted({*DATA_ACCESS, *va.deny})))
            action = find_action([st.actions, forbidden])
            if action is not None:
                found.append(f"{st.label} grants declared vendor principal {p.value} {action}")
            else:
                tolerated.append(f"{p.value}: {st.actions.describe()}")
        if found:
            problems.extend(found)
            offending.append(dict(st.raw))
    return problems, offending, tolerated


def _gcp_cross_party(ctx: RuleContext, res: Resource, protects: list[str]) -> Judgement:
    """GCP: IAM bindings on a bucket or key to members outside the customer."""
    label = f"{res.kind} {res.name or res.id}"
    outside = outside_grants(ctx.declaration, res, ctx.graph)
    if outside is None:
        return ctx.inconclusive(res.id, f"the IAM policy of {label} was not read", nodes=protects)
    problems = [g for g in outside if gcp_declared_for(ctx.declaration, g) is None]
    attrs: dict[str, JSONValue] = {
        "outside_bindings": [
            {"role": g.role, "member": g.member, "party": g.party} for g in outside
        ]
    }
    if problems:
        who = "; ".join(sorted({f"{g.member} ({g.party}) holds {g.role}" for g in problems}))
        return ctx.failed(
            res.id,
            f"the IAM policy of {label} grants outside the customer: {who}",
            attributes=attrs,
            nodes=protects,
            definite=True,
        )
    return ctx.passed(
        res.id,
        f"the IAM policy of {label} binds only customer members and Google service agents"
        + (" (and declared vendor members)" if outside else ""),
        attributes=attrs,
        nodes=protects,
    )


@rule(
    id="data.no-cross-party-grants",
    path=PathName.DATA,
    severity=Severity.HIGH,
    title="Resource policies of log data and its keys grant no other party",
    rationale=(
        "A bucket or key policy that names another party's account lets it read or "
        "decrypt log data without going through any customer role or audit trail."
    ),
    remediation=(
        "Remove statements naming outside accounts from bucket and key policies; give "
        "vendors operational access through a declared role without data read or decrypt."
    ),
    requires=("s3", "kms", "ec2-compute"),
)
def no_cross_party_grants(ctx: RuleContext) -> Iterator[Judgement]:
    graph = ctx.graph
    stores = data_stores(graph)
    if not stores:
        yield no_stores(ctx)
        return
    targets, unread = _policy_targets(ctx, stores)
    yield from unread
    for rid, (res, protects) in sorted(targets.items()):
        nodes = sorted(protects)
        if res.cloud == "gcp":
            yield _gcp_cross_party(ctx, res, nodes)
        elif res.cloud == "azure":
            yield ctx.not_applicable(
                rid,
                f"{res.kind} {res.name or res.id} has no resource policy on Azure: who may act "
                "on it is granted by role assignments, judged by control.outside-reach-declared",
                nodes=nodes,
            )
        else:
            yield _aws_cross_party(ctx, res, nodes)
    for snap in _snapshots_of_platform(graph):
        yield _snapshot_shared(ctx, snap)
    if not targets:
        yield ctx.nothing_to_judge(
            "scope:aws/*/*",
            f"none of the {len(stores)} data store(s) has a bucket or key policy to judge",
            nodes=[s.id for s in stores],
        )


def _policy_targets(
    ctx: RuleContext, stores: list[Resource]
) -> tuple[dict[str, tuple[Resource, set[str]]], list[Judgement]]:
    """The buckets and keys whose policies to read (each with the stores a key protects).

    Also an INCONCLUSIVE for each store whose customer key is unknown or not collected.
    """
    decl = ctx.declaration
    targets: dict[str, tuple[Resource, set[str]]] = {}
    unread: list[Judgement] = []
    for s in stores:
        if s.kind == Kind.BUCKET:
            targets.setdefault(s.id, (s, set()))
        p = protection_of(ctx.graph, s)
        if p.state == "unknown":
            unread.append(
                ctx.inconclusive(
                    s.id,
                    f"cannot tell which key protects {s.kind} {s.name}, so its policy is unread",
                )
            )
        for k in p.keys:
            if k.key is not None:
                targets.setdefault(k.key.id, (k.key, set()))[1].add(s.id)
            elif k.account and decl.party_of(s.cloud, k.account) == "customer":
                unread.append(
                    ctx.inconclusive(
                        s.id,
                        f"key {k.ref} protecting {s.kind} {s.name} was not collected, so its "
                        "policy is unread",
                        depends_on=[k.key_id] if k.key_id else [],
                    )
                )
    return targets, unread


def _aws_cross_party(ctx: RuleContext, res: Resource, nodes: list[str]) -> Judgement:
    """AWS: a bucket or key policy that names a principal outside the customer."""
    label = f"{res.kind} {res.name or res.id}"
    if "policy" not in res.attributes:
        return ctx.inconclusive(res.id, f"the policy of {label} was not collected")
    sts, error = _policy(res)
    if sts is None:
        return ctx.inconclusive(res.id, f"the policy of {label} cannot be read: {error}")
    problems, offending, tolerated = _statement_problems(ctx.declaration, res.cloud, sts)
    attrs: dict[str, JSONValue] = {
        "offending_statements": offending,
        "vendor_grants": tolerated,
        "allow_statements": sum(1 for st in sts if st.is_allow),
    }
    if problems:
        return ctx.failed(
            res.id,
            f"the policy of {label} grants outside the customer: " + "; ".join(problems),
            attributes=attrs,
            nodes=nodes,
            definite=True,
        )
    return ctx.passed(
        res.id,
        f"the policy of {label} grants only customer and service principals"
        + (" (and declared vendors without data access)" if tolerated else ""),
        attributes=attrs,
        nodes=nodes,
    )


def _snapshot_shared(ctx: RuleContext, snap: Resource) -> Judgement:
    """A snapshot of a platform volume must be shared with no account outside the customer."""
    raw_shared = snap.attributes.get("shared_with")
    if raw_shared is None or snap.attributes.get("public") is None:
        # null means the createVolumePermission read failed: unknown, never "nobody".
        return ctx.inconclusive(snap.id, f"who snapshot {snap.name} is shared with was not read")
    shared = sorted(str(a) for a in raw_shared)
    outside = [a for a in shared if ctx.declaration.party_of(snap.cloud, a) != "customer"]
    if outside:
        return ctx.failed(
            snap.id,
            f"snapshot {snap.name} of a platform volume is shared with account(s) "
            f"{', '.join(outside)} outside the customer",
            attributes={"shared_with": list(shared)},
            definite=True,
        )
    return ctx.passed(
        snap.id,
        f"snapshot {snap.name} is shared with no account outside the customer",
        attributes={"shared_with": list(shared)},
    )
