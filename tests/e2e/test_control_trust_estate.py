"""The control-trust fixture: role trust, external ids, declared roles, break-glass logging.

``fixtures/control-trust/estate.yaml`` is built with real boto3 calls in moto in two
customer accounts, collected with the auditor's IAM, CloudTrail and S3 collectors over
both declared regions, and judged by the rules below: each planted row of the README
FAILs, each clean twin PASSes, and nothing else is flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.model import Inventory, Status, Verdict
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.estate_readme import (
    INCONCLUSIVE,
    PLANTED,
    EstateReadme,
    assert_readme_holds,
)
from tests.helpers import run_rules

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "control-trust"
SERVICES = ("iam", "cloudtrail", "s3")
RULES = (
    "control.no-wildcard-trust",
    "control.external-id-required",
    "control.declared-roles-exist",
    "control.break-glass",
    "control.audit-trail-multi-region",
)
README = EstateReadme(path=FIXTURE / "README.md", explained=(PLANTED, INCONCLUSIVE))


def _scan(fake: FakeAws) -> tuple[Inventory, list[Verdict]]:
    apply_estate(FIXTURE / "estate.yaml")
    inv = fake.collect(
        accounts=(CUSTOMER, CUSTOMER_2), regions=("us-east-1", "us-west-2"), services=SERVICES
    )
    return inv, run_rules(inv, load_declaration(FIXTURE / "boundary.yaml"), rules=RULES)


def test_readme_tables_match_the_estate(fake_aws: FakeAws) -> None:
    """Every planted row FAILs, every twin PASSes, and nothing else is flagged."""
    inv, v = _scan(fake_aws)
    assert_readme_holds(README, v, inv)


def test_every_inconclusive_names_why(fake_aws: FakeAws) -> None:
    _, v = _scan(fake_aws)
    bare = [x for x in v if x.status is Status.INCONCLUSIVE and not x.evidence.gaps]
    assert bare and all(x.unmodelled for x in bare), [(x.resource, x.message) for x in bare]
