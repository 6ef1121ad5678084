"""Azure outbound traffic is not modelled: declared monitoring and egress classes are
INCONCLUSIVE on every Azure network of the platform, naming what is missing, never PASS.

The azure-kafka estate, collected through the real Azure SDK clients from the fake,
judged with ``network.monitoring`` and ``network.egress`` declared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.analysis.network.outbound import AZURE_UNMODELLED
from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.model import Status
from auditor.pipeline import evaluate_inventory
from tests.azure_helpers import scanned as azure_scanned

pytestmark = pytest.mark.e2e

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "azure-kafka"


def test_declared_outbound_classes_on_azure_name_the_unmodelled_part(tmp_path: Path) -> None:
    inv = azure_scanned()
    text = (
        (ESTATE / "boundary.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "  public_ingress: none",
            "  public_ingress: none\n"
            "  monitoring: {via: [nat], to: [198.51.100.0/24]}\n"
            "  egress: {via: [nat], to: [198.51.100.0/24]}",
        )
    )
    path = tmp_path / "boundary.yaml"
    path.write_text(text, encoding="utf-8")
    verdicts = evaluate_inventory(
        inv, load_declaration(path), load_pack("default"), dt.date(2026, 11, 29)
    ).verdicts
    out = [
        v
        for v in verdicts
        if v.rule == "network.traffic-class"
        and v.aspect in ("monitoring", "egress")
        and v.resource.startswith("/subscriptions/")
    ]
    assert {v.aspect for v in out} == {"monitoring", "egress"}
    for v in out:
        assert v.status is Status.INCONCLUSIVE, (v.resource, v.message)
        assert v.unmodelled == AZURE_UNMODELLED
        assert "/virtualnetworks/" in v.resource.lower(), v.resource
