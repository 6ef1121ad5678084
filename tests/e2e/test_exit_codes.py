"""The exit-code table of the README, one row each, end to end.

Coverage is part of the exit code: a scan that could not read a targeted
account, subscription or project exits 5 with one stderr line naming the cause,
never 0 and never 1 (the FAIL code). Credential problems are one line, never a
traceback. Ctrl-C is 130.

The credential-less runs are subprocesses with a scrubbed environment, as a
user's shell would be, and every credential chain is kept on this machine:
instance metadata is disabled for botocore and google-auth, and azure-identity
is told to try only its environment credential (which needs no network).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from auditor.cli import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_UNREAD, main
from tests.conftest import CUSTOMER, CUSTOMER_2, FakeAws
from tests.helpers import BASE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again once the with block ends


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A shell with no cloud credentials whose credential chains stay on loopback."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home),
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}",
        "AWS_MAX_ATTEMPTS": "1",
        "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        "NO_GCE_CHECK": "true",
        "CLOUDSDK_CONFIG": str(home / "gcloud"),
    }
    env.update(extra)
    return env


def _declaration(tmp_path: Path, **changes: Any) -> Path:
    doc = {**BASE, **changes}
    path = tmp_path / "boundary.yaml"
    with path.open("w") as fh:
        YAML().dump(doc, fh)
    return path


def _auditor(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _bundles(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if (p / "manifest.json").is_file()] if out.is_dir() else []


def test_no_credentials_exits_5_with_one_line_and_keeps_the_gaps(tmp_path: Path) -> None:
    decl = _declaration(tmp_path)
    out = tmp_path / "out"
    run = _auditor(
        "scan", "--boundary", str(decl), "--out", str(out), env=_clean_env(tmp_path), cwd=tmp_path
    )
    assert run.returncode == EXIT_UNREAD, run.stderr
    assert "Traceback" not in run.stderr
    [line] = _error_lines(run.stderr)
    assert "could not read 2 of 2 account(s)" in line
    assert "no AWS credentials found" in line
    assert CUSTOMER in line and CUSTOMER_2 in line
    [bundle] = _bundles(out)  # the evidence of what could not be read is still written
    assert '"NoCredentialsError"' in (bundle / "manifest.json").read_text()


@pytest.mark.parametrize("how", ["option", "environment"])
def test_unknown_profile_is_an_input_error_before_any_call(tmp_path: Path, how: str) -> None:
    decl = _declaration(tmp_path)
    out = tmp_path / "out"
    args = ["scan", "--boundary", str(decl), "--out", str(out)]
    env = _clean_env(tmp_path)
    if how == "option":
        args += ["--profile", "doesnotexist"]
    else:
        env["AWS_PROFILE"] = "doesnotexist"
    run = _auditor(*args, env=env, cwd=tmp_path)
    assert run.returncode == EXIT_INPUT
    assert "Traceback" not in run.stderr
    [line] = _error_lines(run.stderr)
    assert "'doesnotexist' does not exist" in line
    assert _bundles(out) == []


def test_one_of_two_accounts_unreadable_exits_5_naming_it(
    fake_aws: FakeAws, tmp_path: Path
) -> None:
    """Without --assume-role the second account cannot be entered: not a clean scan."""
    fake_aws.session(CUSTOMER).client("s3").create_bucket(Bucket="orders-log")
    creds = fake_aws.auditor((CUSTOMER, CUSTOMER_2))
    decl = _declaration(tmp_path)
    result = CliRunner().invoke(
        main, ["scan", "--boundary", str(decl), "--out", str(tmp_path / "out")], env=creds.env()
    )
    assert result.exit_code == EXIT_UNREAD, result.output
    [line] = _error_lines(result.stderr)
    assert "could not read 1 of 2 account(s)" in line
    assert f"aws {CUSTOMER_2}: credentials are for {CUSTOMER}; pass --assume-role" in line
    assert len(_bundles(tmp_path / "out")) == 1


def _unreadable_scan(tmp_path: Path, estate: str) -> tuple[str, str]:
    """Scan a fixture estate with no credentials: exit 5, no traceback, one error line,
    and the bundle written; the line and the whole stderr."""
    decl = FIXTURES / estate / "boundary.yaml"
    out = tmp_path / "out"
    run = _auditor("scan", "--boundary", str(decl), "--out", str(out),
                   env=_clean_env(tmp_path), cwd=tmp_path)  # fmt: skip
    assert run.returncode == EXIT_UNREAD, run.stderr
    assert "Traceback" not in run.stderr
    [line] = _error_lines(run.stderr)
    assert len(_bundles(out)) == 1
    return line, run.stderr


def test_azure_unreadable_is_gaps_and_exit_5(tmp_path: Path) -> None:
    line, stderr = _unreadable_scan(tmp_path, "azure-kafka")
    assert "DefaultAzureCredential failed" not in stderr  # the SDK's own block: not shown
    assert "could not read 2 of 2 account(s): azure" in line
    assert "no usable Azure credentials" in line


def test_gcp_unreadable_is_gaps_and_exit_5(tmp_path: Path) -> None:
    line, _ = _unreadable_scan(tmp_path, "gcp-kafka")
    assert ": gcp " in line and "no GCP Application Default Credentials" in line


def test_three_clouds_unreadable_is_one_line_not_a_crash(tmp_path: Path) -> None:
    line, _ = _unreadable_scan(tmp_path, "kafka-byoc-multicloud")
    assert "aws " in line and "azure " in line and "gcp " in line


def test_unwritable_out_is_found_before_collection(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    decl = _declaration(tmp_path)
    run = _auditor(
        "scan",
        "--boundary",
        str(decl),
        "--out",
        str(blocker / "out"),
        env=_clean_env(tmp_path),
        cwd=tmp_path,
    )
    assert run.returncode == EXIT_INPUT
    [line] = _error_lines(run.stderr)
    assert "--out" in line and "cannot write there" in line and "not a folder" in line
    assert "collect" not in run.stderr  # no progress: nothing was called


@pytest.fixture
def silent_endpoint() -> Iterator[tuple[str, threading.Event]]:
    """A loopback HTTP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = threading.Event()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            accepted.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def test_interrupt_exits_130_promptly_and_leaves_no_bundle(
    tmp_path: Path, silent_endpoint: tuple[str, threading.Event]
) -> None:
    endpoint, accepted = silent_endpoint
    decl = _declaration(tmp_path)
    out = tmp_path / "out"
    env = _clean_env(
        tmp_path,
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="AKIAEXAMPLEEXAMPLE00",
        AWS_SECRET_ACCESS_KEY="example",
        AWS_DEFAULT_REGION="us-east-1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor.cli", "scan", "--boundary", str(decl), "--out", str(out)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert accepted.wait(timeout=60), "the scan never called the endpoint"
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert took < 45  # not prompt would mean waiting out the 60 s read timeout
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert _bundles(out) == []
    assert not [p for p in out.iterdir() if p.name.startswith(".")] if out.exists() else True
    assert not list(tmp_path.glob("auditor-spool-*"))


def test_unreachable_dask_scheduler_is_an_input_error_in_seconds(tmp_path: Path) -> None:
    decl = _declaration(tmp_path)
    started = time.monotonic()
    run = _auditor(
        "scan", "--boundary", str(decl), "--out", str(tmp_path / "out"),
        "--executor", f"dask://127.0.0.1:{_closed_port()}",
        env=_clean_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == EXIT_INPUT
    assert time.monotonic() - started < 20  # the Dask client alone would wait 30 s
    [line] = _error_lines(run.stderr)
    assert "cannot reach the Dask scheduler" in line
    assert _bundles(tmp_path / "out") == []
