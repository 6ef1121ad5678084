"""Planted secrets reach no output: not the bundle (``--keep-raw`` included), the
terminal, or the logs with DEBUG logging on.

On top of the secrets of ``test_redact_e2e`` (tags by key and shape, policy
Sids, an instance Name, a network interface and a role description), this
estate holds EC2 user data with a password and secret-shaped tag values in a
second account, and the scan itself handles secrets: the auditor's own secret
access key and the session tokens of the role it assumes in that account.
The scan runs through the CLI with ``--keep-raw`` while the root logger
records everything at DEBUG; every bundle file (raw records included), the
terminal output and the log text are then searched.

Without the auditor keeping SDK loggers above DEBUG, botocore would log every
request and answer body, AssumeRole's credentials among them;
``test_sdk_debug_logs_would_leak`` shows that this is the threat.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.e2e.test_redact_e2e import PLANTED, _plant
from tests.helpers import BASE
from tests.plant import tagged_instance

pytestmark = pytest.mark.e2e

USER_DATA_PASSWORD = "Us3rDataPl4ntedPw"
USER_DATA = f"#!/bin/bash\nexport DB_PASSWORD={USER_DATA_PASSWORD}\nrun-broker\n"
TAG_TOKEN = "xoxb-123456789012-PlantedSlackTok3n"
TAG_STRIPE = "sk_live_" + "Pl4ntedStripeKey0123456789"
SESSION_TOKEN_PREFIX = "FQoGZXIvYXdzEBYaD"
"""Every session token moto's STS issues starts with this."""
ASSUMED_KEY = re.compile(r"\bASIA[A-Z0-9]{16}\b")
MORE = (USER_DATA_PASSWORD, TAG_TOKEN, TAG_STRIPE)


def _plant_more(fake_aws: FakeAws) -> None:
    tagged_instance(
        fake_aws.session(CUSTOMER_2).client("ec2"),
        vpc_cidr="10.1.0.0/16",
        subnet_cidr="10.1.1.0/24",
        user_data=USER_DATA,
        tags={"platform": "orders-kafka", "notify": TAG_TOKEN, "billing": TAG_STRIPE},
    )


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged anywhere, at DEBUG, as an operator chasing a problem would set it."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def _scan(fake_aws: FakeAws, tmp_path: Path, creds: AuditorCredentials) -> tuple[Path, str]:
    decl = tmp_path / "boundary.yaml"
    base = dict(BASE)
    base["parties"] = {**BASE["parties"], "customer": {"aws": {"accounts": [CUSTOMER, CUSTOMER_2]}}}
    with decl.open("w") as fh:
        YAML().dump(base, fh)
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
            "--keep-raw",
            "--region",
            "us-east-1",
        ],
        env=creds.env(),
    )
    assert result.exit_code in (0, 1, 3), result.output
    (bundle,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    return bundle, result.output


def test_no_planted_secret_reaches_bundle_terminal_or_debug_logs(
    fake_aws: FakeAws, tmp_path: Path, debug_log: io.StringIO
) -> None:
    _plant(fake_aws)
    _plant_more(fake_aws)
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    debug_log.seek(0)  # what the test's own set-up calls logged is not the auditor's
    debug_log.truncate()
    logging.getLogger("tests.canary").debug("canary: DEBUG records are captured")
    bundle, terminal = _scan(fake_aws, tmp_path, creds)

    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    texts = {
        str(p.relative_to(bundle)): p.read_text(encoding="utf-8", errors="replace") for p in files
    }
    assert any(name.startswith("raw") for name in texts), "--keep-raw wrote no raw records"
    texts["<terminal>"] = terminal
    texts["<log>"] = debug_log.getvalue()
    assert "canary: DEBUG records are captured" in texts["<log>"]

    secrets = (*PLANTED, *MORE, creds.secret_access_key, SESSION_TOKEN_PREFIX)
    for secret in secrets:
        leaks = [name for name, text in texts.items() if secret in text]
        assert leaks == [], f"planted secret {secret[:12]}... found in {leaks}"
    user_data_b64 = base64.b64encode(USER_DATA.encode()).decode()
    assert all(user_data_b64 not in t for t in texts.values())
    for name, text in texts.items():
        assert not ASSUMED_KEY.search(text), f"an assumed-role access key id is in {name}"

    # Not vacuous: the second account was entered and its secret-tagged instance collected.
    inventory = [json.loads(line) for line in texts["inventory.jsonl"].splitlines() if line]
    tagged = [
        r for r in inventory if r.get("account") == CUSTOMER_2 and r.get("kind") == "instance"
    ]
    assert tagged and "[REDACTED:" in json.dumps(tagged[0]["tags"])


def test_sdk_debug_logs_would_leak(fake_aws: FakeAws, debug_log: io.StringIO) -> None:
    """The threat the guard answers: botocore at DEBUG logs answer bodies verbatim."""
    s3 = fake_aws.session(CUSTOMER).client("s3")
    s3.create_bucket(Bucket="leaky")
    s3.put_bucket_tagging(
        Bucket="leaky", Tagging={"TagSet": [{"Key": "db-password", "Value": "Pl4ntedDbPass"}]}
    )
    logging.getLogger("botocore").setLevel(logging.NOTSET)
    s3.get_bucket_tagging(Bucket="leaky")
    assert "Pl4ntedDbPass" in debug_log.getvalue()
