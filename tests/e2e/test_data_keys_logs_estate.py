"""The data-keys-logs fixture: key rotation, and where the data stores' access logs go.

``fixtures/data-keys-logs/estate.yaml`` is built with real boto3 calls in moto,
collected with the auditor's S3, KMS and EC2 collectors over both declared regions, and
judged by ``data.key-rotation`` and ``data.system-logs-separate``: each planted row of
the README FAILs, each clean twin PASSes, and nothing else is flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.model import Inventory, Verdict
from tests.conftest import CUSTOMER, FakeAws
from tests.estate_readme import PLANTED, EstateReadme, assert_readme_holds
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "data-keys-logs"
SERVICES = ("s3", "kms", "ec2-compute")
RULES = ("data.key-rotation", "data.system-logs-separate")
README = EstateReadme(path=FIXTURE / "README.md", explained=(PLANTED,))


def _scan(fake: FakeAws) -> tuple[Inventory, list[Verdict]]:
    apply_estate(FIXTURE / "estate.yaml")
    inv = fake.collect(accounts=(CUSTOMER,), regions=("us-east-1", "us-west-2"), services=SERVICES)
    return inv, run_rules(inv, load_declaration(FIXTURE / "boundary.yaml"), rules=RULES)


def test_readme_tables_match_the_estate(fake_aws: FakeAws) -> None:
    """Every planted row FAILs, every twin PASSes, and nothing else is flagged."""
    inv, v = _scan(fake_aws)
    assert_readme_holds(README, v, inv)
