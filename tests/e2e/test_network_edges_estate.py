"""The network-edges fixture: SSH on broker hosts and the EKS API endpoint, end to end.

``fixtures/network-edges/estate.yaml`` is built with real boto3 calls in moto, collected
with the auditor's EC2, ELB and EKS collectors, and judged by ``network.management-ports``
and ``network.k8s-endpoint-private``: each planted row of the README FAILs, each clean
twin PASSes, and nothing else is flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.estate_readme import PLANTED, EstateReadme, assert_readme_holds
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "network-edges"
SERVICES = ("ec2-network", "ec2-compute", "elbv2", "eks")
RULES = ("network.management-ports", "network.k8s-endpoint-private")
README = EstateReadme(path=FIXTURE / "README.md", explained=(PLANTED,))


def _scan(fake: FakeAws) -> tuple[Inventory, list[Verdict]]:
    apply_estate(FIXTURE / "estate.yaml")
    inv = fake.collect(accounts=(CUSTOMER,), regions=("us-east-1",), services=SERVICES)
    return inv, run_rules(inv, load_declaration(FIXTURE / "boundary.yaml"), rules=RULES)


def test_readme_tables_match_the_estate(fake_aws: FakeAws) -> None:
    """Every planted row FAILs, every twin PASSes, and nothing else is flagged."""
    inv, v = _scan(fake_aws)
    assert_readme_holds(README, v, inv)


def test_the_failures_name_what_opens_them(fake_aws: FakeAws) -> None:
    inv, v = _scan(fake_aws)
    ssh = [x for x in v if x.rule == RULES[0] and x.status is Status.FAIL]
    assert len(ssh) == 1 and "22" in ssh[0].message, ssh
    groups = {r.id for r in inv.resources if r.kind == "firewall" and r.name == "edges-ssh-open"}
    assert groups and groups <= set(ssh[0].causes), ssh[0].causes
    (k8s,) = [x for x in v if x.rule == RULES[1] and x.status is Status.FAIL]
    assert "0.0.0.0/0" in k8s.message
