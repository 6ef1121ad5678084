"""A fuzz target per reader the #18 work made total: each bundle member, SHA256SUMS,
the declaration, and redaction.

Each bundle member (``manifest.json``, ``declaration.yaml``, ``inventory.jsonl``,
``verdicts.json``, ``graph.json``) is replaced by hostile content (random bytes
and JSON, deep nesting, alias bombs, wrong types) with ``SHA256SUMS`` rewritten
to match, and read the way every command reads it (``load_bundle``, the graph,
the diff): a result or a one-line ``BundleError``, quickly. ``SHA256SUMS`` gets
random lines (long, odd and control-character names): ``inspect_bundle`` lists
problems and never raises. Declarations get hostile YAML; redaction gets text
mixed from secret fragments and must stay idempotent and fast.

``make test`` runs these with a fixed seed (hypothesis ``derandomize``) and
``FUZZ_EXAMPLES`` examples (30 by default: a few seconds); ``make fuzz`` runs
many more with random seeds (``FUZZ_RANDOM=1``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.base.redact import redact_text
from auditor.boundary import Declaration, DeclarationError, parse_declaration
from auditor.commands.diff import diff_loaded
from auditor.evidence.bundle import SIGNATURE, SUMS, BundleError, sums_text
from auditor.evidence.load import load_bundle
from auditor.evidence.trusted import inspect_bundle
from tests.fuzz.test_fuzz_inputs import bundle, json_trees
from tests.secret_shapes import SHAPES

__all__ = ["bundle"]  # the module fixture: a valid bundle to forge from

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
MEMBERS = ["manifest.json", "declaration.yaml", "inventory.jsonl", "verdicts.json", "graph.json"]
SLOW = 5.0
"""Seconds any one hostile input may take to be read or refused."""


def _one_line(message: str) -> None:
    assert message.strip() and "\n" not in message and "\r" not in message, repr(message)


@contextmanager
def _scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fuzz-readers-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _deep(data: st.DataObject) -> bytes:
    depth = data.draw(st.sampled_from([200, 1_000, 5_000, 50_000]))
    kind = data.draw(st.sampled_from(["list", "object"]))
    if kind == "list":
        return ("[" * depth + "]" * depth).encode()
    return ('{"a":' * depth + "1" + "}" * depth).encode()


def _yaml_bomb(data: st.DataObject) -> bytes:
    width = data.draw(st.integers(2, 9))
    levels = data.draw(st.integers(2, 9))
    lines = ["version: 1", "a0: &a0 [x" + ", x" * (width - 1) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return ("\n".join(lines) + "\n").encode()


def _hostile(original: bytes, name: str, data: st.DataObject) -> bytes:
    how = data.draw(
        st.sampled_from(["bytes", "json", "deep", "null", "list", "number", "cut", "yaml"])
    )
    if how == "bytes":
        return data.draw(st.binary(max_size=300))
    if how == "json":
        return json.dumps(data.draw(json_trees)).encode()
    if how == "deep":
        return _deep(data)
    if how == "null":
        return b"null"
    if how == "list":
        return b"[1, 2, 3]"
    if how == "number":
        return data.draw(st.sampled_from([b"1e999", b"-0", b"NaN", b"9" * 5000]))
    if how == "yaml" or name.endswith(".yaml"):
        return _yaml_bomb(data) if data.draw(st.booleans()) else data.draw(st.text()).encode()
    return original[: data.draw(st.integers(0, max(0, len(original) - 1)))]


def _forge(bundle: Path, scratch: Path, name: str, content: bytes) -> Path:
    target = scratch / bundle.name
    shutil.copytree(bundle, target)
    (target / name).write_bytes(content)
    files = {
        p.relative_to(target).as_posix(): p.read_bytes()
        for p in sorted(target.rglob("*"))
        if p.is_file() and p.name not in (SUMS, SIGNATURE)
    }
    (target / SUMS).write_bytes(sums_text(files))
    return target


@SETTINGS
@pytest.mark.parametrize("member", MEMBERS)
@given(data=st.data())
def test_fuzz_each_bundle_member(bundle: Path, member: str, data: st.DataObject) -> None:
    original = (bundle / member).read_bytes()
    with _scratch() as scratch:
        forged = _forge(bundle, scratch, member, _hostile(original, member, data))
        start = time.monotonic()
        try:
            loaded = load_bundle(forged)
            loaded.graph()
            diff_loaded(loaded, loaded)
        except BundleError as exc:
            _one_line(str(exc))
        assert time.monotonic() - start < SLOW, member


_NAME = st.one_of(
    st.text(min_size=1, max_size=40),
    st.text(alphabet="x/.", min_size=1, max_size=400),
    st.sampled_from(["../etc/passwd", "/abs", "a\x00b", "x" * 300, "raw/" + "y" * 256]),
)


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=80),
            st.builds(lambda n: "0" * 64 + "  " + n, _NAME),
        ),
        max_size=12,
    )
)
def test_fuzz_sums_lines(bundle: Path, lines: list[str]) -> None:
    with _scratch() as scratch:
        target = scratch / bundle.name
        shutil.copytree(bundle, target)
        (target / SUMS).write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        result, _ = inspect_bundle(target)
        for problem in result.problems:
            assert "\n" not in problem, repr(problem)
        assert not result.ok or not lines or all(not line.strip() for line in lines)


_YAML_SCALARS = st.sampled_from(
    [".inf", "-.inf", ".nan", "1e999", "-1", "0", "true", "~", "'x'", "10.0.0.0/33", "99999999"]
)


@SETTINGS
@given(data=st.data())
def test_fuzz_declaration(data: st.DataObject) -> None:
    how = data.draw(st.sampled_from(["bomb", "deep", "scalars", "text"]))
    if how == "bomb":
        text = _yaml_bomb(data).decode()
    elif how == "deep":
        depth = data.draw(st.sampled_from([50, 500, 5_000]))
        text = "version: 1\nname: " + "[" * depth + "]" * depth + "\n"
    elif how == "scalars":
        field = data.draw(st.sampled_from(["rpo", "rto", "name", "kafka_ports", "cidr"]))
        text = f"version: 1\nname: x\n{field}: {data.draw(_YAML_SCALARS)}\n"
    else:
        text = data.draw(st.text(max_size=300))
    start = time.monotonic()
    try:
        assert isinstance(parse_declaration(text, "boundary.yaml"), Declaration)
    except DeclarationError as exc:
        _one_line(str(exc))
    assert time.monotonic() - start < SLOW


_FRAGMENTS = st.sampled_from(
    [text for _, text, _ in SHAPES]
    + ["mysql ", "-p", "--password ", "Authorization: ", "basic ", "sig=", ";Password=", "=", '"']
)


@SETTINGS
@given(parts=st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40))
def test_fuzz_redaction_is_total_idempotent_and_fast(parts: list[str]) -> None:
    text = "".join(parts) * 50
    start = time.monotonic()
    once = redact_text(text)
    assert redact_text(once) == once
    assert time.monotonic() - start < SLOW
