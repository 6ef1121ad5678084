"""``network.flow-logs``: every platform network records ALL its traffic into a store the
customer owns.

- AWS: a VPC flow log on the VPC that is ``ACTIVE``, records ``TrafficType: ALL``
  (an ``ACCEPT`` or ``REJECT`` log misses half the story) and delivers to a
  customer account: a CloudWatch Logs group or Firehose stream whose ARN names
  the account, or an S3 bucket whose owner is its collected account, or, when the
  bucket was not collected and every customer account listed its buckets
  completely (closed world), outside the customer. A destination whose owner
  cannot be known is INCONCLUSIVE with the reason. Only a known bad value FAILs (an
  inactive or REJECT/ACCEPT-only log, a destination outside the customer): a status
  or traffic type absent from the collected record is INCONCLUSIVE naming it.
- Azure and GCP: :mod:`auditor.checks._flow_logs_cloud`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from auditor.analysis.network import local_id, platform_networks
from auditor.analysis.scanned import unlisted_customer_accounts
from auditor.base.edges import LOGGED_BY
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.engine import scope_id
from auditor.model import JSONValue, Kind, PathName, Resource, Severity


@dataclass(frozen=True, kw_only=True, slots=True)
class Owner:
    """Who owns a flow log's destination, and how that is known."""

    account: str
    party: str
    """``customer``, another declared party, ``unknown`` (an undeclared account), or
    ``""`` when the owner cannot be known."""
    how: str
    unlisted: tuple[str, ...] = ()
    """Customer accounts whose bucket listing was incomplete (for an unknown owner)."""


def _bucket_name(destination: str) -> str:
    return destination.removeprefix("arn:aws:s3:::").split("/", 1)[0]


def destination_owner(ctx: RuleContext, fl: Resource) -> Owner:
    """The account and party owning an AWS flow log's destination."""
    a = fl.attributes
    dest = str(a.get("destination") or "")
    dtype = str(a.get("destination_type") or "cloud-watch-logs")
    decl = ctx.declaration
    if not dest:
        return Owner(account="", party="", how="the flow log names no destination")
    if dtype != "s3":
        parts = dest.split(":")
        acct = parts[4] if dest.startswith("arn:") and len(parts) > 4 else fl.account
        how = "its ARN" if dest.startswith("arn:") else "a log group of the flow log's account"
        return Owner(account=acct, party=decl.party_of("aws", acct), how=how)
    name = _bucket_name(dest)
    bucket = ctx.graph.get(f"arn:aws:s3:::{name}")
    if bucket is not None and not bucket.attributes.get("stub") and bucket.account:
        return Owner(
            account=bucket.account,
            party=decl.party_of("aws", bucket.account),
            how=f"bucket {name} was collected in account {bucket.account}",
        )
    unlisted = unlisted_customer_accounts(ctx.graph.inventory, decl, "aws", ("s3",))
    if unlisted == []:
        listed = sorted(set(decl.accounts("aws", "customer")))
        return Owner(
            account="",
            party="outside the customer",
            how=f"bucket {name} is in none of the complete bucket listings of the customer "
            f"accounts {', '.join(listed)}",
        )
    return Owner(
        account="",
        party="",
        how=f"bucket {name} was not collected and the bucket listing of customer account(s) "
        f"{', '.join(unlisted or ['(none declared)'])} is incomplete",
        unlisted=tuple(unlisted or ()),
    )


def _vpc_id(v: Resource) -> str:
    return str(v.attributes.get("vpc_id") or local_id(v.id))


@rule(
    id="network.flow-logs",
    path=PathName.NETWORK,
    severity=Severity.MEDIUM,
    title="Every platform network logs ALL its traffic to a customer-owned store",
    rationale=(
        "Without flow logs of all traffic, kept where the vendor cannot change them, there is "
        "no record of which traffic crossed the boundary, so an incident snapshot cannot show "
        "who talked to the brokers."
    ),
    remediation=(
        "Create a VPC flow log (ALL traffic) to a customer-owned log store; on Azure, a VNet "
        "(or NSG) flow log into customer storage; on GCP, subnetwork flow logs with "
        "flowSampling 1.0 and no filter."
    ),
    requires=("ec2-network",),
)
def flow_logs(ctx: RuleContext) -> Iterator[Judgement]:
    nets = platform_networks(ctx.graph)
    if not nets.networks:
        j = ctx.inconclusive(
            scope_id("aws", "*", "*"),
            "no platform VPC was found: the platform selector matched no network and no "
            "resource placed in one",
            attributes={"selector": ctx.declaration.platform.select.model_dump()},
        )
        yield replace(j, unmodelled="the network of a platform whose selector matches none")
        return
    for v in nets.networks:
        if v.cloud in ("azure", "gcp"):
            from auditor.checks._flow_logs_cloud import judge

            yield from judge(ctx, v)
            continue
        yield _judge_vpc(ctx, v)


