"""Packed bundles: deterministic packing, reading everywhere, and hostile archives refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.checks.pack import load_pack
from auditor.cli import main
from auditor.evidence import archive
from auditor.evidence.archive import extract_bundle, pack_bundle
from auditor.evidence.bundle import BundleError
from auditor.evidence.load import load_bundle
from auditor.model import Inventory, Resource, Scope
from auditor.pipeline import evaluate_inventory, write_scan_bundle
from tests.helpers import BASE, CUSTOMER, PRIMARY, declaration


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    from ruamel.yaml import YAML

    bucket = Resource(
        id="arn:aws:s3:::orders-log",
        cloud="aws",
        kind="bucket",
        account=CUSTOMER,
        region="eu-west-1",
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
    decl = declaration()
    text = io.StringIO()
    YAML().dump(BASE, text)
    ev = evaluate_inventory(inv, decl, load_pack("default"), dt.date(2026, 11, 29))
    t = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    return write_scan_bundle(
        tmp_path / "bundles", decl=decl, decl_text=text.getvalue(), ev=ev, started=t, finished=t
    )


def test_pack_is_deterministic_and_readable_everywhere(bundle: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["pack", str(bundle), "--out", str(tmp_path / "a.tar.gz")])
    assert res.exit_code == 0, res.output
    pack_bundle(bundle, tmp_path / "b.tgz")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tgz").read_bytes()
    packed = tmp_path / "a.tar.gz"
    with tarfile.open(packed) as tf:
        names = tf.getnames()
    assert names == sorted(names) and all(n.startswith(f"{bundle.name}/") for n in names)

    res = runner.invoke(main, ["verify", str(packed)])
    assert res.exit_code == 0, res.output
    assert f"{packed}: OK (" in res.output

    loaded = load_bundle(packed)
    assert loaded.path.name == bundle.name
    assert loaded.verdicts == load_bundle(bundle).verdicts

    res = runner.invoke(main, ["diff", str(bundle), str(packed)])
    assert res.exit_code == 0, res.output
    assert res.output.endswith("no changes\n")

    res = runner.invoke(main, ["evaluate", str(packed), "--out", str(tmp_path / "re")])
    assert res.exit_code == 0, res.output
    (again,) = list((tmp_path / "re").iterdir())
    assert (again / "verdicts.json").read_bytes() == (bundle / "verdicts.json").read_bytes()
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["provenance"]["replay_of"] == bundle.name


def test_pack_refuses_a_tampered_bundle_and_overwrites(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.tar.gz"
    pack_bundle(bundle, out)
    with pytest.raises(BundleError, match="already exists"):
        pack_bundle(bundle, out)
    with pytest.raises(BundleError, match=r"must end in \.tar\.gz"):
        pack_bundle(bundle, tmp_path / "x.zip")
    (bundle / "report.md").write_text("changed\n")
    res = CliRunner().invoke(main, ["pack", str(bundle), "--out", str(tmp_path / "y.tar.gz")])
    assert res.exit_code == 2
    assert "report.md: hash mismatch" in res.output and "refusing to pack" in res.output
    assert not (tmp_path / "y.tar.gz").exists()


def test_a_tampered_member_inside_an_archive_fails_verification(
    bundle: Path, tmp_path: Path
) -> None:
    evil = _archive(
        tmp_path,
        lambda tf: [
            _file(tf, f"b/{p.name}", p.read_bytes().replace(b"FAIL", b"PASS"))
            for p in sorted(bundle.iterdir())
        ],
    )
    res = CliRunner().invoke(main, ["verify", str(evil)])
    assert res.exit_code == 1
    assert "verdicts.json: hash mismatch" in res.output
    with pytest.raises(BundleError, match="not intact"):
        load_bundle(evil)


def _file(tf: tarfile.TarFile, name: str, data: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def _special(tf: tarfile.TarFile, name: str, kind: bytes, target: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tf.addfile(info)


def _archive(tmp_path: Path, build: Callable[[tarfile.TarFile], object]) -> Path:
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        build(tf)
    return path


HOSTILE: dict[str, tuple[Callable[[tarfile.TarFile], object], str]] = {
    "absolute": (lambda tf: _file(tf, "/tmp/evil-abs"), "absolute member name"),
    "dotdot": (lambda tf: _file(tf, "b/../../evil-dotdot"), "'..'"),
    "dotdot-top": (lambda tf: _file(tf, "../evil"), "'..'"),
    "symlink": (
        lambda tf: _special(tf, "b/SHA256SUMS", tarfile.SYMTYPE, "/etc/passwd"),
        "refusing link member",
    ),
    "hardlink": (
        lambda tf: (_file(tf, "b/a"), _special(tf, "b/c", tarfile.LNKTYPE, "b/a")),
        "refusing link member",
    ),
    "char-device": (lambda tf: _special(tf, "b/tty", tarfile.CHRTYPE), "special file"),
    "block-device": (lambda tf: _special(tf, "b/sda", tarfile.BLKTYPE), "special file"),
    "fifo": (lambda tf: _special(tf, "b/pipe", tarfile.FIFOTYPE), "special file"),
    "two-folders": (lambda tf: (_file(tf, "a/x"), _file(tf, "b/x")), "single top-level"),
    "duplicate": (lambda tf: (_file(tf, "b/x"), _file(tf, "b/x")), "duplicate member"),
    "bare-file": (lambda tf: _file(tf, "SHA256SUMS"), "outside a bundle folder"),
    "backslash": (lambda tf: _file(tf, "b\\..\\evil"), "refusing member name"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused(case: str, tmp_path: Path) -> None:
    build, fragment = HOSTILE[case]
    path = _archive(tmp_path, build)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(BundleError, match=fragment.replace(".", r"\.").replace("(", r"\(")):
        extract_bundle(path, dest)
    assert not (tmp_path / "evil").exists() and not (tmp_path / "evil-dotdot").exists()
    assert not Path("/tmp/evil-abs").exists()
    res = CliRunner().invoke(main, ["verify", str(path)])
    assert res.exit_code == 1
    assert "refused" in res.output and fragment in res.output


def test_oversized_members_and_totals_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 100)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 250)
    big = _archive(tmp_path, lambda tf: _file(tf, "b/big", b"0" * 101))
    with pytest.raises(BundleError, match="is 101 bytes"):
        extract_bundle(big, tmp_path)
    (tmp_path / "b" / "big").unlink(missing_ok=True)
    many = tmp_path / "many.tar.gz"
    with tarfile.open(many, "w:gz") as tf:
        for i in range(3):
            _file(tf, f"m/{i}", b"0" * 100)
    with pytest.raises(BundleError, match="exceed 250 bytes"):
        extract_bundle(many, tmp_path)


def test_too_many_members_and_garbage_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    many = _archive(tmp_path, lambda tf: [_file(tf, f"b/{i}") for i in range(4)])
    with pytest.raises(BundleError, match="more than 3 members"):
        extract_bundle(many, tmp_path / "d1")
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a gzip at all")
    with pytest.raises(BundleError, match="not a readable"):
        extract_bundle(garbage, tmp_path / "d2")
    empty = _archive(tmp_path, lambda tf: None)
    with pytest.raises(BundleError, match="empty archive"):
        extract_bundle(empty, tmp_path / "d3")
