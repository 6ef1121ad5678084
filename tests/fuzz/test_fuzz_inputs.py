"""Fuzzing the readers of untrusted files: packed bundles, bundle folders, drills, exports.

Every reader must answer any input with a result or its own one-line error
(:class:`BundleError`, :class:`DrillError`, :class:`ExportFormatError`); nothing
else may escape, and unpacking writes nothing outside its folder and no link.
A sample of the same inputs then goes through the real CLI (``validate``,
``evaluate``, ``failover-plan``, ``drill record``, ``import``): exit code 2, one
``error:`` line on stderr, no traceback, nothing written.

Importers are taken from the ``importers()`` registry, so a new export format is
fuzzed without a change here. Inputs are random bytes and JSON, valid files
mutated at random, and hand-made hostile archives (``..``, absolute names,
links, devices, headers that lie about sizes, truncated gzip).

The number of examples per property is ``FUZZ_EXAMPLES`` (default 30, to keep
the suite fast), drawn with a fixed seed unless ``FUZZ_RANDOM`` is set; for a
long local run with random seeds, ``make fuzz`` (or
``FUZZ_EXAMPLES=5000 FUZZ_RANDOM=1 .venv/bin/python -m pytest -q -p no:randomly tests/fuzz``).
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.checks.pack import load_pack
from auditor.cli import main
from auditor.evidence.archive import extract_bundle, pack_bundle
from auditor.evidence.bundle import SUMS, BundleError, sums_text
from auditor.evidence.load import LoadedBundle, load_bundle
from auditor.importers import ExportFormatError, ImportResult, importers
from auditor.model import Inventory, Resource, Scope
from auditor.normalize.drills import DrillError, DrillResult, read_drill
from auditor.pipeline import evaluate_inventory, write_scan_bundle
from tests.helpers import BASE, CUSTOMER, PRIMARY, declaration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),  # make test: a fixed seed; make fuzz: random
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
CLI_SETTINGS = settings(SETTINGS, max_examples=max(5, EXAMPLES // 3))

ROOT = Path(__file__).resolve().parents[2]
DRILL_SAMPLE = next((ROOT / "fixtures" / "kafka-byoc-aws" / "drills").glob("*.json"))
EXPORT_SAMPLES = sorted((ROOT / "fixtures" / "aws-config").glob("*.json"))


def _one_line(message: str) -> None:
    assert message.strip(), "an error must say what is wrong"
    assert "\n" not in message and "\r" not in message, repr(message)


# ---- a valid bundle to start from -------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ruamel.yaml import YAML

    bucket = Resource(
        id="arn:aws:s3:::orders-log",
        cloud="aws",
        kind="bucket",
        account=CUSTOMER,
        region=PRIMARY,
        name="orders-log",
        tags={"data-class": "kafka-log"},
        attributes={"name": "orders-log", "public_access_block": {}},
    )
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=(bucket,),
        relations=(),
        gaps=(),
    )
    text = io.StringIO()
    YAML().dump(BASE, text)
    ev = evaluate_inventory(inv, declaration(), load_pack("default"), dt.date(2026, 11, 29))
    t = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    out = tmp_path_factory.mktemp("bundles")
    return write_scan_bundle(
        out, decl=declaration(), decl_text=text.getvalue(), ev=ev, started=t, finished=t
    )


@pytest.fixture(scope="module")
def packed(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("packed") / "bundle.tar.gz"
    pack_bundle(bundle, out)
    return out.read_bytes()


@contextmanager
def fresh() -> Iterator[Path]:
    """A fresh folder per example (hypothesis runs every example in one fixture scope)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        yield Path(tmp)


# ---- packed bundles -----------------------------------------------------------------------

