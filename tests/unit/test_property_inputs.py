"""Property-based tests: hostile or broken input gets a one-line error, never a crash.

The declaration loader must answer any text with a :class:`Declaration` or a
:class:`DeclarationError` whose message is one line; the inventory reader
must answer any lines with an :class:`Inventory` or a
:class:`BundleFormatError`. Inputs are random text, random YAML/JSON
documents, and valid documents mutated at random. Bounded: 200 examples each.

Two defects these tests found are kept as regression tests at the end:

- a mapping key holding a line break (``"\r": x``) was echoed raw into the
  DeclarationError's ``at <path>``, so the message spanned two lines;
- a resource or relation line whose ``tags`` or ``attributes`` was not a JSON
  object raised TypeError/ValueError instead of BundleFormatError.
"""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from auditor.base.serialize import BundleFormatError, inventory_jsonl, read_inventory_jsonl
from auditor.boundary import Declaration, DeclarationError, parse_declaration
from auditor.model import Gap, Inventory, Relation, Resource, Scope
from tests.helpers import BASE

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["5m", "90d", "aws", "*", "customer", "us-east-1", "primary", ""]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)


keys = st.text(max_size=12)


def _trees(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=4),
        ),
        max_leaves=20,
    )


def _dump(doc: Any) -> str:
    buf = io.StringIO()
    YAML().dump(doc, buf)
    return buf.getvalue()


BASE_TEXT = _dump(BASE)


def _check_declaration(text: str) -> None:
    try:
        result = parse_declaration(text, "boundary.yaml")
    except DeclarationError as exc:
        message = str(exc)
        assert message.startswith("boundary.yaml"), message
        assert "\n" not in message and "\r" not in message, repr(message)
        return
    assert isinstance(result, Declaration)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], op: str, value: Any) -> Any:
    if not path:
        return value if op == "replace" else doc
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "delete":
        del parent[last]
    elif op == "replace":
        parent[last] = value
    elif op == "rename" and isinstance(parent, dict):
        parent[f"{last}_x"] = parent.pop(last)
    elif op == "wrap":
        parent[last] = [parent[last]]
    return doc


@st.composite
def mutated_declarations(draw: st.DrawFn) -> str:
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace", "rename", "wrap"]))
        doc = _mutate(doc, path, op, draw(_trees(scalars)))
    return _dump(doc)


@st.composite
def mangled_text(draw: st.DrawFn, base: str) -> str:
    """A valid document with a few characters inserted, deleted or replaced."""
    text = base
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(
            st.one_of(
                st.sampled_from(
                    [":", "-", " ", "\n", "\t", "'", '"', "{", "[", "&a", "*a", "!!", "#", "%"]
                ),
                st.text(max_size=4),
            )
        )
        if op == "insert":
            text = text[:pos] + chunk + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + len(chunk) + 1 :]
        else:
            text = text[:pos] + chunk + text[pos + len(chunk) :]
    return text


def test_the_base_declaration_loads() -> None:
    assert isinstance(parse_declaration(BASE_TEXT), Declaration)


@SETTINGS
@given(st.text(max_size=300))
def test_property_declaration_random_text(text: str) -> None:
    _check_declaration(text)


@SETTINGS
@given(_trees(scalars))
def test_property_declaration_random_yaml_documents(doc: Any) -> None:
    _check_declaration(_dump(doc))


@SETTINGS
@given(mutated_declarations())
def test_property_declaration_mutated_valid_documents(text: str) -> None:
    _check_declaration(text)


@SETTINGS
@given(mangled_text(BASE_TEXT))
def test_property_declaration_mangled_valid_text(text: str) -> None:
    _check_declaration(text)


# ---- inventory.jsonl ------------------------------------------------------------------

SCOPE = Scope(accounts=("111111111111",), regions=("us-east-1",))
VALID_INVENTORY = Inventory(
    scope=SCOPE,
    resources=(
        Resource(
            id="arn:aws:s3:::b",
            cloud="aws",
            kind="bucket",
            account="111111111111",
            region="us-east-1",
            name="b",
            tags={"data-class": "kafka-log"},
            attributes={"name": "b", "versioning": None, "policy": {"Statement": []}},
            source="s3:ListBuckets",
        ),
    ),
    relations=(
        Relation(
            source="arn:aws:s3:::b",
            target="arn:aws:kms:us-east-1:111111111111:key/k",
            kind="data.encrypted_by",
            reason="default encryption",
        ),
    ),
    gaps=(
        Gap(
            cloud="aws",
            account="111111111111",
            region="us-east-1",
            service="s3",
            operation="GetBucketPolicy",
            error_code="AccessDenied",
        ),
    ),
)
VALID_LINES = inventory_jsonl(VALID_INVENTORY).decode().splitlines()
RECORD_FIELDS = sorted({k for line in VALID_LINES for k in json.loads(line)})


def _check_inventory(text: str) -> None:
    try:
        result = read_inventory_jsonl(text, scope=SCOPE)
    except BundleFormatError as exc:
        assert "\n" not in str(exc), repr(str(exc))
        return
    assert isinstance(result, Inventory)


@st.composite
def mutated_records(draw: st.DrawFn) -> str:
    obj = json.loads(draw(st.sampled_from(VALID_LINES)))
    op = draw(st.sampled_from(["delete", "replace", "add"]))
    key = draw(st.sampled_from(RECORD_FIELDS))
    if op == "delete":
        obj.pop(key, None)
    elif op == "replace":
        obj[key] = draw(_trees(json_scalars))
    else:
        obj[draw(st.text(max_size=8))] = draw(_trees(json_scalars))
    return json.dumps(obj)


lines = st.one_of(
    st.text(max_size=80).map(lambda s: s.replace("\n", " ")),
    _trees(json_scalars).map(json.dumps),
    st.sampled_from(VALID_LINES),
    mutated_records(),
)


def test_a_valid_inventory_round_trips() -> None:
    back = read_inventory_jsonl("\n".join(VALID_LINES), scope=SCOPE)
    assert back.resources == VALID_INVENTORY.resources
    assert back.relations == VALID_INVENTORY.relations
    assert back.gaps == VALID_INVENTORY.gaps


@SETTINGS
@given(st.lists(lines, max_size=6))
def test_property_inventory_random_lines(chosen: list[str]) -> None:
    _check_inventory("\n".join(chosen))


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(VALID_LINES), mutated_records()), max_size=5))
def test_property_inventory_mutated_records(chosen: list[str]) -> None:
    _check_inventory("\n".join(chosen))


@SETTINGS
@given(st.text(max_size=300))
def test_property_inventory_random_text(text: str) -> None:
    _check_inventory(text)


@pytest.mark.parametrize("text", ['"\\r": 1\n', '"a\\nb": 1\n', 'version: 1\n"x\\ny": 2\n'])
def test_regression_error_path_with_line_break_is_one_line(text: str) -> None:
    _check_declaration(text)


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("resource", "tags", [1]),
        ("resource", "tags", "ab"),
        ("resource", "attributes", 5),
        ("relation", "attributes", True),
    ],
)
def test_regression_non_object_tags_are_a_format_error(kind: str, field: str, value: Any) -> None:
    line = next(json.loads(x) for x in VALID_LINES if json.loads(x)["type"] == kind)
    line[field] = value
    _check_inventory(json.dumps(line))