def _vpc_flow_logs(ctx: RuleContext, v: Resource, vid: str) -> dict[str, Resource]:
    """The VPC's flow logs: linked to it, or naming it as their resource."""
    graph = ctx.graph
    logs: dict[str, Resource] = {}
    for rel in graph.out_edges(v.id, LOGGED_BY):
        res = graph.get(rel.target)
        if res is not None:
            logs[res.id] = res
    for fl in graph.of_kind(Kind.FLOW_LOG):
        if fl.region == v.region and str(fl.attributes.get("resource_id") or "") == vid:
            logs[fl.id] = fl
    return logs


def _log_row(f: Resource, owner: Owner) -> dict[str, JSONValue]:
    a = f.attributes
    return {
        "id": f.id,
        "status": a.get("status"),
        "traffic_type": a.get("traffic_type"),
        "destination_type": a.get("destination_type"),
        "destination": a.get("destination"),
        "destination_account": owner.account,
        "destination_party": owner.party or "not known",
        "owner_known_from": owner.how,
    }


@dataclass
class _Sorted:
    """A VPC's flow logs by what their records show."""

    rows: list[JSONValue] = field(default_factory=list)
    good: list[Resource] = field(default_factory=list)
    unknown: list[tuple[Resource, Owner]] = field(default_factory=list)
    unread: list[tuple[Resource, list[str]]] = field(default_factory=list)
    """Logs whose status or traffic type is absent from the record (named fields)."""
    problems: list[tuple[Resource, str]] = field(default_factory=list)


def _sort_logs(ctx: RuleContext, logs: dict[str, Resource]) -> _Sorted:
    """Each log: good, a known problem, an unknown owner, or fields not recorded."""
    out = _Sorted()
    for _, f in sorted(logs.items()):
        a = f.attributes
        owner = destination_owner(ctx, f)
        out.rows.append(_log_row(f, owner))
        name = local_id(f.id)
        status = str(a.get("status") or "").upper()
        traffic = str(a.get("traffic_type") or "").upper()
        if status and status != "ACTIVE":
            out.problems.append((f, f"{name} is {a.get('status')}"))
        elif traffic and traffic != "ALL":
            out.problems.append((f, f"{name} records only {traffic} traffic, not ALL"))
        elif owner.party and owner.party != "customer":
            where = f"account {owner.account} ({owner.party})" if owner.account else owner.party
            out.problems.append(
                (f, f"{name} delivers to {a.get('destination')}, in {where}: {owner.how}")
            )
        elif not status or not traffic:
            # absent from the record is not a known bad value: this log may be the one
            missing = [k for k, v in (("FlowLogStatus", status), ("TrafficType", traffic)) if not v]
            out.unread.append((f, missing))
        elif owner.party == "customer":
            out.good.append(f)
        else:
            out.unknown.append((f, owner))
    return out


def _judge_vpc(ctx: RuleContext, v: Resource) -> Judgement:
    """One AWS VPC: PASS on one ACTIVE, ALL-traffic flow log into a customer store."""
    vid = _vpc_id(v)
    found = _sort_logs(ctx, _vpc_flow_logs(ctx, v, vid))
    rows, good, unknown, unread, problems = (
        found.rows,
        found.good,
        found.unknown,
        found.unread,
        found.problems,
    )
    attrs: dict[str, JSONValue] = {"flow_logs": rows}
    label = f"platform VPC {vid} ({v.account}/{v.region})"
    if good:
        f = good[0]
        return ctx.passed(
            v.id,
            f"{label} has an active flow log {local_id(f.id)} recording ALL traffic to "
            f"{f.attributes.get('destination')} in customer account "
            f"{destination_owner(ctx, f).account}",
            nodes=[v.id, *(x.id for x in good)],
            edges=[(v.id, x.id, LOGGED_BY) for x in good],
            attributes=attrs,
        )
    if unknown:
        f, owner = unknown[0]
        j = ctx.inconclusive(
            v.id,
            f"{label}: flow log {local_id(f.id)} records ALL traffic to "
            f"{f.attributes.get('destination')}, whose owner cannot be known: {owner.how}",
            nodes=[v.id, *(x.id for x, _ in unknown)],
            attributes=attrs,
            depends_on=[f.id],
        )
        return replace(j, unmodelled=f"the owner of a flow log destination: {owner.how}")
    if unread:
        f, missing = unread[0]
        j = ctx.inconclusive(
            v.id,
            f"{label}: flow log {local_id(f.id)} may record ALL traffic into a customer-owned "
            f"store, but its collected record holds no {' or '.join(missing)}",
            nodes=[v.id, *(x.id for x, _ in unread)],
            attributes=attrs,
            depends_on=[x.id for x, _ in unread],
        )
        return replace(
            j, unmodelled=f"{', '.join(missing)} of flow log {local_id(f.id)} (not in its record)"
        )
    if problems:
        j = ctx.failed(
            v.id,
            f"{label} has no flow log recording ALL traffic into a customer-owned store: "
            + "; ".join(p for _, p in problems),
            nodes=[v.id, *(f.id for f, _ in problems)],
            attributes=attrs,
            definite=True,
        )
        return replace(j, causes=tuple(f.id for f, _ in problems), affects=(v.id,))
    return ctx.failed(v.id, f"{label} has no flow log", attributes=attrs)
