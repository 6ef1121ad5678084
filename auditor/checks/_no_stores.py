"""The verdict of a data rule whose ``data.stores`` selector matched nothing collected.

The declaration says log data lives in stores it selects; when the scan holds none of
them there is nothing to judge, and the reader must know that the declared stores, not a
collection gap, are what is missing (a gap in a service the rule reads still applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.checks import Judgement, RuleContext

UNMODELLED = "the declared data stores: the data.stores selector matches no collected resource"


def no_stores(
    ctx: RuleContext,
    *,
    resource: str = "scope:aws/*/*",
    message: str = "the data.stores selector matched no collected resource",
    regions: Sequence[str] = (),
) -> Judgement:
    """INCONCLUSIVE naming the empty selection (in ``regions``, when only they were looked in)."""
    j = ctx.inconclusive(
        resource,
        message,
        attributes={
            "selector": ctx.declaration.data.stores.select.model_dump(),
            **({"source_regions": list(regions)} if regions else {}),
        },
    )
    where = f" in {', '.join(regions)}" if regions else ""
    return replace(j, unmodelled=UNMODELLED + where)
