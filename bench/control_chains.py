"""Benchmark: role-assumption chains over 5,000 roles in 50 accounts.

A synthetic inventory (no cloud, no moto): 50 accounts (48 customer accounts of
100 collected roles each, plus a vendor and an unknown account whose roles are
only named in trusts, as in a real scan that cannot read them). Role
``chain-i`` of account *n* trusts ``chain-i`` of account *n-1* and may assume
``chain-i`` anywhere, so chains run across every account; every twentieth role
may assume any role; two roles per account trust their own account root, two
the previous account's; one role in every tenth account trusts ``*`` behind
``aws:PrincipalOrgID``; the vendor's automation role is trusted by five roles
of the first customer account. Each customer account holds a data bucket and
a key.

It times ``build_graph`` (which runs the ``control.can_assume`` and
``control.can_act_on`` derivers), the reachability questions, and the control
rules, and prints wall times and the peak RSS. Run:

    .venv/bin/python bench/control_chains.py [--accounts 50] [--roles 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.boundary import Declaration
from auditor.model import Inventory, Resource, Scope

ORG = "o-bench00001"
# Trusts per account: each chain-i trusts chain-i of the previous account; chain-0 and
# chain-50 trust their own account root; chain-1 and chain-51 the previous account;
# chain-7 of every tenth account trusts '*' within the organization.


def acct(n: int) -> str:
    return f"{100000000000 + n:012d}"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def estate(accounts: int, roles: int) -> tuple[Inventory, Declaration]:
    vendor = acct(accounts - 2)
    unknown = acct(accounts - 1)
    customers = [acct(n) for n in range(accounts - 2)]
    res: list[Resource] = []
    for n in range(accounts):
        a = acct(n)
        prev = acct((n - 1) % accounts)
        if a not in customers:
            continue  # the vendor's and the unknown account's roles are not collected
        for i in range(roles):
            principals: list[dict[str, Any]] = [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{prev}:role/chain-{i}"},
                    "Action": "sts:AssumeRole",
                }
            ]
            if i % 50 == 0:
                principals.append(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{a}:root"},
                        "Action": "sts:AssumeRole",
                    }
                )
            if i % 50 == 1:
                principals.append(
                    {"Effect": "Allow", "Principal": {"AWS": prev}, "Action": "sts:AssumeRole"}
                )
            if i == 7 and n % 10 == 0:
                principals.append(
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
                    }
                )
            if n == 0 and i < 5:
                principals.append(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{vendor}:role/automation"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": "bench"}},
                    }
                )
            inline = [
                {"Effect": "Allow", "Action": ["ec2:Describe*", "autoscaling:*"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "arn:aws:iam::*:role/chain-*",
                },
            ]
            if i % 25 == 3:
                inline.append(
                    {"Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"], "Resource": "*"}
                )
            if i % 40 == 5:
                inline.append({"Effect": "Deny", "Action": "kms:*", "Resource": "*"})
            arn = f"arn:aws:iam::{a}:role/chain-{i}"
            res.append(
                Resource(
                    id=arn,
                    cloud="aws",
                    kind="role",
                    account=a,
                    region="global",
                    name=f"chain-{i}",
                    attributes={
                        "role_name": f"chain-{i}",
                        "path": "/",
                        "trust_policy": doc(*principals),
                        "attached_policies": [],
                        "inline_policies": [{"name": "ops", "document": doc(*inline)}],
                        "permissions_boundary": None,
                        "permissions_boundary_document": None,
                        "max_session_duration": 3600,
                    },
                )
            )
        if a in customers:
            key = f"arn:aws:kms:us-east-1:{a}:key/k-{n}"
            res.append(
                Resource(
                    id=key,
                    cloud="aws",
                    kind="key",
                    account=a,
                    region="us-east-1",
                    name=f"k-{n}",
                    tags={"platform": "bench"},
                    attributes={
                        "key_id": f"k-{n}",
                        "key_manager": "CUSTOMER",
                        "policy": doc(
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{a}:root"},
                                "Action": "kms:*",
                                "Resource": "*",
                            }
                        ),
                    },
                )
            )
            res.append(
                Resource(
                    id=f"arn:aws:s3:::data-{a}",
                    cloud="aws",
                    kind="bucket",
                    account=a,
                    region="us-east-1",
                    name=f"data-{a}",
                    tags={"data-class": "kafka-log", "platform": "bench"},
                    attributes={
                        "name": f"data-{a}",
                        "policy": None,
                        "encryption": {
                            "algorithm": "aws:kms",
                            "kms_key_id": key,
                            "bucket_key": True,
                        },
                    },
                )
            )
            res.append(
                Resource(
                    id=f"arn:aws:iam::{a}:root",
                    cloud="aws",
                    kind="account",
                    account=a,
                    region="global",
                    name=a,
                    attributes={"account_id": a, "caller_arn": ""},
                )
            )
    from auditor.model import Relation

    rels = tuple(
        Relation(
            source=f"arn:aws:s3:::data-{a}",
            target=f"arn:aws:kms:us-east-1:{a}:key/k-{n}",
            kind="data.encrypted_by",
            reason="bucket default encryption",
        )
        for n, a in enumerate(customers)
    )
    inv = Inventory(
        scope=Scope(accounts=tuple(customers), regions=("us-east-1",)),
        resources=tuple(sorted(res, key=lambda r: r.id)),
        relations=rels,
        gaps=(),
    )
    decl = Declaration.model_validate(
        {
            "version": 1,
            "name": "bench",
            "pattern": "active-passive",
            "objectives": {"rpo": "5m", "rto": "15m"},
            "parties": {
                "customer": {"aws": {"accounts": customers, "organization": ORG}},
                "vendor": {"aws": {"accounts": [vendor]}},
            },
            "regions": {"aws/us-east-1": "primary"},
            "platform": {"select": {"tags": {"platform": "bench"}}},
            "data": {
                "stores": {"select": {"tags": {"data-class": "kafka-log"}}},
                "keys": "customer",
            },
            "control": {
                "vendor_access": [
                    {
                        "principal": f"arn:aws:iam::{vendor}:role/automation",
                        "role": f"arn:aws:iam::{customers[0]}:role/chain-0",
                        "allow": ["ec2:*", "autoscaling:*", "sts:AssumeRole"],
                        "deny": ["kms:Decrypt", "s3:GetObject"],
                    }
                ]
            },
        }
    )
    del unknown
    return inv, decl


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=50)
    ap.add_argument("--roles", type=int, default=100)
    args = ap.parse_args()
    t0 = time.perf_counter()
    inv, decl = estate(args.accounts, args.roles)
    t1 = time.perf_counter()
    from auditor.analysis.access import access_model
    from auditor.analysis.derive import build_graph
    from auditor.checks import all_rules
    from auditor.checks.engine import evaluate
    from auditor.checks.pack import PackEntry, RulePack

    graph = build_graph(inv, decl)
    t2 = time.perf_counter()
    model = access_model(graph)
    g = model.assume_graph()
    vendor_reach = model.chains_from(decl.control.vendor_access[0].principal)
    deepest = max((len(c) for c in vendor_reach.values()), default=0)
    t3 = time.perf_counter()
    pack = RulePack(name="bench", rules=[PackEntry(id="control.*")])
    verdicts = evaluate(graph, pack, all_rules(), today=dt.date(2026, 11, 29))
    t4 = time.perf_counter()
    acts = sum(1 for _, _, d in graph.g.edges(data=True) if d["kind"] == "control.can_act_on")
    roles = sum(1 for r in inv.resources if r.kind == "role")
    print(f"roles {roles} in {args.accounts} accounts")
    print(f"can_assume edges {g.number_of_edges()}, can_act_on edges {acts}")
    print(f"vendor reaches {len(vendor_reach)} roles, longest chain {deepest} hops")
    print(f"estate build   {t1 - t0:7.2f} s")
    print(f"graph + derive {t2 - t1:7.2f} s  (can_assume, can_act_on)")
    print(f"reachability   {t3 - t2:7.2f} s")
    print(f"control rules  {t4 - t3:7.2f} s  ({len(verdicts)} verdicts)")
    print(f"total          {t4 - t0:7.2f} s; peak RSS {rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
