"""The derived least-privilege policy is enough for a full scan, and every action in it counts.

IAM enforcement in moto is process-global (``INITIAL_NO_AUTH_ACTION_COUNT``),
so these tests run their own moto server in a subprocess: the in-process
server the other tests share never enforces IAM. The demo estate
(``fixtures/kafka-byoc-aws``, two accounts, two regions) is loaded once with
enforcement off; each scan then swaps the auditor's policy (user in the first
account, ``auditor-read`` role in the second) and runs with enforcement on.

moto does not check every S3 call against the IAM action AWS uses, and how it
errs depends on its release: moto up to 5.2.5 checks ``s3:GetPublicAccessBlock``
for ``GetPublicAccessBlock`` and ``s3:ListBucket`` for the encryption,
replication and object lock reads (:data:`MOTO_ACTION_NAMES`); later releases
check the API operation's own name (``s3:ListBuckets`` where AWS documents
``s3:ListAllMyBuckets``, see :data:`~auditor.collect.permissions.OPERATION_ACTIONS`).
Real AWS authorises ``ListBuckets`` with ``s3:ListAllMyBuckets``, so the derived
policy is right and moto is not: the fixture asks the running moto which naming it
uses (:func:`moto_checks_operation_names`), the policy is translated accordingly
before it is attached, and nothing else is added. moto also cannot authenticate every protocol (it
rejects the REST signatures of EKS, MSK and Route53 whatever the policy): the
scans are compared with a scan under an allow-everything policy, so such
gaps cancel out and are listed in :data:`MOTO_UNAUTHENTICATABLE`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from auditor.boundary import load_declaration
from auditor.collect.permissions import (
    OPERATION_ACTIONS,
    action_for_call,
    aws_policy,
    declared_actions,
)
from auditor.collect.runner import AwsScanOptions, CollectionResult, collect_aws
from auditor.fakecloud.demo import fixtures_dir
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials, provision_auditor
from auditor.fakecloud.moto_server import account_session, endpoint_env
from auditor.model import Gap, Inventory, Scope, Status
from auditor.normalize import normalize
from tests.helpers import CUSTOMER, CUSTOMER_2, run_rules

pytestmark = pytest.mark.e2e

ACCOUNTS = (CUSTOMER, CUSTOMER_2)
REGIONS = ("us-east-1", "us-west-2")
ESTATE = fixtures_dir() / "kafka-byoc-aws"

MOTO_ACTION_NAMES = {
    "s3:GetBucketPublicAccessBlock": "s3:GetPublicAccessBlock",
    "s3:GetEncryptionConfiguration": "s3:ListBucket",
    "s3:GetReplicationConfiguration": "s3:ListBucket",
    "s3:GetBucketObjectLockConfiguration": "s3:ListBucket",
}
"""AWS action -> the name moto (up to 5.2.5) checks for the same call."""

MOTO_OPERATION_NAMES = {action: call for call, action in OPERATION_ACTIONS.items()}
"""AWS action -> the name later moto releases check: the operation's own (``s3:ListBuckets``)."""

MOTO_UNAUTHENTICATABLE = frozenset(
    {"eks", "msk", "msk-config", "msk-connect", "msk-policy", "msk-replicator", "route53"}
)
"""Collectors whose calls moto refuses under enforcement even with ``Action: *`` (MSK
configurations, Replicator and Connect are answered by our fake in front of moto, which this
plain ``moto.server`` process lacks)."""

DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"}
)


