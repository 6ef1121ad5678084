"""The Logging filter reader asked about the flow logs: does a sink keep every vpc_flows entry?"""

from __future__ import annotations

import pytest

from auditor.base.gcp_logfilter import FIREWALL, VPC_FLOWS, Routes, routes, routes_after_exclusions

Y, N, U = Routes.YES, Routes.NO, Routes.UNKNOWN
DEFAULT = " AND ".join(
    f'NOT LOG_ID("{s}.googleapis.com/{log}")'
    for log in ("activity", "system_event", "access_transparency")
    for s in ("cloudaudit", "externalaudit")
)


@pytest.mark.parametrize(
    ("filt", "exclusions", "want"),
    [
        (DEFAULT, [], Y),  # Google's _Default: leaves out audit logs only
        (DEFAULT, ['LOG_ID("stdout")'], Y),
        (DEFAULT, ['LOG_ID("compute.googleapis.com/vpc_flows")'], N),
        (DEFAULT, ['logName:"vpc_flows"'], N),
        (DEFAULT, ['resource.type="gce_subnetwork"'], U),  # other fields are not modelled
        (f'{DEFAULT} AND NOT LOG_ID("compute.googleapis.com%2Fvpc_flows")', [], N),
        ('LOG_ID("compute.googleapis.com/vpc_flows")', [], Y),
        ('logName="projects/orders-prod/logs/compute.googleapis.com%2Fvpc_flows"', [], Y),
        ('logName="projects/other/logs/compute.googleapis.com%2Fvpc_flows"', [], N),
        ('LOG_ID("compute.googleapis.com/vpc_flows") AND jsonPayload.reporter="DEST"', [], U),
        ('protoPayload."@type"="type.googleapis.com/google.cloud.audit.AuditLog"', [], N),
        ('logName:"cloudaudit.googleapis.com"', [], N),
        ('logName:"cloudaudit.googleapis.com" OR resource.type="gce_instance"', [], U),
    ],
)
def test_vpc_flows(filt: str, exclusions: list[str], want: Routes) -> None:
    assert routes_after_exclusions(filt, exclusions, [VPC_FLOWS], "projects/orders-prod") is want


def test_the_firewall_log_is_its_own_log() -> None:
    flows = 'LOG_ID("compute.googleapis.com/vpc_flows")'
    assert routes(flows, [FIREWALL], "projects/p") is N
    assert routes('LOG_ID("compute.googleapis.com/firewall")', [FIREWALL], "projects/p") is Y