NAMES = st.one_of(
    st.sampled_from(
        [
            "b/manifest.json",
            "b/SHA256SUMS",
            "b/sub/x.json",
            "b",
            "b/",
            "b/./x",
            "b/../x",
            "../x",
            "../../etc/evil",
            "/etc/evil",
            "/b/x",
            "C:/b/x",
            "b\\..\\x",
            "b/x\x00y",
            "c/x",
            "",
            ".",
            "b/" + "a" * 300,
        ]
    ),
    st.text(min_size=1, max_size=20).map(lambda s: "b/" + s),
)
TYPES = st.sampled_from(
    [
        tarfile.REGTYPE,
        tarfile.REGTYPE,
        tarfile.DIRTYPE,
        tarfile.SYMTYPE,
        tarfile.LNKTYPE,
        tarfile.CHRTYPE,
        tarfile.FIFOTYPE,
    ]
)
LINKS = st.sampled_from(["/etc/passwd", "../../x", "b/manifest.json", "b", "/"])


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """A gzip'd tar of random, often hostile members; sometimes cut or corrupted."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for _ in range(draw(st.integers(0, 5))):
            info = tarfile.TarInfo(draw(NAMES))
            info.type = draw(TYPES)
            data = draw(st.binary(max_size=64)) if info.type == tarfile.REGTYPE else b""
            if info.type in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = draw(LINKS)
            info.size = len(data)
            info.mode = draw(st.sampled_from([0o644, 0o777, 0o4755]))
            tf.addfile(info, io.BytesIO(data) if data else None)
    blob = gzip.compress(raw.getvalue(), mtime=0)
    how = draw(st.sampled_from(["whole", "cut", "flip"]))
    if how == "cut" and blob:
        blob = blob[: draw(st.integers(0, len(blob) - 1))]
    elif how == "flip" and blob:
        i = draw(st.integers(0, len(blob) - 1))
        blob = blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1 :]
    return blob


def _check_extract(blob: bytes, scratch: Path) -> Path | None:
    archive = scratch / "in.tar.gz"
    archive.write_bytes(blob)
    dest = scratch / "dest"
    dest.mkdir()
    try:
        folder = extract_bundle(archive, dest)
    except BundleError as exc:
        _one_line(str(exc))
        folder = None
    for p in scratch.rglob("*"):
        assert not p.is_symlink(), f"unpacking made a link: {p}"
        assert p == archive or p.resolve().is_relative_to(dest.resolve()), f"wrote outside: {p}"
    if folder is not None:
        assert folder.resolve().is_relative_to(dest.resolve())
    return folder


@SETTINGS
@given(blob=archives())
def test_fuzz_hostile_archives_unpack_safely_or_are_refused(blob: bytes) -> None:
    with fresh() as scratch:
        _check_extract(blob, scratch)


@SETTINGS
@given(data=st.data())
def test_fuzz_a_cut_or_corrupted_packed_bundle_is_refused(
    packed: bytes, data: st.DataObject
) -> None:
    with fresh() as scratch:
        how = data.draw(st.sampled_from(["cut", "flip", "append"]))
        if how == "cut":
            blob = packed[: data.draw(st.integers(0, len(packed) - 1))]
        elif how == "flip":
            i = data.draw(st.integers(0, len(packed) - 1))
            blob = (
                packed[:i] + bytes([packed[i] ^ data.draw(st.integers(1, 255))]) + packed[i + 1 :]
            )
        else:
            blob = packed + data.draw(st.binary(min_size=1, max_size=64))
        folder = _check_extract(blob, scratch)
        if folder is not None:  # the bytes still unpacked: what is read must verify or be refused
            try:
                load_bundle(folder)
            except BundleError as exc:
                _one_line(str(exc))


def test_the_valid_packed_bundle_loads(packed: bytes, tmp_path: Path) -> None:
    scratch = tmp_path
    folder = _check_extract(packed, scratch)
    assert folder is not None and isinstance(load_bundle(folder), LoadedBundle)


@pytest.mark.parametrize(
    "member",
    [
        ("b/../../escape", tarfile.REGTYPE, ""),
        ("/tmp/escape", tarfile.REGTYPE, ""),
        ("b/link", tarfile.SYMTYPE, "/etc/passwd"),
        ("b/hard", tarfile.LNKTYPE, "b/manifest.json"),
        ("b/dev", tarfile.CHRTYPE, ""),
    ],
)
def test_each_hostile_member_is_refused_by_name(
    member: tuple[str, bytes, str], tmp_path: Path
) -> None:
    scratch = tmp_path
    name, kind, link = member
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        tf.addfile(tarfile.TarInfo("b/manifest.json"), io.BytesIO(b""))
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = link
        tf.addfile(info)
    archive = scratch / "x.tar.gz"
    archive.write_bytes(gzip.compress(raw.getvalue()))
    with pytest.raises(BundleError) as err:
        extract_bundle(archive, scratch)
    _one_line(str(err.value))
    assert str(archive) in str(err.value)


def test_a_header_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    scratch = tmp_path
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        info = tarfile.TarInfo("b/manifest.json")
        info.size = 4096
        tf.addfile(info, io.BytesIO(b"x" * 4096))
    cut = raw.getvalue()[: 512 + 100]  # the header, then 100 of the 4096 bytes it promises
    archive = scratch / "x.tar.gz"
    archive.write_bytes(gzip.compress(cut))
    with pytest.raises(BundleError) as err:
        extract_bundle(archive, scratch / "d")
    _one_line(str(err.value))


# ---- bundle folders whose sums were rewritten to match hostile content -------------------

BUNDLE_FILES = ["manifest.json", "declaration.yaml", "inventory.jsonl", "verdicts.json"]
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
json_trees = st.recursive(
    json_leaves,
    lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c, max_size=3)
    ),
    max_leaves=12,
)


def _mutate_json(doc: Any, data: st.DataObject) -> Any:
    """Replace, delete or retype one node of a JSON document."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(doc, ())
    path = data.draw(st.sampled_from(paths))
    if not path:
        return data.draw(json_trees)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if data.draw(st.booleans()):
        parent[path[-1]] = data.draw(json_trees)
    else:
        del parent[path[-1]]
    return doc


