"""An in-process moto server on a free loopback port.

The real boto3 clients reach it through ``AWS_ENDPOINT_URL``. Accounts are
separate: the estate loader writes into account N with the
``x-moto-account-id`` header, and the auditor reads with access keys that
belong to an IAM user of that account, exactly as it would on AWS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from auditor.extras import import_extra

_ENV_DEFAULTS = {
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "false",
}


class MotoServer:
    """Start and stop a ``ThreadedMotoServer`` bound to 127.0.0.1.

    MSK Replicator, MSK configurations and MSK Connect, which moto lacks, are
    answered in front of it (:mod:`auditor.fakecloud.aws_kafka`), as are CloudWatch Logs
    Insights queries (:mod:`auditor.fakecloud.logs_insights`); S3's expected
    bucket owner is checked there (:mod:`auditor.fakecloud.s3_owner`), flow logs
    may deliver to a bucket's prefix (:mod:`auditor.fakecloud.flow_destinations`), and
    EC2's ``DescribeRegions`` filters are applied (:mod:`auditor.fakecloud.ec2_regions`).
    """

    def __init__(self) -> None:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        for key, value in _ENV_DEFAULTS.items():
            os.environ.setdefault(key, value)
        os.environ.pop("MOTO_ACCOUNT_ID", None)  # it would override per-account state
        moto_server = import_extra("moto.server", "fakecloud")
        from auditor.fakecloud import logs_insights
        from auditor.fakecloud.aws_kafka import KafkaFake, wrap
        from auditor.fakecloud.ec2_regions import honour_region_filters
        from auditor.fakecloud.flow_destinations import accept_prefixes
        from auditor.fakecloud.s3_owner import expect_owner

        accept_prefixes()  # flow logs into a bucket's prefix, as AWS takes them
        honour_region_filters()

        self.kafka = KafkaFake()
        self.insights = logs_insights.InsightsFake()
        kafka, insights = self.kafka, self.insights

        class _Server(moto_server.ThreadedMotoServer):  # type: ignore[misc,name-defined]
            def _server_entry(self) -> None:
                from moto.moto_server.werkzeug_app import (
                    DomainDispatcherApplication,
                    MotoRequestHandler,
                    create_backend_app,
                )
                from werkzeug.serving import make_server

                moto_app = DomainDispatcherApplication(create_backend_app)
                app = expect_owner(logs_insights.wrap(wrap(moto_app, kafka), insights))
                self._server = make_server(
                    self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
                )
                self._server_ready_event.set()
                self._server.serve_forever()

        self._server: Any = _Server(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Forget every resource in every account (between tests)."""
        import urllib.request

        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
        self.kafka.reset()
        self.insights.reset()


def account_session(account: str, region: str = "us-east-1") -> Any:
    """A boto3 session that acts in ``account`` of the fake cloud (fixtures only).

    It is not read-only guarded: it is how estates are *created*. The auditor
    never uses it.
    """
    import boto3

    session = boto3.Session(
        aws_access_key_id="fixture", aws_secret_access_key="fixture", region_name=region
    )

    def pin_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    session.events.register("before-send.*.*", pin_account)
    return session


@contextmanager
def endpoint_env(endpoint: str, **env: str) -> Iterator[None]:
    """Point boto3 at the fake cloud (and set extra variables) for a block."""
    values = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        **env,
    }
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
