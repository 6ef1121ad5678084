"""The declared collection services are exactly what the collectors register.

Rules name the services whose gaps make them INCONCLUSIVE; a name no collector
uses would never match a gap, and the rule would PASS on missing data.
"""

from __future__ import annotations

import pytest

from auditor.base.services import (
    AWS_SERVICES,
    AZURE_SERVICES,
    COLLECTION_SERVICES,
    DRILLS,
    GCP_SERVICES,
    UnknownService,
)
from auditor.checks import PathName, Severity, all_rules, rule


def test_aws_services_are_the_registered_collectors() -> None:
    from auditor.collect.aws import services

    assert {s.name for s in services()} == AWS_SERVICES


def test_azure_services_are_the_registered_collectors_and_their_gap_services() -> None:
    from auditor.collect.azure import collectors

    found = {c.name for c in collectors()} | {c.gap_service for c in collectors()}
    assert found - {"*"} == AZURE_SERVICES


def test_gcp_services_are_the_collection_units() -> None:
    from auditor.collect.gcp import IAM_UNIT, RESOURCE_UNIT

    assert {RESOURCE_UNIT, IAM_UNIT} == GCP_SERVICES


def test_drills_are_their_own_service() -> None:
    from auditor.normalize.drills import DRILL_SERVICE

    assert DRILL_SERVICE == DRILLS


def test_every_rule_requires_only_known_services() -> None:
    for r in all_rules().values():
        assert set(r.requires) <= COLLECTION_SERVICES, r.id


def test_a_misspelt_service_is_refused_when_the_rule_is_defined() -> None:
    with pytest.raises(UnknownService, match="ec2-netwrok"):

        @rule(
            id="network.test-misspelt",
            path=PathName.NETWORK,
            severity=Severity.LOW,
            title="t",
            rationale="r",
            remediation="m",
            requires=("ec2-netwrok",),
        )
        def _never(ctx: object) -> list[object]:  # pragma: no cover
            return []

    assert "network.test-misspelt" not in all_rules()


def test_every_cloud_has_one_collector_behind_the_same_interface() -> None:
    import inspect

    from auditor.collect.clouds import CloudCollector, cloud_collectors

    found = cloud_collectors()
    assert list(found) == ["aws", "azure", "gcp"]
    wanted = inspect.signature(CloudCollector.collect)
    for cloud, collector in found.items():
        assert collector.cloud == cloud
        assert inspect.signature(type(collector).collect) == wanted, cloud
