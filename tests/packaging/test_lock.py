"""The lock a fresh machine installs from, and its PEP 751 form, pin the same versions.

``requirements.txt`` is what ``make`` installs (pip, hashes required); ``pylock.toml`` is the
standard lock other tools read. ``make lock`` writes both from one resolution.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", re.M)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_requirement_is_pinned_and_hashed() -> None:
    text = (ROOT / "requirements.txt").read_text()
    entries = [e for e in re.split(r"\n(?=\S)", text) if e.strip() and not e.startswith("#")]
    assert entries
    for entry in entries:
        assert _PIN.match(entry), f"not pinned: {entry.splitlines()[0]}"
        assert "--hash=sha256:" in entry, f"no hash: {entry.splitlines()[0]}"


def test_pylock_pins_the_versions_requirements_txt_installs() -> None:
    pins = {_norm(n): v for n, v in _PIN.findall((ROOT / "requirements.txt").read_text())}
    lock = tomllib.loads((ROOT / "pylock.toml").read_text())
    assert lock["lock-version"] == "1.0"
    versions: dict[str, set[str]] = {}
    for package in lock["packages"]:
        versions.setdefault(_norm(package["name"]), set()).add(str(package["version"]))
        assert all("hashes" in w for w in package.get("wheels", [])), package["name"]
    assert set(versions) == set(pins)
    assert {n: v for n, v in pins.items() if v not in versions[n]} == {}
