"""`auditor demo` (what `make demo` runs) works from a clean process and leaves a sound bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from auditor.evidence.bundle import verify_bundle


def test_demo_scans_the_embedded_cloud(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    (bundle,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert verify_bundle(bundle).ok
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["resources"] > 50
    counts = manifest["verdicts"]
    assert set(counts) == {"data", "control", "network", "failure"}
    for path, by_status in counts.items():
        assert by_status["PASS"] > 0, f"no PASS evidence on the {path} path"
    assert sum(c["FAIL"] for c in counts.values()) > 0
    assert "evidence bundle:" in proc.stdout
