"""``control.break-glass``: the declared break-glass roles exist, and their use is logged.

Apart from the other access rules because it reads the audit trails
(:mod:`auditor.checks.control_audit`), which in turn read the access model.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.analysis.access import access_model
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks.control_audit import shortfalls, trails_covering
from auditor.checks.control_trust import account_of_arn, find_role, scanned
from auditor.model import JSONValue, PathName, Severity


@rule(
    id="control.break-glass",
    path=PathName.CONTROL,
    severity=Severity.MEDIUM,
    title="Break-glass roles exist and their use is logged",
    rationale=(
        "Emergency access is part of the control path: the roles must exist where the "
        "declaration says, and a logging trail with management events must record every "
        "assumption of them."
    ),
    remediation=(
        "Create the declared break-glass roles, or correct control.break_glass; cover their "
        "account with a logging multi-region trail that records management events."
    ),
    requires=("iam", "cloudtrail"),
    params={"require_declared": False},
)
def break_glass(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    if not decl.control.break_glass:
        if ctx.params.get("require_declared"):
            yield ctx.failed(
                "scope:aws/*/*", "the declaration names no break-glass role", definite=True
            )
        else:
            yield ctx.not_applicable(
                "scope:aws/*/*",
                "the declaration names no break-glass role, so none has to exist",
                attributes={"break_glass": []},
            )
        return
    model = access_model(ctx.graph)
    for arn in decl.control.break_glass:
        account = account_of_arn(arn)
        role = find_role(ctx.graph, arn)
        if role is None:
            if scanned(ctx.graph, account) and ctx.graph.inventory.was_collected("iam", account):
                yield ctx.failed(
                    arn,
                    f"declared break-glass role {arn} does not exist",
                    definite=True,
                    account=account,
                    region="global",
                )
            else:
                yield ctx.inconclusive(
                    arn,
                    f"declared break-glass role {arn} is in an account whose IAM was not read",
                    account=account,
                    region="global",
                )
            continue
        trails = trails_covering(ctx.graph, account)
        good = [t for t in trails if not shortfalls(t) and t.attributes.get("multi_region")]
        who = sorted(model.chains_to(role.id))
        attrs: dict[str, JSONValue] = {
            "trails": [t.id for t in trails],
            "logging_trails": [t.id for t in good],
            "can_assume": who,
        }
        if good:
            yield ctx.passed(
                role.id,
                f"break-glass role {role.name} exists and trail(s) "
                f"{', '.join(t.name for t in good)} log its account's management events; "
                f"{len(who)} principal(s) can assume it",
                attributes=attrs,
                nodes=[t.id for t in good],
                depends_on=[t.id for t in trails],
            )
        else:
            yield ctx.failed(
                role.id,
                f"break-glass role {role.name} exists but no logging multi-region trail with "
                f"management events covers account {account}",
                attributes=attrs,
                nodes=[t.id for t in trails],
                depends_on=[t.id for t in trails],
            )
