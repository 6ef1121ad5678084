"""Estate files may include other estate files (``- include: path``), relative to themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.fakecloud.estate import EstateError, load_estate

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_include_is_replaced_by_the_groups_of_the_file_in_place(tmp_path: Path) -> None:
    _write(tmp_path / "base" / "estate.yaml", "- {account: '1', steps: []}\n- {account: '2'}\n")
    top = _write(
        tmp_path / "multi" / "aws.yaml",
        "- {account: '0'}\n- include: ../base/estate.yaml\n- {account: '3'}\n",
    )
    assert [g["account"] for g in load_estate(top)] == ["0", "1", "2", "3"]


def test_the_multicloud_demo_reuses_the_aws_demo_estate() -> None:
    aws = load_estate(ROOT / "fixtures" / "kafka-byoc-aws" / "estate.yaml")
    assert load_estate(ROOT / "fixtures" / "kafka-byoc-multicloud" / "aws.yaml") == aws


def test_a_missing_include_names_the_including_file(tmp_path: Path) -> None:
    top = _write(tmp_path / "aws.yaml", "- include: nowhere.yaml\n")
    with pytest.raises(EstateError, match=r"aws\.yaml: include: cannot read .*nowhere\.yaml"):
        load_estate(top)


def test_an_include_cycle_is_refused(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", "- include: b.yaml\n")
    _write(tmp_path / "b.yaml", "- include: a.yaml\n")
    with pytest.raises(EstateError, match=r"b\.yaml: include cycle through .*a\.yaml"):
        load_estate(tmp_path / "a.yaml")


def test_an_included_file_must_be_a_list_of_groups(tmp_path: Path) -> None:
    _write(tmp_path / "bad.yaml", "account: '1'\n")
    top = _write(tmp_path / "aws.yaml", "- include: bad.yaml\n")
    with pytest.raises(EstateError, match=r"bad\.yaml: an estate is a list"):
        load_estate(top)
