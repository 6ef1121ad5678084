"""What an AWS-only scan loads before its first API call, and how long that takes.

Starts moto in its own process with the demo's AWS estate (``fixtures/kafka-byoc-aws``)
and runs ``auditor scan`` in fresh child processes. An audit hook in the child
notes the first ``socket.connect`` (the first API call) and the process's age
then. One run per ``--runs`` measures without instrumentation: seconds from the
process's start to the first call, the bundle's ``timings.json`` phases, the
wall. One more run with ``python -X importtime`` attributes the imports made
before the first call to top-level packages (self time, summed), and lists
any Azure or Google module the scan imported (there must be none).

Run: ``.venv/bin/python -m bench.startup --runs 3``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from auditor.evidence.timings import PHASES, summary_lines
from bench.scan_memory import ESTATE, demo_moto

MARK = "@@first-call"

_CHILD = """
import json, sys, time
_first = []

def _hook(event, args):
    if event == "socket.connect" and not _first:
        _first.append(1)
        from auditor.evidence.timings import process_age
        cpu = time.process_time()
        sys.stderr.write(f"\\n@@first-call {process_age():.4f} {cpu:.4f} {len(sys.modules)}\\n")

sys.addaudithook(_hook)
from auditor.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
    code = 0
except SystemExit as exc:
    code = exc.code
mods = sorted(sys.modules)
print(json.dumps({
    "exit": code,
    "modules": len(mods),
    "other_clouds": [m for m in mods if m.split(".")[0] in ("azure", "google", "grpc", "msal")
                     or m.startswith(("auditor.collect.azure", "auditor.collect.gcp"))],
}), file=sys.stderr)
"""


def _child(
    args: list[str], env: dict[str, str], importtime: bool
) -> tuple[dict[str, Any], str, float]:
    flags = ["-X", "importtime"] if importtime else []
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *flags, "-c", _CHILD, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report, proc.stderr, took


def _first_call(stderr: str) -> tuple[float, float, int]:
    """Wall and CPU seconds from the process's start to the first call; modules loaded."""
    for line in stderr.splitlines():
        if line.startswith(MARK):
            _, age, cpu, modules = line.split()
            return float(age), float(cpu), int(modules)
    raise RuntimeError("the scan made no API call")


def import_profile(stderr: str) -> tuple[Counter[str], int, float]:
    """Self import time (microseconds) per top-level package before the first call; count;
    the total in seconds."""
    per: Counter[str] = Counter()
    count = 0
    for line in stderr.splitlines():
        if line.startswith(MARK):
            break
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _, self_us, _cumulative, name = (p.strip() for p in line.replace(":", "|", 1).split("|"))
        per[name.split(".")[0]] += int(self_us)
        count += 1
    return per, count, sum(per.values()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--importtime-log", type=Path, help="keep the -X importtime output here")
    a = parser.parse_args()
    from auditor.fakecloud.identities import AUDITOR_ROLE

    with demo_moto() as scan_env:
        last: dict[str, Any] = {}
        for run in range(a.runs + 1):
            profiled = run == a.runs
            with tempfile.TemporaryDirectory() as out:
                args = ["scan", "--boundary", str(ESTATE / "boundary.yaml"),
                        "--assume-role", AUDITOR_ROLE, "--out", out, "--no-checkpoint"]  # fmt: skip
                report, stderr, took = _child(args, scan_env, profiled)
                age, cpu, modules = _first_call(stderr)
                (bundle,) = [p for p in Path(out).iterdir() if p.is_dir()]
                doc = json.loads((bundle / "timings.json").read_text())
            if profiled:
                if a.importtime_log:
                    a.importtime_log.write_text(stderr)
                per, count, total = import_profile(stderr)
                print(
                    f"\n-X importtime run: {count} modules imported before the first call, "
                    f"{total:.2f} s of import time (self, summed; importtime adds overhead)"
                )
                for name, micros in per.most_common(a.top):
                    print(f"  {name:<28} {micros / 1e6:6.3f} s")
                print(f"other clouds' modules imported: {report['other_clouds'] or 'none'}")
                continue
            phases = doc["phases"]
            last = doc
            print(
                f"run {run + 1}: exit {report['exit']}, wall {took:.2f} s; first API call at "
                f"{age:.2f} s, {cpu:.2f} s CPU ({modules} modules loaded); timings.json: "
                + ", ".join(f"{p} {phases[p]:.2f}" for p in PHASES if p in phases)
                + f"; clients {doc['collection']['clients_built']} built in "
                f"{doc['collection']['client_seconds_summed']:.2f} s (summed)"
            )
        if last:
            print("\nthe last run's `auditor scan --timings` summary:")
            print("\n".join(summary_lines(last)))


if __name__ == "__main__":
    main()
