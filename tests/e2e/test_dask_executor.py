"""``--executor dask://HOST:PORT``: units shipped to a real Dask cluster give the same inventory.

A ``distributed.LocalCluster`` with one worker *process* (so units, settings and
results really cross a process boundary by pickling, and the worker builds its
own sessions from the unit's access recipe and its inherited environment) runs
against the shared moto server; the inventory must equal the thread executor's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.collect.executors import DaskExecutor, ExecutorError
from auditor.collect.runner import AwsScanOptions, CollectionResult, collect_aws
from auditor.collect.worker import ClientSettings
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.model import Inventory, Scope
from auditor.normalize import normalize
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws

pytestmark = pytest.mark.e2e

REGIONS = ("us-east-1",)


@pytest.fixture
def estate_env(fake_aws: FakeAws) -> Iterator[None]:
    for account in (CUSTOMER, CUSTOMER_2):
        for region in REGIONS:
            session = fake_aws.session(account, region)
            ec2 = session.client("ec2")
            vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
            ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.1.0/24")
            session.client("kms").create_key(Description=f"key {region}")
        fake_aws.session(account).client("s3").create_bucket(Bucket=f"logs-{account}")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    old = {k: os.environ.get(k) for k in creds.env()}
    os.environ.update(creds.env())
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _inventory(result: CollectionResult) -> Inventory:
    return normalize(
        result.records,
        scope=Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=REGIONS),
        gaps=result.gaps,
        api_calls=result.api_calls,
        collected=result.units,
    )


def test_dask_cluster_gives_the_same_inventory_as_threads(estate_env: None) -> None:
    from distributed import LocalCluster

    opts = AwsScanOptions(
        accounts=(CUSTOMER, CUSTOMER_2),
        regions=REGIONS,
        assume_role=AUDITOR_ROLE,
        max_attempts=1,
        max_workers=8,
    )
    local = collect_aws(opts)
    # The worker process inherits this environment: endpoint and base credentials.
    with LocalCluster(
        n_workers=1,
        threads_per_worker=4,
        processes=True,
        dashboard_address=":0",
        protocol="tcp",
        host="127.0.0.1",
    ) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        remote = collect_aws(replace(opts, executor=f"dask://{address}"))
    a, b = _inventory(local), _inventory(remote)
    assert len(a.resources) > 10
    assert b.resources == a.resources
    assert b.relations == a.relations
    assert b.gaps == a.gaps == ()
    assert b.collected == a.collected
    assert remote.accounts_entered == local.accounts_entered == [CUSTOMER, CUSTOMER_2]
    # The worker entered 222... itself (its own AssumeRole), besides the coordinator.
    assert remote.api_calls["sts:AssumeRole"] > local.api_calls["sts:AssumeRole"] == 1
    same = {k for k in a.api_calls if not k.startswith("sts:")}
    assert {k: remote.api_calls[k] for k in same} == {k: local.api_calls[k] for k in same}


def test_unreachable_scheduler_is_an_input_error() -> None:
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler"):
        DaskExecutor("dask://127.0.0.1:9", ClientSettings(), timeout=1)


def test_malformed_executor_exits_2_before_collecting(fake_aws: FakeAws, tmp_path: object) -> None:
    from pathlib import Path

    from ruamel.yaml import YAML

    from tests.helpers import BASE

    decl = Path(str(tmp_path)) / "boundary.yaml"
    with decl.open("w") as fh:
        YAML().dump(BASE, fh)
    result = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(decl.parent / "o"), "--executor", "dask:x"],
    )
    assert result.exit_code == 2
    assert "--executor 'dask:x'" in result.output
    assert not (decl.parent / "o").exists()


def test_dask_is_imported_only_when_chosen() -> None:
    code = (
        "import sys, auditor.cli, auditor.collect.runner, auditor.collect.executors;"
        "assert not {'dask', 'distributed'} & set(sys.modules), 'dask imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
