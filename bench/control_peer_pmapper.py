"""Peer comparison: PMapper's "who can assume what" against ours, on one moto estate.

PMapper (``principalmapper`` 1.1.5, the last release) installs from PyPI but does
not import on Python 3.10+ (``from collections import Mapping``); this script
runs it in a separate virtualenv with a four-line ``collections`` shim, never in
the project's environment (it is not a dependency). Set ``PMAPPER_PYTHON`` to
that interpreter (default ``/tmp/pmvenv/bin/python``)::

    python3 -m venv /tmp/pmvenv && /tmp/pmvenv/bin/pip install principalmapper
    .venv/bin/python bench/control_peer_pmapper.py

The estate (in account 111111111111 of an embedded moto): a vendor operator
role trusting a vendor role with an ExternalId, a role trusting its own
account root, an admin-like user and role, a role with a permissions boundary
that denies sts:AssumeRole, a role trusting ``*`` behind aws:PrincipalOrgID and
a service role. Both tools answer "which principal of the account can assume
which role of the account"; the script prints the edges each finds and the
differences. docs/control-model.md explains each difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

A = "111111111111"
V = "999999999999"

SHIM = """
import collections, collections.abc, json, sys
for n in ("Mapping", "MutableMapping", "Iterable", "Callable"):
    setattr(collections, n, getattr(collections.abc, n))
import botocore.session
from principalmapper.graphing import gathering
s = botocore.session.Session()
s.set_credentials(sys.argv[1], sys.argv[2])
s.set_config_variable("region", "us-east-1")
g = gathering.create_graph(s, [], region_allow_list=["us-east-1"])
print(json.dumps(sorted([e.source.arn, e.destination.arn, e.short_reason] for e in g.edges)))
"""


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return doc(st)


def build(session: Any) -> None:
    iam = session.client("iam")
    admin = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assume_any = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    roles = {
        "vendor-operator": (
            trust(
                {"AWS": f"arn:aws:iam::{V}:role/automation"},
                {"StringEquals": {"sts:ExternalId": "x-1"}},
            ),
            assume_any,
        ),
        "account-trusting": (trust({"AWS": f"arn:aws:iam::{A}:root"}), None),
        "org-wide": (
            trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            None,
        ),
        "ec2-node": (trust({"Service": "ec2.amazonaws.com"}), assume_any),
        "admin-role": (trust({"AWS": f"arn:aws:iam::{A}:root"}), admin),
        "bounded": (trust({"AWS": f"arn:aws:iam::{A}:root"}), assume_any),
    }
    for name, (t, policy) in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=t)
        if policy:
            iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy)
    boundary = iam.create_policy(
        PolicyName="no-assume",
        PolicyDocument=doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="bounded", PermissionsBoundary=boundary)
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=assume_any)


def ours(inventory: Any) -> set[tuple[str, str]]:
    from auditor.analysis.access import access_model
    from auditor.analysis.derive import build_graph
    from tests.helpers import declaration

    model = access_model(build_graph(inventory, declaration()))
    return {
        (a, b)
        for a, b in model.assume_graph().edges
        if a.startswith(f"arn:aws:iam::{A}:") and b.startswith(f"arn:aws:iam::{A}:")
    }


def main() -> int:
    from auditor.fakecloud.moto_server import MotoServer, account_session
    from tests.conftest import FakeAws

    py = os.environ.get("PMAPPER_PYTHON", "/tmp/pmvenv/bin/python")
    server = MotoServer()
    endpoint = server.start()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        build(account_session(A))
        fake = FakeAws(server)
        creds = fake.auditor((A,))
        fake.auditor = lambda accounts: creds  # type: ignore[method-assign]
        inventory = fake.collect(accounts=(A,), services=("iam", "sts"))
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
        keys = creds.env()
        out = subprocess.run(
            [py, "-c", SHIM, keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"]],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
    finally:
        server.stop()
    if out.returncode != 0:
        print("PMapper did not run:", "\n".join(out.stderr.strip().splitlines()[-8:]))
        return 1
    theirs_raw = json.loads(out.stdout.strip().splitlines()[-1])
    theirs = {(a, b) for a, b, reason in theirs_raw if "assume" in reason.lower()}
    mine = ours(inventory)
    auditor_user = f"arn:aws:iam::{A}:user/auditor"
    mine = {e for e in mine if auditor_user not in e}
    theirs = {e for e in theirs if auditor_user not in e}
    print(f"PMapper assume edges: {len(theirs)}; ours: {len(mine)}")
    for a, b in sorted(theirs & mine):
        print(f"  both    {a} -> {b}")
    for a, b in sorted(theirs - mine):
        print(f"  PMapper {a} -> {b}")
    for a, b in sorted(mine - theirs):
        print(f"  ours    {a} -> {b}")
    other = sorted({r for _, _, r in theirs_raw if "assume" not in r.lower()})
    if other:
        print(f"  (PMapper's other edge kinds, not compared: {', '.join(other)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
