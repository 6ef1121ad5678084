"""The outbound traffic classes in the declaration: absent means not judged; bad
destinations and misspelt keys are refused with one located line."""

from __future__ import annotations

import io

import pytest
from ruamel.yaml import YAML

from auditor.boundary import DeclarationError, parse_declaration
from tests.helpers import BASE


def dump(data: object) -> str:
    buf = io.StringIO()
    YAML().dump(data, buf)
    return buf.getvalue()


def _with(**network: object) -> str:
    return dump({**BASE, "network": {**BASE["network"], **network}})


def test_outbound_classes_are_absent_unless_declared() -> None:
    decl = parse_declaration(dump(BASE))
    assert decl.network.monitoring is None and decl.network.egress is None


def test_outbound_class_fields() -> None:
    decl = parse_declaration(
        _with(
            monitoring={
                "via": ["private-endpoint", "nat"],
                "to": ["203.0.113.0/24"],
                "endpoints": ["com.amazonaws.us-east-1.monitoring"],
            },
            egress={"via": [], "ports": [443, 8443]},
        )
    )
    mon, egr = decl.network.monitoring, decl.network.egress
    assert mon is not None and egr is not None
    assert mon.via == ["private-endpoint", "nat"] and mon.to == ["203.0.113.0/24"]
    assert mon.endpoints == ["com.amazonaws.us-east-1.monitoring"] and mon.ports == [443]
    assert egr.via == [] and egr.to == [] and egr.ports == [443, 8443]


@pytest.mark.parametrize(
    ("network", "fragment"),
    [
        ({"egress": {"to": ["203.0.113.7/24"]}}, "network.egress.to.0"),
        ({"monitoring": {"via": ["carrier-pigeon"]}}, "network.monitoring.via.0"),
        ({"monitoring": {"destinations": ["10.0.0.0/8"]}}, "network.monitoring.destinations"),
        ({"egress": {"ports": [0]}}, "network.egress.ports.0"),
    ],
)
def test_bad_outbound_values_are_located(network: dict[str, object], fragment: str) -> None:
    with pytest.raises(DeclarationError) as info:
        parse_declaration(_with(**network), "b.yaml")
    assert fragment in str(info.value), str(info.value)
    assert info.value.line is not None and "\n" not in str(info.value)
