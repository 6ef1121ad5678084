"""Peak memory of an AWS-only scan, and which SDKs it imported.

Starts moto in its own process, loads the demo's AWS estate
(``fixtures/kafka-byoc-aws``), and runs ``auditor scan`` in a fresh child process
that reports its own peak RSS and whether any Azure or Google module was
imported. The fake cloud's memory is not counted: only the scan's. The peak is
the kernel's ``VmHWM`` of the child: ``ru_maxrss`` would carry the parent's peak
across ``exec`` on Linux.

Run: ``.venv/bin/python -m bench.scan_memory``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESTATE = ROOT / "fixtures" / "kafka-byoc-aws"

_CHILD = """
import json, sys
from auditor.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
    code = 0
except SystemExit as exc:
    code = exc.code
mods = sorted({m.split('.')[0] for m in sys.modules})
print(json.dumps({
    "exit": code,
    "peak_rss_mib": [int(l.split()[1]) for l in open("/proc/self/status")
                     if l.startswith("VmHWM:")][0] / 1024,
    "azure_or_google_imported": [m for m in mods if m in ("azure", "google", "grpc", "msal")],
    "modules": len(sys.modules),
}), file=sys.stderr)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(endpoint: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
            with urllib.request.urlopen(req, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def demo_moto() -> Iterator[dict[str, str]]:
    """A moto server in its own process holding the demo's AWS estate, with the auditor's
    read-only identities provisioned; yields the environment an ``auditor scan`` child
    needs to reach it (shared by this benchmark and ``bench.startup``)."""
    from auditor.boundary import load_declaration
    from auditor.fakecloud.estate import apply_estate
    from auditor.fakecloud.identities import provision_auditor
    from auditor.fakecloud.moto_server import endpoint_env

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env.update(MOTO_EC2_LOAD_DEFAULT_AMIS="false", MOTO_IAM_LOAD_MANAGED_POLICIES="false")
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(endpoint, moto)
        decl = load_declaration(ESTATE / "boundary.yaml")
        with endpoint_env(endpoint):
            apply_estate(ESTATE / "estate.yaml")
            creds = provision_auditor(list(decl.accounts("aws", "customer")))
        yield {
            **env,
            **creds.env(),
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    finally:
        moto.terminate()
        moto.wait(timeout=10)


def _clients(out: Path) -> str:
    """SDK clients the scan built, in all and per service (from its ``timings.json``)."""
    found = sorted(out.rglob("timings.json"))
    if not found:
        return "no timings.json"
    services = json.loads(found[0].read_text())["services"]
    per = {s: v["clients"] for s, v in services.items() if v["clients"]}
    return f"{sum(per.values())} ({', '.join(f'{s} {n}' for s, n in sorted(per.items()))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from auditor.fakecloud.identities import AUDITOR_ROLE

    with demo_moto() as scan_env:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as out:
                started = time.monotonic()
                child = subprocess.run(
                    [sys.executable, "-c", _CHILD, "scan", "--boundary",
                     str(ESTATE / "boundary.yaml"), "--assume-role", AUDITOR_ROLE,
                     "--out", out, "--no-checkpoint"],
                    env=scan_env, capture_output=True, text=True, check=False,
                )  # fmt: skip
                took = time.monotonic() - started
                clients = _clients(Path(out))
            figures = json.loads(child.stderr.strip().splitlines()[-1])
            print(
                f"run {run + 1}: exit {figures['exit']}, {took:.1f} s, peak RSS "
                f"{figures['peak_rss_mib']:.0f} MiB, {figures['modules']} modules, "
                f"Azure/Google modules imported: "
                f"{figures['azure_or_google_imported'] or 'none'}; SDK clients built: {clients}"
            )


if __name__ == "__main__":
    main()
