"""End to end: the kafka-byoc-aws demo estate, scanned across accounts, against a golden.

The estate (``fixtures/kafka-byoc-aws/estate.yaml``) is created in the fake AWS
through real boto3 calls, collected from both customer accounts and both
declared regions with the auditor's own read-only credentials, and judged by
every rule against ``fixtures/kafka-byoc-aws/boundary.yaml``.

- The (rule, resource, status) triples must equal the golden file
  ``tests/golden/kafka-byoc-aws.verdicts.json``; ``UPDATE_GOLDEN=1`` rewrites it,
  and a missing golden fails.
- The recorded drills in ``fixtures/kafka-byoc-aws/drills/`` join the inventory as
  ``auditor scan`` adds them, aged at a fixed scan time (``AS_OF``).
- Every planted violation in the README table yields its expected verdict (FAIL,
  or WAIVED for the waived one), and no other verdict is anything but PASS unless
  the README's table of expected INCONCLUSIVE verdicts lists it.

Moto's random source is seeded before the estate is applied, so EC2, KMS,
Route53 and ELB ids are the same on every run. MSK cluster ids come from
``uuid4`` outside that source and are masked in the golden.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.fakecloud.estate import apply_estate
from auditor.model import Inventory, RawRecord, Verdict
from auditor.normalize.drills import with_drills
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.estate_readme import (
    EstateReadme,
    assert_matches_golden,
    assert_one_finding_per_misconfiguration,
    verdict_rows,
)
from tests.helpers import TODAY, run_rules

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "fixtures" / "kafka-byoc-aws"
README = ESTATE / "README.md"
GOLDEN = ROOT / "tests" / "golden" / "kafka-byoc-aws.verdicts.json"
ACCOUNTS = (CUSTOMER, CUSTOMER_2)
REGIONS = ("us-east-1", "us-west-2")
SEED = 20261129
AS_OF = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)

_MASKS = (
    # moto draws MSK cluster ids from uuid.uuid4(), which its seed does not cover.
    (re.compile(r"(arn:aws:kafka:[a-z0-9-]+:\d{12}:cluster/(?:[^/\s]+/)?)[0-9a-f-]{36}"), r"\1*"),
)


def _mask(resource_id: str) -> str:
    for pattern, repl in _MASKS:
        resource_id = pattern.sub(repl, resource_id)
    return resource_id


_WARM_UP = (
    ("ec2", "describe_vpcs"),
    ("kms", "list_keys"),
    ("s3", "list_buckets"),
    ("iam", "list_roles"),
    ("elbv2", "describe_load_balancers"),
    ("autoscaling", "describe_auto_scaling_groups"),
    ("kafka", "list_clusters_v2"),
    ("cloudtrail", "describe_trails"),
    ("route53", "list_hosted_zones"),
)


def _warm_up(fake_aws: FakeAws) -> None:
    """Create, before seeding, every moto backend the estate will use.

    A moto reset re-creates at once the backends of accounts earlier tests used
    (default VPCs and all, drawing random ids) but creates others lazily, on
    first use. Touching them all before the seed makes the ids drawn after it the
    same whichever tests ran first in this session.
    """
    for account in (*ACCOUNTS, VENDOR):
        for region in REGIONS:
            session = fake_aws.session(account, region)
            for service, operation in _WARM_UP:
                getattr(session.client(service, region_name=region), operation)()


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    verdicts: list[Verdict]
    collected: Inventory
    """The inventory as collected (through the spool), before the drills join it."""
    raw: list[RawRecord]


_SCAN: dict[str, Scan] = {}


@pytest.fixture
def scan(fake_aws: FakeAws) -> Scan:
    """Apply, collect and evaluate once per session; later tests reuse the result."""
    if "scan" not in _SCAN:
        _warm_up(fake_aws)
        req = urllib.request.Request(
            f"{fake_aws.server.endpoint}/moto-api/seed?a={SEED}", method="POST"
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
        apply_estate(ESTATE / "estate.yaml")
        decl_path = ESTATE / "boundary.yaml"
        decl = load_declaration(decl_path)
        raw: list[RawRecord] = []
        collected = fake_aws.collect(accounts=ACCOUNTS, regions=REGIONS, raw=raw)
        inventory = collected
        # As `auditor scan` does: the recorded drills join the inventory, aged at a
        # fixed scan time so that the verdicts do not depend on the clock.
        inventory = with_drills(inventory, decl, decl_path, AS_OF)
        verdicts = run_rules(inventory, decl, today=AS_OF.date())
        _SCAN["scan"] = Scan(inventory=inventory, verdicts=verdicts, collected=collected, raw=raw)
    return _SCAN["scan"]


# moto cannot place 111111111111 and 222222222222 in one organization (member
# accounts it creates get random ids), so each account answers "not in use":
# recorded as a fact (no SCPs apply), not as a gap.
EXPECTED_GAPS: set[tuple[str, str, str, str]] = set()


def test_collection_is_complete_but_for_known_emulator_gaps(scan: Scan) -> None:
    gaps = {(g.account, g.service, g.operation, g.error_code) for g in scan.inventory.gaps}
    assert gaps <= EXPECTED_GAPS, f"unexpected collection gaps: {sorted(gaps - EXPECTED_GAPS)}"


def test_streamed_collection_equals_one_pass_over_the_raw_answers(scan: Scan) -> None:
    """Units normalised into the spool as they finish give the inventory that one
    normalisation of every raw record gives."""
    from auditor.base.serialize import inventory_jsonl
    from auditor.normalize import normalize

    streamed = scan.collected
    assert len(scan.raw) > 100 and len(streamed.resources) > 100
    one_pass = normalize(
        scan.raw,
        scope=streamed.scope,
        gaps=streamed.gaps,
        api_calls=streamed.api_calls,
        collected=streamed.collected,
    )
    assert inventory_jsonl(streamed) == inventory_jsonl(one_pass)


def test_verdicts_match_golden(scan: Scan) -> None:
    header = {
        "estate": "kafka-byoc-aws",
        "declaration": "fixtures/kafka-byoc-aws/boundary.yaml",
        "accounts": list(ACCOUNTS),
        "regions": list(REGIONS),
    }
    assert_matches_golden(GOLDEN, verdict_rows(scan.verdicts, _mask), header)


# --- the README's tables ------------------------------------------------------------------

TABLES = EstateReadme(path=README)


def test_planted_violations_are_caught(scan: Scan) -> None:
    problems = TABLES.uncaught(scan.verdicts, scan.inventory)
    assert not problems, "planted violations not caught:\n" + "\n".join(problems)


def test_everything_else_passes(scan: Scan) -> None:
    unexplained = TABLES.unexplained(scan.verdicts, scan.inventory)
    assert not unexplained, "verdicts the README does not explain:\n" + "\n".join(unexplained)


def test_each_planted_misconfiguration_is_one_finding(scan: Scan) -> None:
    assert_one_finding_per_misconfiguration(TABLES, scan.verdicts, scan.inventory)


def test_the_scan_crosses_accounts(scan: Scan) -> None:
    accounts = {r.account for r in scan.inventory.resources if r.kind == "account"}
    assert accounts == set(ACCOUNTS)
    stores = {
        r.account
        for r in scan.inventory.resources
        if r.kind == "bucket" and r.tags.get("data-class") == "kafka-log"
    }
    assert stores == set(ACCOUNTS)
