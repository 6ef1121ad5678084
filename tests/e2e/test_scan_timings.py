"""A scan explains its own time (issue #22 points 2 and 3).

The demo's AWS estate (2 accounts, 2 regions) is scanned with ``auditor scan``
through the fault proxy, which counts every request it receives. The bundle's
``timings.json`` must hold together: the phases add up to at most the wall, the
longest chain fits in the collection's wall, and the per-service call counts are
the calls the manifest records and the requests the cloud received. The
evidence files stay deterministic: the same inventory and declaration,
re-evaluated, give the same bytes, and a replay writes no timings.

A second scan runs ``auditor scan`` in a fresh process and asserts that an
AWS-only scan imports no Azure or Google SDK (nor our own Azure and GCP
collectors), and that its start-up phase is counted from the process's start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.evidence.bundle import verify_bundle
from auditor.evidence.timings import PHASES, TIMINGS
from auditor.fakecloud.fault_matrix import MatrixEstate, matrix_estate
from auditor.fakecloud.identities import AUDITOR_ROLE
from auditor.fakecloud.moto_server import MotoServer, endpoint_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Iterator[MatrixEstate]:
    moto_server.reset()
    with matrix_estate(moto_server.endpoint) as e:
        yield e


def _args(estate: MatrixEstate, out: Path) -> list[str]:
    return [
        "scan",
        "--boundary",
        str(estate.declaration_path),
        "--assume-role",
        AUDITOR_ROLE,
        "--out",
        str(out),
        "--no-checkpoint",
    ]


@pytest.fixture(scope="module")
def scanned(
    estate: MatrixEstate, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], str, Counter[str]]:
    """One CLI scan with ``--json --timings``: its bundle, JSON summary, stderr, requests."""
    out = tmp_path_factory.mktemp("scan")
    before = Counter(estate.proxy.requests)
    with endpoint_env(estate.proxy.endpoint, **estate.credentials.env()):
        res = CliRunner().invoke(main, [*_args(estate, out), "--json", "--timings"])
    assert res.exit_code in (0, 1), res.output + res.stderr
    sent: Counter[str] = Counter()
    for (_, _, service, _, _), n in (estate.proxy.requests - before).items():
        sent[service] += n
    (bundle,) = [p for p in out.iterdir() if p.is_dir()]
    return bundle, json.loads(res.stdout), res.stderr, sent


def test_timings_are_consistent_with_the_scan(
    scanned: tuple[Path, dict[str, Any], str, Counter[str]],
) -> None:
    bundle, summary, _, sent = scanned
    doc = json.loads((bundle / TIMINGS).read_text())
    assert summary["timings"] == doc  # --json carries what the bundle holds
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["complete"] is True

    phases = doc["phases"]
    assert {"collect", "normalise", "build", "evaluate", "render", "write"} <= set(phases)
    assert set(phases) <= set(PHASES)
    assert all(s >= 0 for s in phases.values())
    assert sum(phases.values()) <= doc["wall_seconds"] + 1e-3
    assert doc["unaccounted_seconds"] == pytest.approx(
        doc["wall_seconds"] - sum(phases.values()), abs=2e-3
    )

    aws = doc["collection"]["clouds"]["aws"]
    assert aws["seconds"] <= phases["collect"] + 1e-3
    chain = aws["chain"]
    assert chain["seconds"] == pytest.approx(
        chain["setup_seconds"] + chain["slowest_unit_seconds"], abs=2e-3
    )
    assert chain["seconds"] <= aws["seconds"] + 1e-3  # a chain runs inside its wall
    assert chain["slowest_unit_seconds"] <= aws["units_seconds_summed"]
    assert aws["units"] > 10
    assert doc["collection"]["normalise_while_collecting_seconds"] > 0

    # Calls per service: the manifest's counts, and the requests the cloud received.
    recorded: Counter[str] = Counter()
    for op, n in manifest["api_calls"].items():
        recorded[op.split(":", 1)[0]] += n
    services = doc["services"]
    assert {s: v["calls"] for s, v in services.items() if v["calls"]} == dict(recorded)
    assert aws["calls"] == manifest["api_calls_total"] == sum(sent.values())
    assert {s: services[s]["calls"] for s in sent} == dict(sent)

    # Every collector's client was counted, each a client of a service it called.
    assert doc["collection"]["clients_built"] == sum(v["clients"] for v in services.values())
    assert all(services[s]["calls"] > 0 for s, v in services.items() if v["clients"])
    assert services["ec2"]["clients"] >= 4  # at least one per account-region

    # The bundle lists timings.json in SHA256SUMS: tampering with it is seen.
    assert verify_bundle(bundle).ok
    assert f"  {TIMINGS}\n" in (bundle / "SHA256SUMS").read_text()
    members = doc["members"]
    assert {"inventory.jsonl", "graph.json", "verdicts.json", "report.md"} <= set(members)
    assert TIMINGS not in members


def test_the_cli_prints_the_critical_path(
    scanned: tuple[Path, dict[str, Any], str, Counter[str]],
) -> None:
    _, summary, stderr, _ = scanned
    doc = summary["timings"]
    lines = stderr.splitlines()
    (head,) = [i for i, line in enumerate(lines) if line.startswith("timings: ")]
    shown = "\n".join(lines[head : head + 15])
    assert f"{doc['wall_seconds']:.2f} s wall" in shown
    aws = doc["collection"]["clouds"]["aws"]
    assert f"aws {aws['seconds']:.2f} s, {aws['calls']} calls" in shown
    assert aws["chain"]["slowest_unit"] in shown
    assert "critical path: " in shown


def test_evidence_stays_deterministic_and_replays_write_no_timings(
    scanned: tuple[Path, dict[str, Any], str, Counter[str]], tmp_path: Path
) -> None:
    bundle = scanned[0]
    outs = []
    for name in ("a", "b"):
        res = CliRunner().invoke(main, ["evaluate", str(bundle), "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        (again,) = list((tmp_path / name).iterdir())
        assert not (again / TIMINGS).exists()
        outs.append(again)
    a, b = outs
    for name in ("inventory.jsonl", "verdicts.json", "graph.json", "report.md"):
        assert (a / name).read_bytes() == (bundle / name).read_bytes(), name
    assert (a / "SHA256SUMS").read_bytes() == (b / "SHA256SUMS").read_bytes()


_CHILD = """
import json, sys
from auditor.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
    code = 0
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

ABSENT = ("azure", "google", "grpc", "msal", "auditor.collect.azure", "auditor.collect.gcp")
"""Azure and Google SDKs (and what they bring), and our own Azure and GCP collectors."""


def test_an_aws_only_scan_in_a_fresh_process_imports_no_other_cloud(
    estate: MatrixEstate, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        estate.credentials.env(),
        AWS_ENDPOINT_URL=estate.proxy.endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.pop("AWS_SESSION_TOKEN", None)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, *_args(estate, tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = json.loads(child.stderr.strip().splitlines()[-1])
    assert report["exit"] in (0, 1), child.stderr[-2000:]
    modules = report["modules"]
    assert "boto3" in modules and "auditor.collect.aws" in modules  # it did scan AWS
    loaded = [m for m in modules if any(m == a or m.startswith(a + ".") for a in ABSENT)]
    assert loaded == []
    (bundle,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    doc = json.loads((bundle / TIMINGS).read_text())
    # Counted from the process's start: the interpreter, the imports, the CLI's checks.
    assert 0 < doc["phases"]["startup"] < doc["wall_seconds"]
    assert list(doc["collection"]["clouds"]) == ["aws"]
