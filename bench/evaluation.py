"""Evaluation benchmark: load, graph build and every rule of the default pack, per size.

For each size the estate is generated once (``bench.estate``, cached under
``--work``), then a fresh child process loads ``inventory.jsonl``, builds the
graph and evaluates the pack, printing wall time per stage; the parent reads
the child's peak RSS with ``resource.getrusage(RUSAGE_CHILDREN)`` (one child
per size, so each figure is that size's own peak). ``--per-rule N`` also
prints the N slowest rules.

Run: ``.venv/bin/python -m bench.evaluation --sizes 1000 10000 100000``.
Not a test: it prints figures (the smoke test only checks that it runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.estate import ALL_REGIONS, spec_for, write_declaration, write_inventory

TODAY = "2026-11-29"


def _child(folder: Path, per_rule: int, exclude: list[str], bundle: bool = False) -> dict[str, Any]:
    """Run in the child: load, build, evaluate; return stage timings and counts."""
    from auditor.gc_pause import one_run

    with one_run():  # as the CLI runs every command
        return _stages(folder, per_rule, exclude, bundle)


def _stages(folder: Path, per_rule: int, exclude: list[str], bundle: bool) -> dict[str, Any]:
    """The child's stages, timed one by one."""
    import datetime as dt

    from auditor.analysis.derive import build_graph
    from auditor.base.serialize import read_inventory_jsonl
    from auditor.boundary import load_declaration
    from auditor.checks import Judgement, Rule, RuleContext, all_rules
    from auditor.checks.engine import evaluate
    from auditor.checks.pack import load_pack
    from auditor.model import Scope

    out: dict[str, Any] = {}
    t, c = time.perf_counter(), time.process_time()
    decl = load_declaration(folder / "boundary.yaml")
    inv = read_inventory_jsonl(
        (folder / "inventory.jsonl").read_bytes(),  # read as UTF-8 bytes: no decoded copy
        scope=Scope(
            accounts=tuple(decl.accounts("aws", "customer")),
            regions=tuple(sorted(decl.regions_of("aws"))),
        ),
    )
    out["load_s"], out["load_cpu"] = time.perf_counter() - t, time.process_time() - c
    out["resources"], out["relations"] = len(inv.resources), len(inv.relations)
    t, c = time.perf_counter(), time.process_time()
    graph = build_graph(inv, decl)
    out["build_s"], out["build_cpu"] = time.perf_counter() - t, time.process_time() - c
    out["edges"] = graph.g.number_of_edges()
    rule_s: dict[str, float] = {}

    def timed(r: Rule) -> Callable[[RuleContext], Iterable[Judgement]]:
        def run(ctx: RuleContext) -> list[Judgement]:
            c0 = time.process_time()
            got = list(r.evaluate(ctx))
            rule_s[r.id] = time.process_time() - c0
            return got

        return run

    rules = {rid: replace(r, evaluate=timed(r)) for rid, r in all_rules().items()}
    for rid in exclude:  # skipped rules still get a verdict: "found nothing to judge"
        rules[rid] = replace(rules[rid], evaluate=lambda ctx: [])
    t, c = time.perf_counter(), time.process_time()
    verdicts = evaluate(graph, load_pack("default"), rules, today=dt.date.fromisoformat(TODAY))
    out["rules_s"], out["rules_cpu"] = time.perf_counter() - t, time.process_time() - c
    out["verdicts"] = len(verdicts)
    out["slowest"] = sorted(rule_s.items(), key=lambda kv: -kv[1])[:per_rule]
    if bundle:  # the bundle, written as `auditor scan` writes it (then removed)
        out.update(_write_bundle(folder, decl, graph, verdicts, rules))
    return out


def _write_bundle(
    folder: Path, decl: Any, graph: Any, verdicts: list[Any], rules: dict[str, Any]
) -> dict[str, Any]:
    """Write the evaluation's bundle next to ``folder`` as a scan does; its time and file sizes.

    The bundle goes to a temporary folder that is removed afterwards: the peak RSS
    then includes whatever writing holds, not just rendering.
    """
    import datetime as dt
    import shutil
    import tempfile

    from auditor.checks.pack import load_pack
    from auditor.pipeline import Evaluation, write_scan_bundle

    ev = Evaluation(
        graph=graph,
        verdicts=verdicts,
        rules=rules,
        pack=load_pack("default"),
        evaluated_on=dt.date.fromisoformat(TODAY),
    )
    stamp = dt.datetime.fromisoformat(f"{TODAY}T00:00:00+00:00")
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix="bundle-") as tmp:
        t, c = time.perf_counter(), time.process_time()
        written = write_scan_bundle(
            Path(tmp),
            decl=decl,
            decl_text=(folder / "boundary.yaml").read_text(encoding="utf-8"),
            ev=ev,
            started=stamp,
            finished=stamp,
        )
        out["bundle_s"], out["bundle_cpu"] = time.perf_counter() - t, time.process_time() - c
        sizes = {
            p.relative_to(written).as_posix(): p.stat().st_size
            for p in written.rglob("*")
            if p.is_file()
        }
        shutil.rmtree(written)
    out["bundle_mib"] = sum(sizes.values()) / 2**20
    out["bundle_largest"] = sorted(
        ((k, n / 2**20) for k, n in sizes.items()), key=lambda kv: -kv[1]
    )[:5]
    return out


