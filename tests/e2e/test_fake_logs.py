"""moto's traceback for an operation it does not implement goes to the fakes' log file.

The client still gets its HTTP 500 (a scan records it as a gap); only the
server-side traceback that werkzeug would print on stderr is moved.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from auditor.fakecloud.logs import fake_logs_to
from auditor.fakecloud.moto_server import MotoServer, account_session
from tests.helpers import CUSTOMER

pytestmark = pytest.mark.e2e

CLUSTER = f"arn:aws:kafka:us-east-1:{CUSTOMER}:cluster/orders/1"


def test_a_not_implemented_operation_logs_to_the_file_not_stderr(
    moto_server: MotoServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    kafka = account_session(CUSTOMER).client("kafka", config=Config(retries={"max_attempts": 1}))
    log = tmp_path / "fakes.log"
    with fake_logs_to(log), pytest.raises(ClientError) as caught:
        kafka.list_nodes(ClusterArn=CLUSTER)  # moto has no list_nodes
    if caught.value.response["ResponseMetadata"]["HTTPStatusCode"] != 500:
        pytest.skip("this moto implements ListNodes; pick another operation")
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "NotImplementedError" not in err
    assert "The list_nodes action has not been implemented" in log.read_text(encoding="utf-8")


def test_the_loggers_are_restored_on_the_way_out(tmp_path: Path) -> None:
    werkzeug = logging.getLogger("werkzeug")
    before = (werkzeug.handlers[:], werkzeug.propagate)
    with fake_logs_to(tmp_path / "fakes.log"):
        assert not werkzeug.propagate
    assert (werkzeug.handlers, werkzeug.propagate) == before
