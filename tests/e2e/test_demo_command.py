"""`auditor demo` (what `make demo` runs) works from a clean process and leaves a sound bundle.

The default estate, kafka-byoc-multicloud, needs all three embedded fakes (moto,
AzureFake, GcpFake); the bundle must hold every cloud and the boundary crossings
to the vendor in each.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.boundary import load_declaration
from auditor.evidence.bundle import verify_bundle
from auditor.fakecloud.demo import DEFAULT_ESTATE, estate_files, fixtures_dir


def _demo(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "GOOGLE_"))}
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", "demo", "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_demo_scans_the_three_embedded_clouds(tmp_path: Path) -> None:
    proc = _demo(tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    (bundle,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert verify_bundle(bundle).ok
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert manifest["scope"]["cloud"] == "aws+azure+gcp"
    assert manifest["resources"] > 150
    counts = manifest["verdicts"]
    assert set(counts) == {"data", "control", "network", "failure"}
    for path, by_status in counts.items():
        assert by_status["PASS"] > 0, f"no PASS evidence on the {path} path"
    assert sum(c["FAIL"] for c in counts.values()) > 0
    assert "evidence bundle:" in proc.stdout

    graph = json.loads((bundle / "graph.json").read_text())
    zones = {n["id"]: n["zone"] for n in graph["nodes"]}
    collected = {zones[n["id"]].get("cloud") for n in graph["nodes"] if not n["stub"]}
    assert {"aws", "azure", "gcp"} <= collected
    # The vendor crosses into the customer's estate in every cloud: the AWS
    # vendor-operator trust, the Azure Lighthouse delegation, the GCP CMEK kept in
    # the vendor's project.
    to_vendor = {
        zones[e["source"]]["cloud"]
        for e in graph["edges"]
        if e["crossing"]
        and {zones[e["source"]].get("party"), zones[e["target"]].get("party")}
        == {"customer", "vendor"}
        and zones[e["source"]].get("cloud") == zones[e["target"]].get("cloud")
    }
    assert to_vendor == {"aws", "azure", "gcp"}
    assert sum(1 for e in graph["edges"] if e["crossing"]) == manifest["crossings"]

    # report.md opens with the reviewer's first page, naming every cloud it read
    report = (bundle / "report.md").read_text()
    headings = [line for line in report.splitlines() if line.startswith("## ")]
    assert headings[:6] == [
        "## Scope",
        "## Evidence",
        "## Coverage per cloud",
        "## Summary",
        "## Top risks",
        "## Recovery objectives",
    ]
    assert "| clouds | aws, azure, gcp |" in report
    lines = (bundle / "SHA256SUMS").read_text().splitlines()
    sums = {name: digest for digest, name in (line.split(maxsplit=1) for line in lines)}
    assert f"| inventory.jsonl | `{sums['inventory.jsonl']}` |" in report
    for cloud in ("aws", "azure", "gcp"):
        assert re.search(rf"^\| {cloud} \| [1-9]\d* \| [1-9]\d* \| [1-9]\d* \| ", report, re.M)
    assert "| declared | 300 s (5m) | 900 s (15m) |" in report


def _files(name: str) -> dict[str, str]:
    folder = fixtures_dir() / name
    files = estate_files(folder, load_declaration(folder / "boundary.yaml"))
    return {cloud: path.name for cloud, path in files.items()}


def test_the_declaration_picks_the_fakes_and_the_folder_their_estates() -> None:
    assert DEFAULT_ESTATE == "kafka-byoc-multicloud"
    assert _files(DEFAULT_ESTATE) == {"aws": "aws.yaml", "azure": "azure.yaml", "gcp": "gcp.yaml"}
    assert _files("kafka-byoc-aws") == {"aws": "estate.yaml"}
    assert _files("azure-kafka") == {"azure": "estate.yaml"}
    assert _files("gcp-kafka") == {"gcp": "estate.yaml"}


def test_a_cloud_without_an_estate_file_is_named(tmp_path: Path) -> None:
    multi = fixtures_dir() / DEFAULT_ESTATE
    (tmp_path / "aws.yaml").write_text("[]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"azure\.yaml: no azure estate"):
        estate_files(tmp_path, load_declaration(multi / "boundary.yaml"))


def test_an_unknown_estate_is_a_one_line_input_error(tmp_path: Path) -> None:
    proc = _demo(tmp_path / "out", "--estate", "no-such-estate")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --estate no-such-estate: no ")
    assert "kafka-byoc-multicloud" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_demo_of_an_estate_with_flow_records_reads_them_and_maps_the_data_movement(
    tmp_path: Path,
) -> None:
    """`auditor demo --estate observed-flows`: its flows.yaml is written after the estate and
    read back (the last hour), so the observed-flow rules judge and the map is drawn."""
    proc = _demo(tmp_path, "--estate", "observed-flows")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (bundle,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert verify_bundle(bundle).ok
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    judged = {(v["rule"], v["status"]) for v in verdicts if v["rule"] == "network.observed-medium"}
    assert judged == {("network.observed-medium", "FAIL"), ("network.observed-medium", "PASS")}
    report = (bundle / "report.md").read_text()
    assert "## Data movement (observed flows)" in report
    assert (
        "| region | aws/111111111111/us-east-1 | aws/111111111111/us-west-2 | peering |" in report
    )


def test_demo_of_the_gcp_flow_estate_reads_its_vpc_flows(tmp_path: Path) -> None:
    """`auditor demo --estate observed-flows-gcp`: a GCP-only estate's flows.yaml entries are
    served by the GCP fake's Cloud Logging and read over the demo window."""
    proc = _demo(tmp_path, "--estate", "observed-flows-gcp")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (bundle,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert verify_bundle(bundle).ok
    verdicts = json.loads((bundle / "verdicts.json").read_text())
    judged = {(v["rule"], v["status"]) for v in verdicts if v["rule"] == "network.observed-medium"}
    assert judged == {("network.observed-medium", "FAIL"), ("network.observed-medium", "PASS")}
    report = (bundle / "report.md").read_text()
    assert (
        "| region | gcp/orders-prod/europe-west1 | gcp/orders-prod/europe-west4 | nat |" in report
    )


def test_demo_json_prints_only_the_scan_summary_on_stdout(tmp_path: Path) -> None:
    """`auditor demo --json`: stdout is the one JSON summary `scan --json` prints (a
    script can read it); the demo's own lines and the human summary go to stderr."""
    proc = _demo(tmp_path, "--estate", "kafka-byoc-aws", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout)  # nothing else on stdout
    (bundle,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert Path(summary["bundle"]) == bundle
    assert summary["exit_code"] == 1 and summary["exit_reason"] == "fail"
    assert summary["verdicts"]["FAIL"] > 0
    assert "embedded AWS (moto) listening on" in proc.stderr
    assert "scan exit code would be 1" in proc.stderr
