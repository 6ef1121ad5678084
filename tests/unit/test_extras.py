"""A feature whose extra is missing ends in one line naming the extra, exit 2.

An absent SDK is simulated with ``sys.modules[name] = None`` (Python's own way of
making ``import name`` fail); the wheel test (tests/packaging) does it for real.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.extras import MissingExtra, import_extra

REPO = Path(__file__).resolve().parents[2]
AWS_DECLARATION = REPO / "fixtures" / "kafka-byoc-aws" / "boundary.yaml"


def test_a_missing_module_names_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingExtra) as caught:
        import_extra("distributed", "dask")
    assert caught.value.extra == "dask"
    assert "pip install 'boundary-auditor[dask]'" in str(caught.value)


def test_an_import_error_inside_an_installed_module_propagates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "broken_sdk").mkdir()
    (tmp_path / "broken_sdk" / "__init__.py").write_text("import no_such_dependency_of_it\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as caught:
        import_extra("broken_sdk", "dask")
    assert not isinstance(caught.value, MissingExtra)
    assert caught.value.name == "no_such_dependency_of_it"


def test_the_cli_prints_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(
        main,
        [
            "scan",
            "--boundary",
            str(AWS_DECLARATION),
            "--executor",
            "dask://127.0.0.1:8786",
            "--out",
            str(tmp_path),
            "--no-checkpoint",
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: running collection on a Dask cluster (--executor dask://) needs the 'dask' "
        "extra (module 'distributed' is not installed): pip install 'boundary-auditor[dask]'"
    ]
    assert not list(tmp_path.iterdir())
