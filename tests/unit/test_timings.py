"""The scan clock and the bundle writer's hooks that time a bundle (timings.json last)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from auditor.evidence.bundle import BundleError, verify_bundle, write_bundle
from auditor.evidence.timings import (
    TIMINGS,
    ScanClock,
    bundle_timing,
    process_age,
    summary_lines,
)


def test_last_members_are_made_after_the_others_and_listed(tmp_path: Path) -> None:
    on_disk: list[str] = []

    def made_last() -> bytes:
        on_disk.extend(p.name for p in tmp_path.glob(".b.partial-*/*"))
        return b"{}\n"

    seen: list[str] = []
    bundle = write_bundle(
        tmp_path,
        "b",
        {"z.json": b"1\n", "a.json": b"2\n"},
        last={"m.json": made_last},
        timed=lambda name, seconds: seen.append(name) if seconds >= 0 else None,
    )
    assert sorted(on_disk) == ["a.json", "z.json"]  # both written before the last was made
    assert seen == ["a.json", "z.json", "m.json"]
    assert "  m.json\n" in (bundle / "SHA256SUMS").read_text()
    assert verify_bundle(bundle).ok


def test_a_member_given_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="given twice"):
        write_bundle(tmp_path, "b", {"a.json": b"1"}, last={"a.json": b"2"})
    assert list(tmp_path.iterdir()) == []


def test_clock_phases_start_up_and_the_document(tmp_path: Path) -> None:
    age = process_age()
    assert age is not None and 0 < age < 7 * 24 * 3600  # this process, on Linux
    clock = ScanClock.from_process_start()
    clock.scan_begins()
    clock.scan_begins()  # counted once
    assert clock.phases["startup"] >= age
    with pytest.raises(ValueError, match="unknown phase"):
        clock.add("lunch", 1.0)
    with clock.phase("build"):
        time.sleep(0.01)
    last, timed = bundle_timing(clock, {"report.md"})
    bundle = write_bundle(
        tmp_path, "b", {"report.md": b"# r\n", "verdicts.json": b"[]\n"}, last=last, timed=timed
    )
    doc = json.loads((bundle / TIMINGS).read_text())
    assert doc == clock.document
    assert set(doc["phases"]) == {"startup", "build", "render", "write"}
    assert doc["phases"]["build"] >= 0.01
    assert set(doc["members"]) == {"report.md", "verdicts.json"}
    assert sum(doc["phases"].values()) <= doc["wall_seconds"]
    lines = summary_lines(doc)
    assert lines[0].startswith(f"timings: {doc['wall_seconds']:.2f} s wall")
    assert any(line.startswith("  critical path: start-up and imports") for line in lines)


def test_a_clock_without_the_process_start_has_no_start_up() -> None:
    clock = ScanClock()
    clock.scan_begins()
    assert "startup" not in clock.phases
