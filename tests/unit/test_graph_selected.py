"""A declaration selector's resources: what matching every collected resource gives, in order."""

from __future__ import annotations

import itertools

from auditor.boundary import Selector
from auditor.graph.build import BoundaryGraph
from auditor.model import Inventory, Relation, Resource, Scope
from tests.helpers import CUSTOMER, PRIMARY, declaration

KINDS = ("volume", "bucket", "instance", "key")


def _inventory() -> Inventory:
    """Kinds interleaved and ids out of order, some tagged; a relation to an uncollected stub."""
    resources = tuple(
        Resource(
            id=f"arn:aws:x:{PRIMARY}:{CUSTOMER}:{kind}/{n:03d}",
            cloud="aws",
            kind=kind,
            account=CUSTOMER,
            region=PRIMARY,
            tags={"data-class": "kafka-log"} if n % 3 == 0 else {"team": str(n % 2)},
        )
        for n, kind in zip(range(97, 0, -1), itertools.cycle(KINDS), strict=False)
    )
    stub = f"arn:aws:ec2:{PRIMARY}:{CUSTOMER}:volume/vol-uncollected"
    relations = (Relation(source=resources[0].id, target=stub, kind="data.stored_on", reason="x"),)
    return Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=resources,
        relations=relations,
        gaps=(),
    )


def test_selected_is_every_matching_collected_resource_in_inventory_order() -> None:
    inv = _inventory()
    graph = BoundaryGraph(inv, declaration())
    selectors = [
        {"kinds": ["bucket", "volume"]},
        {"kinds": ["volume", "bucket", "volume"], "tags": {"data-class": "kafka-log"}},
        {"kinds": ["key"], "ids": ["*/01*"]},
        {"kinds": ["nothing-of-this-kind"]},
        {"tags": {"team": "*"}},
        {},
    ]
    for spec in selectors:
        selector = Selector.model_validate({"select": spec})
        want = [r for r in inv.resources if selector.matches(kind=r.kind, id=r.id, tags=r.tags)]
        assert graph.selected(selector) == want, spec
        assert graph.selected(selector) == want  # asked again: the cached answer, a fresh list
    everything = Selector.model_validate({"select": {}})
    assert len(graph.selected(everything)) == len(inv.resources)  # the stub is not selected
    assert graph.selected(everything) is not graph.selected(everything)
