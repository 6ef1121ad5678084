"""Hostile or nonsensical declarations: one located line, quickly, never a traceback (#18)."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from auditor.base.bounded_yaml import YamlBoundsError, YamlLimits, check_bounds
from auditor.boundary import DeclarationError, parse_declaration
from tests.helpers import BASE
from tests.unit.test_declaration import dump

BOMB = """version: 1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def refused(text: str, *needles: str) -> DeclarationError:
    start = time.monotonic()
    with pytest.raises(DeclarationError) as info:
        parse_declaration(text, "boundary.yaml")
    assert time.monotonic() - start < 5, "a hostile declaration must be refused quickly"
    message = str(info.value)
    assert "\n" not in message and message.startswith("boundary.yaml")
    for needle in needles:
        assert needle in message, (needle, message)
    return info.value


def with_changes(path: tuple[str, ...], value: Any) -> str:
    doc = copy.deepcopy(BASE)
    node = doc
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return dump(doc)


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    err = refused(BOMB, "aliases expand to more than 10000 nodes")
    assert err.line is not None


def test_many_aliases_are_refused() -> None:
    text = "version: 1\nx: &x 1\nys: [" + ", ".join(["*x"] * 101) + "]\n"
    refused(text, "more than 100 aliases")


def test_a_self_referencing_alias_is_refused() -> None:
    refused("version: 1\nname: &n [*n]\n", "alias *n refers to a node that contains it")


def test_deep_nesting_is_refused() -> None:
    refused("version: 1\nname: " + "[" * 1000 + "]" * 1000 + "\n", "nested deeper than 64")


def test_a_huge_document_is_refused_by_size() -> None:
    refused("# comment\n" * 200_000, "more than the 1048576 a declaration may be")


@pytest.mark.parametrize("rpo", [".inf", "-.inf", ".nan", "-5m", 10**30, "99999999999w"])
def test_durations_are_finite_and_positive(rpo: Any) -> None:
    text = with_changes(("objectives", "rpo"), rpo)
    if isinstance(rpo, str) and rpo.startswith("."):
        text = text.replace(f"'{rpo}'", rpo)  # the YAML float, not the string
    refused(text, "objectives.rpo")


@pytest.mark.parametrize("port", [True, 0, 65536, "9092", 9092.5])
def test_ports_are_integers_in_range(port: Any) -> None:
    refused(with_changes(("network", "kafka_ports"), [port]), "network.kafka_ports.0")


@pytest.mark.parametrize("cidr", ["10.0.0.0/33", "10.0.0.1/8", "not-a-network", "300.0.0.0/8"])
def test_cidrs_are_networks(cidr: str) -> None:
    text = with_changes(("network", "clients", "from"), [cidr])
    refused(text, "network.clients.from.0", "is not a CIDR network")


def test_names_are_safe_folder_names_of_bounded_length() -> None:
    refused(with_changes(("name",), "x" * 300), "name")
    refused(with_changes(("name",), "../escape"), "name")


def test_bounds_are_configurable_and_name_the_place() -> None:
    with pytest.raises(YamlBoundsError) as info:
        check_bounds("a:\n  b:\n    c: 1\n", YamlLimits(max_depth=2))
    assert (info.value.line, info.value.col) == (3, 5)
    check_bounds("a:\n  b:\n    c: 1\n", YamlLimits(max_depth=3))
