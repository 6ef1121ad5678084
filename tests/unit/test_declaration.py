"""Declarations: valid ones load; bad ones give one located line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from auditor.boundary import DeclarationError, load_declaration, parse_declaration, parse_duration
from tests.helpers import BASE


def dump(data: object) -> str:
    import io

    buf = io.StringIO()
    YAML().dump(data, buf)
    return buf.getvalue()


def test_base_declaration_loads() -> None:
    decl = parse_declaration(dump(BASE))
    assert decl.objectives.rpo == 300 and decl.objectives.rto == 900
    assert decl.party_of("aws", "999999999999") == "vendor"
    assert decl.party_of("aws", "123456789012") == "unknown"
    assert decl.regions_of("aws") == {"us-east-1": "primary", "us-west-2": "secondary"}
    assert decl.network.clients.cidrs == ["10.0.0.0/8"]


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("version: 1\nname: x\npatern: active-passive\n", 3, 1, "did you mean 'pattern'?"),
        ("version: 1\nname: [unclosed\n", None, None, "YAML syntax error"),
        ("- just\n- a list\n", 1, 1, "must be a YAML mapping"),
    ],
)
def test_errors_are_located(text: str, line: int | None, col: int | None, fragment: str) -> None:
    with pytest.raises(DeclarationError) as info:
        parse_declaration(text, "b.yaml")
    err = info.value
    assert fragment in str(err)
    if line is not None:
        assert (err.line, err.col) == (line, col)
    assert "\n" not in str(err)


def test_nested_misspelling_names_the_field_path() -> None:
    bad = dump({**BASE, "network": {**BASE["network"], "kafka_prots": [9092]}})
    with pytest.raises(DeclarationError) as info:
        parse_declaration(bad, "b.yaml")
    msg = str(info.value)
    assert "did you mean 'kafka_ports'?" in msg
    assert "at network.kafka_prots" in msg
    assert info.value.line is not None and info.value.line > 1


def test_wrong_value_is_located_on_its_line() -> None:
    text = dump(BASE).replace("rpo: 5m", "rpo: soon")
    with pytest.raises(DeclarationError) as info:
        parse_declaration(text, "b.yaml")
    assert "objectives.rpo" in str(info.value)
    expected_line = text.splitlines().index(next(x for x in text.splitlines() if "rpo:" in x)) + 1
    assert info.value.line == expected_line


def test_account_in_two_parties_is_refused() -> None:
    parties = {
        "customer": {"aws": {"accounts": ["111111111111"]}},
        "vendor": {"aws": {"accounts": ["111111111111"]}},
    }
    with pytest.raises(DeclarationError, match="declared for customer and vendor"):
        parse_declaration(dump({**BASE, "parties": parties}))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DeclarationError, match="cannot read file"):
        load_declaration(tmp_path / "missing.yaml")


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("90d", 7776000), (60, 60)])
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_bad_duration() -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


def test_misspelling_inside_a_party_is_suggested() -> None:
    parties = {"customer": {"aws": {"acounts": ["111111111111"]}}}
    with pytest.raises(DeclarationError) as info:
        parse_declaration(dump({**BASE, "parties": parties}), "b.yaml")
    assert "did you mean 'accounts'?" in str(info.value)
    assert "parties.customer.aws.acounts" in str(info.value)
