"""Collection memory benchmark: raw answers held until the end vs normalised into a spool.

What the auditor holds while it collects, without the cloud: the raw records of
the synthetic estate (``bench.estate``, the shapes the collectors emit) are fed
in as collection hands them over, one account at a time, split into
(account, region, service) units. Each mode runs in a fresh child process and
the parent reads that child's own peak RSS:

- ``held``: every raw record kept in a list, normalised in one pass at the end
  (what collection did before the spool);
- ``streamed``: each unit normalised into an
  :class:`~auditor.normalize.spool.InventorySpool` as it arrives and dropped,
  the inventory merged from the spool at the end (what a scan does now).

Both print the SHA-256 of the resulting ``inventory.jsonl``: they must match.

Run: ``.venv/bin/python -m bench.streaming --sizes 10000 100000``.
Not a test: it prints figures (the smoke test only checks that it runs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.estate import ALL_REGIONS, account_records, spec_for

MODES = ("held", "streamed")


def _child(mode: str, size: int, regions: int) -> dict[str, Any]:
    from auditor.base.serialize import inventory_jsonl
    from auditor.model import RawRecord, Scope
    from auditor.normalize import normalize
    from auditor.normalize.spool import InventorySpool

    spec = spec_for(size, regions=ALL_REGIONS[:regions])
    scope = Scope(
        accounts=tuple(str(spec.first_account + ai) for ai in range(spec.accounts)),
        regions=spec.regions,
    )
    t, c = time.perf_counter(), time.process_time()
    out: dict[str, Any] = {"mode": mode, "accounts": spec.accounts}
    if mode == "held":
        held: list[RawRecord] = []
        for ai in range(spec.accounts):
            held.extend(account_records(spec, ai))
        out["records"] = len(held)
        inv = normalize(held, scope=scope)
        del held
    else:
        with InventorySpool() as spool:
            for ai in range(spec.accounts):
                units: dict[tuple[str, str], list[RawRecord]] = {}
                for rec in account_records(spec, ai):
                    units.setdefault((rec.region, rec.service), []).append(rec)
                for key in sorted(units):
                    spool.add(units.pop(key))
            out["records"], out["spool_mib"] = spool.records, spool.bytes / 2**20
            inv = spool.inventory(scope=scope)
    out["seconds"], out["cpu"] = time.perf_counter() - t, time.process_time() - c
    out["resources"] = len(inv.resources)
    out["sha256"] = hashlib.sha256(inventory_jsonl(inv)).hexdigest()[:16]
    return out


def measure(mode: str, size: int, regions: int) -> dict[str, Any]:
    """Run one mode in a fresh child; its figures plus its own peak RSS (MiB)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "bench.streaming", "--child", mode),
                *("--sizes", str(size), "--regions", str(regions)),
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{mode} child failed:\n{err.read().decode(errors='replace')[-4000:]}")
    got: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    got["peak_rss_mib"] = round(usage.ru_maxrss / 1024)
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description="collection memory: held raw answers vs the spool")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.sizes[0], a.regions)))
        return
    print(
        f"{'size':>8} {'mode':>9} {'accounts':>8} {'raw records':>11} {'resources':>9} "
        f"{'wall s':>7} {'cpu s':>6} {'spool MiB':>9} {'peak MiB':>8}  inventory sha256"
    )
    for size in sorted(a.sizes):
        for mode in MODES:
            r = measure(mode, size, a.regions)
            spool = f"{r['spool_mib']:>9.1f}" if "spool_mib" in r else f"{'-':>9}"
            print(
                f"{size:>8} {mode:>9} {r['accounts']:>8} {r['records']:>11} {r['resources']:>9} "
                f"{r['seconds']:>7.1f} {r['cpu']:>6.1f} {spool} {r['peak_rss_mib']:>8}  "
                f"{r['sha256']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
