"""data.store-location: durable log data lives only in declared accounts and regions."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.boundary_scope import data_stores, is_customer_account, is_declared_region
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.model import PathName, Severity


@rule(
    id="data.store-location",
    path=PathName.DATA,
    severity=Severity.HIGH,
    title="Log data stays in declared accounts and regions",
    rationale=(
        "Durable Kafka log data outside the customer's declared accounts or regions breaks "
        "the residency and ownership promise the boundary makes."
    ),
    remediation=(
        "Move the store into a customer account and a declared region, or declare the "
        "region; replicate rather than relocate during migration."
    ),
    requires=("s3", "ec2-compute", "msk"),
)
def store_location(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    stores = data_stores(ctx.graph)
    if not stores:
        yield no_stores(ctx)
        return
    for s in stores:
        attrs = {
            "account": s.account,
            "region": s.region,
            "party": decl.party_of(s.cloud, s.account),
        }
        if not is_customer_account(decl, s.cloud, s.account):
            yield ctx.failed(
                s.id,
                f"{s.kind} {s.name} is in account {s.account} ({attrs['party']}), "
                "not a customer account",
                attributes=attrs,
                definite=True,
            )
        elif not is_declared_region(decl, s.cloud, s.region):
            yield ctx.failed(
                s.id,
                f"{s.kind} {s.name} is in undeclared region {s.region}",
                attributes=attrs,
                definite=True,
            )
        else:
            yield ctx.passed(
                s.id,
                f"{s.kind} {s.name} is in customer account {s.account}, {s.region}",
                attributes=attrs,
            )