def _hostile_content(original: bytes, name: str, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["json", "mutate", "bytes", "cut"]))
    if how == "bytes":
        return data.draw(st.binary(max_size=200))
    if how == "cut":
        return original[: data.draw(st.integers(0, max(0, len(original) - 1)))]
    if how == "json":
        return json.dumps(data.draw(json_trees)).encode()
    text = original.decode()
    if name.endswith(".jsonl"):
        lines = text.splitlines()
        if not lines:
            return b"{}"
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i] = json.dumps(_mutate_json(json.loads(lines[i]), data))
        return "\n".join(lines).encode()
    if name.endswith(".json"):
        return json.dumps(_mutate_json(json.loads(text), data)).encode()
    return data.draw(st.text(max_size=200)).encode()


def _rehashed_copy(bundle: Path, scratch: Path, data: st.DataObject) -> Path:
    """The bundle with one file replaced and SHA256SUMS rewritten (an unsigned forgery)."""
    target = scratch / bundle.name
    shutil.copytree(bundle, target)
    name = data.draw(st.sampled_from(BUNDLE_FILES))
    path = target / name
    path.write_bytes(_hostile_content(path.read_bytes(), name, data))
    files = {
        p.relative_to(target).as_posix(): p.read_bytes()
        for p in sorted(target.rglob("*"))
        if p.is_file() and p.name != SUMS
    }
    (target / SUMS).write_bytes(sums_text(files))
    return target


@SETTINGS
@given(data=st.data())
def test_fuzz_a_forged_bundle_loads_or_is_refused(bundle: Path, data: st.DataObject) -> None:
    with fresh() as scratch:
        forged = _rehashed_copy(bundle, scratch, data)
        try:
            loaded = load_bundle(forged)
        except BundleError as exc:
            _one_line(str(exc))
            return
        assert isinstance(loaded, LoadedBundle)


# ---- drill files -------------------------------------------------------------------------

DRILL = json.loads(DRILL_SAMPLE.read_text(encoding="utf-8"))


@SETTINGS
@given(data=st.data())
def test_fuzz_drill_files(data: st.DataObject) -> None:
    with fresh() as scratch:
        how = data.draw(st.sampled_from(["mutate", "mutate", "json", "bytes"]))
        if how == "mutate":
            blob = json.dumps(_mutate_json(copy.deepcopy(DRILL), data)).encode()
        elif how == "json":
            blob = json.dumps(data.draw(json_trees)).encode()
        else:
            blob = data.draw(st.binary(max_size=300))
        path = scratch / "drill.json"
        path.write_bytes(blob)
        try:
            result = read_drill(path)
        except DrillError as exc:
            _one_line(str(exc))
            assert str(path) in str(exc)
            return
        assert isinstance(result, DrillResult)


# ---- export files, through every registered importer -------------------------------------

IMPORTERS = sorted(importers())
SEEDS = [json.loads(p.read_text(encoding="utf-8")) for p in EXPORT_SAMPLES]


def _export_bytes(data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["mutate", "json", "lines", "bytes", "gzip"]))
    if how == "mutate" and SEEDS:
        return json.dumps(
            _mutate_json(copy.deepcopy(data.draw(st.sampled_from(SEEDS))), data)
        ).encode()
    if how == "lines":
        rows = data.draw(st.lists(json_trees, max_size=4))
        return "\n".join(json.dumps(r) for r in rows).encode()
    if how == "gzip":
        return gzip.compress(data.draw(st.binary(max_size=100)))
    if how == "bytes":
        return data.draw(st.binary(max_size=300))
    return json.dumps(data.draw(json_trees)).encode()