def _denied(gap: Gap) -> bool:
    """An authorisation refusal (moto answers JSON-protocol services with an XML body,
    which botocore reports as code ``403`` with the XML as message)."""
    return gap.error_code in DENIED_CODES or (
        gap.error_code == "403" and "<Code>AccessDenied</Code>" in gap.message
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EnforcingMoto:
    endpoint: str
    creds: AuditorCredentials
    action_names: dict[str, str] = field(default_factory=lambda: dict(MOTO_ACTION_NAMES))
    """How this moto spells the S3 actions whose AWS names differ (probed at start)."""

    def _post(self, path: str, body: bytes = b"") -> bytes:
        req = urllib.request.Request(
            self.endpoint + path,
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            data: bytes = resp.read()
            return data

    def enforce(self, on: bool) -> None:
        """Every request authenticated and authorised from now (on), or none (off)."""
        self._post("/moto-api/reset-auth", b"0" if on else b"inf")

    def attach(self, policy: dict[str, Any]) -> None:
        """``policy``, as it is, on the auditor's user (first account) and role (second)."""
        doc = json.dumps(policy)
        self.enforce(False)
        with endpoint_env(self.endpoint):
            account_session(CUSTOMER).client("iam").put_user_policy(
                UserName="auditor", PolicyName="boundary-auditor", PolicyDocument=doc
            )
            account_session(CUSTOMER_2).client("iam").put_role_policy(
                RoleName=AUDITOR_ROLE, PolicyName="boundary-auditor", PolicyDocument=doc
            )

    @contextmanager
    def enforced(self) -> Iterator[None]:
        """IAM enforced, the auditor's own credentials in the environment."""
        self.enforce(True)
        try:
            with pytest.MonkeyPatch.context() as mp:
                mp.delenv("AWS_PROFILE", raising=False)
                mp.delenv("AWS_SESSION_TOKEN", raising=False)
                with endpoint_env(self.endpoint, **self.creds.env()):
                    yield
        finally:
            self.enforce(False)

    def scan(self, policy: dict[str, Any], **options: Any) -> CollectionResult:
        """Attach ``policy`` (translated for moto) to the auditor, scan with IAM enforced.

        ``options`` override fields of the scan's :class:`AwsScanOptions`."""
        self.attach(moto_policy(policy, self.action_names))
        with self.enforced():
            opts = AwsScanOptions(
                accounts=ACCOUNTS,
                regions=REGIONS,
                assume_role=AUDITOR_ROLE,
                max_attempts=1,
                max_workers=8,
            )
            return collect_aws(replace(opts, **options))


def moto_checks_operation_names(server: EnforcingMoto) -> bool:
    """Whether this moto authorises ``ListBuckets`` as ``s3:ListBuckets`` (the operation's
    name) rather than AWS's ``s3:ListAllMyBuckets``: allow only the AWS name and ask."""
    import boto3
    import botocore.exceptions

    server.attach(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
        }
    )
    with server.enforced():
        try:
            boto3.Session().client("s3", region_name="us-east-1").list_buckets()
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "AccessDenied":
                raise
            return True
    return False


def moto_policy(policy: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The same policy with the AWS action names moto spells differently renamed."""
    statements = []
    for st in policy["Statement"]:
        actions = st["Action"]
        if isinstance(actions, list):
            actions = sorted({names.get(a, a) for a in actions})
        statements.append({**st, "Action": actions})
    return {**policy, "Statement": statements}


ALLOW_ALL: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def moto_iam() -> Iterator[EnforcingMoto]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env.update(MOTO_EC2_LOAD_DEFAULT_AMIS="false", MOTO_IAM_LOAD_MANAGED_POLICIES="false")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = EnforcingMoto(endpoint=f"http://127.0.0.1:{port}", creds=_no_creds())
        deadline = time.monotonic() + 60
        while True:
            try:
                server._post("/moto-api/reset")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        with endpoint_env(server.endpoint):
            apply_estate(ESTATE / "estate.yaml")
            server.creds = provision_auditor(list(ACCOUNTS))
        if moto_checks_operation_names(server):
            server.action_names = dict(MOTO_OPERATION_NAMES)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _no_creds() -> AuditorCredentials:
    return AuditorCredentials(account="", access_key_id="", secret_access_key="")


GapKey = tuple[str, str, str, str, str, str]


def _gap_keys(gaps: list[Gap]) -> set[GapKey]:
    return {(g.account, g.region, g.service, g.operation, g.resource, g.error_code) for g in gaps}


def _inventory(result: CollectionResult) -> Inventory:
    return normalize(
        result.records,
        scope=Scope(accounts=ACCOUNTS, regions=REGIONS),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )


@pytest.fixture(scope="module")
def allow_all(moto_iam: EnforcingMoto) -> CollectionResult:
    return moto_iam.scan(ALLOW_ALL)


@pytest.fixture(scope="module")
def least(moto_iam: EnforcingMoto) -> CollectionResult:
    return moto_iam.scan(aws_policy())


def test_allow_all_baseline_only_has_moto_limitations(allow_all: CollectionResult) -> None:
    """What moto cannot authenticate fails the same under any policy; it is only these."""
    assert allow_all.accounts_entered == sorted(ACCOUNTS)
    assert {g.service for g in allow_all.gaps} <= MOTO_UNAUTHENTICATABLE
    assert not [g for g in allow_all.gaps if _denied(g)]
    assert len(allow_all.records) > 50


def test_derived_policy_scans_everything_with_no_access_denied(
    allow_all: CollectionResult, least: CollectionResult
) -> None:
    assert least.accounts_entered == sorted(ACCOUNTS)
    denied = [g for g in least.gaps if _denied(g)]
    assert denied == []
    assert _gap_keys(least.gaps) == _gap_keys(allow_all.gaps)
    # The same inventory, but for the auditor's own identities (they carry the policy).
    full, derived = _inventory(allow_all), _inventory(least)
    assert [r.id for r in derived.resources] == [r.id for r in full.resources]
    assert _not_auditor(derived) == _not_auditor(full)
    assert derived.relations == full.relations


def _not_auditor(inv: Inventory) -> list[Any]:
    own = (":user/auditor", f":role/{AUDITOR_ROLE}")
    return [r for r in inv.resources if not r.id.endswith(own)]


def test_every_call_the_scan_makes_is_in_the_policy(least: CollectionResult) -> None:
    needed = declared_actions()
    called = {action_for_call(call) for call in least.api_calls}
    assert called <= set(needed), sorted(called - set(needed))
    # Every S3 operation whose action name differs was really called (but ListObjectsV2:
    # only with --flows-since, see tests/e2e/test_observed_flows_s3_e2e.py).
    assert set(OPERATION_ACTIONS) - {"s3:ListObjectsV2"} <= set(least.api_calls)


@pytest.mark.parametrize(
    ("action", "operations", "accounts"),
    [
        ("s3:GetBucketPolicy", {"GetBucketPolicy"}, ACCOUNTS),
        ("kms:GetKeyPolicy", {"GetKeyPolicy"}, ACCOUNTS),
        ("ec2:DescribeSecurityGroups", {"DescribeSecurityGroups"}, ACCOUNTS),
        ("iam:GetAccountAuthorizationDetails", {"GetAccountAuthorizationDetails"}, ACCOUNTS),
        ("sts:AssumeRole", {"AssumeRole"}, (CUSTOMER_2,)),
    ],
)
def test_removing_one_action_produces_its_gap(
    moto_iam: EnforcingMoto,
    least: CollectionResult,
    action: str,
    operations: set[str],
    accounts: tuple[str, ...],
) -> None:
    result = moto_iam.scan(aws_policy(exclude=(action,)))
    new = _gap_keys(result.gaps) - _gap_keys(least.gaps)
    assert new, f"removing {action} changed nothing"
    assert {k[3] for k in new} == operations
    assert {k[0] for k in new} == set(accounts)
    assert all(_denied(g) for g in result.gaps if _gap_keys([g]) <= new)
    # Nothing else changed: every gap of the full-policy scan in an entered account is still there.
    entered = set(result.accounts_entered)
    assert _gap_keys([g for g in least.gaps if g.account in entered]) <= _gap_keys(result.gaps)
    if action == "sts:AssumeRole":
        assert entered == {CUSTOMER}


def test_missing_bucket_policy_permission_makes_verdicts_inconclusive(
    moto_iam: EnforcingMoto, least: CollectionResult
) -> None:
    decl = load_declaration(ESTATE / "boundary.yaml")
    rule = "data.no-public-access"
    full = {v.resource: v.status for v in run_rules(_inventory(least), decl, [rule])}
    result = moto_iam.scan(aws_policy(exclude=("s3:GetBucketPolicy",)))
    cut = {v.resource: v.status for v in run_rules(_inventory(result), decl, [rule])}
    buckets = {g.resource for g in result.gaps if g.operation == "GetBucketPolicy"}
    assert buckets
    for bucket in buckets & set(cut):
        assert cut[bucket] is Status.INCONCLUSIVE, bucket
        assert full[bucket] is not Status.INCONCLUSIVE, bucket
    assert buckets & set(cut)
    assert not any(s is Status.PASS for r, s in cut.items() if r in buckets)


def test_all_regions_discovery_is_covered_by_the_derived_policy(moto_iam: EnforcingMoto) -> None:
    """``--all-regions`` calls ec2:DescribeRegions per account: in the policy, and needed."""
    full = moto_iam.scan(aws_policy(), all_regions=True, services=("sts",))
    assert not [g for g in full.gaps if _denied(g)]
    assert full.api_calls["ec2:DescribeRegions"] == len(ACCOUNTS)
    assert all(len(regions) > len(REGIONS) for regions in full.regions.values())
    cut = moto_iam.scan(
        aws_policy(exclude=("ec2:DescribeRegions",)), all_regions=True, services=("sts",)
    )
    assert {(g.account, g.region, g.operation) for g in cut.gaps if _denied(g)} == {
        (account, "*", "DescribeRegions") for account in ACCOUNTS
    }
    assert cut.regions == dict.fromkeys(ACCOUNTS, REGIONS)  # the declared ones, still read
