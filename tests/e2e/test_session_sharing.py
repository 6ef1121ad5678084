"""Assumed-role sessions share the base session's model loader, and do not grow it.

Each boto3 session would parse its own copy of every service model (EC2's is
about 30 MiB); sharing the loader keeps one per process. boto3 appends its data
folder to a session's loader paths: shared, that list must not grow by one per
account entered (an organisation scan enters thousands).
"""

from __future__ import annotations

import os

from auditor.collect.access import AccountAccess, SessionCache, role_arn
from auditor.collect.worker import ClientSettings
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws


def test_assumed_sessions_share_one_loader_whose_paths_stay_put(fake_aws: FakeAws) -> None:
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    old = {k: os.environ.get(k) for k in creds.env()}
    os.environ.update(creds.env())
    try:
        cache = SessionCache(ClientSettings().config())
        base = cache.base(None)
        loader = base._session.get_component("data_loader")
        before = list(loader.search_paths)
        sessions = []
        for n in range(3):
            access = AccountAccess(
                account=CUSTOMER_2,
                role_arn=role_arn(CUSTOMER_2, AUDITOR_ROLE),
                external_id=f"run-{n}",  # three recipes: three sessions
            )
            sessions.append(cache.session(access, lambda _: None))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert len({id(s) for s in sessions}) == 3
    for s in sessions:
        assert s._session.get_component("data_loader") is loader
    assert loader.search_paths == before
    sts = sessions[0].client("sts", region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == CUSTOMER_2
