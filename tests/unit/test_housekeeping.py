"""What killed writers leave behind is removed by the next run (#18 item 8).

A SIGKILL during a bundle write leaves a hidden ``.NAME.partial-PID`` folder;
a killed scan leaves its checkpoint (raw answers, unredacted) in the cache
folder. The next bundle write into the same folder removes the first, the next
scan using the same cache folder the second; what a running process holds is
left alone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import main
from auditor.commands._scale import sweep_checkpoints
from auditor.evidence.bundle import write_bundle
from auditor.fakecloud.identities import AUDITOR_ROLE
from tests.conftest import CUSTOMER, FakeAws
from tests.helpers import BASE

RAW_SECRET = "Pl4ntedRawAnswerSecret"


def _killed_after(script: str, ready: Path) -> int:
    """Run ``script`` in a child, SIGKILL it once ``ready`` exists, reap it; its PID."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert child.poll() is None, "the child ended before it was ready"
        assert time.monotonic() < deadline, "the child never got ready"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    return child.pid


def test_a_killed_writers_partial_bundle_is_removed_by_the_next_write(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    ready = tmp_path / "ready"
    pid = _killed_after(
        f"""
        import time
        from pathlib import Path
        from auditor.evidence.bundle import write_bundle

        def slow():
            Path({str(ready)!r}).touch()
            time.sleep(600)
            return b"never"

        write_bundle(Path({str(out)!r}), "killed", {{"a.txt": b"first", "b.txt": slow}})
        """,
        ready,
    )
    partial = out / f".killed.partial-{pid}"
    assert partial.is_dir() and (partial / "a.txt").exists()
    # A partial of a writer still running is not touched.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = out / f".busy.partial-{sleeper.pid}"
        live.mkdir()
        write_bundle(out, "next", {"x.txt": b"x"})
        assert not partial.exists()
        assert live.is_dir()
        assert (out / "next" / "x.txt").read_bytes() == b"x"
    finally:
        sleeper.kill()
        sleeper.wait()


def _killed_scan_checkpoint(cache: Path, tmp_path: Path) -> Path:
    """A checkpoint as a scan killed mid-collection leaves it: a unit saved, the lock free."""
    ready = tmp_path / "ckpt-ready"
    _killed_after(
        f"""
        import time
        from pathlib import Path
        from auditor.collect.checkpoint import Checkpoint
        from auditor.model import RawRecord

        ck = Checkpoint(Path({str(cache)!r}), "0123456789abcdef01234567")
        ck.start(resume=False, scope={{"accounts": ["{CUSTOMER}"]}})
        record = RawRecord(
            cloud="aws", account="{CUSTOMER}", region="us-east-1", service="s3",
            type="bucket_tagging", operation="GetBucketTagging",
            data={{"TagSet": [{{"Key": "db-password", "Value": "{RAW_SECRET}"}}]}},
        )
        ck.save(("{CUSTOMER}", "us-east-1", "s3"), [record], [], {{"s3:GetBucketTagging": 1}})
        Path({str(ready)!r}).touch()
        time.sleep(600)
        """,
        ready,
    )
    folder = cache / "0123456789abcdef01234567"
    assert any(RAW_SECRET in p.read_text() for p in folder.rglob("*.json"))
    return folder


def test_a_killed_scans_checkpoint_is_removed_by_the_next_scan(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    stale = _killed_scan_checkpoint(cache, tmp_path)
    decl = tmp_path / "boundary.yaml"
    base = dict(BASE)
    base["parties"] = {**BASE["parties"], "customer": {"aws": {"accounts": [CUSTOMER]}}}
    with decl.open("w") as fh:
        YAML().dump(base, fh)
    creds = fake_aws.auditor((CUSTOMER,))
    res = CliRunner().invoke(
        main,
        [
            *("scan", "--boundary", str(decl), "--out", str(tmp_path / "out")),
            *("--assume-role", AUDITOR_ROLE, "--region", "us-east-1", "--cache-dir", str(cache)),
        ],
        env=creds.env(),
    )
    assert res.exit_code in (0, 1, 3), res.output
    assert not stale.exists()
    assert not any(RAW_SECRET in p.read_text() for p in cache.rglob("*.json"))


def test_a_checkpoint_a_running_scan_holds_or_that_is_resumed_is_kept(tmp_path: Path) -> None:
    from auditor.collect.checkpoint import Checkpoint

    cache = tmp_path / "cache"
    stale = _killed_scan_checkpoint(cache, tmp_path)
    assert sweep_checkpoints(cache, keep=stale.name) == []  # --resume of that very scan
    running = Checkpoint(cache, "fedcba9876543210fedcba98")
    running.start(resume=False, scope={})
    try:
        assert sweep_checkpoints(cache) == [stale]
        assert running.path.is_dir()
    finally:
        running.close()
