"""Shared fixtures: one embedded moto server per test worker, reset per test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence

import pytest

from auditor.base.kinds import STRICT_ENV
from auditor.fakecloud.identities import AuditorCredentials, provision_auditor
from auditor.fakecloud.moto_server import MotoServer, account_session
from auditor.model import Inventory, RawRecord, Scope
from tests.helpers import CUSTOMER, CUSTOMER_2, VENDOR

# A resource its kind's schema does not allow is a normaliser bug: fail loudly in
# every test, and in every auditor process a test starts (auditor/base/kinds/).
os.environ[STRICT_ENV] = "1"
# Scans without --cache-dir checkpoint under the platform cache folder: keep the suite's
# checkpoints in a folder of its own, never the user's ~/.cache/auditor.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="auditor-test-cache-")

__all__ = ["CUSTOMER", "CUSTOMER_2", "VENDOR", "FakeAws"]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    endpoint = server.start()
    old = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")}
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(k, None)
    yield server
    server.stop()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


class FakeAws:
    """The fake AWS of one test: sessions to build estates, and a scan helper."""

    def __init__(self, server: MotoServer) -> None:
        self.server = server
        self._creds: dict[tuple[str, ...], AuditorCredentials] = {}

    def session(self, account: str = CUSTOMER, region: str = "us-east-1"):  # type: ignore[no-untyped-def]
        return account_session(account, region)

    def auditor(self, accounts: Sequence[str] = (CUSTOMER,)) -> AuditorCredentials:
        """The auditor's credentials, provisioned once per test (a test may scan twice)."""
        if tuple(accounts) not in self._creds:
            self._creds[tuple(accounts)] = provision_auditor(list(accounts))
        return self._creds[tuple(accounts)]

    def collect(
        self,
        accounts: Sequence[str] = (CUSTOMER,),
        regions: Sequence[str] = ("us-east-1",),
        services: Sequence[str] = (),
        raw: list[RawRecord] | None = None,
        pacing: bool = True,
        flows_since: int | None = None,
        flows_insights: bool = False,
    ) -> Inventory:
        """Provision auditor credentials, collect with real boto3, normalise.

        As a scan does: each unit is normalised into a spool as it finishes.
        ``raw`` receives the raw records too.
        """
        from auditor.collect.runner import AwsScanOptions, collect_aws
        from auditor.fakecloud.identities import AUDITOR_ROLE
        from auditor.normalize.spool import InventorySpool

        creds = self.auditor(accounts)
        old = {k: os.environ.get(k) for k in creds.env()}
        os.environ.update(creds.env())
        try:
            with InventorySpool() as spool:
                result = collect_aws(
                    AwsScanOptions(
                        accounts=tuple(accounts),
                        regions=tuple(regions),
                        assume_role=AUDITOR_ROLE,
                        services=tuple(services),
                        max_attempts=1,
                        max_workers=8,
                        pacing=pacing,
                        flows_since=flows_since,
                        flows_insights=flows_insights,
                    ),
                    spool=spool,
                    keep_records=raw is not None,
                )
                if raw is not None:
                    raw.extend(result.records)
                return spool.inventory(
                    scope=Scope(accounts=tuple(accounts), regions=tuple(regions)),
                    gaps=result.gaps,
                    api_calls=result.api_calls,
                    collected=result.units,
                )
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.fixture
def fake_aws(moto_server: MotoServer) -> Iterator[FakeAws]:
    moto_server.reset()
    yield FakeAws(moto_server)
