"""Declarations name each party's identities and regions per cloud; old ones still load."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auditor.boundary import DeclarationError, parse_declaration
from tests.helpers import BASE
from tests.unit.test_declaration import dump

CUSTOMER_TENANT = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
VENDOR_APP = "0f0f0f0f-1111-2222-3333-444444444444"
VENDOR_SP = "5e5e5e5e-1111-2222-3333-444444444444"


def declaration(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["parties"]["customer"]["azure"] = {
        "tenant": CUSTOMER_TENANT,
        "subscriptions": ["11111111-1111-1111-1111-111111111111"],
    }
    doc["parties"]["customer"]["gcp"] = {
        "projects": ["orders-prod"],
        "project_numbers": ["100000000001"],
        "domains": ["orders.example"],
    }
    doc["parties"]["vendor"]["azure"] = {"applications": [VENDOR_APP], "principals": [VENDOR_SP]}
    doc["parties"]["vendor"]["gcp"] = {
        "projects": ["vendor-ops"],
        "service_accounts": ["*@vendor-ops.iam.gserviceaccount.com", "ops-bot@orders-prod.*"],
    }
    doc.update(changes)
    return doc


def test_explicit_identities_outrank_the_tenant_or_project_they_live_in() -> None:
    decl = parse_declaration(dump(declaration()))
    # The vendor's app and service principal live in the customer tenant ...
    assert decl.party_of("azure", CUSTOMER_TENANT) == "customer"
    # ... but the declaration names them as the vendor's.
    assert decl.identity_party("azure", [VENDOR_APP.upper()]) == "vendor"
    assert decl.identity_party("azure", ["unrelated", VENDOR_SP]) == "vendor"
    assert decl.identity_party("azure", [CUSTOMER_TENANT]) is None
    sa = "ops-bot@orders-prod.iam.gserviceaccount.com"
    assert decl.identity_party("gcp", [sa]) == "vendor"
    assert decl.identity_party("gcp", ["kafka@orders-prod.iam.gserviceaccount.com"]) is None


def test_project_numbers_belong_to_their_party() -> None:
    decl = parse_declaration(dump(declaration()))
    assert decl.party_of("gcp", "100000000001") == "customer"
    assert decl.party_of("gcp", "100000000002") == "unknown"


def test_one_primary_per_cloud() -> None:
    regions = {
        "aws/us-east-1": "primary",
        "aws/us-west-2": "secondary",
        "azure/eastus": "primary",
        "gcp/us-east1": "primary",
        "gcp/us-west1": "secondary",
    }
    decl = parse_declaration(dump(declaration(regions=regions)))
    assert decl.primary_region("azure") == "eastus"
    assert decl.primary_region("gcp") == "us-east1"
    regions["aws/us-west-2"] = "primary"
    with pytest.raises(DeclarationError, match="one primary region per cloud; aws has"):
        parse_declaration(dump(declaration(regions=regions)))
    with pytest.raises(DeclarationError, match="needs a primary region"):
        parse_declaration(dump(declaration(regions={"aws/us-east-1": "secondary"})))


def test_dns_is_one_zone_or_several() -> None:
    one = declaration()
    one["failure"] = {"dns": {"zone": "kafka.example.internal.", "records": ["bootstrap"]}}
    assert [z.zone for z in parse_declaration(dump(one)).failure.dns] == ["kafka.example.internal"]
    many = declaration()
    many["failure"] = {
        "dns": [
            {"zone": "kafka.example.internal", "cloud": "aws", "records": ["bootstrap"]},
            {"zone": "orders-kafka.trafficmanager.net", "cloud": "azure"},
        ]
    }
    zones = parse_declaration(dump(many)).failure.dns
    assert [(z.zone, z.cloud) for z in zones] == [
        ("kafka.example.internal", "aws"),
        ("orders-kafka.trafficmanager.net", "azure"),
    ]
    none = declaration()
    none["failure"] = {"dns": None}
    assert parse_declaration(dump(none)).failure.dns == []
