"""Control paths end to end: roles, trusts, chains, bucket and key policies across accounts.

Everything is built in moto through boto3, collected with the auditor's own
read-only credentials, and judged through the graph (``control.can_assume`` and
``control.can_act_on`` edges) and the rules. ``who-can`` and ``access`` are run
with click's CliRunner on the bundle of a real scan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.analysis.access import access_model
from auditor.analysis.derive import build_graph
from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, Status
from tests.conftest import CUSTOMER, CUSTOMER_2, VENDOR, FakeAws
from tests.helpers import BASE, declaration, run_rules, status_of

AUTOMATION = f"arn:aws:iam::{VENDOR}:role/automation"
OPERATOR = f"arn:aws:iam::{CUSTOMER}:role/vendor-operator"
DEEP = f"arn:aws:iam::{CUSTOMER_2}:role/deep-admin"
READER = f"arn:aws:iam::{CUSTOMER_2}:role/log-reader"
BUCKET = "orders-log-111111111111"
ACCOUNTS = (CUSTOMER, CUSTOMER_2)


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return doc(st)


def allow(actions: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def role(
    fake_aws: FakeAws, account: str, name: str, trust_doc: str, *policy: dict[str, Any]
) -> str:
    iam = fake_aws.session(account).client("iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc)["Role"]["Arn"])
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=doc(*policy))
    return arn


def estate(fake_aws: FakeAws) -> str:
    """Vendor -> operator (ExternalId) -> deep-admin in the second account (kms:*, s3:*).

    A data bucket in the first account whose policy lets the second account's reader
    read it, and whose key's policy lets the vendor account decrypt.
    """
    role(
        fake_aws,
        CUSTOMER,
        "vendor-operator",
        trust({"AWS": AUTOMATION}, {"StringEquals": {"sts:ExternalId": "x-42"}}),
        allow(["ec2:*", "autoscaling:*"]),
        allow("sts:AssumeRole", f"arn:aws:iam::{CUSTOMER_2}:role/*"),
    )
    role(fake_aws, CUSTOMER_2, "deep-admin", trust({"AWS": CUSTOMER}), allow(["kms:*", "s3:*"]))
    role(
        fake_aws,
        CUSTOMER_2,
        "log-reader",
        trust({"Service": "ec2.amazonaws.com"}),
        allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/*"),
    )
    kms = fake_aws.session(CUSTOMER).client("kms")
    key_policy = doc(
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Org",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CUSTOMER_2}:root"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        },
        {
            "Sid": "VendorDebug",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
    )
    key = kms.create_key(
        Policy=key_policy, Tags=[{"TagKey": "platform", "TagValue": "orders-kafka"}]
    )
    key_arn = str(key["KeyMetadata"]["Arn"])
    s3 = fake_aws.session(CUSTOMER).client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_tagging(
        Bucket=BUCKET, Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
    )
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    }
                }
            ]
        },
    )
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=doc(
            {
                "Sid": "CrossAccountReader",
                "Effect": "Allow",
                "Principal": {"AWS": READER},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            },
        ),
    )
    return key_arn


def scan(fake_aws: FakeAws, services: tuple[str, ...] = ("iam", "s3", "kms", "sts")) -> Inventory:
    return fake_aws.collect(accounts=ACCOUNTS, regions=("us-east-1",), services=services)


def test_chain_across_accounts_and_rules(fake_aws: FakeAws) -> None:
    key_arn = estate(fake_aws)
    inv = scan(fake_aws)
    graph = build_graph(inv, declaration())
    model = access_model(graph)

    # the chain: vendor -> operator (ExternalId) -> deep-admin in the second account
    chains = model.chains_from(AUTOMATION)
    assert chains[DEEP] == [AUTOMATION, OPERATOR, DEEP]
    assume = {(r.source, r.target) for r in graph.in_edges(DEEP, "control.can_assume")}
    assert (OPERATOR, DEEP) in assume
    first = next(graph.in_edges(OPERATOR, "control.can_assume"))
    assert first.attributes["requires"] and "ExternalId" in first.attributes["requires"][0]

    # cross-account bucket read: bucket policy names the reader, its identity allows it
    assert model.can(READER, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/k").decision.value == "allowed"
    # deep-admin has s3:* but the bucket policy does not name it: cross-account, denied
    assert (
        model.can(DEEP, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/k").decision.value == "not_allowed"
    )
    # deep-admin may decrypt: the key policy delegates to its account, its identity allows
    assert model.can(DEEP, "kms:Decrypt", key_arn).decision.value == "allowed"

    v = run_rules(inv, rules=["control.*"])
    # the vendor reaches kms:* through the chain: a denied action, on the role that grants
    # it (deep-admin), not on the declared operator role, which grants no denied action
    assert status_of(v, "control.vendor-denied-actions", OPERATOR) is Status.PASS
    assert status_of(v, "control.vendor-denied-actions", DEEP) is Status.FAIL
    msg = next(
        x.message for x in v if x.rule == "control.vendor-denied-actions" and x.resource == DEEP
    )
    assert f"{AUTOMATION} -> {OPERATOR}" in msg and DEEP in msg
    # the key: the vendor root decrypts directly, the vendor automation via the chain
    assert status_of(v, "control.vendor-key-control", key_arn) is Status.FAIL
    # the vendor account root appears through the key policy, undeclared
    assert (
        status_of(v, "control.outside-reach-declared", f"arn:aws:iam::{VENDOR}:root") is Status.FAIL
    )
    assert status_of(v, "control.outside-reach-declared", AUTOMATION) is Status.PASS
    assert status_of(v, "control.no-anonymous-data-access", f"arn:aws:s3:::{BUCKET}") is Status.PASS


def test_wildcard_bucket_policy_and_trust(fake_aws: FakeAws) -> None:
    s3 = fake_aws.session(CUSTOMER).client("s3")
    org_only, open_bucket = BUCKET, "orders-log-open-111111111111"
    for name in (org_only, open_bucket):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_tagging(
            Bucket=name, Tagging={"TagSet": [{"Key": "data-class", "Value": "kafka-log"}]}
        )
    read = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    s3.put_bucket_policy(
        Bucket=org_only,
        Policy=doc(
            {
                **read,
                "Resource": f"arn:aws:s3:::{org_only}/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
            }
        ),
    )
    s3.put_bucket_policy(
        Bucket=open_bucket, Policy=doc({**read, "Resource": f"arn:aws:s3:::{open_bucket}/*"})
    )
    role(
        fake_aws,
        CUSTOMER,
        "open-door",
        trust("*"),
        allow("s3:PutObject", f"arn:aws:s3:::{open_bucket}/*"),
    )
    inv = scan(fake_aws)
    v = run_rules(inv, rules=["control.no-anonymous-data-access", "control.outside-reach-declared"])
    rule = "control.no-anonymous-data-access"
    # PrincipalOrgID keeps an outsider out of the first bucket directly, but the wildcard
    # trust of open-door makes anyone a principal of the organization: a chain gets in.
    org_verdict = next(x for x in v if x.rule == rule and x.resource.endswith(org_only))
    assert org_verdict.status is Status.FAIL
    assert f"as * -> arn:aws:iam::{CUSTOMER}:role/open-door" in org_verdict.message
    reach = org_verdict.evidence.attributes["reach"]
    assert all(len(r["chain"]) == 2 for r in reach)  # never directly
    verdict = next(x for x in v if x.rule == rule and x.resource.endswith(open_bucket))
    assert verdict.status is Status.FAIL
    assert "data.read" in verdict.message and "data.write" in verdict.message
    assert "open-door" in verdict.message  # the write goes through the wildcard trust
    assert status_of(v, "control.outside-reach-declared", "*") is Status.FAIL


def test_organizations_scps_collected(fake_aws: FakeAws) -> None:
    org = fake_aws.session(CUSTOMER).client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    created = org.create_account(AccountName="member", Email="member@example.com")
    member = created["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    scp = org.create_policy(
        Name="no-kms",
        Description="deny kms",
        Type="SERVICE_CONTROL_POLICY",
        Content=doc({"Effect": "Deny", "Action": "kms:*", "Resource": "*"}),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=ou)

    inv = fake_aws.collect(
        accounts=(CUSTOMER,), regions=("us-east-1",), services=("organizations",)
    )
    assert not [g for g in inv.gaps if g.service == "organizations"], inv.gaps
    (res,) = [r for r in inv.resources if r.kind == "organization"]
    assert res.attributes["management_account"] == CUSTOMER
    paths = {a["id"]: a["path"] for a in res.attributes["accounts"]}
    assert paths[member] == [root, ou, member]
    model = access_model(build_graph(inv, declaration()))
    assert CUSTOMER in model.management  # SCPs do not apply to the management account
    levels = model.scps_of[member]
    assert any("no-kms" in d.name for d in levels[1])

    # a member principal: the SCP denies kms even with an identity allow
    from auditor.analysis.policy import NamedDocument
    from auditor.analysis.policy_eval import Request, evaluate

    pp = model._policies(member, (NamedDocument("x", {"Statement": [allow("kms:*")]}),))
    req = Request(
        principal=f"arn:aws:iam::{member}:role/r",
        action="kms:Decrypt",
        resource=f"arn:aws:kms:us-east-1:{member}:key/k",
        principal_account=member,
    )
    assert evaluate(req, pp, resource_account=member).decision.value == "denied"


def test_organizations_not_in_use_is_a_fact_not_a_gap(fake_aws: FakeAws) -> None:
    inv = fake_aws.collect(
        accounts=(CUSTOMER,), regions=("us-east-1",), services=("organizations",)
    )
    assert inv.gaps == ()
    (org,) = [r for r in inv.resources if r.kind == "organization"]
    assert org.attributes["in_use"] is False
    assert org.attributes["scps"] == [] and org.attributes["scp_enabled"] is False


def test_who_can_and_access_on_a_scanned_bundle(fake_aws: FakeAws, tmp_path: Path) -> None:
    key_arn = estate(fake_aws)
    decl = tmp_path / "boundary.yaml"
    with decl.open("w") as fh:
        YAML().dump(BASE, fh)
    creds = fake_aws.auditor(ACCOUNTS)
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "scan",
            "--boundary",
            str(decl),
            "--out",
            str(tmp_path / "out"),
            "--assume-role",
            AUDITOR_ROLE,
            "--region",
            "us-east-1",
        ],
        env=creds.env(),
    )
    assert result.exit_code in (0, 1), result.output
    (bundle,) = list((tmp_path / "out").iterdir())
    graph = json.loads((bundle / "graph.json").read_text())
    kinds = {e["kind"] for e in graph["edges"] if e["derived"]}
    assert {"control.can_assume", "control.can_act_on"} <= kinds

    who = runner.invoke(main, ["who-can", str(bundle), "kms:Decrypt", key_arn])
    assert who.exit_code == 0, who.output
    assert DEEP in who.output
    assert f"{AUTOMATION} -> {OPERATOR}" in who.output  # the chain that reaches deep-admin
    assert "Sid VendorDebug" in who.output  # the vendor root, by the key policy
    as_json = json.loads(
        runner.invoke(main, ["who-can", "--json", str(bundle), "kms:Decrypt", key_arn]).stdout
    )
    principals = {p["principal"] for p in as_json["principals"]}
    assert {DEEP, f"arn:aws:iam::{VENDOR}:root"} <= principals

    acc = runner.invoke(main, ["access", str(bundle), AUTOMATION])
    assert acc.exit_code == 0, acc.output
    assert DEEP in acc.output and "key.decrypt" in acc.output

    bad = runner.invoke(main, ["access", str(tmp_path / "nope"), AUTOMATION])
    assert bad.exit_code == 2
