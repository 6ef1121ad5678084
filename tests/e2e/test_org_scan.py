"""Organisation-wide scans in moto: Organizations discovery, member roles, enabled regions.

The management account (the declared customer account 111111111111) creates an
organisation and member accounts (moto gives them random ids); each member gets
the auditor's read role, so the scan enters it exactly as on AWS. A member
holds a Kafka log bucket nobody declared: found only with ``--organization``,
in the ``unknown`` party, and a data.store-location FAIL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.analysis.derive import build_graph
from auditor.cli import main
from auditor.collect.permissions import action_for_call, declared_actions
from auditor.collect.runner import AwsScanOptions, CollectionResult, collect_aws
from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from auditor.fakecloud.moto_server import MotoServer
from auditor.model import Inventory, Scope, Status
from auditor.normalize import normalize
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import BASE, declaration, run_rules

pytestmark = pytest.mark.e2e


@dataclass
class Org:
    creds: AuditorCredentials
    members: list[str]
    """ACTIVE members created in the organisation (random ids), sorted."""
    holder: str
    """The member holding the undeclared Kafka log bucket."""
    suspended: str
    ou: str
    in_ou: str
    root: str


@pytest.fixture
def org(fake_aws: FakeAws) -> Org:
    mgmt = fake_aws.session(CUSTOMER).client("organizations")
    mgmt.create_organization(FeatureSet="ALL")
    root = mgmt.list_roots()["Roots"][0]["Id"]
    members = [
        mgmt.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for i in range(2)
    ]
    closed = mgmt.create_account(Email="c@example.com", AccountName="closed")[
        "CreateAccountStatus"
    ]["AccountId"]
    mgmt.close_account(AccountId=closed)
    ou = mgmt.create_organizational_unit(ParentId=root, Name="kafka")["OrganizationalUnit"]["Id"]
    mgmt.move_account(AccountId=members[1], SourceParentId=root, DestinationParentId=ou)
    # An undeclared member holds Kafka log data.
    s3 = fake_aws.session(members[0]).client("s3")
    s3.create_bucket(Bucket="stray-kafka-log")
    s3.put_bucket_tagging(
        Bucket="stray-kafka-log",
        Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]},
    )
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2, *members))
    return Org(
        creds=creds,
        members=sorted(members),
        holder=members[0],
        suspended=closed,
        ou=ou,
        in_ou=members[1],
        root=root,
    )


@pytest.fixture
def as_auditor(org: Org) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in org.creds.env()}
    os.environ.update(org.creds.env())
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _collect(**extra: object) -> CollectionResult:
    opts = AwsScanOptions(
        accounts=(CUSTOMER, CUSTOMER_2),
        regions=("us-east-1",),
        assume_role=AUDITOR_ROLE,
        services=("sts", "s3"),
        max_attempts=1,
        max_workers=8,
    )
    from dataclasses import replace

    return collect_aws(replace(opts, **extra))  # type: ignore[arg-type]


def _inventory(result: CollectionResult) -> Inventory:
    regions = sorted({r for rs in result.regions.values() for r in rs})
    return normalize(
        result.records,
        scope=Scope(accounts=tuple(result.accounts), regions=tuple(regions)),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )


def test_organization_adds_active_members_and_their_data_is_outside_the_boundary(
    org: Org, as_auditor: None
) -> None:
    declared = _collect()
    assert declared.accounts_entered == [CUSTOMER, CUSTOMER_2]
    assert "stray-kafka-log" not in {r.name for r in _inventory(declared).resources}

    result = _collect(organization=True)
    everyone = sorted([CUSTOMER, CUSTOMER_2, *org.members])
    assert result.accounts == everyone  # declared (222... is not in the org) + ACTIVE members
    assert result.accounts_entered == everyone
    assert org.suspended not in result.accounts
    assert result.gaps == []
    assert {u.account for u in result.units} == set(everyone)
    discovered = result.organization
    assert discovered is not None
    assert {a.id: a.status for a in discovered.accounts}[org.suspended] == "SUSPENDED"
    assert [u[0] for u in discovered.units] == [org.ou]
    assert result.api_calls["organizations:ListAccounts"] == 1
    assert result.api_calls["sts:AssumeRole"] == len(everyone) - 1  # once per entered account

    inv = _inventory(result)
    bucket = next(r for r in inv.resources if r.name == "stray-kafka-log")
    assert bucket.account == org.holder
    decl = declaration()
    graph = build_graph(inv, decl)
    assert graph.g.nodes[bucket.id]["zone"].party == "unknown"
    verdicts = {v.resource: v for v in run_rules(inv, decl, ["data.store-location"])}
    assert verdicts[bucket.id].status is Status.FAIL
    assert "(unknown)" in verdicts[bucket.id].message
    # Every call the discovery made is in the derived least-privilege policy.
    needed = declared_actions()
    assert {action_for_call(c) for c in result.api_calls} <= set(needed)


def test_organizational_unit_limits_discovered_accounts_not_declared_ones(
    org: Org, as_auditor: None
) -> None:
    result = _collect(organization=True, organizational_units=(org.ou,))
    assert result.accounts == sorted([CUSTOMER, CUSTOMER_2, org.in_ou])
    whole = _collect(organization=True, organizational_units=(org.root,))
    assert whole.accounts == sorted([CUSTOMER, CUSTOMER_2, *org.members])


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    p = FaultProxy(moto_server.endpoint)
    p.start()
    old = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = p.endpoint
    try:
        yield p
    finally:
        os.environ["AWS_ENDPOINT_URL"] = old
        p.stop()


def test_a_member_that_cannot_be_entered_is_a_gap_not_a_crash(
    org: Org, as_auditor: None, proxy: FaultProxy
) -> None:
    # Entering is one AssumeRole per account in account order (one at a time with
    # one worker): refuse the second, i.e. the second-lowest non-caller account.
    others = sorted([CUSTOMER_2, *org.members])
    refused = others[1]
    proxy.inject(Fault(service="sts", operation="AssumeRole", after=1, times=1))
    result = _collect(organization=True, max_workers=1)
    assert result.accounts == sorted([CUSTOMER, *others])
    assert result.accounts_entered == sorted(a for a in [CUSTOMER, *others] if a != refused)
    [gap] = result.gaps
    assert (gap.account, gap.region, gap.service, gap.operation, gap.error_code) == (
        refused,
        "*",
        "*",
        "AssumeRole",
        "AccessDenied",
    )
    assert refused not in {u.account for u in result.units}
    verdicts = run_rules(_inventory(result), declaration(), ["data.store-location"])
    assert any(
        v.resource == f"scope:aws/{refused}/*" and v.status is Status.INCONCLUSIVE for v in verdicts
    )


def test_not_the_management_account_is_an_organisation_wide_gap(
    org: Org, as_auditor: None, proxy: FaultProxy
) -> None:
    proxy.inject(
        Fault(
            service="organizations",
            operation="ListAccounts",
            code="AccessDeniedException",
            message="You don't have permissions to access this resource.",
        )
    )
    result = _collect(organization=True)
    assert result.accounts == [CUSTOMER, CUSTOMER_2]  # the declared ones are still scanned
    assert result.accounts_entered == [CUSTOMER, CUSTOMER_2]
    [gap] = [g for g in result.gaps if g.operation == "ListAccounts"]
    assert (gap.account, gap.service, gap.error_code) == ("*", "*", "AccessDeniedException")
    verdicts = run_rules(_inventory(result), declaration(), ["data.store-location"])
    assert not any(v.status is Status.PASS for v in verdicts)


def test_all_regions_scans_each_accounts_enabled_regions(
    fake_aws: FakeAws, proxy: FaultProxy
) -> None:
    kms = fake_aws.session(CUSTOMER, "eu-north-1").client("kms", region_name="eu-north-1")
    key = kms.create_key(Description="stray")["KeyMetadata"]["Arn"]
    described = fake_aws.session(CUSTOMER).client("ec2").describe_regions(AllRegions=True)
    enabled = sorted(
        r["RegionName"]
        for r in described["Regions"]
        if r["OptInStatus"] in ("opt-in-not-required", "opted-in")
    )
    not_opted = {r["RegionName"] for r in described["Regions"]} - set(enabled)
    assert "eu-north-1" in enabled and not_opted  # moto has both kinds
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    os.environ.update(creds.env())
    try:
        result = _collect(accounts=(CUSTOMER,), all_regions=True, services=("kms",))
        assert result.regions[CUSTOMER] == tuple(enabled)
        assert {u.region for u in result.units if u.account == CUSTOMER} == set(enabled)
        assert not not_opted & {u.region for u in result.units}
        assert key in {r.id for r in _inventory(result).resources}
        assert result.api_calls["ec2:DescribeRegions"] == 1
        assert result.gaps == []

        proxy.inject(
            Fault(service="ec2", operation="DescribeRegions", code="UnauthorizedOperation")
        )
        cut = _collect(all_regions=True, services=("kms",))
    finally:
        for k in creds.env():
            os.environ.pop(k, None)
    assert cut.regions == {CUSTOMER: ("us-east-1",), CUSTOMER_2: ("us-east-1",)}
    assert {(g.account, g.region, g.service, g.operation) for g in cut.gaps} == {
        (CUSTOMER, "*", "*", "DescribeRegions"),
        (CUSTOMER_2, "*", "*", "DescribeRegions"),
    }


def _declaration_file(tmp_path: Path) -> Path:
    path = tmp_path / "boundary.yaml"
    with path.open("w") as fh:
        YAML().dump(BASE, fh)
    return path


def test_scan_organization_from_the_cli(org: Org, tmp_path: Path) -> None:
    decl = _declaration_file(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "scan",
            "--boundary",
            str(decl),
            "--out",
            str(out),
            "--assume-role",
            AUDITOR_ROLE,
            "--organization",
            "--region",
            "us-east-1",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        env=org.creds.env(),
    )
    assert result.exit_code == 1, result.output  # the stray bucket is a high FAIL
    assert "organization o-" in result.output
    assert "4 account(s), 3 ACTIVE, 1 OU(s); scanning 4 account(s)" in result.output
    [bundle] = list(out.iterdir())
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["scope"]["accounts"] == sorted([CUSTOMER, CUSTOMER_2, *org.members])
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--all-regions", "--region", "us-east-1"], "--all-regions and --region exclude"),
        (["--organizational-unit", "ou-1"], "--organizational-unit needs --organization"),
        (["--resume", "--no-checkpoint"], "--resume needs the checkpoint"),
        (["--flows-insights"], "--flows-insights needs --flows-since"),
    ],
)
def test_contradicting_scale_options_exit_2(tmp_path: Path, extra: list[str], message: str) -> None:
    decl = _declaration_file(tmp_path)
    result = CliRunner().invoke(
        main, ["scan", "--boundary", str(decl), "--out", str(tmp_path / "o"), *extra]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o").exists()