def test_there_are_importers_to_fuzz() -> None:
    assert IMPORTERS, "the importers() registry found nothing"


@SETTINGS
@pytest.mark.parametrize("fmt", IMPORTERS)
@given(data=st.data())
def test_fuzz_every_importer(fmt: str, data: st.DataObject) -> None:
    with fresh() as scratch:
        path = scratch / "export.json"
        path.write_bytes(_export_bytes(data))
        try:
            result = importers()[fmt].read(path)
        except ExportFormatError as exc:
            _one_line(str(exc))
            assert str(path) in str(exc)
            return
        assert isinstance(result, ImportResult)


# ---- the same inputs through the real CLI -------------------------------------------------


def _cli(args: list[str]) -> Any:
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result


def _input_error(result: Any, out: Path | None = None) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    if out is not None:
        assert not out.exists() or not any(out.iterdir()), "an error left files behind"


@pytest.fixture(scope="module")
def boundary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ruamel.yaml import YAML

    path = tmp_path_factory.mktemp("decl") / "boundary.yaml"
    with path.open("w") as fh:
        YAML().dump(BASE, fh)
    return path


@CLI_SETTINGS
@given(blob=archives())
def test_cli_evaluate_refuses_hostile_archives(blob: bytes) -> None:
    with fresh() as scratch:
        archive = scratch / "in.tar.gz"
        archive.write_bytes(blob)
        out = scratch / "out"
        _input_error(_cli(["evaluate", str(archive), "--out", str(out)]), out)
        _input_error(_cli(["failover-plan", str(archive)]))


@CLI_SETTINGS
@given(data=st.data())
def test_cli_evaluate_a_forged_bundle(bundle: Path, data: st.DataObject) -> None:
    with fresh() as scratch:
        forged = _rehashed_copy(bundle, scratch, data)
        out = scratch / "out"
        result = _cli(["evaluate", str(forged), "--out", str(out)])
        if result.exit_code == 2:
            _input_error(result, out)
        else:  # a forgery that still parses is evaluated like any bundle
            assert result.exit_code in (0, 1, 3), result.output


@CLI_SETTINGS
@given(data=st.data())
def test_cli_drill_record_refuses_bad_drills(boundary: Path, data: st.DataObject) -> None:
    with fresh() as scratch:
        bad = copy.deepcopy(DRILL)
        bad[data.draw(st.sampled_from(sorted(DRILL)))] = data.draw(
            st.one_of(
                st.none(), st.integers(), st.text(max_size=5), st.lists(st.none(), max_size=1)
            )
        )
        path = scratch / "drill.json"
        path.write_text(json.dumps(bad))
        decl = scratch / "boundary.yaml"
        shutil.copy(boundary, decl)
        result = _cli(["drill", "record", str(path), "--boundary", str(decl)])
        if result.exit_code == 2:
            _input_error(result, scratch / "drills")
        else:
            assert result.exit_code == 0, result.output


@CLI_SETTINGS
@pytest.mark.parametrize("fmt", IMPORTERS)
@given(data=st.data())
def test_cli_import_refuses_bad_exports(fmt: str, boundary: Path, data: st.DataObject) -> None:
    with fresh() as scratch:
        path = scratch / "export.json"
        path.write_bytes(_export_bytes(data))
        out = scratch / "out"
        result = _cli(
            ["import", str(path), "--format", fmt, "--boundary", str(boundary), "--out", str(out)]
        )
        if result.exit_code == 2:
            _input_error(result, out)
        else:
            assert result.exit_code in (0, 1, 3), result.output


@pytest.mark.parametrize(
    ("args", "content"),
    [
        (["validate", "{f}"], b"version: 1\nname: [unclosed\n"),
        (["evaluate", "{f}", "--out", "{out}"], b"\x1f\x8b\x08\x00garbage"),
        (["import", "{f}", "--boundary", "{f}", "--out", "{out}"], b"\xff\xfe\x00"),
    ],
)
def test_a_real_process_prints_one_located_line_and_exits_2(
    args: list[str], content: bytes, tmp_path: Path
) -> None:
    name = "bundle.tar.gz" if args[0] == "evaluate" else "input.yaml"
    f = tmp_path / name
    f.write_bytes(content)
    out = tmp_path / "out"
    argv = [a.format(f=f, out=out) for a in args]
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "auditor"), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(f) in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not out.exists()
