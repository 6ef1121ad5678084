"""Access model: the account index skips only principals that hold nothing on a target.

:class:`ActorIndex` lets derive_access and the reach rules try, per target, only
the principals of accounts that can matter. These tests compare it with trying
every principal on every target: every pair that holds a grant must be a
candidate, and some pairs must be skipped (else the index proves nothing).
"""

from __future__ import annotations

from typing import Any

from auditor.analysis.access import ActorIndex, access_model
from auditor.analysis.derive import build_graph
from auditor.model import Inventory, Resource, Scope
from tests.helpers import CUSTOMER, CUSTOMER_2, PRIMARY, VENDOR, declaration
from tests.unit.test_rules_control import assume, role, trust

OTHER = "333333333333"  # an account no party declares


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(principal: Any, action: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}


def _role(
    name: str, account: str, *inline: dict[str, Any], trust_policy: Any = None, **attrs: Any
) -> Resource:
    """A role EC2 may assume (unless ``trust_policy``), with these inline statements."""
    trusted = trust(assume({"Service": "ec2.amazonaws.com"}))
    return role(
        name,
        trusted if trust_policy is None else trust_policy,
        account=account,
        inline=list(inline),
        **attrs,
    )


def _bucket(name: str, account: str, **attrs: Any) -> Resource:
    return Resource(
        id=f"arn:aws:s3:::{name}",
        cloud="aws",
        kind="bucket",
        account=account,
        region=PRIMARY,
        name=name,
        attributes={"name": name, **attrs},
    )


def _key(kid: str, account: str, policy: Any) -> Resource:
    return Resource(
        id=f"arn:aws:kms:{PRIMARY}:{account}:key/{kid}",
        cloud="aws",
        kind="key",
        account=account,
        region=PRIMARY,
        name=kid,
        attributes={"policy": policy},
    )


def _account(account: str) -> Resource:
    return Resource(
        id=f"arn:aws:iam::{account}:root",
        cloud="aws",
        kind="account",
        account=account,
        region="global",
        name=account,
    )


EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}
ROOT_2 = f"arn:aws:iam::{CUSTOMER_2}:root"

PRINCIPALS = [
    _role("admin", CUSTOMER, EVERYTHING),
    _role("admin", CUSTOMER_2, EVERYTHING),
    _role("reader", CUSTOMER_2, {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}),
    _role(
        "unreadable", CUSTOMER_2, EVERYTHING, attached_policies=[{"name": "x", "document": None}]
    ),
    _role("broken", CUSTOMER_2, EVERYTHING, inline_policies=[{"name": "x", "document": "{"}]),
]
TARGETS = [
    _bucket("no-policy", CUSTOMER, policy=None),
    _bucket("policy-unread", CUSTOMER),  # no "policy" key: its policy could not be read
    _bucket("names-account-2", CUSTOMER, policy=_doc(_allow({"AWS": ROOT_2}))),
    _bucket("names-role-2", CUSTOMER, policy=_doc(_allow({"AWS": PRINCIPALS[2].id}))),
    _bucket("names-anyone", CUSTOMER, policy=_doc(_allow("*"))),
    _bucket(
        "not-principal",
        CUSTOMER,
        policy=_doc({**_allow({"AWS": ROOT_2}), "NotPrincipal": {"AWS": ROOT_2}}),
    ),
    _bucket("wildcard-account", CUSTOMER, policy=_doc(_allow({"AWS": "arn:aws:iam::*:root"}))),
    _bucket("service-only", CUSTOMER, policy=_doc(_allow({"Service": "cloudtrail.amazonaws.com"}))),
    _bucket(
        "denies-account-2", CUSTOMER, policy=_doc({**_allow({"AWS": ROOT_2}), "Effect": "Deny"})
    ),
    _key("own", CUSTOMER, _doc(_allow({"AWS": f"arn:aws:iam::{CUSTOMER}:root"}))),
    _key("shared", CUSTOMER, _doc(_allow({"AWS": [ROOT_2, f"arn:aws:iam::{CUSTOMER}:root"]}))),
    _key("unreadable", CUSTOMER, None),
    _account(CUSTOMER),
    _account(CUSTOMER_2),
]
OUTSIDE_IDS = [
    f"arn:aws:iam::{VENDOR}:role/automation",  # not collected: its owner grants it anything
    f"arn:aws:iam::{OTHER}:root",
    "*",
]


def _model() -> Any:
    inventory = Inventory(
        scope=Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=(PRIMARY,)),
        resources=(*PRINCIPALS, *TARGETS),
        relations=(),
        gaps=(),
    )
    return access_model(build_graph(inventory, declaration()))


def test_every_principal_holding_a_grant_is_a_candidate() -> None:
    model = _model()
    principals = [*(p.id for p in PRINCIPALS), *OUTSIDE_IDS]
    index = ActorIndex(model, principals)
    holding: set[tuple[str, str]] = set()
    candidate: set[tuple[str, str]] = set()
    for t in TARGETS:
        target = model.graph.get(t.id)
        assert target is not None
        found = index.candidates(target)
        assert found == [p for p in principals if p in found]  # the given order is kept
        candidate |= {(p, t.id) for p in found}
        holding |= {(p, t.id) for p in principals if model.grants(p, target)}
    assert holding <= candidate
    # The cases the index must keep: same account, named account or role, anyone, unknowns.
    admin_2 = PRINCIPALS[1].id
    for name in ("names-account-2", "names-anyone", "not-principal", "policy-unread"):
        assert (admin_2, f"arn:aws:s3:::{name}") in holding
    assert (admin_2, TARGETS[10].id) in holding  # the shared key
    assert (PRINCIPALS[2].id, "arn:aws:s3:::names-role-2") in holding
    # And the ones it may skip: another account's resource whose policy names nobody of it.
    skipped = {
        (admin_2, "arn:aws:s3:::no-policy"),
        (admin_2, "arn:aws:s3:::service-only"),
        (admin_2, "arn:aws:s3:::denies-account-2"),
        (admin_2, TARGETS[9].id),
        (admin_2, TARGETS[12].id),
        (PRINCIPALS[0].id, TARGETS[13].id),
    }
    assert not skipped & candidate
    assert not skipped & holding


def test_principals_the_evaluator_may_answer_conditionally_are_always_candidates() -> None:
    model = _model()
    unsure = [PRINCIPALS[3].id, PRINCIPALS[4].id, "*"]
    index = ActorIndex(model, unsure)
    no_policy = model.graph.get("arn:aws:s3:::no-policy")
    assert no_policy is not None
    assert index.candidates(no_policy) == unsure
    assert model.grants(PRINCIPALS[3].id, no_policy)  # unreadable: CONDITIONAL, not nothing


def test_an_identity_policy_that_does_not_parse_is_conditional_not_a_crash() -> None:
    model = _model()
    target = model.graph.get("arn:aws:s3:::no-policy")
    assert target is not None
    grants = model.grants(PRINCIPALS[4].id, target)  # its inline document is "{"
    assert grants and {g.result.decision.value for g in grants} == {"conditional"}


def test_a_trust_policy_that_does_not_parse_may_trust_anyone() -> None:
    """Unreadable is not "trusts nobody": every principal may assume it, CONDITIONAL."""
    role = _role("odd-trust", CUSTOMER, trust_policy="{")
    inventory = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=(role, _account(CUSTOMER)),
        relations=(),
        gaps=(),
    )
    graph = access_model(build_graph(inventory, declaration())).assume_graph()
    edges = [(u, v, d["result"].decision.value) for u, v, d in graph.edges(data=True)]
    assert edges == [("*", role.id, "conditional")]