def generate(size: int, work: Path, regions: int) -> tuple[Path, dict[str, Any]]:
    """The estate folder for ``size`` (generated once, reused while its spec is unchanged)."""
    spec = spec_for(size, regions=ALL_REGIONS[:regions])
    folder = work / f"estate-{size}-r{regions}"
    meta_path = folder / "meta.json"
    if meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("spec") == repr(spec):
            return folder, meta
    written = write_inventory(spec, folder / "inventory.jsonl")
    write_declaration(spec, folder / "boundary.yaml")
    meta = {
        "spec": repr(spec),
        "accounts": spec.accounts,
        "resources": written.resources,
        "relations": written.relations,
        "generate_s": round(written.seconds, 2),
    }
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return folder, meta


def measure(
    folder: Path, per_rule: int = 0, exclude: tuple[str, ...] = (), bundle: bool = False
) -> dict[str, Any]:
    """Evaluate ``folder`` in a fresh child process; its figures plus its own peak RSS (MiB)."""
    import tempfile

    t = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.evaluation",
                "--child",
                str(folder),
                "--per-rule",
                str(per_rule),
                *(f"--exclude={e}" for e in exclude),
                *(["--bundle"] if bundle else []),
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max of all).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"evaluation child failed for {folder}:\n{stderr[-4000:]}")
    got: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    got["peak_rss_mib"] = round(usage.ru_maxrss / 1024)
    got["child_cpu_s"] = usage.ru_utime + usage.ru_stime
    got["child_wall_s"] = wall
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description="graph build + default rule pack, per estate size")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/auditor-bench"))
    ap.add_argument("--per-rule", type=int, default=0, help="print the N slowest rules")
    ap.add_argument("--exclude", action="append", default=[], help="skip this rule (repeatable)")
    ap.add_argument(
        "--bundle",
        action="store_true",
        help="also write the bundle as a scan does (its time; the peak then includes it)",
    )
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.per_rule, a.exclude, a.bundle)))
        return
    print(
        "wall and CPU seconds per stage (CPU: the child's own process time, which other "
        "load on the machine does not inflate)"
    )
    print(
        f"{'size':>8} {'accounts':>8} {'resources':>9} {'relations':>9} {'gen s':>6} "
        f"{'load s':>6} {'build s':>7} {'rules s':>7} {'total s':>7} {'cpu load':>8} "
        f"{'cpu build':>9} {'cpu rules':>9} {'cpu total':>9} {'peak MiB':>8} {'verdicts':>8}"
    )
    for size in sorted(a.sizes):
        folder, meta = generate(size, a.work, a.regions)
        r = measure(folder, a.per_rule, tuple(a.exclude), a.bundle)
        total = r["load_s"] + r["build_s"] + r["rules_s"]
        cpu = r["load_cpu"] + r["build_cpu"] + r["rules_cpu"]
        print(
            f"{size:>8} {meta['accounts']:>8} {r['resources']:>9} {r['relations']:>9} "
            f"{meta['generate_s']:>6.1f} {r['load_s']:>6.1f} {r['build_s']:>7.1f} "
            f"{r['rules_s']:>7.1f} {total:>7.1f} {r['load_cpu']:>8.1f} {r['build_cpu']:>9.1f} "
            f"{r['rules_cpu']:>9.1f} {cpu:>9.1f} {r['peak_rss_mib']:>8} {r['verdicts']:>8}",
            flush=True,
        )
        for rid, s in r["slowest"]:
            print(f"{'':>10}{rid:<44} {s:8.2f} s cpu")
        if "bundle_s" in r:
            largest = ", ".join(f"{k} {mib:.0f} MiB" for k, mib in r["bundle_largest"])
            print(
                f"{'':>10}bundle written: {r['bundle_s']:.1f} s wall, "
                f"{r['bundle_cpu']:.1f} s cpu, {r['bundle_mib']:.0f} MiB ({largest})"
            )


if __name__ == "__main__":
    main()
