"""`auditor snapshot` reads flows by default (a short window) and prints the crossings
observed since last-good first, next to the configured ones.

The observed-flows estate is scanned with ``--flows-since 24h`` as last-good; then, as
in an incident, a standby broker starts sending to an address outside the estate.
The snapshot (default window: one hour) must list that crossing first, not the
crossings last-good had already seen, and exit 1; ``--no-flows`` reads nothing.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.flow_estate import write_flows
from auditor.fakecloud.identities import AUDITOR_ROLE, AuditorCredentials
from tests.conftest import FakeAws

ESTATE = Path(__file__).resolve().parents[2] / "fixtures" / "observed-flows"
W2 = "aws/111111111111/us-west-2"


def _run(creds: AuditorCredentials, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args), env=creds.env())
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stdout if res.exit_code in (0, 1) else res.output


def test_snapshot_prints_new_observed_crossings_first(fake_aws: FakeAws, tmp_path: Path) -> None:
    apply_estate(ESTATE / "estate.yaml")
    write_flows(ESTATE / "flows.yaml")
    creds = fake_aws.auditor(("111111111111",))
    decl = str(ESTATE / "boundary.yaml")
    common = ("--assume-role", AUDITOR_ROLE, "--no-checkpoint")
    code, output = _run(
        creds,
        *("scan", "--boundary", decl, "--out", str(tmp_path / "good"), "--flows-since", "24h"),
        *common,
    )
    assert code in (0, 1), output
    (good,) = list((tmp_path / "good").iterdir())
    assert "## Data movement (observed flows)" in (good / "report.md").read_text()

    incident = tmp_path / "incident.yaml"
    incident.write_text(
        '- {account: "111111111111", region: us-west-2, group: /vpc/orders-flows-usw2,\n'
        "   at: broker-usw2-a, flows: [{src: broker-usw2-a, dst: 192.0.2.99, port: 443,\n"
        "   bytes: 7000000}]}\n"
    )
    write_flows(incident)
    snap = ("snapshot", "--boundary", decl, "--last-good", str(good))
    code, output = _run(
        creds, *snap, "--out", str(tmp_path / "snap"), "--assume-role", AUDITOR_ROLE
    )
    assert code == 1, output
    lines = output.splitlines()
    assert lines[0].startswith(f"NEW OBSERVED CROSSINGS SINCE {good.name} (flow records ")
    assert lines[1] == (
        # broker-usw2-a's subnet routes nothing to the internet: its way out is unknown
        f"  internet: {W2} -> internet via unknown, 7000000 bytes in 1 flow(s) (internet-egress)"
    )
    assert lines[2:4] == ["", f"NEW SINCE {good.name}:"]  # then the configured crossings
    assert "us-east-1 -> aws/111111111111/us-west-2 via peering" not in output  # seen before

    code, output = _run(
        creds, *snap, "--out", str(tmp_path / "off"), "--assume-role", AUDITOR_ROLE, "--no-flows"
    )
    assert output.splitlines()[0].startswith(
        f"NEW OBSERVED CROSSINGS SINCE {good.name}: no flow records were read"
    ), output
    (off,) = list((tmp_path / "off").iterdir())
    assert "Data movement" not in (off / "report.md").read_text()
