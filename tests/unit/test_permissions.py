"""`auditor permissions aws`: the least-privilege policy is derived, read-only and stable."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.collect.aws import services
from auditor.collect.aws.s3 import BUCKET_READS
from auditor.collect.aws_context import AwsContext, AwsService
from auditor.collect.permissions import (
    MANAGED_POLICY_MAX_CHARS,
    OPERATION_ACTIONS,
    RUNNER_ACTIONS,
    PermissionsError,
    action_for_call,
    aws_policy,
    compact_size,
    declared_actions,
    is_read_action,
    policy_json,
)
from auditor.collect.readonly import READ_OPERATIONS, READ_PREFIXES


def _policy_actions(policy: dict[str, object]) -> list[str]:
    statements = policy["Statement"]
    assert isinstance(statements, list)
    return [a for st in statements for a in st["Action"]]


def _noop(ctx: AwsContext) -> None:
    return None


def test_every_declared_action_is_a_read_and_is_in_the_policy() -> None:
    declared = {a for svc in services() for a in svc.actions}
    assert declared, "no collector declares an action"
    for action in declared:
        prefix, _, name = action.partition(":")
        assert re.fullmatch(r"[a-z0-9-]+", prefix), action
        assert name.startswith(READ_PREFIXES) or (prefix, name) in READ_OPERATIONS, (
            f"{action} is not a read"
        )
        assert is_read_action(action)
    actions = _policy_actions(aws_policy())
    assert len(actions) == len(set(actions)), "an action is listed twice"
    assert set(actions) == declared | set(RUNNER_ACTIONS)


def test_runner_actions_are_the_only_non_collector_ones() -> None:
    needed = declared_actions()
    assert needed["sts:AssumeRole"] == ("runner",)
    assert "runner" in needed["sts:GetCallerIdentity"]
    # The only non-read action anywhere is the one that enters other accounts.
    named_reads = {f"{s}:{o}" for s, o in READ_OPERATIONS}  # reads with another verb
    assert [
        a for a in needed if not a.split(":")[1].startswith(READ_PREFIXES) and a not in named_reads
    ] == ["sts:AssumeRole"]


def test_one_statement_per_service_prefix_sorted_and_deterministic() -> None:
    policy = aws_policy()
    assert policy["Version"] == "2012-10-17"
    statements = policy["Statement"]
    prefixes = [st["Action"][0].split(":")[0] for st in statements]
    assert prefixes == sorted(set(prefixes))
    for st, prefix in zip(statements, prefixes, strict=True):
        assert st["Effect"] == "Allow"
        assert st["Resource"] == "*"
        assert st["Action"] == sorted(st["Action"])
        assert {a.split(":")[0] for a in st["Action"]} == {prefix}
        assert re.fullmatch(r"[A-Za-z0-9]+", st["Sid"])
    assert len({st["Sid"] for st in statements}) == len(statements)
    # Collector discovery order does not matter.
    assert aws_policy(list(reversed(services()))) == policy
    assert policy_json(aws_policy()) == policy_json(policy)


def test_policy_fits_an_iam_managed_policy() -> None:
    assert compact_size(aws_policy()) < MANAGED_POLICY_MAX_CHARS


def test_assume_role_narrows_only_the_sts_statement() -> None:
    policy = aws_policy(assume_role="auditor-read")
    resources = {st["Sid"]: st["Resource"] for st in policy["Statement"]}
    assert resources.pop("ReadSts") == "arn:aws:iam::*:role/auditor-read"
    assert set(resources.values()) == {"*"}
    arn = "arn:aws:iam::222222222222:role/x"
    narrowed = aws_policy(assume_role=arn)["Statement"]
    assert [st["Resource"] for st in narrowed if st["Sid"] == "ReadSts"] == [arn]


def test_a_collector_declaring_a_write_is_refused() -> None:
    bad = AwsService(
        name="bad",
        client="s3",
        scope="global",
        actions=("s3:PutBucketPolicy",),
        collect=_noop,
    )
    with pytest.raises(PermissionsError, match="s3:PutBucketPolicy"):
        declared_actions([*services(), bad])
    malformed = AwsService(
        name="odd", client="s3", scope="global", actions=("GetBucketPolicy",), collect=_noop
    )
    with pytest.raises(PermissionsError, match="GetBucketPolicy"):
        declared_actions([malformed])


def test_exclude_drops_exactly_one_action() -> None:
    full = set(_policy_actions(aws_policy()))
    cut = set(_policy_actions(aws_policy(exclude=("s3:GetBucketPolicy",))))
    assert full - cut == {"s3:GetBucketPolicy"}


def test_renamed_s3_operations_map_to_declared_actions() -> None:
    s3 = next(s for s in services() if s.name == "s3")
    flows = next(s for s in services() if s.name == "vpc-flow-records")
    calls = {"s3:ListBuckets"} | {f"s3:{op}" for _, op, _ in BUCKET_READS}
    flow_calls = {"s3:ListObjectsV2", "s3:GetObject"}  # S3-delivered flow log files
    assert set(OPERATION_ACTIONS) <= calls | flow_calls
    assert {action_for_call(c) for c in calls} == set(s3.actions)
    assert {action_for_call(c) for c in flow_calls} == {"s3:ListBucket", "s3:GetObject"}
    assert {action_for_call(c) for c in flow_calls} <= set(flows.actions)
    assert action_for_call("ec2:DescribeVpcs") == "ec2:DescribeVpcs"


def test_cli_prints_the_policy_json() -> None:
    result = CliRunner().invoke(main, ["permissions", "aws"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == aws_policy()
    assert result.output == policy_json(aws_policy())


def test_cli_explain_and_assume_role() -> None:
    explained = CliRunner().invoke(main, ["permissions", "aws", "--explain"])
    assert explained.exit_code == 0
    lines = explained.output.splitlines()
    assert len(lines) == len(declared_actions())
    assert any(line.startswith("s3:GetBucketPolicy ") and line.endswith("s3") for line in lines)
    narrowed = CliRunner().invoke(main, ["permissions", "aws", "--assume-role", "auditor-read"])
    assert narrowed.exit_code == 0
    assert "arn:aws:iam::*:role/auditor-read" in narrowed.output


def test_cli_unknown_cloud_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["permissions", "oracle"])
    assert result.exit_code == 2


def test_printing_the_policy_loads_no_cloud_sdk() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from auditor.cli import main; "
        "r = CliRunner().invoke(main, ['permissions', 'aws']); assert r.exit_code == 0; "
        "print(','.join(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
