"""Print the AWS fault matrix's figures: faults injected, recovered, gaps recorded, false PASS.

Starts its own moto server, loads the demo estate, scans it once cleanly and
once per row of :data:`auditor.fakecloud.fault_matrix.ROWS`. The same rows are
asserted by ``tests/e2e/test_fault_matrix.py``.

    .venv/bin/python bench/fault_matrix.py
"""

from __future__ import annotations

import sys
import time

from auditor.fakecloud.fault_matrix import ROWS, Figures, judge, matrix_estate
from auditor.fakecloud.moto_server import MotoServer


def main() -> int:
    server = MotoServer()
    endpoint = server.start()
    figures = Figures()
    started = time.monotonic()
    try:
        with matrix_estate(endpoint) as estate:
            clean = estate.scan()
            print(f"clean scan: {len(clean.verdicts)} verdicts, {len(clean.inventory.gaps)} gaps")
            print(f"{'row':32} {'kind':58} {'inj':>4} {'gaps':>4} {'s':>5}  outcome")
            for row in ROWS:
                result = judge(row, clean, estate.scan(row.faults, row.read_timeout))
                figures.add(result)
                out = result.outcome
                verdict = (
                    "recovered"
                    if result.recovered
                    else f"{result.became_inconclusive} INCONCLUSIVE"
                )
                wrong = result.false_pass + result.not_inconclusive
                if wrong:
                    verdict += f"  WRONG ({len(wrong)}): {wrong[0]}"
                print(
                    f"{row.id:32} {row.kind:58} {out.injected:4d} "
                    f"{len(out.inventory.gaps):4d} {out.seconds:5.1f}  {verdict}"
                )
    finally:
        server.stop()
    for line in figures.lines():
        print(line)
    print(f"wall clock: {time.monotonic() - started:.0f}s")
    return 1 if figures.false_pass else 0


if __name__ == "__main__":
    sys.exit(main())
