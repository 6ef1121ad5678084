"""Reference docs are generated from the code and kept in step with it."""

from __future__ import annotations

from pathlib import Path

from auditor.reference import write_reference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference"


def test_committed_reference_docs_match_the_code(tmp_path: Path) -> None:
    written = write_reference(tmp_path)
    assert {p.name for p in written} == {
        "rules.md",
        "edge-kinds.md",
        "resource-kinds.md",
        "declaration.md",
        "import-formats.md",
    }
    for path in written:
        committed = DOCS / path.name
        assert committed.is_file(), f"{committed} missing: run `make docs`"
        assert committed.read_text() == path.read_text(), f"{committed} is stale: run `make docs`"


def test_schema_reference_covers_nested_models() -> None:
    from auditor.reference import schema_reference

    text = schema_reference()
    for heading in ("## declaration", "## declaration.control", "## declaration.network.clients"):
        assert heading in text
    assert "`kafka_ports`" in text and "`from`" in text
