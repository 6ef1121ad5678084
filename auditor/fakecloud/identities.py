"""Credentials for the auditor inside the fake AWS, made the way a customer would.

The first account gets an IAM user ``auditor`` with an access key; every other
account gets a role ``auditor-read`` that the first account may assume. The
scan then runs with ordinary credentials and ``--assume-role auditor-read``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.fakecloud.moto_server import account_session

AUDITOR_ROLE = "auditor-read"


@dataclass(frozen=True, kw_only=True)
class AuditorCredentials:
    account: str
    access_key_id: str
    secret_access_key: str

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }


def provision_auditor(accounts: Sequence[str]) -> AuditorCredentials:
    """An access key in ``accounts[0]`` and an assumable read role in the others."""
    home = accounts[0]
    iam = account_session(home).client("iam")
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{home}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for acct in accounts[1:]:
        account_session(acct).client("iam").create_role(
            RoleName=AUDITOR_ROLE,
            AssumeRolePolicyDocument=json.dumps(trust),
            Tags=[{"Key": "purpose", "Value": "boundary-auditor"}],
        )
    return AuditorCredentials(
        account=home, access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"]
    )
